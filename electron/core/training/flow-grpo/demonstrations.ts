import path from 'node:path';
import { decodeTokens } from '../../store/blobs.ts';
import type { RunHistory } from '../../store/run-history.ts';
import type { TrainSample } from '../trainer/trainer-protocol.ts';

/**
 * The supervised (SFT) training data of `inflow train --objective sft`: the planner turns of runs the user approved
 * (thumbs up, latest rating), as demonstrations of good decisions. Each turn keeps the exact prompt and response
 * tokens the planner saw and wrote, so only turns of the same base model count (the model id the engine gives a
 * file: its name without .gguf). Training and evaluation runs are not demonstrations.
 */
export function approvedPlannerTurns(history: RunHistory, baseModel: string): TrainSample[] {
  const modelId = path.basename(baseModel, '.gguf');
  const rows = history.approvedPlannerTurns(modelId);
  return rows.flatMap((row) => {
    const promptTokens = decodeTokens(row.prompt_tokens) ?? [];
    const responseTokens = decodeTokens(row.response_tokens) ?? [];
    return promptTokens.length > 0 && responseTokens.length > 0 ? [{ promptTokens, responseTokens, advantage: 0, weight: 1 }] : [];
  });
}
