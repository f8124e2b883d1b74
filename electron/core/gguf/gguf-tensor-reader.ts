import fs from 'node:fs';
import { InflowError } from '../errors.ts';
import { ggmlTypeSize } from './gguf-format.ts';
import type { GgufFileInfo } from './gguf-reader.ts';
import { halfBitsToFloat } from './float16.ts';

/** Reads one f32 or f16 tensor's values as f32 (for tests and small models). */
export function readGgufTensor(info: GgufFileInfo, name: string): Float32Array {
  const tensor = info.tensors.find((candidate) => candidate.name === name);
  if (tensor === undefined) throw new InflowError('GGUF_TENSOR_NOT_FOUND', `${info.path} has no tensor ${name}.`);
  const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
  const elementSize = ggmlTypeSize(tensor.type);
  if (elementSize === undefined)
    throw new InflowError('GGUF_UNSUPPORTED_TYPE', `Tensor ${name} has ggml type ${tensor.type}; only f32 and f16 can be read.`);
  const bytes = Buffer.alloc(elements * elementSize);
  const fd = fs.openSync(info.path, 'r');
  try {
    fs.readSync(fd, bytes, 0, bytes.length, info.dataOffset + tensor.offset);
  } finally {
    fs.closeSync(fd);
  }
  const out = new Float32Array(elements);
  for (let index = 0; index < elements; index++) {
    out[index] = elementSize === 4 ? bytes.readFloatLE(index * 4) : halfBitsToFloat(bytes.readUInt16LE(index * 2));
  }
  return out;
}
