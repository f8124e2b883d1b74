import { z } from 'zod';
import { InflowError } from '../../errors.ts';
import { defineTool } from '../define-tool.ts';
import type { PythonSandbox } from '../python/python-sandbox.ts';
import type { Tool } from '../tool.ts';

const codePrompt = (
  query: string,
) => `Task: Given a query, generate a Python code snippet that solves it. Think step by step, use only the standard library, and print the final result with a descriptive message. Put the code in one \`\`\`python block.

Query: ${query}`;

/** The first ```python block of a reply, or the whole reply when it looks like bare code. */
export function extractPythonCode(reply: string): string | undefined {
  const block = /```(?:python|py)?[ \t]*\n([\s\S]*?)(?:```|$)/i.exec(reply);
  if (block?.[1]?.trim()) return block[1].trim();
  return /\bprint\s*\(/.test(reply) ? reply.trim() : undefined;
}

/**
 * Python_Code_Generator_Tool, as the reference's python coder: a model writes a Python snippet for the query
 * and the snippet runs in the WebAssembly sandbox (no files, no network, hard time and memory limits).
 * Returns {printed_output, variables, execution_code} or {error, execution_code}.
 */
export function createPythonTool(options: { sandbox: PythonSandbox; timeoutMs?: number }): Tool {
  const runTimeoutMs = options.timeoutMs ?? 10_000;
  return defineTool({
    name: 'Python_Code_Generator_Tool',
    description:
      'Writes and runs a short Python program for a calculation or data manipulation task described in words, and returns what it printed.',
    input: z.object({ query: z.string().min(1).describe('the task, with every number and piece of data the code needs') }),
    output: 'A dict with printed_output, variables and execution_code, or error and execution_code.',
    limitations: [
      'Runs only the Python standard library in a sandbox: no files, no network, no packages to install.',
      `Each run is stopped after ${Math.round(runTimeoutMs / 1000)} seconds.`,
      'The query must contain all the data; the code cannot see previous steps.',
    ],
    bestPractices: [
      'Use it for exact arithmetic, counting, dates, combinatorics and checking candidate answers.',
      'State the task precisely, with all numbers.',
    ],
    examples: [{ input: { query: 'Compute 17 * 23 + 5 and print the result.' }, description: 'exact arithmetic' }],
    timeoutMs: runTimeoutMs + 60_000,
    maxOutputChars: 6_000,
    async execute({ query }, context) {
      if (context.model === undefined) throw new InflowError('TOOL_NO_MODEL', 'The Python tool needs a model to write code.');
      const generation = await context.model.generate({
        messages: [{ role: 'user', content: codePrompt(query) }],
        sampling: { temperature: 0, maxTokens: 768 },
        signal: context.signal,
      });
      const code = extractPythonCode(generation.text);
      if (code === undefined) return { error: 'The model did not write a ```python block.', execution_code: generation.text.slice(0, 500) };
      const result = await options.sandbox.run(code, { signal: context.signal, timeoutMs: runTimeoutMs });
      if (result.error !== null)
        return { error: result.error, ...(result.printedOutput ? { printed_output: result.printedOutput } : {}), execution_code: code };
      return { printed_output: result.printedOutput, variables: result.variables, execution_code: code };
    },
  });
}
