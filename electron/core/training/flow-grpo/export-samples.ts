import fs from 'node:fs';
import path from 'node:path';
import { decodeFloats, decodeTokens } from '../../store/blobs.ts';
import type { TrainingStore } from '../training-store.ts';

export interface ExportResult {
  trajectoriesFile: string;
  samplesFile: string;
  trajectories: number;
  samples: number;
}

/**
 * Writes the rollouts of a training run (or of every run) as JSONL, for analysis and offline work (inspecting
 * rewards and advantages, filtering demonstrations for SFT, plotting). GRPO trainers such as TRL's and verl
 * generate their own rollouts from prompts and do NOT train from these files; to train on a cluster, use the
 * AgentFlow export (agentflow-export/).
 * - `trajectories.jsonl`: one rollout per line: question, answer, reward, group, and its planner turns.
 * - `turn-samples.jsonl`: one planner turn per line (`prompt`, `completion`, `reward`, `advantage`, `group_id`),
 *   plus the exact token ids and the log-probs at sampling time (`prompt_token_ids`, `completion_token_ids`,
 *   `old_logprobs`).
 * Streams line by line, so large histories do not need to fit in memory.
 */
export function exportTrainingSamples(store: TrainingStore, options: { outDir: string; trainingRunId?: string }): ExportResult {
  fs.mkdirSync(options.outDir, { recursive: true });
  const trajectoriesFile = path.join(options.outDir, 'trajectories.jsonl');
  const samplesFile = path.join(options.outDir, 'turn-samples.jsonl');
  const trajectoriesFd = fs.openSync(trajectoriesFile, 'w');
  const samplesFd = fs.openSync(samplesFile, 'w');
  let trajectories = 0;
  let samples = 0;
  try {
    for (const row of store.exportRollouts(options.trainingRunId)) {
      const calls = store.exportPlannerTurns(row.id as string);
      const reward = row.reward as number | null;
      fs.writeSync(
        trajectoriesFd,
        `${JSON.stringify({
          run_id: row.id,
          group_id: row.group_id,
          training_run_id: row.training_run_id,
          step: row.step,
          question: row.question,
          expected_answer: row.expected_answer === null ? null : JSON.parse(row.expected_answer as string),
          answer: row.answer,
          stop_reason: row.stop_reason,
          reward,
          adapter_id: row.planner_adapter_id,
          turns: calls.map((c) => ({ step: c.step_idx, prompt: c.prompt_text, response: c.response_text })),
        })}\n`,
      );
      trajectories++;
      for (const call of calls) {
        const completionIds = decodeTokens(call.response_tokens as Uint8Array | null);
        if (completionIds === null || completionIds.length === 0) continue;
        fs.writeSync(
          samplesFd,
          `${JSON.stringify({
            prompt: call.prompt_text,
            completion: call.response_text,
            reward,
            advantage: call.advantage ?? null,
            group_id: row.group_id,
            run_id: row.id,
            step: call.step_idx,
            prompt_token_ids: decodeTokens(call.prompt_tokens as Uint8Array | null),
            completion_token_ids: completionIds,
            old_logprobs: decodeFloats(call.response_logprobs as Uint8Array | null),
          })}\n`,
        );
        samples++;
      }
    }
  } finally {
    fs.closeSync(trajectoriesFd);
    fs.closeSync(samplesFd);
  }
  return { trajectoriesFile, samplesFile, trajectories, samples };
}
