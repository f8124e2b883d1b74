const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half-precision bits of a float, rounded to nearest even (for writing f16 tensors). */
export function floatToHalfBits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** Converts f32 values to f16 bits. */
export function toHalfBits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) out[index] = floatToHalfBits(values[index] ?? 0);
  return out;
}

/**
 * Q8_0 blocks (ggml's `block_q8_0`: an f16 scale, then 32 int8 values) of f32 values whose length is a multiple
 * of 32: scale = max |x| / 127, q = round(x / scale).
 */
export function toQ8_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q8_0 needs a multiple of 32 values, got ${values.length}.`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let block = 0; block < blocks; block++) {
    let max = 0;
    for (let index = 0; index < 32; index++) max = Math.max(max, Math.abs(values[block * 32 + index] ?? 0));
    const scale = max / 127;
    view.setUint16(block * 34, floatToHalfBits(scale), true);
    const inverse = scale === 0 ? 0 : 1 / scale;
    for (let index = 0; index < 32; index++) view.setInt8(block * 34 + 2 + index, Math.round((values[block * 32 + index] ?? 0) * inverse));
  }
  return out;
}

/** The float value of IEEE half-precision bits (for reading f16 tensors). */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
