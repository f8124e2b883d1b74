// Causal attention in blocks of query rows. Block c holds queries [q0, q1) and only the keys [0, q1) they can see, so
// the work is about half of the full T x T product and no T x T matrix exists. The backward recomputes each block's
// probabilities P (flash-attention style) and forms
//   dP = dO V^T,  dS = P (scale dP - scale D),  dQ = dS K,  dK = dS^T Q,  dV = P^T dO,
// with D = rowsum(dP P) = rowsum(dO O) taken from the small output (as flash attention's backward does),
// every product a MUL_MAT on contiguous operands (ggml's blocked GEMM on the CPU). For GQA, the heads sharing a KV head
// are laid side by side along the contracted axis, so dK and dV come out summed per KV head (no REPEAT_BACK).
// This is what GPU backends run. CPU graphs use the fused kernels of fused-attention.h instead (GraphOptions::fusedAttention),
// or, with those off, ggml's flash attention in forward-only passes (GraphOptions::flashForward).
#include <algorithm>

#include "backward.h"
#include "fused-attention.h"

namespace inflow {
namespace {

struct Block {
  int64_t q0, q1;
};

// block c's queries from its mask [keys = q1, queries = q1 - q0] (layerInputs chose the blocks)
Block block(const GraphInputs& in, size_t c) {
  const ggml_tensor* mask = in.chunkMasks[c];
  return {mask->ne[0] - mask->ne[1], mask->ne[0]};
}

// rows [from, to) of every head of a [hd, T, heads] tensor, contiguous
ggml_tensor* rows(const Builder& b, ggml_tensor* t, int64_t from, int64_t to) {
  ggml_tensor* view = ggml_view_3d(b.ctx, t, t->ne[0], to - from, t->ne[2], t->nb[1], t->nb[2], (size_t)from * t->nb[1]);
  return ggml_is_contiguous(view) ? view : b.copy(view);
}

// [n0, n1, H] with H = r * Hkv heads -> [n1 * r, n0, Hkv]: per KV head, the group's heads side by side along ne0
ggml_tensor* grouped(const Builder& b, ggml_tensor* t, int64_t nKv) {
  const int64_t r = t->ne[2] / nKv;
  ggml_tensor* t4 = ggml_reshape_4d(b.ctx, t, t->ne[0], t->ne[1], r, nKv);
  ggml_tensor* p = b.copy(ggml_permute(b.ctx, t4, 2, 0, 1, 3));  // [n1, r, n0, Hkv]
  return ggml_reshape_3d(b.ctx, p, t->ne[1] * r, t->ne[0], nKv);
}

// CPU: the sum over the r query heads of each KV head of t [n0, n1, H] -> [n0, n1, Hkv] (views of t, no copy)
ggml_tensor* groupSum(ggml_context* ctx, ggml_tensor* t, int64_t nKv) {
  const int64_t r = t->ne[2] / nKv;
  if (r == 1) return t;
  auto heads = [&](int64_t m) {  // heads m, r + m, 2r + m, ...: the m-th query head of every KV head
    return ggml_view_3d(ctx, t, t->ne[0], t->ne[1], nKv, t->nb[1], (size_t)r * t->nb[2], (size_t)m * t->nb[2]);
  };
  ggml_tensor* sum = ggml_add(ctx, heads(0), heads(1));
  for (int64_t m = 2; m < r; ++m) sum = ggml_add(ctx, sum, heads(m));
  return sum;
}

float attentionScale(const Builder& b) { return 1.0f / std::sqrt((float)b.model.hp().headDim); }

// softmax(scale * K_c^T Q_c + mask) of a block: [q1, q1 - q0, H]
ggml_tensor* probabilities(const Builder& b, ggml_tensor* qc, ggml_tensor* kc, ggml_tensor* mask) {
  ggml_tensor* scores = b.mm(kc, qc);
  return ggml_soft_max_ext(b.ctx, scores, mask, attentionScale(b), 0.0f);
}

}  // namespace

int64_t attentionChunks(int64_t T, int64_t chunk) { return (T + chunk - 1) / chunk; }

ggml_tensor* chunkedAttention(const Builder& b, ggml_tensor* qp, ggml_tensor* kp, ggml_tensor* vp, int64_t T, const GraphInputs& in,
                              ggml_tensor** lse) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  if (in.ranges != nullptr) {
    const FusedAttention f = fusedAttention(ctx, qp, kp, vp, in.ranges);
    if (lse != nullptr) *lse = f.lse;
    return f.merged;
  }
  if (in.flashMask != nullptr) {
    // forward-only CPU graphs (GraphOptions::flashForward): ggml's tiled flash attention (F32 Q, K, V: exact F32
    // products, online softmax, 64 x 64 tiles whose keys are all masked are skipped); its output is already [hd, H, T]
    ggml_tensor* o = ggml_flash_attn_ext(ctx, qp, kp, vp, in.flashMask, attentionScale(b), 0.0f, 0.0f);
    ggml_flash_attn_ext_set_prec(o, GGML_PREC_F32);
    return ggml_reshape_2d(ctx, o, hp.headDim * hp.nHead, T);
  }
  ggml_tensor* merged = nullptr;
  for (size_t c = 0; c < in.chunkMasks.size(); ++c) {
    const Block k = block(in, c);
    ggml_tensor* qc = rows(b, qp, k.q0, k.q1);
    ggml_tensor* kc = rows(b, kp, 0, k.q1);
    ggml_tensor* p = probabilities(b, qc, kc, in.chunkMasks[c]);
    ggml_tensor* vt = b.copy(ggml_transpose(ctx, ggml_view_3d(ctx, vp, vp->ne[0], k.q1, vp->ne[2], vp->nb[1], vp->nb[2], 0)));
    ggml_tensor* o = b.mm(vt, p);                                                     // [hd, C, H]
    ggml_tensor* part = ggml_reshape_2d(ctx, b.copy(ggml_permute(ctx, o, 0, 2, 1, 3)), hp.headDim * hp.nHead, k.q1 - k.q0);
    merged = merged == nullptr ? part : ggml_concat(ctx, merged, part, 1);
  }
  return merged;
}

