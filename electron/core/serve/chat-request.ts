import { z } from 'zod';
import type { ChatMessage, JsonSchema, SamplingOptions } from '../llm/language-model.ts';
import { HttpError } from './http-io.ts';

/** The model name under which the agent answers (planner, tools, verifier, generator) instead of one model. */
export const agentModelId = 'inflow-agent';

const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.union([z.string(), z.array(textPart)]).nullable(),
  })
  .loose();

/** The part of OpenAI's chat completion request Inflow serves; other fields are ignored, unsupported ones refused. */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1).max(500),
    messages: z.array(message).min(1).max(1000),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().gt(0).max(1).nullable().optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    stop: z
      .union([z.string().min(1), z.array(z.string().min(1)).max(4)])
      .nullable()
      .optional(),
    n: z.literal(1).nullable().optional(),
    response_format: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('text') }).loose(),
        z.object({ type: z.literal('json_object') }).loose(),
        z
          .object({
            type: z.literal('json_schema'),
            json_schema: z
              .object({
                name: z.string().max(64).optional(),
                schema: z.record(z.string(), z.unknown()).optional(),
                strict: z.boolean().nullable().optional(),
              })
              .loose(),
          })
          .loose(),
      ])
      .nullable()
      .optional(),
    /** Inflow's extension for the agent model: which tools, how many steps, and a demonstration (the tool per step). */
    inflow: z
      .object({
        tools: z.array(z.string().min(1).max(100)).max(50).optional(),
        max_steps: z.number().int().min(1).max(50).optional(),
        demonstrate: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
      })
      .strict()
      .optional(),
  })
  .loose();

export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface ParsedChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  sampling: SamplingOptions;
  stop: string[];
  jsonSchema: JsonSchema | undefined;
  agent: { tools?: string[]; maxSteps?: number; pinnedTools?: string[] };
}

const unsupported = ['tools', 'tool_choice', 'functions', 'function_call', 'logit_bias', 'audio', 'modalities', 'prediction'];

/** Validates a request body; every refusal names the field and says what is accepted. */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'invalid_request', 'The body must be a JSON object.');
  for (const field of unsupported) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      throw new HttpError(400, 'unsupported_parameter', `"${field}" is not supported by Inflow's local API.`, {
        param: field,
        extra: { hint: 'Use model "inflow-agent" to let Inflow\'s agent use its tools.' },
      });
    }
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? 'body' : issue.path.join('.');
    throw new HttpError(400, 'invalid_request', `${where}: ${issue.message}.`, { param: where });
  }
  const request = parsed.data;
  const messages: ChatMessage[] = request.messages.map((item) => ({
    role: item.role === 'developer' ? 'system' : item.role,
    content: typeof item.content === 'string' ? item.content : (item.content ?? []).map((part) => part.text).join(''),
  }));
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const format = request.response_format ?? undefined;
  let jsonSchema: JsonSchema | undefined;
  if (format?.type === 'json_object') jsonSchema = { type: 'object' };
  if (format?.type === 'json_schema') {
    if (format.json_schema.schema === undefined)
      throw new HttpError(400, 'invalid_request', 'response_format.json_schema.schema is missing.', { param: 'response_format.json_schema.schema' });
    jsonSchema = format.json_schema.schema;
  }
  return {
    model: request.model,
    messages,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    // OpenAI's defaults: temperature 1, top_p 1.
    sampling: {
      temperature: request.temperature ?? 1,
      ...(request.top_p === undefined || request.top_p === null ? {} : { topP: request.top_p }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(request.seed === undefined || request.seed === null ? {} : { seed: request.seed }),
      ...(request.frequency_penalty === undefined || request.frequency_penalty === null ? {} : { frequencyPenalty: request.frequency_penalty }),
    },
    stop: request.stop === undefined || request.stop === null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop,
    jsonSchema,
    agent: {
      ...(request.inflow?.tools === undefined ? {} : { tools: request.inflow.tools }),
      ...(request.inflow?.max_steps === undefined ? {} : { maxSteps: request.inflow.max_steps }),
      ...(request.inflow?.demonstrate === undefined ? {} : { pinnedTools: request.inflow.demonstrate }),
    },
  };
}
