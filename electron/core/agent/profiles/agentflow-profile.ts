import type { Generation, SamplingOptions } from '../../llm/language-model.ts';
import type { Tool } from '../../tools/tool.ts';
import { parseToolCommand } from '../python-call.ts';
import { fillTemplate, loadPrompt, type PromptName } from '../prompt-templates.ts';
import { pythonRepr } from '../python-repr.ts';
import { extractCommandText, parseConclusionLikeReference, parseNextStepText } from './agentflow-parse.ts';
import type { AgentModule, CommandOutput, ModuleRequest, PromptInputs, PromptProfile } from './prompt-profile.ts';
import { inputPropertyNames, knownFactsText, referenceMetadata } from './tool-cards.ts';

/**
 * Response token cap of every module call: the reference's engines default to max_tokens 2048 (engine/vllm.py,
 * dashscope), and its training cut planner responses at 2048. The engine also bounds it by the room the prompt
 * leaves in the context.
 */
export const agentflowModuleMaxTokens: Readonly<Record<AgentModule, number>> = {
  analyzer: 2048,
  planner: 2048,
  executor: 2048,
  verifier: 2048,
  generator: 2048,
};

/**
 * The planner's sampling as the reference's vLLM engine sends it (temperature 0.7, top_p 0.99, frequency_penalty
 * 1.2, in training and evaluation alike) with vLLM's meaning: no top-k (topK 0; node-llama-cpp would otherwise add
 * top-k 40) and the frequency penalty counted over every generated token (llm/sampling.ts).
 */
export const agentflowPlannerSampling: Readonly<SamplingOptions> = { temperature: 0.7, topP: 0.99, topK: 0, frequencyPenalty: 1.2 };

/**
 * The reference's prompts and text outputs, so the released AgentFlow planner checkpoint (trained on exactly
 * these prompts, the reference's tool cards, Python-repr rendering and the default system prompt) works as the
 * planner. Tools are listed sorted by name, as the reference does; the built-in tools the reference has show its
 * cards word for word (reference-cards.ts). Nothing Inflow adds goes into the templates: unavailable tools are not
 * mentioned (the reference lists only the available ones), and facts the user confirmed earlier follow the
 * question in the Query field (the question is free text; training questions carried an appended instruction
 * too). The verifier's text is read as the reference reads it (agentflow-parse.ts).
 */
export function createAgentflowProfile(): PromptProfile {
  const request = (name: PromptName, values: Record<string, string>, module: AgentModule): ModuleRequest => ({
    messages: [
      { role: 'system', content: loadPrompt('agentflow', 'system') },
      { role: 'user', content: fillTemplate(loadPrompt('agentflow', name), values) },
    ],
    maxTokens: agentflowModuleMaxTokens[module],
  });
  const sortedTools = (inputs: PromptInputs) => [...inputs.tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const common = (inputs: PromptInputs) => {
    const tools = sortedTools(inputs);
    return {
      question: questionWithFacts(inputs),
      available_tools: pythonRepr(tools.map((tool) => tool.name)),
      toolbox_metadata: pythonRepr(Object.fromEntries(tools.map((tool) => [tool.name, referenceMetadata(tool)]))),
      memory: inputs.memory.render('python', inputs.memoryChars),
      query_analysis: inputs.queryAnalysis,
    };
  };
  const text = (generation: Generation) => generation.text.trim();

  return {
    name: 'agentflow',
    memoryFormat: 'python',
    plannerSampling: agentflowPlannerSampling,
    analyzer: (inputs) => request('analyzer', common(inputs), 'analyzer'),
    parseAnalysis: (generation) => text(generation),
    planner: (inputs) => request('planner', common(inputs), 'planner'),
    parsePlan: (generation, toolNames) => parseNextStepText(generation.text, toolNames),
    executor: (inputs, plan, tool) =>
      request(
        'executor',
        {
          question: questionWithFacts(inputs),
          sub_goal: plan.subGoal,
          tool_name: tool.name,
          tool_metadata: pythonRepr(referenceMetadata(tool)),
          context: plan.context,
        },
        'executor',
      ),
    parseCommand: (generation, tool) => commandFromText(generation.text, tool),
    verifier: (inputs) => request('verifier', common(inputs), 'verifier'),
    parseVerification: (generation) => {
      const conclusion = parseConclusionLikeReference(generation.text);
      return { stop: conclusion.stop, analysis: text(generation), parsed: conclusion.explicit };
    },
    generator: (inputs) => request('generator', common(inputs), 'generator'),
    answerFromText: (output) => output.trim(),
  };
}

/** The question as the prompts show it: the user's facts, when there are any, follow it. */
export function questionWithFacts(inputs: Pick<PromptInputs, 'question' | 'knownFacts'>): string {
  const facts = knownFactsText(inputs.knownFacts);
  return facts === '' ? inputs.question : `${inputs.question}\n${facts.trimEnd()}`;
}

function commandFromText(output: string, tool: Tool): CommandOutput {
  const command = extractCommandText(output);
  if (command === undefined)
    return { command: 'No command found.', calls: [], errors: ['The executor output has no ```python block and no tool.execute(...) call.'] };
  const parsed = parseToolCommand(command);
  const names = inputPropertyNames(tool);
  const calls = parsed.calls.map((call) => {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(call.args)) {
      const positional = /^\$(\d+)$/.exec(key);
      const name = positional ? names[Number(positional[1])] : key;
      if (name !== undefined) args[name] = value;
    }
    return args;
  });
  const errors = [...parsed.errors];
  if (calls.length === 0 && errors.length === 0) errors.push('The command has no `execution = tool.execute(...)` call.');
  return { command, calls, errors };
}
