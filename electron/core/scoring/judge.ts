import type { Generation, JsonSchema, LanguageModel } from '../llm/language-model.ts';

/** What the judge is asked to compare. */
export interface JudgeInput {
  /** The question as asked (without the answer-format instruction is best). */
  question?: string;
  /** The model's (extracted) answer. */
  response: string;
  /** Every accepted ground-truth answer. */
  expected: readonly string[];
  /** Options of a multiple-choice item, e.g. ["A. ...", "B. ..."]. */
  choices?: readonly string[];
}

/** A judge's decision with its reasoning; `generation` is the raw model call, for the run's record. */
export interface JudgeVerdict {
  correct: boolean;
  reason: string;
  generation?: Generation;
}

/** Decides whether a free-form answer means the same as the ground truth. */
export interface Judge {
  readonly id: string;
  judge(input: JudgeInput, options?: { signal?: AbortSignal }): Promise<JudgeVerdict>;
}

/** The structured output the judge must produce (the fields AgentFlow's judge uses). */
export const judgeSchema: JsonSchema = {
  type: 'object',
  properties: {
    analysis: { type: 'string' },
    true_false: { type: 'boolean' },
  },
  required: ['analysis', 'true_false'],
};

const instructions = [
  'You grade answers. Decide whether the Model Response gives the same final answer as the Ground Truth.',
  '- Look only at the final answer in the response (a boxed value or the concluding statement); ignore the reasoning around it.',
  '- Compare meaning, not form: letter case, punctuation, articles, currency symbols, units and number formatting do not matter (1,000 = 1000; $5 = 5 dollars).',
  '- Numbers are equal when they are mathematically equal (1/2 = 0.5 = 50%).',
  '- For multiple choice, an option letter, its number or ordinal, and its text all name the same option.',
  '- When several ground-truth answers are listed, matching any one of them is enough.',
  '- A response that is vague, hedges between several answers, or only partly matches is false.',
  'Reply with JSON: "analysis" (one or two short sentences) and "true_false" (true only if the answers are equivalent).',
].join('\n');

/** Longer responses are cut in the middle so the prompt fits a small model's context. */
const MAX_RESPONSE_CHARS = 4000;

/** The user message given to the judge model. */
export function judgePrompt(input: JudgeInput): string {
  const parts = [instructions, ''];
  if (input.question !== undefined && input.question.trim() !== '') parts.push(`Question: ${input.question.trim()}`);
  if (input.choices !== undefined && input.choices.length > 0) parts.push(`Options:\n${input.choices.join('\n')}`);
  const response =
    input.response.length > MAX_RESPONSE_CHARS
      ? `${input.response.slice(0, MAX_RESPONSE_CHARS / 2)} … ${input.response.slice(-MAX_RESPONSE_CHARS / 2)}`
      : input.response;
  parts.push(`Model Response: ${response}`);
  parts.push(
    input.expected.length === 1
      ? `Ground Truth: ${input.expected[0]}`
      : `Ground Truth (any of): ${input.expected.map((e) => JSON.stringify(e)).join(', ')}`,
  );
  return parts.join('\n');
}

function readVerdict(generation: Generation): { correct: boolean; reason: string } | null {
  const parsed = (generation.parsed ?? tryParse(generation.text)) as { analysis?: unknown; true_false?: unknown } | undefined;
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') {
    const verdict = parsed.true_false;
    const correct = typeof verdict === 'boolean' ? verdict : typeof verdict === 'string' ? /^true$/i.test(verdict.trim()) : null;
    if (correct !== null) return { correct, reason: typeof parsed.analysis === 'string' ? parsed.analysis.trim() : '' };
  }
  const loose = /"?true_false"?\s*:\s*"?(true|false)/i.exec(generation.text)?.[1];
  return loose === undefined ? null : { correct: loose.toLowerCase() === 'true', reason: generation.text.trim() };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A judge run by a local model with the answer schema enforced by grammar, greedy. Used when the rule-based
 * scorers cannot decide (free-form answers). A reply without a verdict, or a failed generation, counts as
 * "not equivalent", with the raw reply or the error kept as the reason.
 */
export function createModelJudge(model: LanguageModel, options: { maxTokens?: number } = {}): Judge {
  return {
    id: model.adapterId === null ? model.id : `${model.id}+${model.adapterId}`,
    async judge(input, callOptions = {}) {
      let generation: Generation;
      try {
        generation = await model.generate({
          messages: [{ role: 'user', content: judgePrompt(input) }],
          sampling: { temperature: 0, maxTokens: options.maxTokens ?? 384 },
          jsonSchema: judgeSchema,
          ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
        });
      } catch (error) {
        // A cancelled run stops; a failed generation (e.g. a reply that is not JSON) is a verdict of "not shown equivalent", with why.
        if (callOptions.signal?.aborted === true) throw error;
        return { correct: false, reason: `the judge failed: ${(error as Error)?.message ?? String(error)}` };
      }
      const verdict = readVerdict(generation);
      if (verdict === null) {
        return { correct: false, reason: `the judge gave no verdict: ${generation.text.slice(0, 300)}`, generation };
      }
      return { ...verdict, generation };
    },
  };
}
