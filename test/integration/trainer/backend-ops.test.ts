import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { GraphNode, NativeTrainerModule } from '../../../electron/core/training/trainer/native-trainer.ts';
import { ensureLlamaSource } from '../../../scripts/llama-source.ts';
import { tablePath, type BackendTable } from '../../../scripts/backend-ops-table.ts';
import { testModelPath, testModelsDir, type TestModelOptions } from '../../support/test-model.ts';
import { rules, tableOp } from './backend-ops/rules.ts';
import { allTargets, trainerModule } from './trainer-fixtures.ts';

// The ops audit: every node of the training graphs, as CUDA, Metal and Vulkan would receive them, must be one their
// supports_op accepts in this llama.cpp release, so that no op of a step falls back to the CPU (with its inputs copied
// there every step). The tables come from the bundled sources (npm run ops:table); the rules read their conditions.
const tables = JSON.parse(fs.readFileSync(tablePath, 'utf8')) as Record<'cuda' | 'metal' | 'vulkan', BackendTable>;
const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

function violations(nodes: GraphNode[]): string[] {
  const found = new Set<string>();
  for (const [backend, table] of Object.entries(tables) as Array<['cuda' | 'metal' | 'vulkan', BackendTable]>) {
    const unary = new Set(tables.cuda.unary.concat(tables.metal.unary, tables.vulkan.unary, ['SILU', 'EXP', 'NEG', 'STEP']));
    const glu = new Set(['SWIGLU', 'GEGLU', 'REGLU']);
    for (const node of nodes) {
      const { op, sub } = tableOp(node, unary, glu);
      const entry = table.ops[op];
      const what = `${backend}: ${node.op} ${node.type} <- ${node.sources.map((s) => `${s.type}${s.contiguous ? '' : ' (not contiguous)'}`).join(', ')}`;
      if (entry === undefined || entry.verdict === 'false') {
        found.add(`${what}: not supported`);
        continue;
      }
      if (sub !== undefined && !(op === 'UNARY' ? table.unary : table.glu).includes(sub)) found.add(`${what}: ${sub} not listed`);
      if (entry.verdict === 'true') continue;
      const rule = rules[op]?.[backend];
      if (rule === undefined) {
        found.add(`${what}: conditional in supports_op and no rule reads it`);
      } else if (rule.written !== hash(entry.source)) {
        found.add(`${backend} ${op}: supports_op changed since its rule was written (re-read it: ${entry.source.slice(0, 120)}...)`);
      } else if (!rule.check(node)) {
        found.add(`${what}: refused by supports_op`);
      }
    }
  }
  return [...found].sort();
}

async function stepNodes(
  module: NativeTrainerModule,
  options: TestModelOptions,
  backward: 'manual' | 'autodiff',
  modelPath = testModelPath(options),
): Promise<GraphNode[]> {
  const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets }, backward });
  try {
    const nodes: GraphNode[] = [];
    // 300 tokens: two attention blocks of the full graph, three of recomputation's; 12: products with <= 16 columns
    for (const tokens of [300, 12]) {
      for (const recompute of [false, true]) {
        for (const objective of ['grpo', 'sft'] as const) nodes.push(...(await trainer.graphNodes({ tokens, objective, klBeta: 0.1, recompute })));
      }
    }
    return nodes;
  } finally {
    await trainer.dispose();
  }
}

test('the support tables were derived from the bundled llama.cpp sources (else run npm run ops:table)', () => {
  const root = ensureLlamaSource();
  for (const [backend, table] of Object.entries(tables)) {
    const actual = createHash('sha256')
      .update(fs.readFileSync(path.join(root, table.file)))
      .digest('hex');
    assert.equal(actual, table.sha256, `${backend}: ${table.file} differs from the one the table was made from`);
  }
});

const models: Array<{ name: string; options: TestModelOptions; type?: string }> = [
  { name: 'llama', options: { arch: 'llama' } },
  { name: 'qwen2 tied', options: { arch: 'qwen2', tiedEmbeddings: true } },
  { name: 'qwen3', options: { arch: 'qwen3' } },
  { name: 'llama3 rope factors', options: { arch: 'llama', ropeFreqFactors: true } },
  { name: 'llama q4_K', options: { arch: 'llama', nEmbd: 256, nFf: 512, nHead: 4, nHeadKv: 2 }, type: 'q4_K' },
];

test('every node of the hand-written training step is supported by CUDA, Metal and Vulkan (every architecture, GRPO and SFT, full and recomputed)', async () => {
  const module = await trainerModule();
  for (const model of models) {
    let modelPath = testModelPath(model.options);
    if (model.type !== undefined) {
      const file = path.join(testModelsDir, `${path.basename(modelPath, '.gguf')}-${model.type}.gguf`);
      if (!fs.existsSync(file)) {
        const temporary = `${file}.${process.pid}.tmp`;
        await module.convertModel(modelPath, temporary, model.type);
        fs.renameSync(temporary, file);
      }
      modelPath = file;
    }
    const nodes = await stepNodes(module, model.options, 'manual', modelPath);
    assert.ok(nodes.some((n) => n.op === 'MUL_MAT') && nodes.some((n) => n.op === 'SOFT_MAX'), 'the graph was collected');
    assert.deepEqual(violations(nodes), [], `${model.name}`);
  }
});

test('the audit catches a graph that would fall back: autodiff needs OUT_PROD, SOFT_MAX_BACK and GET_ROWS_BACK, which Metal lacks', async () => {
  const module = await trainerModule();
  const found = violations(await stepNodes(module, { arch: 'llama' }, 'autodiff'));
  for (const op of ['OUT_PROD', 'SOFT_MAX_BACK', 'GET_ROWS_BACK'])
    assert.ok(
      found.some((v) => v.startsWith(`metal: ${op} `)),
      `${op} on Metal: ${found.join('\n')}`,
    );
});
