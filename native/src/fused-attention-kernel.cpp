// The fused CPU attention kernels (ggml custom ops, see fused-attention.h). Per head, tiles of kQ queries x kK keys:
//   forward   S = Q K^T, online softmax (running row maximum m and sum l), O = sum P V / l, lse = m + log l
//   backward  P = exp(scale S - lse), dV += P^T dO, dP = dO V^T, dS = scale P (dP - D), dQ += dS K, dK += dS^T Q
// with D = rowsum(dO O) (flash attention 2's backward). A tile's S, P, dP and dS live in small stack buffers; no
// T x T matrix exists. The mask: query t sees the keys [a0, a1) and [b0, t] (PackedBatch::sees, as intervals), so a
// tile pair that no query sees is skipped and one that every query sees whole is not masked.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "fused-attention.h"
#include "fused-attention-simd.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && defined(__linux__)
// one clone per instruction set, chosen when the addon loads (AVX-512, AVX2 + FMA, baseline SSE2)
#define INFLOW_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define INFLOW_KERNEL
#endif

namespace inflow {
namespace {

using simd::v8;
constexpr int kQ = 32;  // query rows per tile
constexpr int kK = 64;  // keys per tile

// C[m][n] += A(m, k) B[k][n] for m < M, n < N, k < K, with A(m, k) = a[m * am + k * ak]: 4 rows x 16 columns of C in
// registers at a time
INFLOW_INLINE void gemm(int M, int N, int K, const float* a, int64_t am, int64_t ak, const float* b, int64_t ldb, float* c, int64_t ldc) {
  int m = 0;
  for (; m + 4 <= M; m += 4) {
    const float* a0 = a + m * am;
    float* c0 = c + m * ldc;
    int n = 0;
    for (; n + 16 <= N; n += 16) {
      v8 x00 = simd::load(c0 + n), x01 = simd::load(c0 + n + 8), x10 = simd::load(c0 + ldc + n), x11 = simd::load(c0 + ldc + n + 8);
      v8 x20 = simd::load(c0 + 2 * ldc + n), x21 = simd::load(c0 + 2 * ldc + n + 8), x30 = simd::load(c0 + 3 * ldc + n), x31 = simd::load(c0 + 3 * ldc + n + 8);
      for (int k = 0; k < K; ++k) {
        const v8 b0 = simd::load(b + k * ldb + n), b1 = simd::load(b + k * ldb + n + 8);
        const float* ak0 = a0 + k * ak;
        const v8 y0 = simd::splat(ak0[0]), y1 = simd::splat(ak0[am]), y2 = simd::splat(ak0[2 * am]), y3 = simd::splat(ak0[3 * am]);
        x00 += y0 * b0;
        x01 += y0 * b1;
        x10 += y1 * b0;
        x11 += y1 * b1;
        x20 += y2 * b0;
        x21 += y2 * b1;
        x30 += y3 * b0;
        x31 += y3 * b1;
      }
      simd::store(c0 + n, x00), simd::store(c0 + n + 8, x01), simd::store(c0 + ldc + n, x10), simd::store(c0 + ldc + n + 8, x11);
      simd::store(c0 + 2 * ldc + n, x20), simd::store(c0 + 2 * ldc + n + 8, x21), simd::store(c0 + 3 * ldc + n, x30), simd::store(c0 + 3 * ldc + n + 8, x31);
    }
    for (; n + 8 <= N; n += 8) {
      v8 x0 = simd::load(c0 + n), x1 = simd::load(c0 + ldc + n), x2 = simd::load(c0 + 2 * ldc + n), x3 = simd::load(c0 + 3 * ldc + n);
      for (int k = 0; k < K; ++k) {
        const v8 b0 = simd::load(b + k * ldb + n);
        const float* ak0 = a0 + k * ak;
        x0 += simd::splat(ak0[0]) * b0;
        x1 += simd::splat(ak0[am]) * b0;
        x2 += simd::splat(ak0[2 * am]) * b0;
        x3 += simd::splat(ak0[3 * am]) * b0;
      }
      simd::store(c0 + n, x0), simd::store(c0 + ldc + n, x1), simd::store(c0 + 2 * ldc + n, x2), simd::store(c0 + 3 * ldc + n, x3);
    }
    for (; n < N; ++n) {
      for (int r = 0; r < 4; ++r) {
        float s = c0[r * ldc + n];
        for (int k = 0; k < K; ++k) s += a0[r * am + k * ak] * b[k * ldb + n];
        c0[r * ldc + n] = s;
      }
    }
  }
  for (; m < M; ++m) {
    for (int k = 0; k < K; ++k) {
      const float y = a[m * am + k * ak];
      const float* bk = b + k * ldb;
      float* cm = c + m * ldc;
      int n = 0;
      for (; n + 8 <= N; n += 8) simd::store(cm + n, simd::load(cm + n) + simd::splat(y) * simd::load(bk + n));
      for (; n < N; ++n) cm[n] += y * bk[n];
    }
  }
}

// dst[d][c] = src[c * ld + d] for c < n, d < hd (a key tile, transposed)
INFLOW_INLINE void transpose(const float* src, int64_t ld, int n, int hd, float* dst) {
  for (int c = 0; c < n; ++c) {
    for (int d = 0; d < hd; ++d) dst[d * kK + c] = src[c * ld + d];
  }
}

// The keys of tile [k0, k0 + n) query t sees, as up to two intervals in tile coordinates.
struct RowMask {
  int lo1, hi1, lo2, hi2;
  bool any() const { return hi1 > lo1 || hi2 > lo2; }
};

INFLOW_INLINE RowMask rowMask(const int32_t* ranges, int64_t t, int64_t k0, int n) {
  const int32_t* r = ranges + 3 * t;
  RowMask m;
  m.lo1 = (int)(std::max<int64_t>(r[0], k0) - k0), m.hi1 = (int)(std::min<int64_t>(r[1], k0 + n) - k0);
  m.lo2 = (int)(std::max<int64_t>(r[2], k0) - k0), m.hi2 = (int)(std::min<int64_t>(t + 1, k0 + n) - k0);
  if (m.hi1 <= m.lo1) m.lo1 = m.hi1 = 0;
  if (m.hi2 <= m.lo2) m.lo2 = m.hi2 = 0;
  return m;
}

// writes `value` over the keys of a row that the query does not see
INFLOW_INLINE void maskRow(float* row, int n, const RowMask& m, float value) {
  auto fill = [&](int from, int to) {
    for (int c = from; c < to; ++c) row[c] = value;
  };
  if (!m.any()) return fill(0, n);
  if (m.hi1 > m.lo1 && m.hi2 > m.lo2) {
    fill(0, m.lo1);
    fill(m.hi1, m.lo2);
    fill(m.hi2, n);
  } else {
    const int lo = m.hi1 > m.lo1 ? m.lo1 : m.lo2, hi = m.hi1 > m.lo1 ? m.hi1 : m.hi2;
    fill(0, lo);
    fill(hi, n);
  }
}

// which rows of a query tile see keys of a key tile: 0 none (skip), 1 some, 2 all rows all keys (no mask needed)
INFLOW_INLINE int classify(const int32_t* ranges, int64_t q0, int rows, int64_t k0, int n, RowMask* masks) {
  bool any = false, all = true;
  for (int r = 0; r < rows; ++r) {
    masks[r] = rowMask(ranges, q0 + r, k0, n);
    any = any || masks[r].any();
    all = all && ((masks[r].lo1 == 0 && masks[r].hi1 == n) || (masks[r].lo2 == 0 && masks[r].hi2 == n));
  }
  return !any ? 0 : all ? 2 : 1;
}

// row[c] = exp(scale * row[c] - shift) for c < n (in place); returns the row's sum
INFLOW_INLINE float expRow(float* row, int n, float scale, float shift) {
  v8 acc = simd::splat(0.0f);
  int c = 0;
  for (; c + 8 <= n; c += 8) {
    const v8 p = simd::exp(simd::load(row + c) * simd::splat(scale) - simd::splat(shift));
    simd::store(row + c, p);
    acc += p;
  }
  float s = simd::sum(acc);
  for (; c < n; ++c) s += row[c] = std::exp(scale * row[c] - shift);
  return s;
}

INFLOW_INLINE float rowMax(const float* row, int n) {
  v8 best = simd::splat(-INFINITY);
  int c = 0;
  for (; c + 8 <= n; c += 8) best = simd::vmax(best, simd::load(row + c));
  float m = simd::max(best);
  for (; c < n; ++c) m = std::max(m, row[c]);
  return m;
}

INFLOW_INLINE void scaleRow(float* row, int n, float factor) {
  int c = 0;
  for (; c + 8 <= n; c += 8) simd::store(row + c, simd::load(row + c) * simd::splat(factor));
  for (; c < n; ++c) row[c] *= factor;
}

struct Views {
  int64_t hd, T, H, Hkv;
  const float *q, *k, *v;
  const int32_t* ranges;
  float scale;
  explicit Views(const ggml_tensor* dst)
      : hd(dst->src[0]->ne[0]), T(dst->src[0]->ne[1]), H(dst->src[0]->ne[2]), Hkv(dst->src[1]->ne[2]),
        q((const float*)dst->src[0]->data), k((const float*)dst->src[1]->data), v((const float*)dst->src[2]->data),
        ranges((const int32_t*)dst->src[3]->data), scale(1.0f / std::sqrt((float)dst->src[0]->ne[0])) {}
  const float* qHead(int64_t h) const { return q + h * T * hd; }
  const float* kHead(int64_t h) const { return k + (h / (H / Hkv)) * T * hd; }
  const float* vHead(int64_t h) const { return v + (h / (H / Hkv)) * T * hd; }
};

// the first key any query of [q0, q0 + rows) sees
int64_t firstKey(const int32_t* ranges, int64_t q0, int rows) {
  int64_t first = q0;
  for (int r = 0; r < rows; ++r) {
    const int32_t* x = ranges + 3 * (q0 + r);
    first = std::min<int64_t>(first, x[1] > x[0] ? x[0] : x[2]);
  }
  return first;
}

INFLOW_KERNEL void forwardTile(const Views& w, int64_t h, int64_t q0, float* out, float* lse) {
  const int hd = (int)w.hd, rows = (int)std::min<int64_t>(kQ, w.T - q0);
  const float* Q = w.qHead(h) + q0 * hd;
  const float *K = w.kHead(h), *V = w.vHead(h);
  std::vector<float> acc((size_t)kQ * hd, 0.0f), kt((size_t)hd * kK);
  float s[kQ * kK], m[kQ], l[kQ];
  RowMask masks[kQ];
  for (int r = 0; r < kQ; ++r) m[r] = -INFINITY, l[r] = 0.0f;
  for (int64_t k0 = firstKey(w.ranges, q0, rows) / kK * kK; k0 < q0 + rows; k0 += kK) {
    const int n = (int)std::min<int64_t>(kK, q0 + rows - k0);
    const int kind = classify(w.ranges, q0, rows, k0, n, masks);
    if (kind == 0) continue;
    transpose(K + k0 * hd, hd, n, hd, kt.data());
    std::memset(s, 0, sizeof(float) * (size_t)rows * kK);
    gemm(rows, n, hd, Q, hd, 1, kt.data(), kK, s, kK);
    for (int r = 0; r < rows; ++r) {
      float* row = s + r * kK;
      if (!masks[r].any()) {
        std::memset(row, 0, sizeof(float) * n);
        continue;
      }
      if (kind == 1) maskRow(row, n, masks[r], -INFINITY);
      const float next = std::max(m[r], rowMax(row, n) * w.scale);
      const float alpha = std::exp(m[r] - next);  // 0 for the first keys the row sees
      l[r] = l[r] * alpha + expRow(row, n, w.scale, next);
      m[r] = next;
      if (alpha != 1.0f) scaleRow(acc.data() + (size_t)r * hd, hd, alpha);
    }
    gemm(rows, hd, n, s, kK, 1, V + k0 * hd, hd, acc.data(), hd);
  }
  for (int r = 0; r < rows; ++r) {
    const float inverse = 1.0f / l[r];
    float* o = out + ((q0 + r) * w.H + h) * hd;
    for (int d = 0; d < hd; ++d) o[d] = acc[(size_t)r * hd + d] * inverse;
    lse[h * w.T + q0 + r] = m[r] + std::log(l[r]);
  }
}

INFLOW_KERNEL void backwardHead(const Views& w, int64_t h, const float* out, const float* lse, const float* gOut, float* dq, float* dk, float* dv) {
  const int hd = (int)w.hd;
  const int64_t T = w.T, ld = w.H * hd;  // rows of O and dO: [hd, H, T]
  const float* Q = w.qHead(h);
  const float *K = w.kHead(h), *V = w.vHead(h);
  const float* L = lse + h * T;
  std::vector<float> D((size_t)T), kt((size_t)hd * kK), vt((size_t)hd * kK), gk((size_t)kK * hd), gv((size_t)kK * hd);
  for (int64_t t = 0; t < T; ++t) {
    const float *o = out + t * ld + h * hd, *g = gOut + t * ld + h * hd;
    float s = 0.0f;
    for (int d = 0; d < hd; ++d) s += o[d] * g[d];
    D[t] = s;
  }
  std::memset(dq, 0, sizeof(float) * (size_t)(T * hd));
  float p[kQ * kK], gs[kQ * kK];
  RowMask masks[kQ];
  for (int64_t k0 = 0; k0 < T; k0 += kK) {
    const int n = (int)std::min<int64_t>(kK, T - k0);
    transpose(K + k0 * hd, hd, n, hd, kt.data());
    transpose(V + k0 * hd, hd, n, hd, vt.data());
    std::fill(gk.begin(), gk.end(), 0.0f);
    std::fill(gv.begin(), gv.end(), 0.0f);
    for (int64_t q0 = k0 / kQ * kQ; q0 < T; q0 += kQ) {
      const int rows = (int)std::min<int64_t>(kQ, T - q0);
      const int kind = classify(w.ranges, q0, rows, k0, n, masks);
      if (kind == 0) continue;
      const float* Qi = Q + q0 * hd;
      const float* gOi = gOut + q0 * ld + h * hd;
      std::memset(p, 0, sizeof(float) * (size_t)rows * kK);
      gemm(rows, n, hd, Qi, hd, 1, kt.data(), kK, p, kK);
      for (int r = 0; r < rows; ++r) {
        float* row = p + r * kK;
        if (kind == 1) maskRow(row, n, masks[r], -INFINITY);
        expRow(row, n, w.scale, L[q0 + r]);
      }
      gemm(n, hd, rows, p, 1, kK, gOi, ld, gv.data(), hd);  // dV += P^T dO
      std::memset(gs, 0, sizeof(float) * (size_t)rows * kK);
      gemm(rows, n, hd, gOi, ld, 1, vt.data(), kK, gs, kK);  // dP = dO V^T
      for (int r = 0; r < rows; ++r) {
        float *g = gs + r * kK, *pr = p + r * kK;
        const v8 dr = simd::splat(D[q0 + r]), sc = simd::splat(w.scale);
        int c = 0;
        for (; c + 8 <= n; c += 8) simd::store(g + c, sc * simd::load(pr + c) * (simd::load(g + c) - dr));
        for (; c < n; ++c) g[c] = w.scale * pr[c] * (g[c] - D[q0 + r]);
      }
      gemm(rows, hd, n, gs, kK, 1, K + k0 * hd, hd, dq + q0 * hd, hd);  // dQ += dS K
      gemm(n, hd, rows, gs, 1, kK, Qi, hd, gk.data(), hd);            // dK += dS^T Q
    }
    std::memcpy(dk + k0 * hd, gk.data(), sizeof(float) * (size_t)n * hd);
    std::memcpy(dv + k0 * hd, gv.data(), sizeof(float) * (size_t)n * hd);
  }
}

}  // namespace

bool fusedAttentionFast() {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#elif defined(__GNUC__) || defined(__clang__)
  return true;
#else
  return false;
#endif
}

void fusedAttentionForwardOp(ggml_tensor* dst, int ith, int nth, void*) {
  const Views w(dst);
  float* out = (float*)dst->data;
  float* lse = out + w.hd * w.H * w.T;
  const int64_t tiles = (w.T + kQ - 1) / kQ;
  // units (head, query tile), dealt round robin: a tile's cost grows with its position, so every thread gets a mix
  for (int64_t u = ith; u < w.H * tiles; u += nth) forwardTile(w, u / tiles, (u % tiles) * kQ, out, lse);
}

void fusedAttentionBackwardOp(ggml_tensor* dst, int ith, int nth, void*) {
  const Views w(dst);
  const float *out = (const float*)dst->src[4]->data, *lse = (const float*)dst->src[5]->data, *gOut = (const float*)dst->src[6]->data;
  float* g = (float*)dst->data;
  const int64_t head = w.T * w.hd, all = head * w.H;
  // one head per unit: its dQ, and its share of dK and dV (summed over the heads of a KV group afterwards), are its own
  for (int64_t h = ith; h < w.H; h += nth) backwardHead(w, h, out, lse, gOut, g + h * head, g + all + h * head, g + 2 * all + h * head);
}

}  // namespace inflow
