import type { Generation } from '../../llm/language-model.ts';
import type { Tool } from '../../tools/tool.ts';
import { parseToolCommand } from '../python-call.ts';
import { fillTemplate, loadPrompt, type PromptName } from '../prompt-templates.ts';
import { pythonRepr } from '../python-repr.ts';
import { extractCommandText, parseConclusionText, parseNextStepText } from './agentflow-parse.ts';
import { defaultModuleMaxTokens, type CommandOutput, type ModuleRequest, type PromptInputs, type PromptProfile } from './prompt-profile.ts';
import { absentToolsText, inputPropertyNames, knownFactsText, referenceMetadata } from './tool-cards.ts';

/**
 * The reference's prompts and text outputs, so the released AgentFlow planner checkpoint (trained on exactly
 * this next-step prompt, Python-repr rendering and the default system prompt) works as the planner. Tools
 * are listed sorted by name, as the reference does. Differences, all outside the planner's trained prompt
 * except one: the reasons for absent tools and user-confirmed facts are appended to the query analysis
 * (which the planner sees as text), and parsing is tolerant (see agentflow-parse.ts).
 */
export function createAgentflowProfile(): PromptProfile {
  const request = (name: PromptName, values: Record<string, string>, maxTokens: number): ModuleRequest => ({
    messages: [
      { role: 'system', content: loadPrompt('agentflow', 'system') },
      { role: 'user', content: fillTemplate(loadPrompt('agentflow', name), values) },
    ],
    maxTokens,
  });
  const sortedTools = (inputs: PromptInputs) => [...inputs.tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const common = (inputs: PromptInputs) => {
    const tools = sortedTools(inputs);
    return {
      question: inputs.question,
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
    analyzer: (inputs) => request('analyzer', common(inputs), defaultModuleMaxTokens.analyzer),
    parseAnalysis: (generation) => text(generation),
    planner: (inputs) => request('planner', common(inputs), defaultModuleMaxTokens.planner),
    parsePlan: (generation, toolNames) => parseNextStepText(generation.text, toolNames),
    executor: (inputs, plan, tool) =>
      request('executor', {
        question: inputs.question,
        sub_goal: plan.subGoal,
        tool_name: tool.name,
        tool_metadata: pythonRepr(referenceMetadata(tool)),
        context: plan.context,
      }, defaultModuleMaxTokens.executor),
    parseCommand: (generation, tool) => commandFromText(generation.text, tool),
    verifier: (inputs) => request('verifier', common(inputs), defaultModuleMaxTokens.verifier),
    parseVerification: (generation) => {
      const conclusion = parseConclusionText(generation.text);
      return { stop: conclusion.stop, analysis: text(generation), parsed: conclusion.explicit };
    },
    generator: (inputs) => request('generator', common(inputs), defaultModuleMaxTokens.generator),
    answerFromText: (output) => output.trim(),
  };
}

/** Appends what the planner must know besides the reference's inputs to the query analysis text. */
export function analysisWithNotes(analysis: string, inputs: Pick<PromptInputs, 'absentTools' | 'knownFacts'>): string {
  return `${analysis}${absentToolsText(inputs.absentTools)}${knownFactsText(inputs.knownFacts)}`.trim();
}

function commandFromText(output: string, tool: Tool): CommandOutput {
  const command = extractCommandText(output);
  if (command === undefined) return { command: 'No command found.', calls: [], errors: ['The executor output has no ```python block and no tool.execute(...) call.'] };
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
