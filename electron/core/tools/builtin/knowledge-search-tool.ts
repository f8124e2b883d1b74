import { z } from 'zod';
import { defaults } from '../../contract/defaults.ts';
import type { KnowledgeIndex } from '../../knowledge/knowledge-index.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../tool.ts';

/**
 * Knowledge_Search_Tool: search over the user's indexed folders (BM25, fused with embeddings when the index has an
 * embedder), returning passages with source and location.
 */
export function createKnowledgeSearchTool(options: { index: KnowledgeIndex }): Tool {
  return defineTool({
    name: 'Knowledge_Search_Tool',
    description:
      'Searches the documents in the folders the user added (notes, papers, web pages, PDFs) and returns the most relevant passages with their file and location.',
    input: z.object({
      query: z.string().min(1).describe("keywords or a question about the user's documents"),
      limit: z.number().int().min(1).max(10).optional().describe(`how many passages (default ${defaults.agentKnowledgeHits})`),
    }),
    output: 'A dict with query and passages: a list of {source, location, text}.',
    limitations: ["Finds only what is in the user's indexed folders.", 'Keyword search: use the words the documents likely contain.'],
    bestPractices: ['Search with specific names and terms.', 'Cite the source and location of what you use.'],
    examples: [{ input: { query: 'project deadline budget' }, description: 'finds passages about the project budget' }],
    timeoutMs: 15_000,
    maxOutputChars: 6_000,
    async execute({ query, limit }, context) {
      const hits = await options.index.searchHybrid(query, {
        limit: limit ?? defaults.agentKnowledgeHits,
        sourceKind: 'folder',
        signal: context.signal,
      });
      return {
        query,
        passages: hits.map((hit) => ({ source: hit.source, location: hit.location, text: hit.text })),
        ...(hits.length === 0 ? { note: 'No passage matched. Try other words.' } : {}),
      };
    },
  });
}
