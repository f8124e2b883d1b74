// Eight-float vectors for the fused attention kernels (fused-attention-kernel.cpp): GCC / clang vector extensions
// (SSE, AVX or NEON registers, whatever the function's target is), or a plain array elsewhere (MSVC). Everything here is
// always inlined, so that it takes the instruction set of the kernel clone that calls it.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) || defined(__clang__)
#define INFLOW_INLINE inline __attribute__((always_inline))
#else
#define INFLOW_INLINE __forceinline
#endif

namespace inflow {
namespace simd {

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // v8 by value in always-inlined helpers: no ABI crosses a call
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));  // unaligned access
typedef int32_t i8 __attribute__((vector_size(32)));

INFLOW_INLINE v8 load(const float* p) { return *(const v8u*)p; }
INFLOW_INLINE void store(float* p, v8 v) { *(v8u*)p = v; }
INFLOW_INLINE v8 splat(float x) { v8 r; for (int i = 0; i < 8; ++i) r[i] = x; return r; }  // a broadcast
INFLOW_INLINE v8 vmax(v8 a, v8 b) { return a > b ? a : b; }
INFLOW_INLINE v8 vmin(v8 a, v8 b) { return a < b ? a : b; }
INFLOW_INLINE v8 bits(i8 i) { return (v8)i; }
INFLOW_INLINE i8 asInt(v8 x) { return (i8)x; }  // the bit pattern
INFLOW_INLINE v8 zeroWhereBelow(v8 y, v8 x, float limit) { return x < splat(limit) ? splat(0.0f) : y; }
#else
struct v8 {
  float x[8];
};
struct i8 {
  int32_t x[8];
};
#define INFLOW_V8_OP(op)                                 \
  INFLOW_INLINE v8 operator op(v8 a, v8 b) {             \
    for (int i = 0; i < 8; ++i) a.x[i] = a.x[i] op b.x[i]; \
    return a;                                            \
  }
INFLOW_V8_OP(+)
INFLOW_V8_OP(-)
INFLOW_V8_OP(*)
INFLOW_V8_OP(/)
#undef INFLOW_V8_OP
INFLOW_INLINE v8& operator+=(v8& a, v8 b) { return a = a + b; }
INFLOW_INLINE v8 load(const float* p) {
  v8 v;
  std::memcpy(v.x, p, sizeof(v.x));
  return v;
}
INFLOW_INLINE void store(float* p, v8 v) { std::memcpy(p, v.x, sizeof(v.x)); }
INFLOW_INLINE v8 splat(float x) { return v8{{x, x, x, x, x, x, x, x}}; }
INFLOW_INLINE v8 vmax(v8 a, v8 b) {
  for (int i = 0; i < 8; ++i) a.x[i] = a.x[i] > b.x[i] ? a.x[i] : b.x[i];
  return a;
}
INFLOW_INLINE v8 vmin(v8 a, v8 b) {
  for (int i = 0; i < 8; ++i) a.x[i] = a.x[i] < b.x[i] ? a.x[i] : b.x[i];
  return a;
}
INFLOW_INLINE v8 bits(i8 i) {
  v8 v;
  std::memcpy(v.x, i.x, sizeof(v.x));
  return v;
}
INFLOW_INLINE i8 asInt(v8 x) {
  i8 i;
  std::memcpy(i.x, x.x, sizeof(i.x));
  return i;
}
INFLOW_INLINE i8 operator+(i8 a, int32_t b) {
  for (int i = 0; i < 8; ++i) a.x[i] += b;
  return a;
}
INFLOW_INLINE i8 operator-(i8 a, int32_t b) {
  for (int i = 0; i < 8; ++i) a.x[i] -= b;
  return a;
}
INFLOW_INLINE i8 operator<<(i8 a, int b) {
  for (int i = 0; i < 8; ++i) a.x[i] = (int32_t)((uint32_t)a.x[i] << b);
  return a;
}
INFLOW_INLINE v8 zeroWhereBelow(v8 y, v8 x, float limit) {
  for (int i = 0; i < 8; ++i) y.x[i] = x.x[i] < limit ? 0.0f : y.x[i];
  return y;
}
#endif

INFLOW_INLINE float sum(v8 v) {
  float a[8];
  store(a, v);
  return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

INFLOW_INLINE float max(v8 v) {
  float a[8];
  store(a, v);
  float m = a[0];
  for (int i = 1; i < 8; ++i) m = a[i] > m ? a[i] : m;
  return m;
}

// e^x to about 1 ulp (Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-6 polynomial in r, times 2^n), exactly 0
// below -87.3 (where e^x is a denormal) and so for -inf: the masked scores
INFLOW_INLINE v8 exp(v8 x) {
  const v8 input = x;
  x = vmax(vmin(x, splat(88.3762626647949f)), splat(-87.3365478515625f));
  const v8 magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
  const v8 t = x * splat(1.44269504088896341f) + magic;
  const v8 n = t - magic;
  const v8 r = x - n * splat(0.693359375f) - n * splat(-2.12194440e-4f);
  v8 p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  const v8 y = p * r * r + r + splat(1.0f);
  const v8 scale = bits((asInt(t) - 0x4B400000 + 127) << 23);  // 2^n
  return zeroWhereBelow(y * scale, input, -87.3365478515625f);
}

}  // namespace simd
}  // namespace inflow
