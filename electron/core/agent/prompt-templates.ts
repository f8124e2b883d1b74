import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { resourcesDir } from '../paths.ts';

export type PromptName = 'system' | 'analyzer' | 'planner' | 'executor' | 'verifier' | 'generator';

const cache = new Map<string, string>();

/**
 * A prompt template from resources/prompts/<profile>/<name>.txt. Templates are plain text with `{{name}}`
 * placeholders, kept outside the code so wording can be reviewed (and, for `agentflow`, compared with the
 * reference) without reading TypeScript.
 */
export function loadPrompt(profile: string, name: PromptName, directory = path.join(resourcesDir, 'prompts')): string {
  const file = path.join(directory, profile, `${name}.txt`);
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InflowError('PROMPT_NOT_FOUND', `The prompt template ${file} is missing.`, {
      hint: 'Reinstall Inflow; the resources folder is incomplete.',
      cause: error,
    });
  }
  cache.set(file, text);
  return text;
}

/** Fills `{{name}}` placeholders in one pass (values are never re-scanned, so they may contain braces). */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new InflowError('PROMPT_PLACEHOLDER', `The prompt placeholder {{${name}}} has no value.`);
    return String(value);
  });
}
