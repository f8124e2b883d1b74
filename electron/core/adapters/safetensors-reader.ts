import fs from 'node:fs';
import { InflowError } from '../errors.ts';
import { halfBitsToFloat } from '../gguf/float16.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major (numpy/PyTorch) shape. */
  shape: number[];
  /** Byte offsets within the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  path: string;
  metadata: Record<string, string>;
  tensors: SafetensorsTensor[];
  /** Absolute offset of the data section. */
  dataOffset: number;
}

const elementBytes: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Reads a `.safetensors` header (u64 little-endian header length, a JSON header, then the raw data) and checks
 * it: known float dtypes, offsets inside the file and sized to the shape. Throws SAFETENSORS_INVALID naming
 * the file and the problem.
 */
export function readSafetensors(file: string): SafetensorsFile {
  const invalid = (why: string) =>
    new InflowError('SAFETENSORS_INVALID', `${file} is not a usable safetensors file: ${why}.`, {
      hint: 'Point at the adapter_model.safetensors that PEFT saved.',
    });
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new InflowError('ADAPTER_NOT_FOUND', `Cannot open ${file}.`, { hint: 'Check the path of the PEFT adapter.', cause: error });
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw invalid('it is shorter than its 8-byte header length');
    const lengthBytes = Buffer.alloc(8);
    fs.readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength <= 1 || headerLength > MAX_HEADER || 8 + headerLength > size)
      throw invalid(`its header length ${headerLength} does not fit the file (${size} bytes)`);
    const headerBytes = Buffer.alloc(headerLength);
    fs.readSync(fd, headerBytes, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalid('its header is not JSON');
    }
    const dataOffset = 8 + headerLength;
    const dataSize = size - dataOffset;
    const tensors: SafetensorsTensor[] = [];
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof entry.dtype !== 'string' || !(entry.dtype in elementBytes))
        throw invalid(`tensor ${name} has dtype ${String(entry.dtype)} (F32, F16, BF16 or F64 expected)`);
      if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(`tensor ${name} has no valid shape`);
      if (!Array.isArray(entry.data_offsets) || entry.data_offsets.length !== 2) throw invalid(`tensor ${name} has no data_offsets`);
      const [begin, end] = entry.data_offsets as [number, number];
      const dtype = entry.dtype as SafetensorsDtype;
      const expected = (entry.shape as number[]).reduce((a, b) => a * b, 1) * elementBytes[dtype];
      if (!(begin >= 0 && end >= begin && end <= dataSize)) throw invalid(`tensor ${name}'s data [${begin}, ${end}) lies outside the file`);
      if (end - begin !== expected) throw invalid(`tensor ${name} has ${end - begin} bytes but its shape needs ${expected}`);
      tensors.push({ name, dtype, shape: entry.shape as number[], begin, end });
    }
    const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
    return { path: file, metadata, tensors, dataOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/** A tensor's values as f32 (F16, BF16 and F64 converted), in row-major order. */
export function readSafetensorsTensor(file: SafetensorsFile, name: string): Float32Array {
  const tensor = file.tensors.find((t) => t.name === name);
  if (tensor === undefined) throw new InflowError('SAFETENSORS_INVALID', `${file.path} has no tensor ${name}.`);
  const bytes = Buffer.alloc(tensor.end - tensor.begin);
  const fd = fs.openSync(file.path, 'r');
  try {
    fs.readSync(fd, bytes, 0, bytes.length, file.dataOffset + tensor.begin);
  } finally {
    fs.closeSync(fd);
  }
  const count = bytes.length / elementBytes[tensor.dtype];
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (tensor.dtype) {
      case 'F32':
        out[i] = bytes.readFloatLE(i * 4);
        break;
      case 'F64':
        out[i] = bytes.readDoubleLE(i * 8);
        break;
      case 'F16':
        out[i] = halfBitsToFloat(bytes.readUInt16LE(i * 2));
        break;
      case 'BF16': {
        const scratch = Buffer.alloc(4);
        scratch.writeUInt32LE(bytes.readUInt16LE(i * 2) << 16);
        out[i] = scratch.readFloatLE(0);
        break;
      }
    }
  }
  return out;
}
