import type { Backend } from '../backend.ts';
import type { InflowService } from '../contract/index.ts';
import { trainingPresets } from '../contract/training.ts';
import { createDispatch, type Dispatch } from './dispatch.ts';
import { EventHub } from './event-hub.ts';
import { RunsService } from './runs-service.ts';
import { MemoryService } from './memory-service.ts';
import { ModelsService } from './models-service.ts';
import { TrainingReads } from './training-service.ts';
import { recordFeedback } from './feedback.ts';
import { probeHardware } from './hardware.ts';
import { AskService, type ToolSource } from './ask-service.ts';
import { EngineService } from './engine-service.ts';
import { DownloadsService } from './downloads-service.ts';
import type { CatalogModel } from '../models/catalog.ts';
import { TrainingControl, type TrainingLauncher } from './training-control.ts';
import { KnowledgeService } from './knowledge-service.ts';
import { readAppInfo } from './app-info.ts';
import { createBuiltinToolSource } from './tool-source.ts';
import { McpService } from './mcp-service.ts';
import { trainerStatus } from '../training/trainer/trainer-status.ts';
import type { PickPathRequest, PickPathResult } from '../contract/system.ts';
import { InflowError } from '../errors.ts';
import { addModelFile } from '../models/add-model.ts';
import { dataDirChoiceFile, readDataDirChoice, writeDataDirChoice } from './data-dir-choice.ts';
import { DATA_DIR_ENV } from '../paths.ts';
import { LocalApiService } from './local-api-service.ts';

export interface ApiOptions {
  backend: Backend;
  /** How training processes start: a utility process in Electron, a child process in tests and the CLI. */
  launchTraining?: TrainingLauncher;
  /** GPU use of the model engine: 'auto' in the app, false in tests. */
  gpu?: false | 'auto';
  /** CPU threads for inference contexts (tests: 1). */
  threads?: number;
  /** Context size of loaded models (default: contract/defaults.ts, per prompt profile). */
  contextSize?: number;
  /** Recommended models offered for download (default: the built-in catalog). */
  catalog?: readonly CatalogModel[];
  /** The tools runs may use; default: the built-in tools under the privacy setting. */
  toolSource?: ToolSource;
  /** Shows a native file/folder picker: dialog.showOpenDialog in Electron, a pre-set answer in e2e tests. */
  pickPath?: (request: PickPathRequest) => Promise<PickPathResult>;
  /** Where the chosen data folder is recorded (default: dataDirChoiceFile()). */
  dataDirChoiceFile?: string;
  /** Bring the local API up at once when the user left it on (default true; `inflow serve` starts its own). */
  startLocalApi?: boolean;
}

export interface Api {
  service: InflowService;
  downloads: DownloadsService;
  dispatch: Dispatch;
  events: EventHub;
  localApi: LocalApiService;
  /** Runs of the agent: the Ask screen's and the local API's, and `inflow ask`'s (runWith, with the terminal's choices). */
  ask: AskService;
  /** The loaded models (benchmarks compare the local API with a direct call on the same model). */
  engine: EngineService;
  /** Stops running work (runs end as cancelled, training checkpoints) and releases models. */
  dispose(): Promise<void>;
}

/**
 * The service layer behind `window.inflow`: implements every contract method over the back end's modules.
 * Runs under plain Node (tests drive it through the e2e bridge); Electron main only adds IPC around it.
 */
