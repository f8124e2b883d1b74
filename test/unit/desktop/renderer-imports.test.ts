import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';

const rendererDir = path.join(repoRoot, 'renderer');
const contractDir = path.join(repoRoot, 'electron', 'core', 'contract');
const allowedPackages = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zod']);
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'public' ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|require\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  }
  return found;
}

test('renderer code imports only React, zod, its own files and the shared contract: never Node or Electron', () => {
  const seen = new Set<string>();
  const queue = sourceFiles(path.join(rendererDir, 'src'));
  const problems: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      const where = path.relative(repoRoot, file);
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!target.startsWith(rendererDir + path.sep) && !target.startsWith(contractDir + path.sep)) problems.push(`${where} reaches outside the renderer and contract: ${specifier}`);
        else if (/\.(ts|tsx)$/.test(target)) queue.push(target);
      } else if (nodeBuiltins.has(specifier) || specifier.startsWith('node:')) problems.push(`${where} imports Node's ${specifier}`);
      else if (specifier === 'electron' || specifier.startsWith('electron/')) problems.push(`${where} imports Electron`);
      else if (!allowedPackages.has(specifier)) problems.push(`${where} imports an unexpected package ${specifier}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok([...seen].some((file) => file.startsWith(contractDir)), 'the contract is among the files checked');
  assert.ok(seen.size > 20, `checked ${seen.size} files`);
});

test('the built renderer bundle contains no require() and no reference to Electron or Node modules', { skip: !fs.existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html')) && 'run `npm run build:renderer` first' }, () => {
  const assets = path.join(repoRoot, 'dist', 'renderer', 'assets');
  for (const name of fs.readdirSync(assets).filter((file) => file.endsWith('.js'))) {
    const code = fs.readFileSync(path.join(assets, name), 'utf8');
    assert.doesNotMatch(code, /\brequire\(\s*["'](electron|node:[\w/]+|fs|child_process|path)["']\s*\)/, name);
    assert.doesNotMatch(code, /from\s*["'](electron|node:[\w/]+)["']/, name);
  }
});
