/**
 * runAgent — the AgentFlow loop on local models. Public interface (other modules depend on it):
 *
 *   runAgent({
 *     question, taskId?,
 *     models: { planner, executor?, verifier?, generator?, analyzer? }   // LanguageModel; unset ones use `fixed`, else planner
 *     tools: Tool[], absentTools?: {name, reason}[], knownFacts?: string[],
 *     profile?: 'structured' | 'agentflow'                              // default 'structured'
 *     limits?: { maxSteps, maxTimeMs, maxTokens, answerGraceMs }        // defaults 10, 300 s, 200k, 30 s
 *     plannerSampling?: SamplingOptions                                 // default temp 0.7, top_p 0.99 (+ freq. penalty 1.2 in agentflow)
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
import { InflowError } from '../errors.ts';
import type { Generation, LanguageModel, SamplingOptions } from '../llm/language-model.ts';
import { newId } from '../store/ids.ts';
import type { ModuleName, RunKind, RunStore, StopReason } from '../store/run-store.ts';
import { runTool } from '../tools/run-tool.ts';
import type { Tool } from '../tools/tool.ts';
import type { AgentEvent, AgentUsage } from './agent-events.ts';
import { AgentMemory } from './agent-memory.ts';
import { analysisWithNotes, createAgentflowProfile } from './profiles/agentflow-profile.ts';
import type { AbsentTool, AgentModule, ModuleRequest, PromptInputs, PromptProfile, ProfileName } from './profiles/prompt-profile.ts';
import { createStructuredProfile } from './profiles/structured-profile.ts';
import { defaultLimits, RunBudget, RunStop, type AgentLimits } from './run-budget.ts';

export interface AgentModels {
  /** The trainable policy (optionally with a LoRA adapter). */
  planner: LanguageModel;
  /** The model of the fixed modules when they are not set one by one (normally the planner's base without adapter). */
  fixed?: LanguageModel;
  analyzer?: LanguageModel;
  executor?: LanguageModel;
  verifier?: LanguageModel;
  generator?: LanguageModel;
}

/** A tool call waiting for the user's approval (tools with `requiresApproval`). */
export interface ToolApprovalRequest {
  runId: string;
  step: number;
  toolName: string;
  input: Record<string, unknown>;
  tool: Tool;
}

export interface RunAgentOptions {
  question: string;
  /** Re-run an existing task (rollouts, evals); otherwise a task is created for the question. */
  taskId?: string;
  models: AgentModels;
  tools: readonly Tool[];
  /** Tools the user has that are off in this run, with why; the planner is told. */
  absentTools?: readonly AbsentTool[];
  /** Long-term memory entries relevant to the question. */
  knownFacts?: readonly string[];
  profile?: ProfileName;
  limits?: Partial<AgentLimits>;
  plannerSampling?: SamplingOptions;
  fixedSampling?: SamplingOptions;
  moduleMaxTokens?: Partial<Record<AgentModule, number>>;
  /** Token budget of the rendered memory in prompts; default 40 % of the planner's context. */
  memoryTokenBudget?: number;
  /** Base seed of the planner's sampling (step n uses seed + n). */
  seed?: number;
  store?: RunStore;
  runKind?: RunKind;
  groupId?: string;
  /** Extra configuration stored with the run (e.g. dataset item, training step). */
  runConfig?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
  /** Asked before each call of a tool with `requiresApproval`; a denied call goes into memory as denied. */
  approveToolCall?: (request: ToolApprovalRequest) => Promise<boolean>;
}

export interface AgentStepResult {
  step: number;
  toolName: string | null;
  subGoal: string;
  context: string;
  command: string;
  result: unknown;
  stop: boolean | null;
}

export interface RunAgentResult {
  runId: string;
  taskId: string;
  answer: string | null;
  stopReason: StopReason;
  steps: AgentStepResult[];
  usage: AgentUsage;
  /** Set when stopReason is 'error'. */
  error?: string;
}

const toolNotFoundCommand = 'No command was generated because the tool was not found.';
const toolNotFoundResult = 'No result was generated because the tool was not found.';

