// A transformer layer for the hand-written backward: the forward (same ops as graph-builder.h's, but with the chunked
// attention) records its intermediates, and the backward applies the chain rule op by op:
//   linear      dx = W^T dy (+ s A^T B^T dy), dB = s dy (A x)^T, dA = s (B^T dy) x^T
//   RMS norm    dx = (g - xn * mean(g * xn)) / sqrt(mean(x^2) + eps)
//   SwiGLU      d gate = silu'(gate) * up * ds,  d up = silu(gate) * ds
//   rope        ROPE_BACK (the inverse rotation)
// Products over tokens (dA, dB) are MUL_MATs of contiguous transposes, so no OUT_PROD is needed.
#include "backward.h"
#include "transposed.h"

namespace inflow {
namespace {

ggml_tensor* transposed(const Builder& b, ggml_tensor* t) { return b.copy(ggml_transpose(b.ctx, t)); }

ggml_tensor* add(ggml_context* ctx, ggml_tensor* a, ggml_tensor* b) { return a == nullptr ? b : ggml_add(ctx, a, b); }

}  // namespace

ggml_tensor* rmsNormBackward(ggml_context* ctx, ggml_tensor* x, ggml_tensor* xn, ggml_tensor* g, float eps) {
  const float inverseN = 1.0f / (float)x->ne[0];
  ggml_tensor* mean = ggml_scale(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, g, xn)), inverseN);
  ggml_tensor* rms = ggml_sqrt(ctx, ggml_scale_bias(ctx, ggml_sum_rows(ctx, ggml_sqr(ctx, x)), inverseN, eps));
  return ggml_div(ctx, ggml_sub(ctx, g, ggml_mul(ctx, xn, mean)), rms);
}

ggml_tensor* linearBackward(const Builder& b, ggml_tensor* w, int64_t layer, int target, const LinearRecord& r, ggml_tensor* gy,
                            GradientList& grads) {
  ggml_context* ctx = b.ctx;
  ggml_tensor* wt = b.options.transposed != nullptr && b.iota == nullptr ? b.options.transposed->of(w) : transposed(b, b.weight(w));
  ggml_tensor* gx = b.mm(wt, gy);
  if (r.z == nullptr) return gx;
  const LoraPair& pair = b.lora->pair(layer, target);
  const float scale = b.lora->scale();
  ggml_tensor* gz = ggml_scale(ctx, b.mm(transposed(b, pair.b), gy), scale);                     // [r, T]
  if (b.options.cpuOuterProducts) {
    grads.emplace_back(pair.b, ggml_scale(ctx, transposed(b, ggml_out_prod(ctx, gy, r.z)), scale));  // [n_out, r] -> [r, n_out]
    grads.emplace_back(pair.a, ggml_out_prod(ctx, r.x, gz));                                         // [n_in, r]
    return ggml_add(ctx, gx, b.mm(transposed(b, pair.a), gz));
  }
  grads.emplace_back(pair.b, ggml_scale(ctx, b.mm(transposed(b, r.z), transposed(b, gy)), scale));  // [r, n_out]
  // dA^T = (B^T dy) x^T as [r, n_in], then transposed: the product has n_in columns, never a narrow one (on CUDA a
  // matmul with <= 16 columns takes the TF32 tensor-core kernel)
  grads.emplace_back(pair.a, transposed(b, b.mm(transposed(b, gz), transposed(b, r.x))));           // [n_in, r]
  return ggml_add(ctx, gx, b.mm(transposed(b, pair.a), gz));
}

ggml_tensor* manualLayer(const Builder& b, ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in, LayerRecord* record) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  const LayerWeights& l = b.model.layers[il];
  LayerRecord r;
  r.layer = il;
  r.T = T;
  r.x = x;
  r.n1 = ggml_rms_norm(ctx, x, hp.normEps);
  ggml_tensor* a = ggml_mul(ctx, r.n1, l.attnNorm);
  r.q.x = r.k.x = r.v.x = a;
  ggml_tensor* q = ggml_reshape_3d(ctx, b.linear(l.wq, l.bq, a, il, TARGET_Q, &r.q.z), hp.headDim, hp.nHead, T);
  ggml_tensor* k = ggml_reshape_3d(ctx, b.linear(l.wk, l.bk, a, il, TARGET_K, &r.k.z), hp.headDim, hp.nHeadKv, T);
  ggml_tensor* v = ggml_reshape_3d(ctx, b.linear(l.wv, l.bv, a, il, TARGET_V, &r.v.z), hp.headDim, hp.nHeadKv, T);
  r.qRaw = q;
  r.kRaw = k;
  if (l.qNorm != nullptr) q = b.norm(q, l.qNorm);
  if (l.kNorm != nullptr) k = b.norm(k, l.kNorm);
  r.qp = b.copy(ggml_permute(ctx, b.rope(q, in.positions), 0, 2, 1, 3));  // [hd, T, H]
  r.kp = b.copy(ggml_permute(ctx, b.rope(k, in.positions), 0, 2, 1, 3));  // [hd, T, Hkv]
  r.vp = b.copy(ggml_permute(ctx, v, 0, 2, 1, 3));                         // [hd, T, Hkv]
  r.o.x = chunkedAttention(b, r.qp, r.kp, r.vp, T, in, &r.lse);
  r.h = ggml_add(ctx, x, b.linear(l.wo, l.bo, r.o.x, il, TARGET_O, &r.o.z));
  r.n2 = ggml_rms_norm(ctx, r.h, hp.normEps);
  ggml_tensor* n = ggml_mul(ctx, r.n2, l.ffnNorm);
  r.ffnGate.x = r.ffnUp.x = n;
  r.gate = b.linear(l.ffnGate, nullptr, n, il, TARGET_GATE, &r.ffnGate.z);
  r.up = b.linear(l.ffnUp, nullptr, n, il, TARGET_UP, &r.ffnUp.z);
  r.ffnDown.x = ggml_swiglu_split(ctx, r.gate, r.up);
  ggml_tensor* y = ggml_add(ctx, r.h, b.linear(l.ffnDown, nullptr, r.ffnDown.x, il, TARGET_DOWN, &r.ffnDown.z));
  if (record != nullptr) *record = r;
  return y;
}

