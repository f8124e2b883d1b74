import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../../errors.ts';
import { resourcesDir } from '../../paths.ts';

/** A tool card exactly as the reference's toolbox metadata holds it (key order kept; rendered with Python repr). */
export type ReferenceCard = Readonly<Record<string, unknown>>;

const cache = new Map<string, Readonly<Record<string, ReferenceCard>>>();

/**
 * The reference's own tool cards (resources/prompts/agentflow/tool-cards.json: lupantech/AgentFlow's
 * tools/*\/tool.py metadata, MIT licence, see NOTICE.md there), keyed by tool name. The `agentflow` profile shows
 * these, word for word, for the built-in tools of the same name, since the released planner was trained on them.
 */
export function referenceCards(directory = path.join(resourcesDir, 'prompts', 'agentflow')): Readonly<Record<string, ReferenceCard>> {
  const file = path.join(directory, 'tool-cards.json');
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  let cards: Record<string, ReferenceCard>;
  try {
    cards = (JSON.parse(fs.readFileSync(file, 'utf8')) as { cards: Record<string, ReferenceCard> }).cards;
  } catch (error) {
    throw new InflowError('PROMPT_NOT_FOUND', `The reference tool cards ${file} are missing or damaged.`, {
      hint: 'Reinstall Inflow; the resources folder is incomplete.',
      cause: error,
    });
  }
  cache.set(file, cards);
  return cards;
}

/** Names of the tools the reference's training and evaluation loaded (its default ENABLE_TOOLS, plus Web_RAG_Search_Tool, which its loader picks up with the Wikipedia tool). */
export function referenceToolNames(): string[] {
  return Object.keys(referenceCards());
}
