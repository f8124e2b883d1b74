/** Token ids and log-probs are stored as little-endian typed-array BLOBs: compact and exact. */

export function encodeTokens(tokens: ArrayLike<number> | undefined | null): Buffer | null {
  if (tokens == null) return null;
  const array = Int32Array.from(tokens as ArrayLike<number>);
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

export function decodeTokens(blob: Uint8Array | null | undefined): number[] | null {
  if (blob == null) return null;
  const copy = new Uint8Array(blob); // aligned copy
  return Array.from(new Int32Array(copy.buffer, 0, copy.byteLength / 4));
}

export function encodeFloats(values: ArrayLike<number> | undefined | null): Buffer | null {
  if (values == null) return null;
  const array = Float32Array.from(values as ArrayLike<number>);
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

export function decodeFloats(blob: Uint8Array | null | undefined): number[] | null {
  if (blob == null) return null;
  const copy = new Uint8Array(blob);
  return Array.from(new Float32Array(copy.buffer, 0, copy.byteLength / 4));
}