ggml_tensor* manualLayerBackward(const Builder& b, const LayerRecord& r, ggml_tensor* gy, const GraphInputs& in, GradientList& grads) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  const LayerWeights& l = b.model.layers[r.layer];
  const int64_t il = r.layer, T = r.T;
  // feed-forward
  ggml_tensor* gs = linearBackward(b, l.ffnDown, il, TARGET_DOWN, r.ffnDown, gy, grads);
  ggml_tensor* gUp = ggml_mul(ctx, gs, ggml_silu(ctx, r.gate));
  ggml_tensor* gGate = ggml_silu_back(ctx, ggml_mul(ctx, gs, r.up), r.gate);
  ggml_tensor* gn = ggml_add(ctx, linearBackward(b, l.ffnGate, il, TARGET_GATE, r.ffnGate, gGate, grads),
                             linearBackward(b, l.ffnUp, il, TARGET_UP, r.ffnUp, gUp, grads));
  ggml_tensor* gh = ggml_add(ctx, gy, rmsNormBackward(ctx, r.h, r.n2, ggml_mul(ctx, gn, l.ffnNorm), hp.normEps));
  // attention
  ggml_tensor* gMerged = linearBackward(b, l.wo, il, TARGET_O, r.o, gh, grads);
  AttentionGradients ga = chunkedAttentionBackward(b, r.qp, r.kp, r.vp, r.o.x, r.lse, gMerged, T, in);
  ggml_tensor* gq = b.ropeBack(b.copy(ggml_permute(ctx, ga.q, 0, 2, 1, 3)), in.positions);  // [hd, H, T]
  ggml_tensor* gk = b.ropeBack(b.copy(ggml_permute(ctx, ga.k, 0, 2, 1, 3)), in.positions);  // [hd, Hkv, T]
  ggml_tensor* gv = b.copy(ggml_permute(ctx, ga.v, 0, 2, 1, 3));
  if (l.qNorm != nullptr) gq = rmsNormBackward(ctx, r.qRaw, ggml_rms_norm(ctx, r.qRaw, hp.normEps), ggml_mul(ctx, gq, l.qNorm), hp.normEps);
  if (l.kNorm != nullptr) gk = rmsNormBackward(ctx, r.kRaw, ggml_rms_norm(ctx, r.kRaw, hp.normEps), ggml_mul(ctx, gk, l.kNorm), hp.normEps);
  ggml_tensor* gA = nullptr;
  gA = add(ctx, gA, linearBackward(b, l.wq, il, TARGET_Q, r.q, ggml_reshape_2d(ctx, gq, hp.headDim * hp.nHead, T), grads));
  gA = add(ctx, gA, linearBackward(b, l.wk, il, TARGET_K, r.k, ggml_reshape_2d(ctx, gk, hp.headDim * hp.nHeadKv, T), grads));
  gA = add(ctx, gA, linearBackward(b, l.wv, il, TARGET_V, r.v, ggml_reshape_2d(ctx, gv, hp.headDim * hp.nHeadKv, T), grads));
  return ggml_add(ctx, gh, rmsNormBackward(ctx, r.x, r.n1, ggml_mul(ctx, gA, l.attnNorm), hp.normEps));
}

ggml_tensor* manualHeadBackward(const Builder& b, const HeadRecord& r, ggml_tensor* gLogp, const GraphInputs& in) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  const int64_t n = r.logits->ne[1], V = hp.nVocab;
  // d logp_j / d logit_v = [v == target_j] - softmax_v: -g p everywhere, then g (1 - p_target) written at the targets
  ggml_tensor* g = ggml_reshape_2d(ctx, gLogp, 1, n);
  ggml_tensor* gLogits = ggml_mul(ctx, ggml_soft_max(ctx, r.logits), ggml_scale(ctx, g, -1.0f));
  ggml_tensor* atTargets = ggml_sub(ctx, g, ggml_mul(ctx, g, ggml_exp(ctx, ggml_reshape_2d(ctx, r.logp, 1, n))));
  gLogits = ggml_reshape_2d(ctx, ggml_set_rows(ctx, ggml_reshape_2d(ctx, gLogits, 1, V * n), atTargets, in.flatTargets), V, n);
  ggml_tensor* wt = b.options.transposed != nullptr && b.iota == nullptr ? b.options.transposed->of(b.model.output)
                                                                        : transposed(b, b.weight(b.model.output));
  ggml_tensor* gSelected = b.mm(wt, gLogits);                                       // [d, n]
  ggml_tensor* gHidden = ggml_set_rows(ctx, ggml_scale(ctx, r.x, 0.0f), gSelected, in.rows);    // [d, T]: rows are distinct
  return rmsNormBackward(ctx, r.x, r.xn, ggml_mul(ctx, gHidden, b.model.outputNorm), hp.normEps);
}

}  // namespace inflow
