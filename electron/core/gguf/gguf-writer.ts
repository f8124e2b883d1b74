import fs from 'node:fs';
import path from 'node:path';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  GgufType,
  alignUp,
  ggmlTensorBytes,
  scalarByteSize,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorInput,
  type GgufValue,
} from './gguf-format.ts';

export interface WriteGgufOptions {
  /** Header entries in the order they are written. `general.alignment` is honoured when present. */
  metadata: Map<string, GgufValue> | Array<[string, GgufValue]>;
  tensors: GgufTensorInput[];
}

/** Accumulates little-endian header bytes into chunks. */
class ByteSink {
  readonly chunks: Buffer[] = [];
  length = 0;

  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  u32(value: number): void {
    const buffer = Buffer.allocUnsafe(4);
    buffer.writeUInt32LE(value);
    this.push(buffer);
  }
  u64(value: number | bigint): void {
    const buffer = Buffer.allocUnsafe(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.push(buffer);
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }

  scalar(type: GgufScalarType, value: GgufScalar): void {
    if (type === GgufType.string) return this.string(String(value));
    const buffer = Buffer.allocUnsafe(scalarByteSize(type) ?? 0);
    switch (type) {
      case GgufType.uint8:
        buffer.writeUInt8(Number(value));
        break;
      case GgufType.int8:
        buffer.writeInt8(Number(value));
        break;
      case GgufType.uint16:
        buffer.writeUInt16LE(Number(value));
        break;
      case GgufType.int16:
        buffer.writeInt16LE(Number(value));
        break;
      case GgufType.uint32:
        buffer.writeUInt32LE(Number(value));
        break;
      case GgufType.int32:
        buffer.writeInt32LE(Number(value));
        break;
      case GgufType.float32:
        buffer.writeFloatLE(Number(value));
        break;
      case GgufType.bool:
        buffer.writeUInt8(value === true ? 1 : 0);
        break;
      case GgufType.uint64:
        buffer.writeBigUInt64LE(BigInt(value));
        break;
      case GgufType.int64:
        buffer.writeBigInt64LE(BigInt(value));
        break;
      default:
        buffer.writeDoubleLE(Number(value));
    }
    this.push(buffer);
  }

  value(entry: GgufValue): void {
    this.u32(entry.type);
    if (entry.type !== GgufType.array) return this.scalar(entry.type, entry.value);
    this.u32(entry.itemType);
    this.u64(entry.value.length);
    for (const item of entry.value) this.scalar(entry.itemType, item);
  }
}

function tensorType(tensor: GgufTensorInput): number {
  if (tensor.data instanceof Float32Array) return GgmlType.f32;
  return 'f16' in tensor.data ? GgmlType.f16 : tensor.data.type;
}

function tensorBytes(tensor: GgufTensorInput): Buffer {
  const data = tensor.data instanceof Float32Array ? tensor.data : 'f16' in tensor.data ? tensor.data.f16 : tensor.data.bytes;
  const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
  const expected = ggmlTensorBytes(tensorType(tensor), elements);
  if (expected !== undefined && data.byteLength !== expected) {
    throw new Error(`Tensor ${tensor.name}: ${data.byteLength} bytes for dims [${tensor.dims.join(', ')}] (${expected} expected).`);
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Writes a GGUF v3 file (little-endian) atomically: to a temporary file beside the target, then renamed,
 * so a reader never sees half a model and two writers racing both leave a complete file.
 */
export function writeGgufFile(filePath: string, options: WriteGgufOptions): void {
  const entries = options.metadata instanceof Map ? [...options.metadata] : options.metadata;
  const alignmentEntry = entries.find(([key]) => key === 'general.alignment')?.[1].value;
  const alignment = typeof alignmentEntry === 'number' ? alignmentEntry : GGUF_DEFAULT_ALIGNMENT;

  const header = new ByteSink();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(options.tensors.length);
  header.u64(entries.length);
  for (const [key, value] of entries) {
    header.string(key);
    header.value(value);
  }
  const payloads = options.tensors.map(tensorBytes);
  let offset = 0;
  options.tensors.forEach((tensor, index) => {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(tensorType(tensor));
    header.u64(offset);
    offset = alignUp(offset + (payloads[index]?.length ?? 0), alignment);
  });

  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(temporary, 'w');
  try {
    for (const chunk of header.chunks) fs.writeSync(fd, chunk);
    let position = header.length;
    const padTo = (target: number) => {
      if (target > position) fs.writeSync(fd, Buffer.alloc(target - position));
      position = target;
    };
    padTo(alignUp(position, alignment));
    const dataStart = position;
    let relative = 0;
    for (const payload of payloads) {
      padTo(dataStart + relative);
      fs.writeSync(fd, payload);
      position += payload.length;
      relative = alignUp(relative + payload.length, alignment);
    }
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temporary, filePath);
}
