import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentEvent } from '../../core/agent/agent-events.ts';
import { assembleTools } from '../../core/agent/assemble-tools.ts';
import type { ProfileName } from '../../core/agent/profiles/prompt-profile.ts';
import { referenceToolNames } from '../../core/agent/profiles/reference-cards.ts';
import type { AgentModels } from '../../core/agent/run-agent.ts';
import { createApi } from '../../core/api/create-api.ts';
import { formatEvent } from '../../core/agent/trace-format.ts';
import { InflowError } from '../../core/errors.ts';
import { openEmbedder } from '../../core/knowledge/open-embedder.ts';
import type { LocalModel } from '../../core/llm/local-model.ts';
import { OpenAiCompatibleModel } from '../../core/llm/openai-compatible.ts';
import { findCatalogModel } from '../../core/models/catalog.ts';
import { listInstalledModels } from '../../core/models/model-registry.ts';
import { createTerminalApprover } from '../../core/mcp/terminal-approver.ts';
import { PythonSandbox } from '../../core/tools/python/python-sandbox.ts';
import { toolAliases } from '../../core/tools/builtin-tools.ts';
import type { CliCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { defaults } from '../../core/contract/defaults.ts';
import { wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage: inflow ask [options] "QUESTION"
  Runs the agent (planner → tool → verifier → answer) and prints the live step trace and the answer.
  --tools LIST           comma-separated tools: generalist, python, knowledge, web, web-page, grounded-search, wikipedia
                         (default: all available; with --profile agentflow the reference's five that are available)
  --max-steps N          action steps at most (default: settings, 8)
  --max-time S           wall-clock limit in seconds (default: settings, 300)
  --max-tokens N         token budget of the run (default: settings, 60000)
  --profile P            structured (default) or agentflow (the reference's prompts, for the released planner; the
                         default for --model agentflow-planner-7b-q4_k_m)
  --model PATH|ID        the planner model: a GGUF file or an installed model id (default: recommended installed model)
  --adapter FILE         a LoRA adapter for the planner only (default: the adapter promoted for this model by training)
  --base                 use the bare planner model, without the promoted adapter
  --fixed-model PATH|ID  the model of analyzer, executor, verifier and generator (default: the planner's base, or the
                         installed model a catalog planner was trained with, e.g. Qwen2.5-7B for the AgentFlow planner)
  --endpoint URL         an OpenAI-compatible server for the fixed modules instead (with --endpoint-model NAME)
  --embed-model PATH|ID  rank knowledge search by BM25 + embeddings from this local embedding GGUF
  --no-mcp               leave out the tools of configured MCP servers (inflow mcp); they are included by default
  --yes                  allow every call of "ask first" tools without asking
  --web                  allow web search, page reading and online Wikipedia for this run (privacy setting otherwise)
  --demonstrate LIST     show the planner which tools to use: the first at step 1, the next at step 2, ... (structured
                         profile); rate a right run up (inflow runs rate ID up) and inflow train --objective sft
                         teaches the planner those choices
  --seed N               planner sampling seed
  --context-size N       context window (default ${defaults.agentContextSize}; ${defaults.agentflowContextSize} with --profile agentflow); --threads N; --cpu
  --json                 print the result (answer, stop reason, steps, usage) as JSON`;

/** `inflow ask`: one agent run from the terminal. */
export const command: CliCommand = {
  name: 'ask',
  summary: 'run the agent on a question, printing the step trace and the answer',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        tools: { type: 'string' },
        'max-steps': { type: 'string' },
        'max-time': { type: 'string' },
        'max-tokens': { type: 'string' },
        profile: { type: 'string' },
        model: { type: 'string' },
        adapter: { type: 'string' },
        'fixed-model': { type: 'string' },
        endpoint: { type: 'string' },
        'endpoint-model': { type: 'string' },
        web: { type: 'boolean' },
        seed: { type: 'string' },
        'context-size': { type: 'string' },
        threads: { type: 'string' },
        cpu: { type: 'boolean' },
        'embed-model': { type: 'string' },
        'no-mcp': { type: 'boolean' },
        yes: { type: 'boolean' },
        base: { type: 'boolean' },
        demonstrate: { type: 'string' },
      },
    });
    const question = positionals.join(' ').trim();
    if (question === '') throw new InflowError('USAGE', 'Give the question to answer.', { hint: usage });
    // short names as for --tools (generalist, knowledge ...) or any tool's full name
    const pinnedTools = values.demonstrate
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => toolAliases[name] ?? name);
    if (pinnedTools?.length === 0)
      throw new InflowError('USAGE', '--demonstrate needs tool names, e.g. --demonstrate knowledge,generalist.', { hint: usage });
    if (values.profile !== undefined && values.profile !== 'structured' && values.profile !== 'agentflow') {
      throw new InflowError('USAGE', `Unknown --profile "${values.profile}".`, { hint: 'Use structured or agentflow.' });
    }
    if (values.endpoint !== undefined && values['endpoint-model'] === undefined)
      throw new InflowError('USAGE', '--endpoint needs --endpoint-model NAME.', { hint: usage });
    // the numbers first: a bad one is refused before anything opens or loads
    const threads = wholeNumberFlag(values.threads, 'threads', { min: 0 }, usage);
    const contextSize = wholeNumberFlag(values['context-size'], 'context-size', { min: 0 }, usage);
    const maxSteps = wholeNumberFlag(values['max-steps'], 'max-steps', { min: 0 }, usage);
    const maxTimeSeconds = wholeNumberFlag(values['max-time'], 'max-time', { min: 0 }, usage);
    const maxTokens = wholeNumberFlag(values['max-tokens'], 'max-tokens', { min: 0 }, usage);
    const seed = wholeNumberFlag(values.seed, 'seed', { min: 0 }, usage);
    const backend = await context.backend();
    const settings = backend.settings.read();
    // --web allows the web tools and Wikipedia online for this run; --endpoint allows that one server.
    if (values.web === true) {
      backend.network.grant('web');
      backend.network.grant('wikipedia');
    }
    if (values.endpoint !== undefined) backend.network.grant('endpoint');
    // A catalog planner trained on a profile (the AgentFlow planner) uses it unless --profile says otherwise.
    const plannerEntry = values.model === undefined ? undefined : findCatalogModel(values.model);
    const profile = (values.profile as ProfileName | undefined) ?? plannerEntry?.profile ?? settings.profile;
    // The agentflow profile offers the tools the released planner was trained with, unless --tools says otherwise.
    const only =
      values.tools
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean) ?? (profile === 'agentflow' ? referenceToolNames() : undefined);
    const embedder =
      values['embed-model'] === undefined
        ? undefined
        : await openEmbedder({
            model: values['embed-model'],
            loader: backend.modelLoader,
            signal: context.signal,
            gpu: values.cpu !== true,
            ...(threads === undefined ? {} : { threads }),
          });
    const sandbox = new PythonSandbox({ snapshotFile: path.join(backend.paths.dataDir, 'cache', 'pyodide.snapshot') });
    const loaded: LocalModel[] = [];
    try {
      const { tools, absent, problems } = await assembleTools({
        backend,
        webAccess: values.web === true || settings.privacy.networkTools,
        wikipediaOnline: values.web === true || settings.privacy.wikipediaOnline,
        sandbox,
        mcp: values['no-mcp'] !== true,
        signal: context.signal,
        knowledge: backend.knowledge(embedder),
        ...(only ? { only } : {}),
      });
      for (const problem of problems) context.stderr.write(`inflow ask: MCP server ${problem} (going on without it)\n`);
      if (tools.length === 0) {
        throw new InflowError('USAGE', 'None of the selected tools is available.', { hint: absent.map((a) => `${a.name}: ${a.reason}`).join('\n') });
      }
      // Pyodide takes seconds to load: start it while the models load (a failure here is retried by the first call).
      if (tools.some((tool) => tool.name === 'Python_Code_Generator_Tool')) sandbox.start(context.signal).catch(() => undefined);

      // agentflow prompts carry the reference's long tool cards and 2048-token answers: a larger default context.
      // (the default per profile is the back end's model loader's, as for the app: contract/defaults.ts)
      const load = (choice: string | undefined) =>
        backend.modelLoader.load({
          purpose: { use: 'agent', profile },
          model: choice,
          contextSize,
          gpu: values.cpu === true ? false : 'auto',
          threads,
          signal: context.signal,
        });
      const planner = await load(values.model);
      loaded.push(planner);
      const models: AgentModels = { planner };
      // The planner gets the adapter training promoted for this model file, unless told otherwise.
      // (as in the app: a promoted adapter whose file is gone leaves the bare model, with a note)
      const promoted = values.adapter !== undefined || values.base === true ? null : backend.adapters.usableActive(planner.filePath);
      const missing = values.adapter !== undefined || values.base === true || promoted !== null ? null : backend.adapters.active(planner.filePath);
      if (missing !== null)
        context.stderr.write(`inflow ask: the promoted adapter v${missing.version} is gone (${missing.path}); the planner runs without it\n`);
      const adapter = values.adapter ?? promoted?.path;
      if (values.endpoint !== undefined)
        models.fixed = new OpenAiCompatibleModel({
          baseUrl: values.endpoint,
          model: values['endpoint-model']!,
          fetch: backend.network.fetcher('endpoint'),
        });
      else if (values['fixed-model'] !== undefined || adapter !== undefined) {
        // The fixed modules use the base without the adapter: a second context of the same (or another) model.
        const fixed = await load(values['fixed-model'] ?? values.model);
        loaded.push(fixed);
        models.fixed = fixed;
      } else {
        // A catalog planner trained alongside another model (the AgentFlow planner: Qwen2.5-7B-Instruct) gets it for the fixed modules.
        const partner = plannerEntry?.fixedModel;
        if (partner !== undefined && listInstalledModels(backend.paths.models).some((model) => model.id === partner)) {
          const fixed = await load(partner);
          loaded.push(fixed);
          models.fixed = fixed;
          context.print(`Fixed modules: ${partner} (the planner was trained with it; --fixed-model to change)`);
        } else if (partner !== undefined) {
          context.stderr.write(
            `inflow ask: this planner was trained with ${partner} as executor, verifier and generator; "inflow models pull ${partner}" to use it (the planner does their work now)\n`,
          );
        }
      }
      if (adapter !== undefined) {
        await planner.setAdapter(adapter, 1);
        if (values.adapter === undefined) context.print(`Planner adapter: ${path.basename(adapter)} (promoted; --base to run without it)`);
      }

      let answering = false;
      const onEvent = (event: AgentEvent) => {
        if (context.json) return;
        if (event.type === 'answer-delta') {
          if (!answering) {
            context.stdout.write('Answer: ');
            answering = true;
          }
          context.stdout.write(event.text);
          return;
        }
        if (event.type === 'run-end' && answering) context.stdout.write('\n');
        for (const line of formatEvent(event)) context.print(line);
      };
      const approver = createTerminalApprover({ assumeYes: values.yes === true, signal: context.signal });
      // the Ask screen's run (the app's service), with the terminal's models, tools, flags and approver
      const api = createApi({ backend, gpu: values.cpu === true ? false : 'auto', startLocalApi: false });
      let result: Awaited<ReturnType<typeof api.ask.runWith>>;
      try {
        result = await api.ask.runWith(
          { question, ...(pinnedTools === undefined ? {} : { pinnedTools }) },
          {
            source: 'cli',
            models: { models, plannerId: planner.id, adapterId: promoted?.id ?? null },
            toolSet: { tools, absent },
            overrides: {
              profile,
              ...(maxSteps === undefined ? {} : { maxSteps }),
              ...(maxTimeSeconds === undefined ? {} : { maxTimeSeconds }),
              ...(maxTokens === undefined ? {} : { maxTokens }),
            },
            ...(seed === undefined ? {} : { seed }),
            approve: (request) => approver(request),
            signal: context.signal,
            onEvent,
          },
        );
      } finally {
        await api.dispose();
      }
      if (context.json) context.printJson(result);
      else if (pinnedTools !== undefined && result.stopReason !== 'cancelled' && result.stopReason !== 'error')
        context.print(`A demonstration. If the answer is right: inflow runs rate ${result.runId} up (then inflow train --objective sft).`);
      if (result.stopReason === 'cancelled') return ExitCode.cancelled;
      return result.stopReason === 'error' ? ExitCode.failure : ExitCode.ok;
    } finally {
      sandbox.dispose();
      await embedder?.dispose();
      for (const model of loaded) await model.dispose();
    }
  },
};
