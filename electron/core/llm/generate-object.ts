import type { GbnfJsonSchema, GbnfJsonSchemaToType } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import type { GenerateRequest, Generation, LanguageModel } from './language-model.ts';

/**
 * Generates a value constrained by a JSON schema and returns it typed from the schema (write the schema
 * `as const`, or inline). The generation is returned too, for recording tokens and log-probs. A reply cut off
 * before the JSON closed (max tokens, abort) is MODEL_OUTPUT_INCOMPLETE with the generation in its details.
 */
export async function generateObject<const Schema extends GbnfJsonSchema>(
  model: LanguageModel,
  request: Omit<GenerateRequest, 'jsonSchema'>,
  schema: Schema,
): Promise<{ value: GbnfJsonSchemaToType<Schema>; generation: Generation }> {
  const generation = await model.generate({ ...request, jsonSchema: schema as Record<string, unknown> });
  if (generation.stopReason !== 'eos' || generation.parsed === undefined) {
    throw new InflowError('MODEL_OUTPUT_INCOMPLETE', `The model stopped (${generation.stopReason}) before finishing its JSON answer.`, {
      details: { generation },
      hint: generation.stopReason === 'max_tokens' ? 'Raise maxTokens.' : undefined,
    });
  }
  return { value: generation.parsed as GbnfJsonSchemaToType<Schema>, generation };
}
