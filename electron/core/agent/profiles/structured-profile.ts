import type { Generation, JsonSchema } from '../../llm/language-model.ts';
import { boundSchema } from '../../tools/grammar-schema.ts';
import type { Tool } from '../../tools/tool.ts';
import { parsePartialJson } from '../partial-json.ts';
import { fillTemplate, loadPrompt, type PromptName } from '../prompt-templates.ts';
import { matchToolName } from '../tool-names.ts';
import { defaultModuleMaxTokens, type AgentModule, type ModuleRequest, type PromptInputs, type PromptProfile } from './prompt-profile.ts';
import { absentToolsText, knownFactsText, toolCard } from './tool-cards.ts';

/**
 * Every module output is generated under a JSON schema: the planner's tool name is an enum of the enabled
 * tools, the executor's output is the chosen tool's input schema, the verifier's conclusion is STOP or
 * CONTINUE. Every string and array is bounded. The reasoning before a decision (planner's justification,
 * verifier's analysis) is bounded tightly enough that the decision is always reached within the token cap,
 * even at four tokens per character; later fields may be cut by the cap, and a cut output is repaired and
 * read (partial-json.ts), so every step parses.
 */
export function createStructuredProfile(options: { maxTokens?: Partial<Record<AgentModule, number>> } = {}): PromptProfile {
  const caps = { ...defaultModuleMaxTokens, ...options.maxTokens };
  const chars = (module: AgentModule, share: number) => Math.max(16, Math.floor((caps[module] - 48) * share));
  // A string that comes before a decision field (tool name, conclusion) is bounded for the worst case of
  // four tokens per character (byte-level tokens), so the decision is always generated within the cap.
  const guaranteed = (module: AgentModule, decision: string) => Math.max(8, Math.floor((caps[module] - 64 - decision.length) / 4));
  const longestName = (inputs: PromptInputs) => inputs.tools.reduce((longest, tool) => (tool.name.length > longest.length ? tool.name : longest), '');
  const request = (name: PromptName, values: Record<string, string | number>, jsonSchema: JsonSchema, module: AgentModule): ModuleRequest => ({
    messages: [
      { role: 'system', content: loadPrompt('structured', 'system') },
      { role: 'user', content: fillTemplate(loadPrompt('structured', name), values) },
    ],
    jsonSchema,
    maxTokens: caps[module],
  });
  const common = (inputs: PromptInputs) => ({
    question: inputs.question,
    tool_cards: inputs.tools.map(toolCard).join('\n') || '(none)',
    unavailable_tools: absentToolsText(inputs.absentTools),
    known_facts: knownFactsText(inputs.knownFacts),
    memory: inputs.memory.render('json', inputs.memoryChars),
    query_analysis: inputs.queryAnalysis,
    step: inputs.step,
    max_steps: inputs.maxSteps,
    remaining_steps: Math.max(0, inputs.maxSteps - inputs.step),
  });
  const string = (maxLength: number) => ({ type: 'string', maxLength });
  const object = (properties: Record<string, unknown>) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });
  const json = (generation: Generation): Record<string, unknown> => {
    const value = generation.parsed ?? parsePartialJson(generation.text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  };
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

  return {
    name: 'structured',
    memoryFormat: 'json',
    plannerSampling: { temperature: 0.7, topP: 0.99 },
    analyzer: (inputs) =>
      request(
        'analyzer',
        common(inputs),
        object({
          concise_summary: string(chars('analyzer', 0.4)),
          required_skills: { type: 'array', items: string(chars('analyzer', 0.08)), maxItems: 3 },
          ...(inputs.tools.length > 0
            ? { relevant_tools: { type: 'array', items: { enum: inputs.tools.map((t) => t.name) }, maxItems: Math.min(3, inputs.tools.length) } }
            : {}),
          additional_considerations: string(chars('analyzer', 0.2)),
        }),
        'analyzer',
      ),
    parseAnalysis: (generation) => {
      const value = json(generation);
      const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join('; ') : text(v));
      return [
        `Concise Summary: ${text(value.concise_summary)}`,
        `Required Skills: ${list(value.required_skills)}`,
        `Relevant Tools: ${list(value.relevant_tools)}`,
        `Additional Considerations: ${text(value.additional_considerations)}`,
      ].join('\n');
    },
    planner: (inputs) =>
      request(
        'planner',
        common(inputs),
        object({
          justification: string(guaranteed('planner', longestName(inputs))),
          tool_name: { enum: inputs.tools.map((tool) => tool.name) },
          sub_goal: string(chars('planner', 0.3)),
          context: string(chars('planner', 0.6)),
        }),
        'planner',
      ),
    parsePlan: (generation, toolNames) => {
      const value = json(generation);
      const rawToolName = text(value.tool_name);
      const toolName = matchToolName(rawToolName, toolNames) ?? null;
      return {
        justification: text(value.justification),
        context: text(value.context),
        subGoal: text(value.sub_goal),
        toolName,
        rawToolName,
        parsed: toolName !== null,
      };
    },
    // The prompt stays as it is (every tool card); only the grammar's enum narrows, so the turn is the one the planner
    // would write with that choice.
    pinTool: (planRequest, toolName) => {
      const schema = planRequest.jsonSchema as { properties: Record<string, unknown> };
      return { ...planRequest, jsonSchema: { ...schema, properties: { ...schema.properties, tool_name: { enum: [toolName] } } } };
    },
    executor: (inputs, plan, tool) =>
      request(
        'executor',
        {
          question: inputs.question,
          sub_goal: plan.subGoal,
          context: plan.context,
          tool_name: tool.name,
          tool_card: toolCard(tool),
        },
        object({ input: executorSchema(tool, chars('executor', 0.85)) }),
        'executor',
      ),
    parseCommand: (generation) => {
      const value = json(generation);
      const input = value.input;
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        return { command: generation.text.trim().slice(0, 2000), calls: [], errors: ['The executor output has no "input" object.'] };
      }
      return { command: JSON.stringify(input), calls: [input as Record<string, unknown>], errors: [] };
    },
    verifier: (inputs) =>
      request(
        'verifier',
        common(inputs),
        object({
          analysis: string(guaranteed('verifier', 'CONTINUE')),
          conclusion: { enum: ['STOP', 'CONTINUE'] },
        }),
        'verifier',
      ),
    parseVerification: (generation) => {
      const value = json(generation);
      const conclusion = text(value.conclusion).toUpperCase();
      return { stop: conclusion === 'STOP', analysis: text(value.analysis), parsed: conclusion === 'STOP' || conclusion === 'CONTINUE' };
    },
    generator: (inputs) =>
      request(
        'generator',
        common(inputs),
        object({
          process_summary: string(chars('generator', 0.3)),
          answer: string(chars('generator', 0.6)),
        }),
        'generator',
      ),
    answerFromText: (output) => {
      const value = parsePartialJson(output);
      return value !== null && typeof value === 'object' && typeof (value as { answer?: unknown }).answer === 'string'
        ? (value as { answer: string }).answer
        : '';
    },
  };
}

/** The tool's input schema with every string bounded so the whole input fits `totalChars`. */
function executorSchema(tool: Tool, totalChars: number): JsonSchema {
  let strings = 0;
  const count = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'string') strings += record.maxLength === undefined ? 1 : 0;
    if (record.type === 'array') strings += 2;
    for (const value of Object.values(record)) if (typeof value === 'object') count(value);
  };
  count(tool.inputSchema);
  return boundSchema(tool.inputSchema, { maxStringLength: Math.max(32, Math.floor(totalChars / Math.max(1, strings))), maxItems: 4 });
}
