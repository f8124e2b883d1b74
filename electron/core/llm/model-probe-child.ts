/**
 * The throwaway process that loads a model once before the app or CLI does (started by model-probe.ts, never
 * imported): if llama.cpp aborts on the file, only this process dies. Loads on the CPU, creates a small context
 * and evaluates one token, then reports {ok} or {error} over IPC and exits.
 */
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { recordLlamaLog, takeLlamaErrors } from './llama-log.ts';

async function probe(file: string): Promise<void> {
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    logger: (_level, message) => recordLlamaLog(message),
  });
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 64, threads: 1 });
  const tokens = model.tokenize('a');
  await context.getSequence().evaluateWithoutGeneratingNewTokens(tokens.length > 0 ? tokens : [0 as never]);
  await context.dispose();
  await model.dispose();
}

const file = process.argv[2] ?? '';
probe(file).then(
  () => {
    process.send?.({ ok: true }, () => process.exit(0));
  },
  // llama.cpp's own reason (its error log lines) follows node-llama-cpp's generic message, as in the engine.
  (error: unknown) => {
    process.send?.({ error: `${String((error as Error)?.message ?? error)}${takeLlamaErrors()}` }, () => process.exit(0));
  },
);
