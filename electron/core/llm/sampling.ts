import type { SequenceEvaluateOptions, Token } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import type { SamplingOptions } from './language-model.ts';

/**
 * Validates sampling options and maps them to node-llama-cpp's per-evaluation options. `generated` returns the
 * response tokens so far; the frequency penalty counts them all, as vLLM does (node-llama-cpp would count only the
 * last 64), so its window is set to the response's token cap. topK 0 reaches llama.cpp as "the whole vocabulary".
 */
export function toEvaluateOptions(sampling: SamplingOptions, generated: () => Token[], maxGenerated: number): SequenceEvaluateOptions {
  const { temperature = 0, topP, topK, frequencyPenalty, seed, maxTokens } = sampling;
  const problems: string[] = [];
  if (!(temperature >= 0 && temperature <= 10)) problems.push(`temperature ${temperature} (0..10)`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) problems.push(`topP ${topP} (0 < topP <= 1)`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) problems.push(`topK ${topK} (integer >= 0)`);
  if (frequencyPenalty !== undefined && !(frequencyPenalty >= -2 && frequencyPenalty <= 2))
    problems.push(`frequencyPenalty ${frequencyPenalty} (-2..2)`);
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) problems.push(`maxTokens ${maxTokens} (integer >= 1)`);
  if (seed !== undefined && !Number.isInteger(seed)) problems.push(`seed ${seed} (integer)`);
  if (problems.length > 0) throw new InflowError('INVALID_SAMPLING', `Invalid sampling options: ${problems.join(', ')}.`);
  return {
    temperature,
    ...(topP === undefined ? {} : { topP }),
    ...(topK === undefined ? {} : { topK }),
    ...(seed === undefined ? {} : { seed }),
    ...(frequencyPenalty === undefined || frequencyPenalty === 0
      ? {}
      : { repeatPenalty: { punishTokens: generated, maxPunishTokens: Math.max(1, maxGenerated), frequencyPenalty, penalty: 1 } }),
    yieldEogToken: true,
  };
}
