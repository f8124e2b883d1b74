import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../../errors.ts';

/** Which judge a training run uses for free-form answers, and why (shown to the user, stored with the run). */
export interface TrainingJudgeChoice {
  /** The GGUF file of the judge model; null: no judge, answers the rules cannot settle score 0. */
  path: string | null;
  reason: string;
}

export interface TrainingJudgeRequest {
  /** The planner's base model: the model being trained. */
  plannerPath: string;
  /** A judge the user picked (`--judge-model`, the app's training settings). */
  judgePath?: string | null;
  /** The user asked for no judge (`--no-judge`). */
  noJudge?: boolean;
  /** The executor's model, the default judge when it is a different model from the planner's. */
  executorPath?: string | null;
}

/** Bytes hashed at each end of a file to tell two model files apart without reading gigabytes. */
const PROBE_BYTES = 1 << 20;

function fingerprint(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const hash = crypto.createHash('sha256').update(String(size));
    for (const start of [0, Math.max(0, size - PROBE_BYTES)]) {
      const buffer = Buffer.alloc(Math.min(PROBE_BYTES, size));
      const read = fs.readSync(fd, buffer, 0, buffer.length, start);
      hash.update(buffer.subarray(0, read));
    }
    return hash.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether two paths hold the same model: the same file, or a copy of it (size and both ends identical). */
export function sameModelFile(a: string, b: string): boolean {
  const realA = fs.realpathSync(a);
  const realB = fs.realpathSync(b);
  return realA === realB || fingerprint(realA) === fingerprint(realB);
}

/**
 * The judge of a training run. The judge must never be the model being trained: a planner that grades its own
 * answers can reward everything (a random test planner judging itself gave every answer 1.0, so nothing was
 * learned). Order: `noJudge` → none; a judge the user picked → that model, refused if it is the planner's
 * model; else the executor's model when it is a different model; else none (rules only).
 * Throws JUDGE_NOT_FOUND for a missing file and JUDGE_INVALID when the pick is the planner's own model.
 */
export function chooseTrainingJudge(request: TrainingJudgeRequest): TrainingJudgeChoice {
  if (request.noJudge === true) return { path: null, reason: 'no judge (asked for): answers the rules cannot settle score 0' };
  const picked = request.judgePath ?? null;
  if (picked !== null) {
    const judgePath = path.resolve(picked);
    if (!fs.existsSync(judgePath))
      throw new InflowError('JUDGE_NOT_FOUND', `No judge model file ${judgePath}.`, {
        hint: "Give the path of a GGUF model other than the planner's, or train with --no-judge.",
      });
    if (sameModelFile(judgePath, request.plannerPath)) {
      throw new InflowError(
        'JUDGE_INVALID',
        `The judge ${path.basename(judgePath)} is the model being trained; a planner that grades its own answers can reward anything.`,
        {
          hint: 'Pick a different model as the judge (--judge-model PATH), or train with --no-judge (rules only).',
        },
      );
    }
    return { path: judgePath, reason: `judge: ${path.basename(judgePath)} (chosen)` };
  }
  const executor = request.executorPath ?? null;
  if (executor !== null && fs.existsSync(executor) && !sameModelFile(executor, request.plannerPath)) {
    return { path: path.resolve(executor), reason: `judge: the executor's model ${path.basename(executor)}` };
  }
  return {
    path: null,
    reason:
      "no judge: the executor runs on the planner's own model, and a model must not grade itself; answers the rules cannot settle score 0 (pick one with --judge-model)",
  };
}
