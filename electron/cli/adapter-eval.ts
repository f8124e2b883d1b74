import type { AdapterRecord } from '../core/adapters/adapter-registry.ts';
import type { DatasetRecord } from '../core/datasets/dataset-store.ts';
import { InflowError } from '../core/errors.ts';
import { evaluationPurpose } from '../core/eval/eval-models.ts';
import { evaluateHeldOut, type HeldOutResult } from '../core/training/flow-grpo/heldout-eval.ts';
import { rewardForAnswer } from '../core/training/flow-grpo/rewards.ts';
import type { CliContext } from './command.ts';

/**
 * Held-out accuracy of one adapter on a dataset (`inflow adapters eval`): the training rollout's agent (its tools and
 * steps) with models loaded as every evaluation loads them (`evaluationPurpose`: the agent's context, as
 * `inflow eval --adapter`), not at the training context.
 */
export async function evaluateAdapter(
  context: CliContext,
  input: { adapter: AdapterRecord; dataset: DatasetRecord; baseModel: string; limit?: number; maxSteps?: number; threads?: number },
): Promise<HeldOutResult> {
  const backend = await context.backend();
  const items = backend.datasets.items(input.dataset.id, 'heldout').slice(0, input.limit ?? Infinity);
  if (items.length === 0)
    throw new InflowError('DATASET_EMPTY', `Dataset "${input.dataset.name}" has no held-out items.`, { hint: 'Import it with --heldout 0.2.' });
  const { openTrainingSession } = await import('../core/training/flow-grpo/cli-session.ts');
  const session = await openTrainingSession({
    backend,
    modelPath: input.baseModel,
    purpose: evaluationPurpose(),
    judge: 'fixed',
    ...(input.maxSteps === undefined ? {} : { maxSteps: input.maxSteps }),
    ...(input.threads === undefined ? {} : { threads: input.threads }),
  });
  try {
    await session.planner.setAdapter(input.adapter.path);
    return await evaluateHeldOut({
      items,
      runs: backend.runs,
      agent: session.agent,
      temperature: 0,
      seed: 42,
      signal: context.signal,
      reward: (item, answer) =>
        rewardForAnswer(item, answer, { ...(session.judge === undefined ? {} : { judge: session.judge }), signal: context.signal }),
    });
  } finally {
    await session.close();
  }
}