AttentionGradients chunkedAttentionBackward(const Builder& b, ggml_tensor* qp, ggml_tensor* kp, ggml_tensor* vp, ggml_tensor* merged,
                                            ggml_tensor* lse, ggml_tensor* gMerged, int64_t T, const GraphInputs& in) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  if (in.ranges != nullptr) {
    const FusedAttentionGradients f = fusedAttentionBackward(ctx, qp, kp, vp, FusedAttention{merged, lse}, gMerged, in.ranges);
    return AttentionGradients{f.q, f.k, f.v};
  }
  const float scale = attentionScale(b);
  // [hd*H, T] -> [hd, T, H]
  ggml_tensor* gO = b.copy(ggml_permute(ctx, ggml_reshape_3d(ctx, gMerged, hp.headDim, hp.nHead, T), 0, 2, 1, 3));
  // scale * D per query and head: [1, T, H]
  ggml_tensor* d = ggml_sum_rows(ctx, ggml_mul(ctx, ggml_reshape_3d(ctx, gMerged, hp.headDim, hp.nHead, T), ggml_reshape_3d(ctx, merged, hp.headDim, hp.nHead, T)));
  d = b.copy(ggml_permute(ctx, ggml_scale(ctx, d, scale), 0, 2, 1, 3));
  AttentionGradients g;
  for (size_t c = 0; c < in.chunkMasks.size(); ++c) {
    const Block k = block(in, c);
    ggml_tensor* qc = rows(b, qp, k.q0, k.q1);
    ggml_tensor* kc = rows(b, kp, 0, k.q1);
    ggml_tensor* vc = rows(b, vp, 0, k.q1);
    ggml_tensor* gOc = rows(b, gO, k.q0, k.q1);
    ggml_tensor* p = probabilities(b, qc, kc, in.chunkMasks[c]);                 // [K, C, H]
    ggml_tensor* gP = b.mm(vc, ggml_scale(ctx, gOc, scale));                  // scale * dP: [K, C, H]
    ggml_tensor* gS = ggml_mul(ctx, ggml_sub(ctx, gP, rows(b, d, k.q0, k.q1)), p);         // dS: [K, C, H]
    ggml_tensor* gQc = b.mm(b.copy(ggml_transpose(ctx, kc)), gS);             // [hd, C, H]
    ggml_tensor *gKc = nullptr, *gVc = nullptr;
    if (b.options.cpuOuterProducts) {
      // [K, hd, Hkv]: rows of K keys, accumulated over queries by OUT_PROD; transposed once after the last block
      gKc = groupSum(ctx, ggml_out_prod(ctx, gS, qc), hp.nHeadKv);
      gVc = groupSum(ctx, ggml_out_prod(ctx, p, gOc), hp.nHeadKv);
      if (k.q1 < T) {
        gKc = ggml_pad(ctx, gKc, (int)(T - k.q1), 0, 0, 0);
        gVc = ggml_pad(ctx, gVc, (int)(T - k.q1), 0, 0, 0);
      }
    } else {
      gKc = b.mm(grouped(b, qc, hp.nHeadKv), grouped(b, gS, hp.nHeadKv));  // [hd, K, Hkv]
      gVc = b.mm(grouped(b, gOc, hp.nHeadKv), grouped(b, p, hp.nHeadKv));  // [hd, K, Hkv]
      if (k.q1 < T) {
        gKc = ggml_pad(ctx, gKc, 0, (int)(T - k.q1), 0, 0);
        gVc = ggml_pad(ctx, gVc, 0, (int)(T - k.q1), 0, 0);
      }
    }
    if (b.gf != nullptr) {
      for (ggml_tensor* t : {gQc, gKc, gVc}) ggml_build_forward_expand(b.gf, t);
    }
    g.q = g.q == nullptr ? gQc : ggml_concat(ctx, g.q, gQc, 1);
    g.k = g.k == nullptr ? gKc : ggml_add(ctx, g.k, gKc);
    g.v = g.v == nullptr ? gVc : ggml_add(ctx, g.v, gVc);
  }
  if (b.options.cpuOuterProducts) {
    g.k = b.copy(ggml_transpose(ctx, g.k));
    g.v = b.copy(ggml_transpose(ctx, g.v));
  }
  return g;
}

}  // namespace inflow
