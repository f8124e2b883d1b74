/**
 * `npm run ops:table`: regenerates test/integration/trainer/backend-ops/support-tables.json, the ops audit's data: the
 * `supports_op` switch of the CUDA, Metal and Vulkan backends of the llama.cpp release node-llama-cpp bundles
 * (`.cache/llama.cpp`, see scripts/llama-source.ts), one entry per op: `true` (always supported), `false`, or
 * `conditional` with the source of its conditions, plus the unary and GLU ops each backend lists and what the switch's
 * default does. Each source file's SHA-256 is recorded, so the test notices a bundle that no longer matches the table.
 * The audit test (backend-ops.test.ts) reads the table; its rules for conditional entries quote the condition text
 * they were written against and fail when it changes. Run it after updating node-llama-cpp.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureLlamaSource, repoRoot } from './llama-source.ts';

const backends = {
  cuda: { file: 'ggml/src/ggml-cuda/ggml-cuda.cu', fn: 'static bool ggml_backend_cuda_device_supports_op(' },
  metal: { file: 'ggml/src/ggml-metal/ggml-metal-device.m', fn: 'bool ggml_metal_device_supports_op(' },
  vulkan: { file: 'ggml/src/ggml-vulkan/ggml-vulkan.cpp', fn: 'static bool ggml_backend_vk_device_supports_op(' },
} as const;

export const tablePath = path.join(repoRoot, 'test', 'integration', 'trainer', 'backend-ops', 'support-tables.json');

export interface OpEntry {
  verdict: 'true' | 'false' | 'conditional';
  source: string;
}
export interface BackendTable {
  file: string;
  sha256: string;
  ops: Record<string, OpEntry>;
  unary: string[];
  glu: string[];
  defaultSource: string;
}

/** The text from `start` to its matching closing brace (start points at or before the opening brace). */
function braced(text: string, start: number): string {
  const open = text.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

const normalise = (code: string): string =>
  code
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Splits the body of `switch (op->op) { ... }` into case groups at its own nesting depth. */
function parseSwitch(body: string): { ops: Record<string, OpEntry>; defaultSource: string } {
  const ops: Record<string, OpEntry> = {};
  let defaultSource = '';
  let depth = 0;
  let labels: string[] = [];
  let isDefault = false;
  let code = '';
  const flush = (): void => {
    if (labels.length === 0 && !isDefault) return;
    const source = normalise(code);
    const verdict = /^(return true;)( break;)?$/.test(source) ? 'true' : /^(return false;)( break;)?$/.test(source) ? 'false' : 'conditional';
    for (const label of labels) ops[label] = { verdict, source };
    if (isDefault) defaultSource = source;
    labels = [];
    isDefault = false;
    code = '';
  };
  const pattern = /case\s+GGML_OP_([A-Z0-9_]+)\s*:|default\s*:|[{}]|[^{}cd]+|[cd]/g;
  for (const match of body.matchAll(pattern)) {
    const token = match[0];
    if (depth === 0 && match[1] !== undefined) {
      if (code.trim() !== '') flush();
      labels.push(match[1]);
      continue;
    }
    if (depth === 0 && /^default\s*:$/.test(token)) {
      if (code.trim() !== '') flush();
      isDefault = true;
      continue;
    }
    if (token === '{') depth++;
    if (token === '}') depth--;
    code += token;
  }
  flush();
  return { ops, defaultSource };
}

export function buildTables(): Record<string, BackendTable> {
  const root = ensureLlamaSource();
  const tables: Record<string, BackendTable> = {};
  for (const [name, { file, fn }] of Object.entries(backends)) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const at = text.indexOf(fn);
    if (at < 0) throw new Error(`${fn} not found in ${file}`);
    const body = braced(text, at);
    const switchAt = body.search(/switch\s*\(\s*op->op\s*\)/);
    const { ops, defaultSource } = parseSwitch(braced(body, switchAt));
    const listed = (kind: string): string[] =>
      [
        ...new Set(
          [
            ...normalise((ops[kind] ?? { source: '' }).source).matchAll(
              new RegExp(`case GGML_${kind === 'UNARY' ? 'UNARY' : 'GLU'}_OP_([A-Z0-9_]+)`, 'g'),
            ),
          ].map((m) => m[1] as string),
        ),
      ].sort();
    tables[name] = { file, sha256: createHash('sha256').update(text).digest('hex'), ops, unary: listed('UNARY'), glu: listed('GLU'), defaultSource };
  }
  return tables;
}

if (import.meta.main) {
  fs.mkdirSync(path.dirname(tablePath), { recursive: true });
  fs.writeFileSync(tablePath, `${JSON.stringify(buildTables(), null, 1)}\n`);
  console.log(`wrote ${path.relative(repoRoot, tablePath)}`);
}
