import fs from 'node:fs';
import { InflowError } from '../errors.ts';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufType,
  alignUp,
  ggmlTensorBytes,
  scalarByteSize,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorInfo,
  type GgufValue,
} from './gguf-format.ts';

/** What a GGUF file's header says, plus where its tensor data starts. */
export interface GgufFileInfo {
  path: string;
  version: number;
  fileSize: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the tensor data section. */
  dataOffset: number;
}

const MAX_STRING_BYTES = 64 * 1024 * 1024;
const MAX_COUNT = 2 ** 32;
const CHUNK = 1024 * 1024;

/** Buffered little-endian reads from a file descriptor; running past the end means the file is truncated. */
class FileCursor {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;
  readonly fd: number;
  readonly size: number;
  readonly path: string;

  constructor(fd: number, size: number, path: string) {
    this.fd = fd;
    this.size = size;
    this.path = path;
  }

  private take(length: number): { buffer: Buffer; at: number } {
    const end = this.position + length;
    if (end > this.size) {
      throw new InflowError('GGUF_TRUNCATED', `${this.path} ends in the middle of its GGUF header (${this.size} bytes).`, {
        hint: 'The file is incomplete: download or copy it again.',
      });
    }
    if (this.position < this.bufferStart || end > this.bufferStart + this.buffer.length) {
      const want = Math.min(Math.max(length, CHUNK), this.size - this.position);
      this.buffer = Buffer.allocUnsafe(want);
      const read = fs.readSync(this.fd, this.buffer, 0, want, this.position);
      this.buffer = this.buffer.subarray(0, read);
      this.bufferStart = this.position;
    }
    const at = this.position - this.bufferStart;
    this.position = end;
    return { buffer: this.buffer, at };
  }

  u32(): number {
    const { buffer, at } = this.take(4);
    return buffer.readUInt32LE(at);
  }
  u64(): bigint {
    const { buffer, at } = this.take(8);
    return buffer.readBigUInt64LE(at);
  }

  count(what: string): number {
    const value = this.u64();
    if (value > BigInt(MAX_COUNT)) throw corrupt(this.path, `${what} of ${value} is not plausible`);
    return Number(value);
  }

  string(): string {
    const length = this.count('a string length');
    if (length > MAX_STRING_BYTES) throw corrupt(this.path, `a string of ${length} bytes is not plausible`);
    const { buffer, at } = this.take(length);
    return buffer.toString('utf8', at, at + length);
  }

  scalar(type: number): GgufScalar {
    if (type === GgufType.string) return this.string();
    const size = scalarByteSize(type as GgufScalarType);
    if (size === undefined) throw corrupt(this.path, `unknown value type ${type}`);
    const { buffer, at } = this.take(size);
    switch (type) {
      case GgufType.uint8:
        return buffer.readUInt8(at);
      case GgufType.int8:
        return buffer.readInt8(at);
      case GgufType.uint16:
        return buffer.readUInt16LE(at);
      case GgufType.int16:
        return buffer.readInt16LE(at);
      case GgufType.uint32:
        return buffer.readUInt32LE(at);
      case GgufType.int32:
        return buffer.readInt32LE(at);
      case GgufType.float32:
        return buffer.readFloatLE(at);
      case GgufType.bool:
        return buffer.readUInt8(at) !== 0;
      case GgufType.uint64:
        return buffer.readBigUInt64LE(at);
      case GgufType.int64:
        return buffer.readBigInt64LE(at);
      default:
        return buffer.readDoubleLE(at);
    }
  }
}

function corrupt(path: string, detail: string): InflowError {
  return new InflowError('GGUF_CORRUPT', `${path} is not a valid GGUF file: ${detail}.`, {
    hint: 'The file is damaged or was written by an incompatible tool: download or convert it again.',
  });
}

function readValue(cursor: FileCursor): GgufValue {
  const type = cursor.u32();
  if (type !== GgufType.array) return { type: type as GgufScalarType, value: cursor.scalar(type) };
  const itemType = cursor.u32();
  if (itemType === GgufType.array) throw corrupt(cursor.path, 'nested arrays are not supported');
  const length = cursor.count('an array length');
  // Every item takes at least one byte (a string eight): a length the rest of the file cannot hold is corrupt,
  // and refusing it here keeps a hostile length (2^32) from reaching the allocation below.
  const itemBytes = itemType === GgufType.string ? 8 : (scalarByteSize(itemType as GgufScalarType) ?? 1);
  if (length * itemBytes > cursor.size - cursor.position) {
    throw corrupt(cursor.path, `an array of ${length} items does not fit in the ${cursor.size - cursor.position} bytes left`);
  }
  const values: GgufScalar[] = new Array(length);
  for (let index = 0; index < length; index++) values[index] = cursor.scalar(itemType);
  return { type: GgufType.array, itemType: itemType as GgufScalarType, value: values };
}

