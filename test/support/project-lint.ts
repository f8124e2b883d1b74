import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../electron/core/paths.ts';

/**
 * The project's ESLint configuration (lint/eslint.config.js) run from a test, one rule at a time: the architecture
 * tests (test/unit/arch/) lint the real tree and snippets placed at a path of the tree with it.
 */
const eslintEntry = path.join(repoRoot, 'lint', 'node_modules', 'eslint', 'lib', 'api.js');

/** The skip reason when the lint toolchain is not installed (false when it is). */
export const lintMissing: string | false = !fs.existsSync(eslintEntry) && 'the lint toolchain is not installed: run `npm run lint` once (CI does)';

/** The part of ESLint's Node API used here (ESLint lives in lint/node_modules, outside the project's types). */
interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; message: string }[];
}
interface ESLintApi {
  lintFiles(patterns: string[]): Promise<LintResult[]>;
  lintText(code: string, options: { filePath: string }): Promise<LintResult[]>;
}

export interface RuleLinter {
  /** The rule's problems in these folders of the real tree, as "file:line message", and how many files were linted. */
  tree(folders: string[]): Promise<{ problems: string[]; files: string[] }>;
  /** The rule's messages for `code` placed at `file` (a path in the repository; the file need not exist). */
  text(file: string, code: string): Promise<string[]>;
}

/** A linter with the project's configuration that reports only `ruleId`. */
export async function ruleLinter(ruleId: string): Promise<RuleLinter> {
  const { ESLint } = (await import(pathToFileURL(eslintEntry).href)) as { ESLint: new (options: object) => ESLintApi };
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: path.join(repoRoot, 'lint', 'eslint.config.js'),
    ruleFilter: (rule: { ruleId: string }) => rule.ruleId === ruleId,
  });
  return {
    async tree(folders) {
      const results = await eslint.lintFiles(folders);
      return {
        problems: results.flatMap((r) =>
          r.messages.filter((m) => m.ruleId === ruleId).map((m) => `${path.relative(repoRoot, r.filePath)}:${m.line} ${m.message}`),
        ),
        files: results.map((r) => path.relative(repoRoot, r.filePath)),
      };
    },
    async text(file, code) {
      const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
      return result!.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
    },
  };
}
