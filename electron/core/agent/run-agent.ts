/**
 * runAgent — the AgentFlow loop on local models. Public interface (other modules depend on it):
 *
 *   runAgent({
 *     question, taskId?,
 *     models: { planner, executor?, verifier?, generator?, analyzer? }   // LanguageModel; unset ones use `fixed`, else planner
 *     tools: Tool[], absentTools?: {name, reason}[], knownFacts?: string[],
 *     profile?: 'structured' | 'agentflow'                              // default 'structured'
 *     limits?: { maxSteps, maxTimeMs, maxTokens, answerGraceMs }        // defaults 10, 300 s, 200k, 30 s
 *     plannerSampling?: SamplingOptions                                 // default: the profile's (temp 0.7, top_p 0.99; agentflow adds no top-k, freq. penalty 1.2)
 *     fixedSampling?: SamplingOptions                                   // default greedy
 *     moduleMaxTokens?, memoryTokenBudget?, seed?,
 *     store?: RunStore, runKind?: 'ask'|'rollout'|'eval', groupId?, runConfig?,
 *     signal?, onEvent?, approveToolCall?: (call) => Promise<boolean>
 *   }) → Promise<{ runId, taskId, answer, stopReason, steps, usage, error? }>
 *
 * It never throws for what happens during a run (model errors, bad outputs, tool failures, limits,
 * cancellation): the result's stopReason says how it ended. It throws only for invalid options.
 * Every module call is recorded in `store` as it happens (module 'planner' rows carry prompt/response token
 * ids and log-probs: the Flow-GRPO training samples), as are steps and tool calls.
 */
import { storageError } from '../store/storage-errors.ts';
import { InflowError } from '../errors.ts';
import type { Generation, LanguageModel, SamplingOptions } from '../llm/language-model.ts';
import { newId } from '../store/ids.ts';
import type { StopReason } from '../store/run-store.ts';
import type { AgentEvent } from './agent-events.ts';
import { AgentMemory } from './agent-memory.ts';
import { createAgentflowProfile } from './profiles/agentflow-profile.ts';
import type { AgentModule, PromptInputs, PromptProfile } from './profiles/prompt-profile.ts';
import { createStructuredProfile } from './profiles/structured-profile.ts';
import type { AgentStepResult, RunAgentOptions, RunAgentResult } from './agent-options.ts';
import { createModuleCaller } from './module-caller.ts';
import { defaultLimits, RunBudget, RunStop, type AgentLimits } from './run-budget.ts';
import { createToolCaller } from './tool-caller.ts';

export type { AgentModels, AgentStepResult, RunAgentOptions, RunAgentResult, ToolApprovalRequest } from './agent-options.ts';

const toolNotFoundCommand = 'No command was generated because the tool was not found.';
const toolNotFoundResult = 'No result was generated because the tool was not found.';

