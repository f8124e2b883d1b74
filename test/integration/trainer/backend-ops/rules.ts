/**
 * The ops audit's reading of each GPU backend's `supports_op` for the ops the training graph uses. Every rule quotes
 * (by the first 10 hex digits of its SHA-256) the condition text it was written against, as recorded in
 * support-tables.json; when a new llama.cpp release changes that text the audit fails until the rule is re-read.
 * Device features are assumed present (Metal: simdgroup reduction and matrix multiply, i.e. Apple7 / M1 and newer).
 * `true` entries of the table need no rule. Views, reshapes and permutes are free on every backend and not audited.
 */
import type { GraphNode } from '../../../../electron/core/training/trainer/native-trainer.ts';

type Source = GraphNode['sources'][number];
export interface Rule {
  written: string;
  check: (node: GraphNode) => boolean;
}

const floatLike = (s: Source | undefined): boolean => s !== undefined && (s.type === 'f32' || s.type === 'f16');
const src = (node: GraphNode, i: number): Source => node.sources[i] as Source;
const quantOrFloat = new Set([
  'f32',
  'f16',
  'bf16',
  'q4_0',
  'q4_1',
  'q5_0',
  'q5_1',
  'q8_0',
  'q2_K',
  'q3_K',
  'q4_K',
  'q5_K',
  'q6_K',
  'iq4_nl',
  'iq4_xs',
]);

// CUDA / Vulkan binary ops: F32/F16 sources and result, any layout
const binaryTypes: Rule = {
  written: '779eb441e5',
  check: (n) => floatLike(src(n, 0)) && floatLike(src(n, 1)) && (n.type === 'f32' || n.type === 'f16'),
};
// Metal binary ops: rows contiguous, same F32/F16 type
const metalBinary: Rule = {
  written: 'f16343aeef',
  check: (n) => src(n, 0).contiguousRows && src(n, 1).contiguousRows && floatLike(src(n, 0)) && src(n, 0).type === src(n, 1).type,
};
const metalUnary: Rule = { written: '4f4c4e11d0', check: (n) => src(n, 0).contiguousRows && floatLike(src(n, 0)) };
const vulkanUnaryMath: Rule = { written: '59cd9821c8', check: (n) => floatLike(src(n, 0)) && n.type === src(n, 0).type };
const contiguousF32: Rule = { written: '3b4f944e54', check: (n) => src(n, 0).contiguous && src(n, 0).type === 'f32' };
const metalReduction: Rule = { written: '5eab58f5aa', check: (n) => src(n, 0).contiguousRows };
const floatCopy = (written: string): Rule => ({ written, check: (n) => src(n, 0).type === 'f32' && n.type === 'f32' });

