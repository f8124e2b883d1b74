/**
 * The AgentFlow paper's reported accuracies (%) (arXiv 2510.05592, README tables; see
 * docs/agentflow-spec.md §4.1), shown beside our numbers for reference and always labelled as the paper's.
 * They were measured with 7B models on GPUs, cloud search tools and a GPT-4o judge, not with Inflow.
 */
export interface PaperRow {
  system: string;
  accuracy: Readonly<Record<string, number>>;
}

export const paperResults: readonly PaperRow[] = [
  {
    system: 'Qwen2.5-7B-Instruct (no agent)',
    accuracy: { bamboogle: 12.0, '2wiki': 23.0, hotpotqa: 21.0, musique: 6.0, gaia: 3.2, aime24: 6.7, amc23: 47.5, gameof24: 33.0, medqa: 66.0 },
  },
  {
    system: 'AgentFlow, untrained 7B planner',
    accuracy: { bamboogle: 58.4, '2wiki': 60.0, hotpotqa: 51.3, musique: 19.2, gaia: 17.2, aime24: 16.7, amc23: 47.4, gameof24: 31.0, medqa: 76.0 },
  },
  {
    system: 'AgentFlow + Flow-GRPO 7B planner',
    accuracy: { bamboogle: 69.6, '2wiki': 77.2, hotpotqa: 57.0, musique: 25.3, gaia: 33.1, aime24: 40.0, amc23: 61.5, gameof24: 53.0, medqa: 80.0 },
  },
];

/** The paper's rows that report a number for this benchmark. */
export function paperResultsFor(benchmark: string): Array<{ system: string; accuracy: number }> {
  return paperResults.flatMap((row) => {
    const accuracy = row.accuracy[benchmark];
    return accuracy === undefined ? [] : [{ system: row.system, accuracy }];
  });
}
