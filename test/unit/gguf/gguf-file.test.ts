import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { floatToHalfBits, toHalfBits, toQ8_0 } from '../../../electron/core/gguf/float16.ts';
import { GgufType, gguf } from '../../../electron/core/gguf/gguf-format.ts';
import { readGgufFile, readGgufTensor } from '../../../electron/core/gguf/gguf-reader.ts';
import { writeGgufFile } from '../../../electron/core/gguf/gguf-writer.ts';
import { tempDir } from '../../support/temp-dir.ts';

function isInflowError(code: string, pattern?: RegExp) {
  return (error: unknown) => InflowError.isInstance(error) && error.code === code && (pattern === undefined || pattern.test(error.message));
}

function writeSample(file: string): void {
  writeGgufFile(file, {
    metadata: [
      ['general.architecture', gguf.string('llama')],
      ['llama.block_count', gguf.u32(2)],
      ['llama.rope.freq_base', gguf.f32(10000)],
      ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
      ['tokenizer.ggml.tokens', gguf.strings(['<unk>', 'héllo', '世界', ''])],
      ['tokenizer.ggml.token_type', gguf.i32s([2, 1, 1, -1])],
      ['big', { type: GgufType.uint64, value: 2n ** 40n }],
    ],
    tensors: [
      { name: 'a.weight', dims: [3, 2], data: Float32Array.from([1, -2, 3.5, 0, 1e-3, -7]) },
      { name: 'b.weight', dims: [5], data: { f16: toHalfBits(Float32Array.from([0.5, -1, 2, 65504, 0])) } },
    ],
  });
}

test('a written GGUF file reads back with the same metadata and tensors, data aligned to 32 bytes', () => {
  const file = path.join(tempDir(), 'sample.gguf');
  writeSample(file);
  const info = readGgufFile(file);
  assert.equal(info.version, 3);
  assert.equal(info.metadata.get('general.architecture')?.value, 'llama');
  assert.equal(info.metadata.get('llama.block_count')?.value, 2);
  assert.equal(info.metadata.get('llama.rope.freq_base')?.value, 10000);
  assert.equal(info.metadata.get('tokenizer.ggml.add_bos_token')?.value, true);
  assert.deepEqual(info.metadata.get('tokenizer.ggml.tokens')?.value, ['<unk>', 'héllo', '世界', '']);
  assert.deepEqual(info.metadata.get('tokenizer.ggml.token_type')?.value, [2, 1, 1, -1]);
  assert.equal(info.metadata.get('big')?.value, 2n ** 40n);
  assert.deepEqual(
    info.tensors.map((tensor) => [tensor.name, tensor.dims, tensor.type]),
    [
      ['a.weight', [3, 2], 0],
      ['b.weight', [5], 1],
    ],
  );
  assert.equal(info.dataOffset % 32, 0);
  assert.ok(info.tensors.every((tensor) => tensor.offset % 32 === 0));
  assert.deepEqual([...readGgufTensor(info, 'a.weight')], [...Float32Array.from([1, -2, 3.5, 0, 1e-3, -7])]);
  assert.deepEqual([...readGgufTensor(info, 'b.weight')], [0.5, -1, 2, 65504, 0]);
});

test('writing leaves no temporary file and replaces an existing file whole', () => {
  const dir = tempDir();
  const file = path.join(dir, 'model.gguf');
  fs.writeFileSync(file, 'old content');
  writeSample(file);
  assert.deepEqual(fs.readdirSync(dir), ['model.gguf']);
  assert.equal(readGgufFile(file).tensors.length, 2);
});

test('half-float conversion rounds to nearest even and handles overflow, subnormals and signs', () => {
  assert.equal(floatToHalfBits(1), 0x3c00);
  assert.equal(floatToHalfBits(-2), 0xc000);
  assert.equal(floatToHalfBits(65504), 0x7bff);
  assert.equal(floatToHalfBits(1e6), 0x7c00);
  assert.equal(floatToHalfBits(2 ** -24), 0x0001);
  assert.equal(floatToHalfBits(1 + 2 ** -11), 0x3c00); // halfway between 1 and the next half: to even
  assert.equal(floatToHalfBits(1 + 3 * 2 ** -11), 0x3c02);
});

test('Q8_0 blocks hold an f16 scale of max|x|/127 and the rounded quotients', () => {
  const values = Float32Array.from({ length: 32 }, (_, index) => (index - 16) / 8);
  const bytes = toQ8_0(values);
  assert.equal(bytes.length, 34);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint16(0, true), floatToHalfBits(2 / 127));
  assert.equal(view.getInt8(2), -127); // -2 / (2/127)
  assert.equal(view.getInt8(2 + 16), 0);
  assert.equal(view.getInt8(2 + 24), Math.round((1 * 127) / 2));
  assert.throws(() => toQ8_0(new Float32Array(31)), /multiple of 32/);
});

test('a missing file is GGUF_NOT_FOUND naming the path', () => {
  const file = path.join(tempDir(), 'nope.gguf');
  assert.throws(() => readGgufFile(file), isInflowError('GGUF_NOT_FOUND', /nope\.gguf/));
});

test('a file that is not GGUF is NOT_GGUF', () => {
  const dir = tempDir();
  const text = path.join(dir, 'notes.gguf');
  fs.writeFileSync(text, 'just some text, not a model at all');
  assert.throws(() => readGgufFile(text), isInflowError('NOT_GGUF', /does not start with "GGUF"/));
  const empty = path.join(dir, 'empty.gguf');
  fs.writeFileSync(empty, '');
  assert.throws(() => readGgufFile(empty), isInflowError('NOT_GGUF'));
  assert.throws(() => readGgufFile(dir), isInflowError('NOT_GGUF', /directory/));
});

test('a file cut short in its header or in its tensor data is GGUF_TRUNCATED', () => {
  const dir = tempDir();
  const file = path.join(dir, 'full.gguf');
  writeSample(file);
  const bytes = fs.readFileSync(file);
  const info = readGgufFile(file);
  const inHeader = path.join(dir, 'header.gguf');
  fs.writeFileSync(inHeader, bytes.subarray(0, 60));
  assert.throws(() => readGgufFile(inHeader), isInflowError('GGUF_TRUNCATED', /incomplete|ends/));
  const inData = path.join(dir, 'data.gguf');
  fs.writeFileSync(inData, bytes.subarray(0, info.dataOffset + 40));
  assert.throws(() => readGgufFile(inData), isInflowError('GGUF_TRUNCATED', /b\.weight/));
});

test('a header with impossible values is GGUF_CORRUPT, an unknown version GGUF_UNSUPPORTED_VERSION', () => {
  const dir = tempDir();
  const file = path.join(dir, 'full.gguf');
  writeSample(file);
  const bytes = Buffer.from(fs.readFileSync(file));
  const badVersion = Buffer.from(bytes);
  badVersion.writeUInt32LE(99, 4);
  fs.writeFileSync(path.join(dir, 'version.gguf'), badVersion);
  assert.throws(() => readGgufFile(path.join(dir, 'version.gguf')), isInflowError('GGUF_UNSUPPORTED_VERSION', /version 99/));
  const badKeyLength = Buffer.from(bytes);
  badKeyLength.writeBigUInt64LE(2n ** 60n, 24); // length of the first key
  fs.writeFileSync(path.join(dir, 'corrupt.gguf'), badKeyLength);
  assert.throws(() => readGgufFile(path.join(dir, 'corrupt.gguf')), isInflowError('GGUF_CORRUPT'));
});
