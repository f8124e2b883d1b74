/**
 * The GGUF container format (version 3) as llama.cpp reads it: a header of typed key/value pairs, a table of
 * tensor descriptions, then the aligned tensor data. Shared by the reader and the writer.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Value types of header entries (gguf.h `enum gguf_type`). */
export const GgufType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufScalarType = Exclude<(typeof GgufType)[keyof typeof GgufType], 9>;

/** Tensor element types this project writes (ggml.h `enum ggml_type`); others are read but not interpreted. */
export const GgmlType = { f32: 0, f16: 1, q8_0: 8 } as const;
export type GgmlTypeId = number;

export type GgufScalar = number | bigint | boolean | string;

/** One header entry. Arrays carry their item type so a read file can be written back unchanged. */
export type GgufValue = { type: GgufScalarType; value: GgufScalar } | { type: 9; itemType: GgufScalarType; value: GgufScalar[] };

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: number[];
  type: GgmlTypeId;
  /** Offset of the data relative to the start of the data section. */
  offset: number;
}

/** A tensor to write: f32 values, f16 values as raw half-float bits, or any ggml type as raw bytes. */
export interface GgufTensorInput {
  name: string;
  dims: number[];
  data: Float32Array | { f16: Uint16Array } | { type: GgmlTypeId; bytes: Uint8Array };
}

/** Byte size of one element, for the element types whose size is fixed. */
export function ggmlTypeSize(type: GgmlTypeId): number | undefined {
  if (type === GgmlType.f32) return 4;
  if (type === GgmlType.f16) return 2;
  return undefined;
}

/** [elements per block, bytes per block] of common ggml types, for checking that a file holds all its data. */
const BLOCK_LAYOUT: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  9: [32, 36],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  30: [1, 2],
};

/** Bytes a tensor of `elements` elements of `type` occupies, or undefined for types not listed. */
export function ggmlTensorBytes(type: GgmlTypeId, elements: number): number | undefined {
  const layout = BLOCK_LAYOUT[type];
  return layout === undefined ? undefined : Math.ceil(elements / layout[0]) * layout[1];
}

export function scalarByteSize(type: GgufScalarType): number | undefined {
  switch (type) {
    case GgufType.uint8:
    case GgufType.int8:
    case GgufType.bool:
      return 1;
    case GgufType.uint16:
    case GgufType.int16:
      return 2;
    case GgufType.uint32:
    case GgufType.int32:
    case GgufType.float32:
      return 4;
    case GgufType.uint64:
    case GgufType.int64:
    case GgufType.float64:
      return 8;
    default:
      return undefined; // string
  }
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Helpers for building header entries. */
export const gguf = {
  string: (value: string): GgufValue => ({ type: GgufType.string, value }),
  u32: (value: number): GgufValue => ({ type: GgufType.uint32, value }),
  i32: (value: number): GgufValue => ({ type: GgufType.int32, value }),
  f32: (value: number): GgufValue => ({ type: GgufType.float32, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufType.bool, value }),
  strings: (value: string[]): GgufValue => ({ type: GgufType.array, itemType: GgufType.string, value }),
  i32s: (value: number[]): GgufValue => ({ type: GgufType.array, itemType: GgufType.int32, value }),
  f32s: (value: number[]): GgufValue => ({ type: GgufType.array, itemType: GgufType.float32, value }),
};