export async function runAgent(options: RunAgentOptions): Promise<RunAgentResult> {
  if (options.question.trim() === '') throw new InflowError('AGENT_QUESTION_EMPTY', 'The question is empty.', { hint: 'Ask something, e.g. inflow ask "What is 17 * 23?"' });
  const profileName = options.profile ?? 'structured';
  if (profileName !== 'structured' && profileName !== 'agentflow') {
    throw new InflowError('AGENT_PROFILE_INVALID', `Unknown prompt profile "${String(profileName)}".`, { hint: 'Use "structured" or "agentflow".' });
  }
  const profile: PromptProfile = profileName === 'agentflow' ? createAgentflowProfile() : createStructuredProfile({ maxTokens: options.moduleMaxTokens });
  const limits: AgentLimits = { ...defaultLimits, ...options.limits };
  const names = new Set<string>();
  for (const tool of options.tools) {
    if (names.has(tool.name)) throw new InflowError('AGENT_TOOL_DUPLICATE', `Two tools are named "${tool.name}".`, { hint: 'Give every tool a unique name.' });
    names.add(tool.name);
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
  const plannerSampling: SamplingOptions = options.plannerSampling ?? { temperature: 0.7, topP: 0.99, ...(profileName === 'agentflow' ? { frequencyPenalty: 1.2 } : {}) };
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

  /** One model call of a module: capped by the token budget, aborted with the run, recorded as it returns. */
  const callModule = async (module: AgentModule, request: ModuleRequest, step: number | null, extra: { signal?: AbortSignal; stream?: (text: string) => void; unlimited?: boolean } = {}): Promise<Generation> => {
    if (!extra.unlimited) budget.check();
    const model = modelOf[module];
    const remaining = extra.unlimited ? request.maxTokens : budget.remainingTokens();
    const maxTokens = Math.max(1, Math.min(options.moduleMaxTokens?.[module] ?? request.maxTokens, remaining));
    const base = module === 'planner' ? plannerSampling : fixedSampling;
    const seed = module === 'planner' && options.seed !== undefined ? { seed: options.seed + (step ?? 0) } : {};
    const sampling: SamplingOptions = { ...base, ...seed, maxTokens };
    const startedAt = Date.now();
    const started = performance.now();
    let generation: Generation;
    try {
      generation = await model.generate({
        messages: request.messages,
        sampling,
        ...(request.jsonSchema === undefined ? {} : { jsonSchema: request.jsonSchema }),
        signal: extra.signal ?? budget.signal,
        ...(extra.stream ? { onTextChunk: extra.stream } : {}),
      });
    } catch (error) {
      // A constrained output cut by the token cap fails the engine's schema check; the generation comes with
      // the error, and the profile repairs and reads it.
      const cut = InflowError.isInstance(error) && error.code === 'MODEL_OUTPUT_INVALID' ? (error.details?.generation as Generation | undefined) : undefined;
      if (cut !== undefined && !budget.signal.aborted) return record(cut);
      if (extra.signal?.aborted) throw options.signal?.aborted ? new RunStop('cancelled', 'Cancelled by the user.') : new RunStop('time_limit', 'The final answer ran out of time.');
      if (budget.signal.aborted && extra.signal === undefined) throw budget.stopFromAbort();
      throw error;
    }
    return record(generation);

    function record(generation: Generation): Generation {
    // Endpoints without token ids (openai-compatible.ts) report counts in `usage`.
    const usage = (generation as { usage?: { promptTokens: number; responseTokens: number } }).usage;
    budget.addModelCall(generation.promptTokens.length || (usage?.promptTokens ?? 0), generation.responseTokens.length || (usage?.responseTokens ?? 0));
    store?.recordModuleCall({
      runId,
      stepIdx: step,
      module: module as ModuleName,
      modelId: generation.modelId,
      adapterId: generation.adapterId,
      promptText: generation.promptText,
      responseText: generation.text,
      promptTokens: generation.promptTokens,
      responseTokens: generation.responseTokens,
      responseLogprobs: generation.responseLogprobs,
      startedAt,
      durationMs: performance.now() - started,
      meta: { profile: profileName, sampling, stopReason: generation.stopReason, jsonSchema: request.jsonSchema !== undefined },
    });
    if (generation.stopReason === 'aborted' && budget.signal.aborted && !extra.signal) throw budget.stopFromAbort();
    return generation;
    }
  };

  let stopReason: StopReason = 'answered';
  let stopMessage: string | undefined;
  let answer: string | null = null;
  let error: string | undefined;
  emit({ type: 'run-start', runId, taskId, question: options.question, profile: profileName, tools: options.tools.map((t) => t.name) });
  try {
    try {
      const analysis = profile.parseAnalysis(await callModule('analyzer', profile.analyzer(inputs), null));
      inputs.queryAnalysis = profileName === 'agentflow' ? analysisWithNotes(analysis, inputs) : analysis;
      emit({ type: 'analysis', text: inputs.queryAnalysis });
      if (options.tools.length === 0) stopReason = 'answered';
      for (let step = 1; options.tools.length > 0; step++) {
        if (step > limits.maxSteps) { stopReason = 'step_limit'; break; }
        budget.check();
        inputs.step = step;
        emit({ type: 'step-start', step, maxSteps: limits.maxSteps });
        const stop = await runStep(step);
        if (stop) { stopReason = 'answered'; break; }
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
        const current = profile.answerFromText(streamed);
        if (current.length > emitted.length && current.startsWith(emitted)) {
          emit({ type: 'answer-delta', text: current.slice(emitted.length) });
          emitted = current;
        }
      };
      // The answer is written even after a limit stopped the loop (as the reference does); it may use up to the
      // generator's own token cap beyond maxTokens, and after the time limit it gets answerGraceMs more.
      const generation = await callModule('generator', request, null, { stream, unlimited: true, ...(stopReason === 'time_limit' ? { signal: budget.answerSignal() } : {}) });
      answer = profile.name === 'structured' ? answerFromStructured(generation, profile) : profile.answerFromText(generation.text);
      if (answer.length > emitted.length && answer.startsWith(emitted)) emit({ type: 'answer-delta', text: answer.slice(emitted.length) });
    }
  } catch (caught) {
    if (caught instanceof RunStop) {
      stopReason = caught.reason;
      stopMessage = caught.message;
    } else {
      stopReason = 'error';
      error = InflowError.isInstance(caught) ? caught.toUserString() : caught instanceof Error ? caught.message : String(caught);
    }
  } finally {
    budget.dispose();
  }
  store?.endRun(runId, { stopReason, answer, error: error ?? (stopReason === 'answered' ? null : stopMessage ?? null), totalTokens: budget.usage.totalTokens });
  emit({ type: 'run-end', runId, stopReason, answer, usage: { ...budget.usage }, ...(error === undefined ? {} : { error }) });
  return { runId, taskId, answer, stopReason, steps, usage: { ...budget.usage }, ...(error === undefined ? {} : { error }) };

  /** One action step; returns true when the verifier says STOP. */
  async function runStep(step: number): Promise<boolean> {
    const toolNames = options.tools.map((tool) => tool.name);
    const plan = profile.parsePlan(await callModule('planner', profile.planner(inputs), step), toolNames);
    emit({ type: 'plan', step, toolName: plan.toolName, rawToolName: plan.rawToolName, subGoal: plan.subGoal, context: plan.context, justification: plan.justification, parsed: plan.parsed });
    store?.recordStep({ runId, idx: step, toolName: plan.toolName, subGoal: plan.subGoal, context: plan.context });
    const record: AgentStepResult = { step, toolName: plan.toolName, subGoal: plan.subGoal, context: plan.context, command: toolNotFoundCommand, result: toolNotFoundResult, stop: null };
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
    store?.recordStep({ runId, idx: step, toolName: plan.toolName, subGoal: plan.subGoal, context: plan.context, command: record.command, result: record.result });
    if (step >= limits.maxSteps) return false;
    budget.check();
    const verification = profile.parseVerification(await callModule('verifier', profile.verifier(inputs), step));
    record.stop = verification.stop;
    emit({ type: 'verification', step, stop: verification.stop, analysis: verification.analysis });
    store?.recordStep({ runId, idx: step, toolName: plan.toolName, subGoal: plan.subGoal, context: plan.context, command: record.command, result: record.result, verification: { stop: verification.stop, analysis: verification.analysis, parsed: verification.parsed } });
    return verification.stop;
  }

  /** Runs one tool call (asking for approval when the tool needs it) and returns what goes into memory. */
  async function callTool(step: number, tool: Tool, input: Record<string, unknown>, command: string): Promise<unknown> {
    budget.check();
    emit({ type: 'tool-call', step, toolName: tool.name, input, command });
    const startedAt = Date.now();
    if (tool.requiresApproval) {
      const approved = options.approveToolCall ? await raceAbort(options.approveToolCall({ runId, step, toolName: tool.name, input, tool }), budget) : false;
      if (!approved) {
        const denied = { denied: true, message: options.approveToolCall ? `The user denied this call of ${tool.name}.` : `${tool.name} needs the user's approval and no one could be asked.` };
        emit({ type: 'tool-result', step, toolName: tool.name, ok: false, error: { code: 'TOOL_DENIED', message: denied.message }, durationMs: 0, truncated: false });
        store?.recordModuleCall({ runId, stepIdx: step, module: 'tool', promptText: JSON.stringify(input), responseText: JSON.stringify(denied), startedAt, durationMs: 0, meta: { tool: tool.name, ok: false, denied: true } });
        return denied;
      }
    }
    budget.usage.toolCalls += 1;
    let outcome;
    try {
      outcome = await runTool(tool, input, { signal: budget.signal, runId, model: modelOf.generator });
    } catch {
      throw budget.stopFromAbort();
    }
    const value = outcome.ok ? outcome.output : `Error: ${outcome.error.message}`;
    emit({ type: 'tool-result', step, toolName: tool.name, ok: outcome.ok, ...(outcome.ok ? { output: outcome.output } : { error: { code: outcome.error.code, message: outcome.error.message } }), durationMs: outcome.durationMs, truncated: outcome.ok && outcome.truncated });
    store?.recordModuleCall({
      runId, stepIdx: step, module: 'tool', promptText: JSON.stringify(input), responseText: JSON.stringify(value), startedAt, durationMs: outcome.durationMs,
      meta: { tool: tool.name, ok: outcome.ok, ...(outcome.ok ? { truncated: outcome.truncated } : { error: outcome.error }) },
    });
    return value;
  }
}

function answerFromStructured(generation: Generation, profile: PromptProfile): string {
  const parsed = generation.parsed as { answer?: unknown } | undefined;
  if (parsed && typeof parsed.answer === 'string') return parsed.answer.trim();
  return profile.answerFromText(generation.text).trim();
}

async function raceAbort<T>(promise: Promise<T>, budget: RunBudget): Promise<T> {
  budget.check();
  return Promise.race([promise, new Promise<never>((_, reject) => budget.signal.addEventListener('abort', () => reject(budget.stopFromAbort()), { once: true }))]);
}