export function createApi(options: ApiOptions): Api {
  const { backend } = options;
  const events = new EventHub();
  const settings = backend.settings;
  const runs = new RunsService(backend);
  const memory = new MemoryService(backend.memory);
  const models = new ModelsService({ modelsDir: backend.paths.models, settings });
  const training = new TrainingReads(backend);
  const gpu = options.gpu ?? 'auto';
  const downloads = new DownloadsService({
    modelsDir: backend.paths.models,
    events,
    network: backend.network,
    ...(options.catalog === undefined ? {} : { catalog: options.catalog }),
  });
  const engine = new EngineService({
    backend,
    settings,
    models,
    adapters: training.adapters,
    downloads,
    events,
    gpu,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
  });
  const knowledge = new KnowledgeService({ backend, events });
  const mcp = new McpService({ backend });
  const builtin = createBuiltinToolSource({ backend, knowledge: knowledge.index, mcp });
  const ask = new AskService({ backend, settings, engine, events, toolSource: options.toolSource ?? builtin });
  const localApi = new LocalApiService({ deps: { stores: backend, settings, models, engine, ask }, dataDir: backend.paths.dataDir });
  const trainingControl = new TrainingControl({
    backend,
    settings,
    models,
    reads: training,
    events,
    launch: options.launchTraining,
    gpu,
    threads: options.threads,
    contextSize: options.contextSize,
  });
  const choiceFile = options.dataDirChoiceFile ?? dataDirChoiceFile();
  const dataLocation = () => {
    const recorded = readDataDirChoice(choiceFile) ?? null;
    return {
      current: backend.paths.dataDir,
      next: recorded === backend.paths.dataDir ? null : recorded,
      configFile: choiceFile,
      envOverride: (process.env[DATA_DIR_ENV] ?? '') !== '',
    };
  };
  const activeBase = (): string | null => {
    try {
      return engine.plannerBase();
    } catch {
      return null;
    }
  };

  const service: InflowService = {
    app: {
      info: async () => readAppInfo(backend, await models.installed()),
      hardware: async () => probeHardware({ gpu }),
    },
    settings: {
      get: async () => settings.read(),
      update: async (patch) => settings.update(patch),
    },
    ask: {
      tools: async () => ask.tools(),
      start: async (input) => ask.start(input),
      cancel: async (input) => ({ cancelled: ask.cancel(input.runId) }),
      feedback: async (input) => recordFeedback(backend, input),
      approve: async (input) => ({ resolved: ask.approve(input.requestId, input.allow) }),
    },
    runs: {
      list: async (input) => runs.list(input ?? {}),
      get: async (input) => runs.get(input.runId),
    },
    memory: {
      list: async (input) => memory.list(input ?? {}),
      add: async (input) => memory.add(input),
      update: async (input) => memory.update(input),
      remove: async (input) => memory.remove(input.id),
    },
    knowledge: {
      folders: async () => knowledge.folders(),
      add: async (input) => knowledge.add(input.path),
      remove: async (input) => knowledge.remove(input.path),
      reindex: async (input) => knowledge.reindex(input.path),
      search: async (input) => knowledge.search(input.query, input.limit),
    },
    models: {
      overview: async () => models.overview(await engine.catalog()),
      download: async (input) => downloads.start(input.catalogId),
      cancelDownload: async (input) => ({ cancelled: downloads.cancel(input.downloadId) }),
      setRole: async (input) => {
        await models.setRole(input.role, input.modelId);
        return models.overview(await engine.catalog());
      },
      addFile: async (input) => {
        const result = await addModelFile({
          modelsDir: backend.paths.models,
          file: input.path,
          ...(input.mode === undefined ? {} : { mode: input.mode }),
          ...(input.name === undefined ? {} : { name: input.name }),
        });
        return { modelId: result.model.id, alreadyInstalled: result.alreadyInstalled, overview: await models.overview(await engine.catalog()) };
      },
    },
    training: {
      datasets: async () => training.listDatasets(),
      importDataset: async (input) => training.importDataset(input),
      deleteDataset: async (input) => {
        training.datasets.delete(input.datasetId);
        return { deleted: true };
      },
      runs: async () => training.listRuns().map((run) => trainingControl.present(run)),
      metrics: async (input) => training.metrics(input.trainingRunId),
      start: async (input) => trainingControl.start({ ...input, preset: trainingPresets.find((preset) => preset.id === input.preset)! }),
      stop: async (input) => ({ stopped: await trainingControl.stop(input.trainingRunId) }),
      resume: async (input) => trainingControl.resume(input.trainingRunId),
      end: async (input) => trainingControl.end(input.trainingRunId),
      adapters: async () => training.listAdapters(activeBase()),
      promote: async (input) => {
        training.adapters.promote(input.adapterId);
        return training.listAdapters(activeBase());
      },
      rollback: async () => {
        training.adapters.rollback(engine.plannerBase());
        return training.listAdapters(activeBase());
      },
      useBase: async () => {
        training.adapters.useBase(engine.plannerBase());
        return training.listAdapters(activeBase());
      },
      exportForAgentflow: async (input) => training.exportForAgentflow(input, activeBase()),
    },
    mcp: {
      servers: async () => mcp.overview(),
      tools: async (input) => mcp.tools(input.name),
      add: async (input) => mcp.add(input),
      remove: async (input) => mcp.remove(input.name),
      setEnabled: async (input) => mcp.setEnabled(input.name, input.enabled, input.tool),
      setAskFirst: async (input) => mcp.setAskFirst(input.name, input.tool, input.askFirst),
      setLocalOnly: async (input) => mcp.setLocalOnly(input.name, input.localOnly),
    },
    system: {
      pickPath: async (input) => {
        if (options.pickPath === undefined)
          throw new InflowError('PICKER_UNAVAILABLE', 'No file picker is available here.', { hint: 'Type the path into the field instead.' });
        return options.pickPath(input);
      },
      dataLocation: async () => dataLocation(),
      trainerStatus: async () => trainerStatus(backend.paths.dataDir, backend),
      setDataDir: async (input) => {
        writeDataDirChoice(choiceFile, input.path);
        return dataLocation();
      },
    },
    network: {
      egress: async (input) => backend.egress.list({ limit: input?.limit ?? 200 }),
    },
    localApi: {
      status: async () => localApi.status(),
      setEnabled: async (input) => localApi.setEnabled(input.enabled, input.port),
    },
  };
  if (options.startLocalApi !== false) void localApi.startIfEnabled();

  return {
    service,
    downloads,
    dispatch: createDispatch(service),
    events,
    localApi,
    ask,
    engine,
    async dispose() {
      await localApi.dispose();
      await trainingControl.dispose();
      await downloads.dispose();
      await ask.dispose();
      await engine.dispose();
      await knowledge.dispose();
      builtin.dispose();
      await mcp.dispose();
    },
  };
}
