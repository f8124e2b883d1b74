// Graph side of the fused CPU attention (fused-attention.h): the custom ops' inputs and outputs, and the mask as
// intervals.
#include "fused-attention.h"

#include <stdexcept>
#include <string>

namespace inflow {
namespace {

ggml_tensor* contiguous(ggml_context* ctx, ggml_tensor* t) { return ggml_is_contiguous(t) ? t : ggml_cont(ctx, t); }

}  // namespace

FusedAttention fusedAttention(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, ggml_tensor* ranges) {
  const int64_t hd = q->ne[0], T = q->ne[1], H = q->ne[2];
  ggml_tensor* args[4] = {contiguous(ctx, q), contiguous(ctx, k), contiguous(ctx, v), ranges};
  // one output: the merged heads [hd * H, T], then the log-sum-exps [T, H] in ceil(T / hd) further rows
  const int64_t extra = (T + hd - 1) / hd;
  ggml_tensor* out = ggml_custom_4d(ctx, GGML_TYPE_F32, hd * H, T + extra, 1, 1, args, 4, fusedAttentionForwardOp, GGML_N_TASKS_MAX, nullptr);
  FusedAttention f;
  f.merged = ggml_view_2d(ctx, out, hd * H, T, out->nb[1], 0);
  f.lse = ggml_view_2d(ctx, out, T, H, (size_t)T * sizeof(float), (size_t)T * out->nb[1]);
  return f;
}

FusedAttentionGradients fusedAttentionBackward(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, const FusedAttention& forward,
                                               ggml_tensor* gMerged, ggml_tensor* ranges) {
  const int64_t hd = q->ne[0], T = q->ne[1], H = q->ne[2], Hkv = k->ne[2], r = H / Hkv;
  ggml_tensor* args[7] = {contiguous(ctx, q), contiguous(ctx, k), contiguous(ctx, v), ranges, forward.merged, forward.lse, contiguous(ctx, gMerged)};
  // dQ, and dK and dV per query head: [hd, T, H] each
  ggml_tensor* g = ggml_custom_4d(ctx, GGML_TYPE_F32, hd, T, H, 3, args, 7, fusedAttentionBackwardOp, GGML_N_TASKS_MAX, nullptr);
  auto part = [&](int i, int64_t m, int64_t heads, size_t headStride) {  // heads m, m + r, ... of part i
    return ggml_view_3d(ctx, g, hd, T, heads, g->nb[1], headStride, (size_t)i * g->nb[3] + (size_t)m * g->nb[2]);
  };
  auto groupSum = [&](int i) {  // the sum over the r query heads of every KV head (heads h = g r + m)
    ggml_tensor* sum = part(i, 0, Hkv, (size_t)r * g->nb[2]);
    if (r == 1) return sum;
    for (int64_t m = 1; m < r; ++m) sum = ggml_add(ctx, sum, part(i, m, Hkv, (size_t)r * g->nb[2]));
    return sum;
  };
  FusedAttentionGradients out;
  out.q = part(0, 0, H, g->nb[2]);
  out.k = groupSum(1);
  out.v = groupSum(2);
  return out;
}

std::vector<int32_t> attentionRanges(const PackedBatch& batch) {
  const int64_t T = batch.nTokens();
  std::vector<int32_t> ranges((size_t)(3 * T));
  for (int64_t q = 0; q < T; ++q) {
    // the runs of visible keys, scanning back from q through its segment: at most two (its own run ends at q)
    int64_t runs[2][2], count = 0;
    bool inRun = false;
    for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) {
      const bool seen = batch.sees(q, k);
      if (seen && !inRun) {
        if (count == 2) throw std::logic_error("attentionRanges: query " + std::to_string(q) + " sees more than two runs of keys");
        runs[count][1] = k + 1;
        ++count;
      }
      if (seen) runs[count - 1][0] = k;
      inRun = seen;
    }
    int32_t* r = ranges.data() + 3 * q;
    r[2] = (int32_t)runs[0][0];  // the run that ends at q (q sees itself)
    r[0] = count == 2 ? (int32_t)runs[1][0] : 0;
    r[1] = count == 2 ? (int32_t)runs[1][1] : 0;
  }
  return ranges;
}

}  // namespace inflow
