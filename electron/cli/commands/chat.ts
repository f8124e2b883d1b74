import { parseArgs } from 'node:util';
import { InflowError } from '../../core/errors.ts';
import { readGgufFile } from '../../core/gguf/gguf-reader.ts';
import { getEngine } from '../../core/llm/engine.ts';
import type { ChatMessage, SamplingOptions } from '../../core/llm/language-model.ts';
import { resolveModelChoice } from '../../core/llm/resolve-model.ts';
import { resolveInstalledModel } from '../../core/models/model-registry.ts';
import type { CliCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const usage = `Usage: inflow chat [options] "MESSAGE"
  Streams a reply from a local model.
  --model PATH|ID        a GGUF file or an installed model id (default: the recommended installed model)
  --system TEXT          a system prompt
  --temperature T        0 = greedy (default 0.7)
  --top-p P, --top-k K, --seed N, --max-tokens N (default 512)
  --context-size N       context window in tokens (default 4096)
  --threads N            CPU threads (default: all cores)
  --adapter FILE         apply a GGUF LoRA adapter; --adapter-scale S (default 1)
  --cpu                  do not use the GPU
  --json                 print the whole generation (tokens, log-probs, timings) as JSON`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InflowError('USAGE', `--${name} needs a number, not "${value}".`, { hint: usage });
  return parsed;
}

/** `inflow chat`: one question to a local model, the reply streamed to stdout. */
export const command: CliCommand = {
  name: 'chat',
  summary: 'stream a reply from a local model',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        model: { type: 'string' }, system: { type: 'string' }, temperature: { type: 'string' }, 'top-p': { type: 'string' },
        'top-k': { type: 'string' }, seed: { type: 'string' }, 'max-tokens': { type: 'string' }, 'context-size': { type: 'string' },
        threads: { type: 'string' }, adapter: { type: 'string' }, 'adapter-scale': { type: 'string' }, cpu: { type: 'boolean' },
      },
    });
    const message = positionals.join(' ').trim();
    if (message === '') throw new InflowError('USAGE', 'Give the message to send.', { hint: usage });
    const backend = await context.backend();
    const choice = resolveModelChoice(values.model, backend.paths.models);
    readGgufFile(choice.path ?? resolveInstalledModel(backend.paths.models, choice.catalogId ?? '')); // fail fast, before starting llama.cpp
    const engine = await getEngine({ gpu: values.cpu === true ? false : 'auto' });
    const threads = number(values.threads, 'threads');
    const model = await engine.loadModel({
      ...choice, contextSize: number(values['context-size'], 'context-size') ?? 4096, signal: context.signal,
      ...(threads === undefined ? {} : { threads }),
    });
    try {
      if (values.adapter !== undefined) await model.setAdapter(values.adapter, number(values['adapter-scale'], 'adapter-scale') ?? 1);
      const messages: ChatMessage[] = [
        ...(values.system === undefined ? [] : [{ role: 'system' as const, content: values.system }]),
        { role: 'user', content: message },
      ];
      const sampling: SamplingOptions = Object.fromEntries(Object.entries({
        temperature: number(values.temperature, 'temperature') ?? 0.7,
        topP: number(values['top-p'], 'top-p'),
        topK: number(values['top-k'], 'top-k'),
        seed: number(values.seed, 'seed'),
        maxTokens: number(values['max-tokens'], 'max-tokens') ?? 512,
      }).filter(([, value]) => value !== undefined));
      const generation = await model.generate({
        messages, sampling, signal: context.signal,
        ...(context.json ? {} : { onTextChunk: (chunk: string) => { context.stdout.write(chunk); } }),
      });
      if (context.json) context.printJson(generation);
      else {
        context.stdout.write('\n');
        if (generation.stopReason === 'max_tokens') context.stderr.write(`(stopped at --max-tokens ${sampling.maxTokens})\n`);
      }
      return generation.stopReason === 'aborted' ? ExitCode.cancelled : ExitCode.ok;
    } finally {
      await model.dispose();
    }
  },
};
