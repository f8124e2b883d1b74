// The fused attention of the CPU training graphs (GraphOptions::fusedAttention): forward and backward as two ggml
// custom ops (fused-attention-kernel.cpp) that work tile by tile and never hold the T x T scores, probabilities or
// their gradients, instead of the blockwise ggml ops of backward-attention.cpp (which GPU backends keep running).
// The mask is PackedBatch::sees given as intervals: query t sees the keys [a0, a1) (a shared prefix) and [b0, t] (its
// own sample or branch), the `ranges` input [3, T] (I32) that attentionRanges fills.
#pragma once

#include <vector>

#include "ggml.h"
#include "graph.h"

namespace inflow {

struct FusedAttention {
  ggml_tensor* merged = nullptr;  // [hd * H, T], the heads' outputs as the o projection takes them
  ggml_tensor* lse = nullptr;     // [T, H]: log-sum-exp of every query's scaled scores (what the backward needs)
};
// q [hd, T, H], k and v [hd, T, Hkv] (contiguous), scale 1 / sqrt(hd), GQA: query head h uses KV head h / (H / Hkv)
FusedAttention fusedAttention(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, ggml_tensor* ranges);

struct FusedAttentionGradients {
  ggml_tensor *q = nullptr, *k = nullptr, *v = nullptr;  // [hd, T, H], [hd, T, Hkv], [hd, T, Hkv]
};
// gMerged: the gradient of `merged` [hd * H, T]
FusedAttentionGradients fusedAttentionBackward(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, const FusedAttention& forward,
                                               ggml_tensor* gMerged, ggml_tensor* ranges);

// the `ranges` input of a packed batch: [a0, a1, b0] per query, exactly the keys PackedBatch::sees lets it see
std::vector<int32_t> attentionRanges(const PackedBatch& batch);

// whether this CPU runs the kernels fast: on x86-64 only with AVX2 and FMA (the baseline SSE2 clone is slower than
// the blockwise ggml ops, which ggml's CPU variants vectorise); vector-extension builds elsewhere (NEON); not MSVC's
// plain-array fallback
bool fusedAttentionFast();

// the custom ops' kernels (ggml_custom_op_t)
void fusedAttentionForwardOp(ggml_tensor* dst, int ith, int nth, void* userdata);
void fusedAttentionBackwardOp(ggml_tensor* dst, int ith, int nth, void* userdata);

}  // namespace inflow
