import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { InflowError } from '../../core/errors.ts';
import { readGgufFile } from '../../core/gguf/gguf-reader.ts';
import type { ChatMessage, SamplingOptions } from '../../core/llm/language-model.ts';
import type { ModelRequest } from '../../core/llm/model-loader.ts';
import type { CliCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { defaults } from '../../core/contract/defaults.ts';
import { wholeNumberFlag, numberFlag } from '../flag-values.ts';

const usage = `Usage: inflow chat [options] ["MESSAGE"]
  Streams a reply from a local model. Without MESSAGE: reads it from piped stdin, or, on a terminal, starts a
  conversation (one line per turn; an empty line or Ctrl-D ends it).
  --model PATH|ID        a GGUF file or an installed model id (default: the recommended installed model)
  --system TEXT          a system prompt
  --temperature T        0 = greedy (default 0.7)
  --top-p P, --top-k K, --seed N, --max-tokens N (default 512)
  --context-size N       context window in tokens (default ${defaults.modelContextSize})
  --threads N            CPU threads (default: all cores)
  --adapter FILE         apply a GGUF LoRA adapter; --adapter-scale S (default 1)
  --cpu                  do not use the GPU
  --json                 print the whole generation (tokens, log-probs, timings) as JSON`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) return '';
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** `inflow chat`: one question to a local model, the reply streamed to stdout. */
export const command: CliCommand = {
  name: 'chat',
  summary: 'stream a reply from a local model',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        system: { type: 'string' },
        temperature: { type: 'string' },
        'top-p': { type: 'string' },
        'top-k': { type: 'string' },
        seed: { type: 'string' },
        'max-tokens': { type: 'string' },
        'context-size': { type: 'string' },
        threads: { type: 'string' },
        adapter: { type: 'string' },
        'adapter-scale': { type: 'string' },
        cpu: { type: 'boolean' },
      },
    });
    const interactive = positionals.length === 0 && process.stdin.isTTY === true && !context.json;
    const message = positionals.length > 0 || interactive ? positionals.join(' ').trim() : (await readStdin()).trim();
    if (message === '' && !interactive) throw new InflowError('USAGE', 'Give the message to send.', { hint: usage });
    const backend = await context.backend();
    const request: ModelRequest = {
      purpose: { use: 'chat' },
      model: values.model,
      contextSize: wholeNumberFlag(values['context-size'], 'context-size', { min: 1 }, usage),
      gpu: values.cpu === true ? false : 'auto',
      threads: wholeNumberFlag(values.threads, 'threads', { min: 1 }, usage),
      signal: context.signal,
    };
    readGgufFile(backend.modelLoader.modelFile(request)); // fail fast, before starting llama.cpp
    const model = await backend.modelLoader.load(request);
    try {
      if (values.adapter !== undefined)
        await model.setAdapter(values.adapter, numberFlag(values['adapter-scale'], 'adapter-scale', undefined, usage) ?? 1);
      const messages: ChatMessage[] = values.system === undefined ? [] : [{ role: 'system', content: values.system }];
      const sampling: SamplingOptions = Object.fromEntries(
        Object.entries({
          temperature: numberFlag(values.temperature, 'temperature', undefined, usage) ?? 0.7,
          topP: numberFlag(values['top-p'], 'top-p', undefined, usage),
          topK: wholeNumberFlag(values['top-k'], 'top-k', { min: 0 }, usage),
          seed: wholeNumberFlag(values.seed, 'seed', { min: 0 }, usage),
          maxTokens: wholeNumberFlag(values['max-tokens'], 'max-tokens', { min: 1 }, usage) ?? 512,
        }).filter(([, value]) => value !== undefined),
      );
      const reply = async (content: string, signal: AbortSignal = context.signal) => {
        messages.push({ role: 'user', content });
        const generation = await model.generate({
          messages,
          sampling,
          signal,
          ...(context.json
            ? {}
            : {
                onTextChunk: (chunk: string) => {
                  context.stdout.write(chunk);
                },
              }),
        });
        messages.push({ role: 'assistant', content: generation.text });
        if (context.json) context.printJson(generation);
        else {
          context.stdout.write('\n');
          if (generation.stopReason === 'max_tokens') context.stderr.write(`(stopped at --max-tokens ${sampling.maxTokens})\n`);
        }
        return generation;
      };
      if (!interactive) return (await reply(message)).stopReason === 'aborted' ? ExitCode.cancelled : ExitCode.ok;
      context.stderr.write(`Chatting with ${model.id} (${model.chatTemplateName} template). An empty line or Ctrl-D ends.\n`);
      const lines = readline.createInterface({ input: process.stdin, output: process.stderr, prompt: '> ' });
      let replying: AbortController | null = null;
      // On a terminal readline receives Ctrl-C: it stops the reply being written, or else ends the conversation.
      lines.on('SIGINT', () => {
        if (replying !== null) replying.abort();
        else lines.close();
      });
      try {
        lines.prompt();
        for await (const line of lines) {
          if (line.trim() === '' || context.signal.aborted) break;
          replying = new AbortController();
          await reply(line, AbortSignal.any([context.signal, replying.signal]));
          replying = null;
          if (context.signal.aborted) break;
          lines.prompt();
        }
      } finally {
        lines.close();
      }
      return ExitCode.ok;
    } finally {
      await model.dispose();
    }
  },
};