export const rules: Record<string, Partial<Record<'cuda' | 'metal' | 'vulkan', Rule>>> = {
  ADD: { cuda: binaryTypes, metal: metalBinary, vulkan: binaryTypes },
  SUB: { cuda: binaryTypes, metal: metalBinary, vulkan: binaryTypes },
  MUL: { cuda: binaryTypes, metal: metalBinary, vulkan: binaryTypes },
  DIV: { cuda: binaryTypes, metal: metalBinary, vulkan: binaryTypes },
  // same non-quantised 4-byte type on both sides and the result
  CONCAT: {
    cuda: { written: 'd4aa2ddef1', check: (n) => src(n, 0).type === 'f32' && src(n, 1).type === 'f32' && n.type === 'f32' },
    metal: { written: '18b76cbd22', check: (n) => src(n, 0).type === 'f32' && src(n, 1).type === 'f32' && n.type === 'f32' },
    vulkan: { written: '83f038516d', check: (n) => src(n, 0).type === 'f32' && src(n, 1).type === 'f32' && n.type === 'f32' },
  },
  // F32 -> F32 copies of any layout
  CONT: { metal: floatCopy('f200a1a977'), vulkan: floatCopy('6d4ea03e93') },
  GET_ROWS: {
    cuda: { written: 'd363ae3c01', check: (n) => quantOrFloat.has(src(n, 0).type) && n.type === 'f32' },
    metal: { written: 'd4cf7830b8', check: (n) => src(n, 0).type !== 'nvfp4' },
    vulkan: { written: 'e80eac3f37', check: (n) => quantOrFloat.has(src(n, 0).type) && n.type === 'f32' },
  },
  // F32 rows into an F32 destination, I32 indices
  SET_ROWS: {
    cuda: { written: '7c470c1f4f', check: (n) => n.type === 'f32' && src(n, 0).type === 'f32' && src(n, 1).type === 'i32' },
    metal: { written: 'd7a5c1247c', check: (n) => n.type === 'f32' && src(n, 0).type === 'f32' },
    vulkan: { written: 'd34048f1ef', check: (n) => n.type === 'f32' && src(n, 0).type === 'f32' && src(n, 1).type === 'i32' },
  },
  LOG: { metal: metalUnary, vulkan: vulkanUnaryMath },
  SQR: { metal: metalUnary, vulkan: vulkanUnaryMath },
  SQRT: { metal: metalUnary, vulkan: vulkanUnaryMath },
  SCALE: { metal: metalUnary, vulkan: { written: '3b4f944e54', check: contiguousF32.check } },
  // zero padding at the end only, not circular (params: lp0 rp0 lp1 rp1 lp2 rp2 lp3 rp3 circular)
  PAD: {
    metal: {
      written: '00204d79a4',
      check: (n) => n.params[8] === 0 && n.params[0] === 0 && n.params[2] === 0 && n.params[4] === 0 && n.params[6] === 0,
    },
    vulkan: { written: '324f66d0e6', check: (n) => src(n, 0).type === 'f32' },
  },
  REPEAT: {
    cuda: { written: '9947a82a81', check: (n) => floatLike(src(n, 0)) },
    vulkan: { written: '24fd41562e', check: (n) => n.type === src(n, 0).type && (n.type === 'f32' || n.type === 'f16') },
  },
  RMS_NORM: {
    cuda: { written: '75a5dfb1bd', check: (n) => src(n, 0).contiguousRows },
    metal: { written: '33ff9b8a4f', check: (n) => src(n, 0).contiguousRows },
  },
  // rows contiguous and (CUDA) the first three dimensions contiguous: checked as fully contiguous
  ROPE: {
    cuda: { written: 'e8ad2b2ae3', check: (n) => src(n, 0).contiguous },
    vulkan: { written: '2e4b2a3268', check: (n) => src(n, 0).contiguousRows },
  },
  ROPE_BACK: { cuda: { written: 'e8ad2b2ae3', check: (n) => src(n, 0).contiguous } },
  SILU_BACK: {
    cuda: { written: '3dca8f78c8', check: contiguousF32.check },
    metal: {
      written: '949e087ad1',
      check: (n) =>
        src(n, 0).type === 'f32' &&
        src(n, 1).type === 'f32' &&
        n.type === 'f32' &&
        src(n, 0).contiguous &&
        src(n, 1).contiguous &&
        src(n, 0).ne.join() === src(n, 1).ne.join(),
    },
    vulkan: contiguousF32,
  },
  SOFT_MAX: {
    metal: metalReduction,
    vulkan: {
      written: '67291d1971',
      check: (n) => src(n, 0).contiguous && src(n, 0).type === 'f32' && (n.sources[1] === undefined || floatLike(src(n, 1))),
    },
  },
  SUM: {
    cuda: { written: '75a5dfb1bd', check: (n) => src(n, 0).contiguousRows },
    metal: { written: 'cbea93bf21', check: (n) => src(n, 0).contiguous },
    vulkan: { written: 'a88891e38d', check: (n) => src(n, 0).type === 'f32' && src(n, 0).contiguousRows },
  },
  SUM_ROWS: {
    cuda: { written: 'e8c8714629', check: (n) => src(n, 0).contiguous },
    metal: metalReduction,
    vulkan: { written: 'a88891e38d', check: (n) => src(n, 0).type === 'f32' && src(n, 0).contiguousRows },
  },
  // the unary op must be listed (checked against the table), then: CUDA contiguous source; Metal rows contiguous
  // F32/F16; Vulkan F32/F16 of one type
  UNARY: {
    cuda: { written: 'd42eae3b5c', check: (n) => src(n, 0).contiguous },
    metal: { written: 'dbe4237e43', check: (n) => src(n, 0).contiguousRows && floatLike(src(n, 0)) },
    vulkan: { written: 'f1030c1a0f', check: (n) => floatLike(src(n, 0)) && n.type === src(n, 0).type },
  },
  // split SWIGLU: sources contiguous (checked as fully contiguous), F32
  GLU: {
    cuda: { written: '18316f55ea', check: (n) => src(n, 0).contiguous },
    metal: { written: '6e835aed14', check: (n) => src(n, 0).contiguous && floatLike(src(n, 0)) },
    vulkan: {
      written: '384a310779',
      check: (n) => floatLike(src(n, 0)) && n.type === src(n, 0).type && src(n, 0).contiguous && (n.sources[1] === undefined || src(n, 1).contiguous),
    },
  },
  MUL_MAT: {
    // rows of both sources contiguous; an F16 src1 only with F16 src0; src0 of a listed type
    cuda: {
      written: 'bb26b625c1',
      check: (n) => src(n, 0).contiguousRows && src(n, 1).contiguousRows && src(n, 1).type !== 'f16' && quantOrFloat.has(src(n, 0).type),
    },
    // ggml_metal_supports_mul_mat_op: any src0 but NVFP4 when src1 is not F16
    metal: { written: '9e339e7d8e', check: (n) => src(n, 0).type !== 'nvfp4' && src(n, 1).type !== 'f16' },
    // listed src0 type, equal ne3, and dims 0-1 contiguous unless float types
    vulkan: {
      written: '4237d8e726',
      check: (n) =>
        quantOrFloat.has(src(n, 0).type) &&
        src(n, 0).ne[3] === src(n, 1).ne[3] &&
        (src(n, 0).contiguous || floatLike(src(n, 0)) || src(n, 0).type === 'bf16') &&
        (src(n, 1).contiguous || floatLike(src(n, 1))),
    },
  },
};

/** The table's op name for a node (unary and GLU ops are filed under UNARY / GLU). */
export function tableOp(node: GraphNode, unary: ReadonlySet<string>, glu: ReadonlySet<string>): { op: string; sub?: string } {
  if (unary.has(node.op)) return { op: 'UNARY', sub: node.op };
  if (glu.has(node.op)) return { op: 'GLU', sub: node.op };
  return { op: node.op };
}
