import path from 'node:path';
import { decodeTokens } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import type { TrainSample } from './trainer-protocol.ts';

/**
 * The supervised (SFT) training data of `inflow train --objective sft`: the planner turns of runs the user approved
 * (thumbs up, latest rating), as demonstrations of good decisions. Each turn keeps the exact prompt and response
 * tokens the planner saw and wrote, so only turns of the same base model count (the model id the engine gives a
 * file: its name without .gguf). Training and evaluation runs are not demonstrations.
 */
export function approvedPlannerTurns(db: Database, baseModel: string): TrainSample[] {
  const modelId = path.basename(baseModel, '.gguf');
  const rows = db.prepare(`SELECT mc.prompt_tokens, mc.response_tokens FROM module_calls mc JOIN runs r ON r.id = mc.run_id
    WHERE mc.module = 'planner' AND mc.model_id = ? AND mc.prompt_tokens IS NOT NULL AND mc.response_tokens IS NOT NULL
      AND r.kind NOT IN ('rollout', 'eval')
      AND (SELECT f.rating FROM feedback f WHERE f.run_id = r.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) = 1
    ORDER BY r.created_at, mc.id`).all(modelId) as Array<{ prompt_tokens: Uint8Array; response_tokens: Uint8Array }>;
  return rows.flatMap((row) => {
    const promptTokens = decodeTokens(row.prompt_tokens) ?? [];
    const responseTokens = decodeTokens(row.response_tokens) ?? [];
    return promptTokens.length > 0 && responseTokens.length > 0 ? [{ promptTokens, responseTokens, advantage: 0, weight: 1 }] : [];
  });
}