function notRegular(path: string): InflowError {
  return new InflowError('NOT_GGUF', `${path} is not a regular file (a pipe, socket or device), so it cannot be a GGUF model file.`, {
    hint: 'Pass the path of the .gguf file itself.',
  });
}

/**
 * Opens a model file for reading without ever blocking: non-blocking, so a FIFO with no writer does not hang
 * the open (it is then refused as not a regular file). Maps the ways a path can fail to clear errors.
 */
export function openModelFile(path: string): number {
  try {
    return fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new InflowError('GGUF_NOT_FOUND', `Model file not found: ${path}`, {
        hint: 'Check the path, or run "inflow models list" to see installed models.',
      });
    if (code === 'EISDIR') throw new InflowError('NOT_GGUF', `${path} is a directory, not a GGUF model file.`);
    if (code === 'ELOOP') {
      throw new InflowError('GGUF_PATH_INVALID', `${path} is a loop of symbolic links that never reaches a file.`, {
        hint: 'Point the link at the .gguf file itself.',
      });
    }
    if (code === 'ENXIO') throw notRegular(path);
    throw new InflowError('GGUF_UNREADABLE', `Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads a GGUF file's header (metadata and tensor table) without loading tensor data, and checks that the
 * file is long enough to hold every tensor. Use it to validate a model before loading it, and to copy
 * tokenizers out of vocab-only files. Throws InflowError GGUF_NOT_FOUND, NOT_GGUF, GGUF_TRUNCATED,
 * GGUF_CORRUPT, GGUF_PATH_INVALID or GGUF_UNSUPPORTED_VERSION.
 */
export function readGgufFile(path: string): GgufFileInfo {
  const fd = openModelFile(path);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new InflowError('NOT_GGUF', `${path} is a directory, not a GGUF model file.`);
    if (!stat.isFile()) throw notRegular(path);
    const size = stat.size;
    if (size < 4)
      throw new InflowError('NOT_GGUF', `${path} is not a GGUF model file (${size} bytes).`, { hint: 'Inflow runs GGUF models (llama.cpp format).' });
    const cursor = new FileCursor(fd, size, path);
    if (cursor.u32() !== GGUF_MAGIC) {
      throw new InflowError('NOT_GGUF', `${path} is not a GGUF model file (it does not start with "GGUF").`, {
        hint: "Inflow runs GGUF models (llama.cpp format); convert other formats with llama.cpp's convert_hf_to_gguf.py.",
      });
    }
    const version = cursor.u32();
    if (version < 2 || version > 3) {
      throw new InflowError('GGUF_UNSUPPORTED_VERSION', `${path} is GGUF version ${version}; versions 2 and 3 are supported.`, {
        hint:
          version < 2
            ? 'Convert the model again with a current llama.cpp (convert_hf_to_gguf.py).'
            : 'The file is damaged, or newer than this llama.cpp build: download it again or update Inflow.',
      });
    }
    const tensorCount = cursor.count('a tensor count');
    const kvCount = cursor.count('a metadata count');
    const metadata = new Map<string, GgufValue>();
    for (let index = 0; index < kvCount; index++) {
      const key = cursor.string();
      metadata.set(key, readValue(cursor));
    }
    const tensors: GgufTensorInfo[] = [];
    for (let index = 0; index < tensorCount; index++) {
      const name = cursor.string();
      const nDims = cursor.u32();
      if (nDims > 4) throw corrupt(path, `tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let dim = 0; dim < nDims; dim++) dims.push(cursor.count(`a dimension of ${name}`));
      const type = cursor.u32();
      const offset = Number(cursor.u64());
      tensors.push({ name, dims, type, offset });
    }
    const alignmentValue = metadata.get('general.alignment')?.value;
    const alignment = typeof alignmentValue === 'number' && alignmentValue > 0 ? alignmentValue : GGUF_DEFAULT_ALIGNMENT;
    const dataOffset = alignUp(cursor.position, alignment);
    for (const tensor of tensors) {
      const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
      const end = dataOffset + tensor.offset + (ggmlTensorBytes(tensor.type, elements) ?? 1);
      if (end > size) {
        throw new InflowError('GGUF_TRUNCATED', `${path} is truncated: tensor ${tensor.name} ends at byte ${end} but the file has ${size}.`, {
          hint: 'The file is incomplete: download or copy it again.',
        });
      }
    }
    return { path, version, fileSize: size, metadata, tensors, alignment, dataOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/** A metadata value as a plain JS value, or undefined. */
export function ggufMetadataValue(info: GgufFileInfo, key: string): GgufScalar | GgufScalar[] | undefined {
  return info.metadata.get(key)?.value;
}

/** Tensor values of a small model (tests and tools). */
export { readGgufTensor } from './gguf-tensor-reader.ts';