export async function runAgent(options: RunAgentOptions): Promise<RunAgentResult> {
  if (options.question.trim() === '')
    throw new InflowError('AGENT_QUESTION_EMPTY', 'The question is empty.', { hint: 'Ask something, e.g. inflow ask "What is 17 * 23?"' });
  const profileName = options.profile ?? 'structured';
  if (profileName !== 'structured' && profileName !== 'agentflow') {
    throw new InflowError('AGENT_PROFILE_INVALID', `Unknown prompt profile "${String(profileName)}".`, { hint: 'Use "structured" or "agentflow".' });
  }
  const profile: PromptProfile =
    profileName === 'agentflow' ? createAgentflowProfile() : createStructuredProfile({ maxTokens: options.moduleMaxTokens });
  const limits: AgentLimits = { ...defaultLimits, ...options.limits };
  const names = new Set<string>();
  for (const tool of options.tools) {
    if (names.has(tool.name))
      throw new InflowError('AGENT_TOOL_DUPLICATE', `Two tools are named "${tool.name}".`, { hint: 'Give every tool a unique name.' });
    names.add(tool.name);
  }
  const pinned = options.pinnedTools ?? [];
  if (pinned.length > 0 && profile.pinTool === undefined)
    throw new InflowError('DEMONSTRATION_INVALID', `The ${profileName} profile cannot be shown which tools to use.`, {
      hint: 'Demonstrate tool choices with the structured profile (the default).',
    });
  for (const name of pinned) {
    if (!names.has(name))
      throw new InflowError('UNKNOWN_TOOL', `The demonstrated tool "${name}" is not one of this run's tools (${[...names].join(', ') || 'none'}).`, {
        hint: 'Name enabled tools, in the order the steps should use them.',
      });
  }
  const models = options.models;
  const fixed = models.fixed ?? models.planner;
  const modelOf: Record<AgentModule, LanguageModel> = {
    analyzer: models.analyzer ?? fixed,
    planner: models.planner,
    executor: models.executor ?? fixed,
    verifier: models.verifier ?? fixed,
    generator: models.generator ?? fixed,
  };
  const plannerSampling: SamplingOptions = options.plannerSampling ?? { ...profile.plannerSampling };
  const fixedSampling: SamplingOptions = options.fixedSampling ?? { temperature: 0 };
  const memoryChars = Math.floor((options.memoryTokenBudget ?? Math.max(256, models.planner.contextSize * 0.4)) * 3);

  const store = options.store;
  const taskId = options.taskId ?? (store ? store.createTask({ question: options.question }).id : newId('task'));
  if (store && options.taskId !== undefined && store.getTask(options.taskId) === undefined) {
    throw new InflowError('TASK_NOT_FOUND', `No task with id ${options.taskId}.`);
  }
  const runId = store
    ? store.startRun({
        taskId,
        kind: options.runKind ?? 'ask',
        ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
        profile: profileName,
        plannerModel: models.planner.id,
        ...(models.planner.adapterId ? { plannerAdapterId: models.planner.adapterId } : {}),
        config: { limits, tools: options.tools.map((t) => t.name), plannerSampling, fixedSampling, seed: options.seed ?? null, ...options.runConfig },
      }).id
    : newId('run');

  const emit = (event: AgentEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not end the run.
    }
  };
  const budget = new RunBudget(limits, options.signal);
  const memory = new AgentMemory();
  const steps: AgentStepResult[] = [];
  const inputs: PromptInputs = {
    question: options.question,
    tools: options.tools,
    absentTools: options.absentTools ?? [],
    knownFacts: options.knownFacts ?? [],
    memory,
    memoryChars,
    queryAnalysis: '',
    step: 0,
    maxSteps: limits.maxSteps,
  };

  const callTool = createToolCaller({
    budget,
    runId,
    emit,
    ...(store ? { store } : {}),
    model: modelOf.generator,
    ...(options.approveToolCall ? { approveToolCall: options.approveToolCall } : {}),
  });
  const callModule = createModuleCaller({
    models: modelOf,
    budget,
    runId,
    profile: profileName,
    plannerSampling,
    fixedSampling,
    ...(store ? { store } : {}),
    ...(options.moduleMaxTokens ? { moduleMaxTokens: options.moduleMaxTokens } : {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.signal ? { userSignal: options.signal } : {}),
  });

  let stopReason: StopReason = 'answered';
  let stopMessage: string | undefined;
  let answer: string | null = null;
  let error: string | undefined;
  let storageFailure: InflowError | undefined;
  emit({ type: 'run-start', runId, taskId, question: options.question, profile: profileName, tools: options.tools.map((t) => t.name) });
  try {
    try {
      const analysis = profile.parseAnalysis(await callModule('analyzer', profile.analyzer(inputs), null));
      inputs.queryAnalysis = analysis;
      emit({ type: 'analysis', text: inputs.queryAnalysis });
      if (options.tools.length === 0) stopReason = 'answered';
      for (let step = 1; options.tools.length > 0; step++) {
        if (step > limits.maxSteps) {
          stopReason = 'step_limit';
          break;
        }
        budget.check();
        inputs.step = step;
        emit({ type: 'step-start', step, maxSteps: limits.maxSteps });
        const stop = await runStep(step);
        if (stop) {
          stopReason = 'answered';
          break;
        }
      }
    } catch (caught) {
      if (!(caught instanceof RunStop)) throw caught;
      stopReason = caught.reason;
      stopMessage = caught.message;
    }
    if (stopReason !== 'cancelled') {
      const request = profile.generator(inputs);
      let streamed = '';
      let emitted = '';
      const stream = (chunk: string) => {
        streamed += chunk;
        const current = wellFormedAnswer(profile.answerFromText(streamed), { streaming: true });
        if (current.length > emitted.length && current.startsWith(emitted)) {
          emit({ type: 'answer-delta', text: current.slice(emitted.length) });
          emitted = current;
        }
      };
      // The answer is written even after a limit stopped the loop (as the reference does); it may use up to the
      // generator's own token cap beyond maxTokens, and after the time limit it gets answerGraceMs more.
      const generation = await callModule('generator', request, null, {
        stream,
        unlimited: true,
        ...(stopReason === 'time_limit' ? { signal: budget.answerSignal() } : {}),
      });
      answer = wellFormedAnswer(profile.name === 'structured' ? answerFromStructured(generation, profile) : profile.answerFromText(generation.text));
      if (answer.length > emitted.length && answer.startsWith(emitted)) emit({ type: 'answer-delta', text: answer.slice(emitted.length) });
    }
  } catch (caught) {
    if (caught instanceof RunStop) {
      stopReason = caught.reason;
      stopMessage = caught.message;
    } else {
      stopReason = 'error';
      storageFailure = storageError(caught);
      const reported = storageFailure ?? caught;
      error = InflowError.isInstance(reported) ? reported.toUserString() : reported instanceof Error ? reported.message : String(reported);
    }
  } finally {
    budget.dispose();
  }
  try {
    store?.endRun(runId, {
      stopReason,
      answer,
      error: error ?? (stopReason === 'answered' ? null : (stopMessage ?? null)),
      totalTokens: budget.usage.totalTokens,
    });
  } catch (caught) {
    // A full disk may refuse even this; the next start then closes the run as interrupted (its process is gone).
    throw storageFailure ?? storageError(caught) ?? caught;
  }
  // The run is recorded as failed; the caller still learns that the disk is full (exit 5 in the CLI).
  if (storageFailure !== undefined) throw storageFailure;
  emit({ type: 'run-end', runId, stopReason, answer, usage: { ...budget.usage }, ...(error === undefined ? {} : { error }) });
  return { runId, taskId, answer, stopReason, steps, usage: { ...budget.usage }, ...(error === undefined ? {} : { error }) };

  /** One action step; returns true when the verifier says STOP. */
  async function runStep(step: number): Promise<boolean> {
    const toolNames = options.tools.map((tool) => tool.name);
    const request = profile.planner(inputs);
    const pin = pinned[step - 1];
    const plan = profile.parsePlan(await callModule('planner', pin === undefined ? request : profile.pinTool!(request, pin), step), toolNames);
    emit({
      type: 'plan',
      step,
      toolName: plan.toolName,
      rawToolName: plan.rawToolName,
      subGoal: plan.subGoal,
      context: plan.context,
      justification: plan.justification,
      parsed: plan.parsed,
    });
    store?.recordStep({ runId, idx: step, toolName: plan.toolName, subGoal: plan.subGoal, context: plan.context });
    const record: AgentStepResult = {
      step,
      toolName: plan.toolName,
      subGoal: plan.subGoal,
      context: plan.context,
      command: toolNotFoundCommand,
      result: toolNotFoundResult,
      stop: null,
    };
    steps.push(record);
    const tool = options.tools.find((candidate) => candidate.name === plan.toolName);
    let memoryToolName: string | null = plan.toolName;
    if (tool === undefined) {
      memoryToolName = plan.rawToolName === '' ? null : `No matched tool given: ${plan.rawToolName}`;
    } else {
      const command = profile.parseCommand(await callModule('executor', profile.executor(inputs, plan, tool), step), tool);
      record.command = command.command;
      const results: unknown[] = [];
      for (const input of command.calls) results.push(await callTool(step, tool, input, command.command));
      if (command.calls.length === 0) results.push(`No tool call could be read from the command: ${command.errors.join(' ')}`);
      record.result = profile.name === 'agentflow' || results.length !== 1 ? results : results[0];
    }
    memory.add({ toolName: memoryToolName, subGoal: plan.subGoal, command: record.command, result: record.result });
    store?.recordStep({
      runId,
      idx: step,
      toolName: plan.toolName,
      subGoal: plan.subGoal,
      context: plan.context,
      command: record.command,
      result: record.result,
    });
    if (step >= limits.maxSteps) return false;
    budget.check();
    const verification = profile.parseVerification(await callModule('verifier', profile.verifier(inputs), step));
    record.stop = verification.stop;
    emit({ type: 'verification', step, stop: verification.stop, analysis: verification.analysis });
    store?.recordStep({
      runId,
      idx: step,
      toolName: plan.toolName,
      subGoal: plan.subGoal,
      context: plan.context,
      command: record.command,
      result: record.result,
      verification: { stop: verification.stop, analysis: verification.analysis, parsed: verification.parsed },
    });
    return verification.stop;
  }
}

/**
 * The answer as the caller sees it, streams it and the store keeps it. A model's JSON can carry an escape that names
 * half a surrogate pair (`\udeae`); JSON.parse keeps the lone half, which SQLite would store as U+FFFD while the
 * caller got the half, so the recorded answer and the returned one would differ. Each lone half becomes U+FFFD here,
 * for all three. While streaming, a trailing first half is held back: the next chunk may complete the pair.
 */
function wellFormedAnswer(text: string, options: { streaming?: boolean } = {}): string {
  const settled = options.streaming === true && /[\uD800-\uDBFF]$/.test(text) ? text.slice(0, -1) : text;
  return settled.toWellFormed();
}

function answerFromStructured(generation: Generation, profile: PromptProfile): string {
  const parsed = generation.parsed as { answer?: unknown } | undefined;
  if (parsed && typeof parsed.answer === 'string') return parsed.answer.trim();
  return profile.answerFromText(generation.text).trim();
}
