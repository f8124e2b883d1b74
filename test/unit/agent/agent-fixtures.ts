import { z } from 'zod';
import { defineTool } from '../../../electron/core/tools/define-tool.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';

/** Small deterministic tools for loop tests. */
export function additionTool(overrides: Partial<Tool> = {}): Tool {
  const tool = defineTool({
    name: 'Addition_Tool',
    description: 'Adds two numbers.',
    input: z.object({ a: z.number().describe('first number'), b: z.number().describe('second number') }),
    output: 'The sum as a number.',
    examples: [{ input: { a: 1, b: 2 }, description: 'adds 1 and 2' }],
    execute: async ({ a, b }) => ({ sum: a + b }),
  });
  return { ...tool, ...overrides };
}

export function echoTool(overrides: Partial<Tool> = {}): Tool {
  const tool = defineTool({
    name: 'Echo_Tool',
    description: 'Returns the query unchanged.',
    input: z.object({ query: z.string().describe('text to echo') }),
    output: 'The same text.',
    execute: async ({ query }) => query,
  });
  return { ...tool, ...overrides };
}

export const analysis = {
  json: {
    concise_summary: 'Add two numbers.',
    required_skills: ['arithmetic'],
    relevant_tools: ['Addition_Tool'],
    additional_considerations: 'none',
  },
};
export const plan = (tool = 'Addition_Tool') => ({
  json: { justification: 'It adds.', context: 'a=17, b=25', sub_goal: 'Add 17 and 25', tool_name: tool },
});
export const command = (input: Record<string, unknown>) => ({ json: { input } });
export const verdict = (conclusion: 'STOP' | 'CONTINUE') => ({ json: { analysis: 'checked', conclusion } });
export const final = (answer: string) => ({ json: { process_summary: 'Used the tool.', answer } });
