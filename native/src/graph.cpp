// Graph construction. The log-probability of a target is computed exactly as logit_t - logsumexp(logits), with the
// row mean subtracted before exp (the shift cancels analytically, also in the gradient), so values far below -87
// stay exact instead of underflowing as log(softmax) would.
#include "graph.h"

#include <cmath>

namespace inflow {
namespace {

struct Builder {
  ggml_context* ctx;
  const Model& model;
  const Lora* lora;
  const GraphOptions& options;
  ggml_tensor* iota;

  ggml_tensor* weight(ggml_tensor* w) const {
    if (iota == nullptr || w->type == GGML_TYPE_F32) return w;
    // GET_ROWS over all rows yields an F32 copy whose backward is plain F32 OUT_PROD (CUDA/Vulkan need that)
    return ggml_get_rows(ctx, w, ggml_view_1d(ctx, iota, w->ne[1], 0));
  }

  ggml_tensor* linear(ggml_tensor* w, ggml_tensor* bias, ggml_tensor* x, int64_t layer, int target) const {
    ggml_tensor* y = ggml_mul_mat(ctx, weight(w), x);
    if (lora != nullptr && options.adapter && target >= 0) {
      const LoraPair& pair = lora->pair(layer, target);
      if (pair.a != nullptr) {
        ggml_tensor* ab = ggml_mul_mat(ctx, pair.b, ggml_mul_mat(ctx, pair.a, x));
        y = ggml_add(ctx, y, ggml_scale(ctx, ab, lora->scale()));
      }
    }
    if (bias != nullptr) y = ggml_add(ctx, y, bias);
    return y;
  }

  ggml_tensor* norm(ggml_tensor* x, ggml_tensor* w) const {
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, model.hp().normEps), w);
  }

  ggml_tensor* rope(ggml_tensor* x, ggml_tensor* positions) const {
    const HyperParams& hp = model.hp();
    return ggml_rope_ext(ctx, x, positions, model.ropeFreqs, (int)hp.nRot, hp.ropeMode, (int)hp.ropeCtxOrig, hp.ropeFreqBase,
                         hp.ropeFreqScale, 0.0f, hp.ropeAttnFactor, 32.0f, 1.0f);
  }

  ggml_tensor* attention(ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in) const {
    const HyperParams& hp = model.hp();
    const LayerWeights& l = model.layers[il];
    ggml_tensor* q = ggml_reshape_3d(ctx, linear(l.wq, l.bq, x, il, TARGET_Q), hp.headDim, hp.nHead, T);
    ggml_tensor* k = ggml_reshape_3d(ctx, linear(l.wk, l.bk, x, il, TARGET_K), hp.headDim, hp.nHeadKv, T);
    ggml_tensor* v = ggml_reshape_3d(ctx, linear(l.wv, l.bv, x, il, TARGET_V), hp.headDim, hp.nHeadKv, T);
    if (l.qNorm != nullptr) q = norm(q, l.qNorm);
    if (l.kNorm != nullptr) k = norm(k, l.kNorm);
    // contiguous copies let ggml's CPU backend use its blocked GEMM (tinyBLAS) instead of one short dot per entry
    q = ggml_cont(ctx, ggml_permute(ctx, rope(q, in.positions), 0, 2, 1, 3));  // [hd, T, nHead]
    k = ggml_cont(ctx, ggml_permute(ctx, rope(k, in.positions), 0, 2, 1, 3));  // [hd, T, nKv]
    ggml_tensor* kq = ggml_mul_mat(ctx, k, q);                 // [T_k, T_q, nHead], GQA by broadcast
    kq = ggml_soft_max_ext(ctx, kq, in.mask, 1.0f / std::sqrt((float)hp.headDim), 0.0f);
    if (options.backward) ggml_set_output(kq);  // never overwritten in place by SOFT_MAX_BACK (CPU bug)
    ggml_tensor* vt = ggml_cont(ctx, ggml_transpose(ctx, ggml_permute(ctx, v, 0, 2, 1, 3)));  // [T, hd, nKv]
    ggml_tensor* kqv = ggml_mul_mat(ctx, vt, kq);                                             // [hd, T, nHead]
    ggml_tensor* merged = ggml_reshape_2d(ctx, ggml_cont(ctx, ggml_permute(ctx, kqv, 0, 2, 1, 3)), hp.headDim * hp.nHead, T);
    return linear(l.wo, l.bo, merged, il, TARGET_O);
  }

  ggml_tensor* feedForward(ggml_tensor* x, int64_t il) const {
    const LayerWeights& l = model.layers[il];
    ggml_tensor* gate = linear(l.ffnGate, nullptr, x, il, TARGET_GATE);
    ggml_tensor* up = linear(l.ffnUp, nullptr, x, il, TARGET_UP);
    return linear(l.ffnDown, nullptr, ggml_swiglu_split(ctx, gate, up), il, TARGET_DOWN);
  }
};

ggml_tensor* input(ggml_context* ctx, ggml_type type, int64_t n0, int64_t n1, const char* name) {
  ggml_tensor* t = n1 > 0 ? ggml_new_tensor_2d(ctx, type, n0, n1) : ggml_new_tensor_1d(ctx, type, n0);
  ggml_set_name(t, name);
  ggml_set_input(t);
  return t;
}

}  // namespace

int64_t iotaLength(const Model& model) {
  const HyperParams& hp = model.hp();
  int64_t n = hp.nVocab;
  for (int64_t v : {hp.nEmbd, hp.nFf, hp.headDim * hp.nHead}) n = v > n ? v : n;
  return n;
}

size_t graphSize(const Model& model) { return 2048 + (size_t)model.hp().nLayer * 512; }

namespace {

// positions, mask and (when dequantising) iota: what every layer needs
void layerInputs(ggml_context* ctx, const Model& model, const GraphOptions& options, int64_t T, GraphInputs& in) {
  if (options.dequantize) in.iota = input(ctx, GGML_TYPE_I32, iotaLength(model), 0, "iota");
  in.positions = input(ctx, GGML_TYPE_I32, T, 0, "positions");
  in.mask = input(ctx, GGML_TYPE_F32, T, T, "mask");
}

ggml_tensor* layer(const Builder& b, ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in) {
  const LayerWeights& l = b.model.layers[il];
  ggml_tensor* h = ggml_add(b.ctx, x, b.attention(b.norm(x, l.attnNorm), il, T, in));
  return ggml_add(b.ctx, h, b.feedForward(b.norm(h, l.ffnNorm), il));
}

// x clamped to [-limit, limit] with torch.clamp's gradient (none outside the range). STEP has no gradient in ggml's
// autodiff, so the masks act as stop-gradients: x * inside + limit * above - limit * below.
ggml_tensor* clampNoGrad(ggml_context* ctx, ggml_tensor* x, float limit) {
  ggml_tensor* above = ggml_step(ctx, ggml_scale_bias(ctx, x, 1.0f, -limit));
  ggml_tensor* below = ggml_step(ctx, ggml_scale_bias(ctx, x, -1.0f, -limit));
  ggml_tensor* inside = ggml_mul(ctx, ggml_step(ctx, ggml_scale_bias(ctx, x, 1.0f, limit)), ggml_step(ctx, ggml_scale_bias(ctx, x, -1.0f, limit)));
  return ggml_add(ctx, ggml_mul(ctx, x, inside), ggml_scale(ctx, ggml_sub(ctx, above, below), limit));
}

GraphOutputs head(const Builder& b, ggml_tensor* x, Objective objective, int64_t n, GraphInputs& in) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  in.rows = input(ctx, GGML_TYPE_I32, n, 0, "rows");
  in.flatTargets = input(ctx, GGML_TYPE_I32, n, 0, "flat_targets");
  x = b.norm(x, b.model.outputNorm);
  ggml_tensor* selected = ggml_get_rows(ctx, x, in.rows);                      // [d, n]
  ggml_tensor* logits = ggml_mul_mat(ctx, b.weight(b.model.output), selected);  // [V, n]
  ggml_tensor* mean = ggml_scale(ctx, ggml_sum_rows(ctx, logits), -1.0f / (float)hp.nVocab);
  ggml_tensor* centered = ggml_add(ctx, logits, mean);
  // A further shift without gradient (built from STEP, whose gradient ggml ignores): 60 x the number of thresholds
  // 60, 120, ..., 480 that some logit of the row exceeds above the mean. It keeps exp() below e^60 for rows whose
  // maximum lies up to 540 above the mean, where the mean alone would overflow; it is 0 for ordinary rows.
  ggml_tensor* exceeded = nullptr;
  for (int threshold = 1; threshold <= 8; ++threshold) {
    ggml_tensor* above = ggml_step(ctx, ggml_scale_bias(ctx, centered, 1.0f, -60.0f * (float)threshold));
    ggml_tensor* any = ggml_step(ctx, ggml_scale_bias(ctx, ggml_sum_rows(ctx, above), 1.0f, -0.5f));
    exceeded = exceeded == nullptr ? any : ggml_add(ctx, exceeded, any);
  }
  ggml_tensor* shifted = ggml_add(ctx, centered, ggml_scale(ctx, exceeded, -60.0f));
  ggml_tensor* lse = ggml_log(ctx, ggml_sum_rows(ctx, ggml_exp(ctx, shifted)));                          // [1, n]
  ggml_tensor* chosen = ggml_get_rows(ctx, ggml_reshape_2d(ctx, shifted, 1, hp.nVocab * n), in.flatTargets);  // [1, n]
  GraphOutputs out;
  out.logp = ggml_reshape_1d(ctx, ggml_sub(ctx, chosen, lse), n);
  ggml_set_name(out.logp, "logp");
  ggml_set_output(out.logp);
  if (objective == Objective::Logprob) return out;

  if (objective == Objective::Sft) {
    in.coefW = input(ctx, GGML_TYPE_F32, n, 0, "coef_w");
    out.loss = ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, in.coefW, out.logp)), -1.0f);
  } else if (b.options.selfRatio) {
    // ratio = exp(logp - old) with old = the current logp is exactly 1 and its gradient is grad(logp); nothing clips.
    // The value of this term is -sum(A w / N * logp); the trainer corrects the reported loss to -sum(A w / N).
    in.coefA = input(ctx, GGML_TYPE_F32, n, 0, "coef_a");
    out.loss = ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, in.coefA, out.logp)), -1.0f);
  } else {
    in.old = input(ctx, GGML_TYPE_F32, n, 0, "old_logp");
    in.coefA = input(ctx, GGML_TYPE_F32, n, 0, "coef_a");
    in.lo = input(ctx, GGML_TYPE_F32, n, 0, "clip_lo");
    in.hi = input(ctx, GGML_TYPE_F32, n, 0, "clip_hi");
    // verl: the log-ratio is clamped to [-20, 20] before exp (no gradient outside, as torch.clamp)
    ggml_tensor* ratio = ggml_exp(ctx, clampNoGrad(ctx, ggml_sub(ctx, out.logp, in.old), 20.0f));
    // STEP has no gradient in ggml's autodiff, so these masks act as stop-gradients (the PPO min/max branches)
    ggml_tensor* active = ggml_mul(ctx, ggml_step(ctx, ggml_sub(ctx, in.hi, ratio)), ggml_step(ctx, ggml_sub(ctx, ratio, in.lo)));
    ggml_tensor* bound = ggml_add(ctx, ggml_mul(ctx, in.hi, ggml_step(ctx, ggml_sub(ctx, ratio, in.hi))),
                                  ggml_mul(ctx, in.lo, ggml_step(ctx, ggml_sub(ctx, in.lo, ratio))));
    ggml_tensor* surrogate = ggml_mul(ctx, in.coefA, ggml_add(ctx, ggml_mul(ctx, active, ratio), bound));
    out.loss = ggml_scale(ctx, ggml_sum(ctx, surrogate), -1.0f);
  }
  if (objective == Objective::Grpo && b.options.klTerm) {
    in.ref = input(ctx, GGML_TYPE_F32, n, 0, "ref_logp");
    in.coefK = input(ctx, GGML_TYPE_F32, n, 0, "coef_k");
    // verl's low_var_kl: d = ref - logp clamped to [-20, 20], k3 = e^d - d - 1 clamped to [-10, 10] (k3 >= 0, so
    // only the upper bound can bind); no gradient where a clamp binds
    ggml_tensor* d = clampNoGrad(ctx, ggml_sub(ctx, in.ref, out.logp), 20.0f);
    ggml_tensor* k3 = ggml_scale_bias(ctx, ggml_sub(ctx, ggml_exp(ctx, d), d), 1.0f, -1.0f);
    ggml_tensor* over = ggml_step(ctx, ggml_scale_bias(ctx, k3, 1.0f, -10.0f));  // k3 > 10
    ggml_tensor* under = ggml_step(ctx, ggml_scale_bias(ctx, k3, -1.0f, 10.0f));  // k3 < 10
    k3 = ggml_add(ctx, ggml_mul(ctx, k3, under), ggml_scale(ctx, over, 10.0f));
    out.loss = ggml_add(ctx, out.loss, ggml_sum(ctx, ggml_mul(ctx, in.coefK, k3)));
  }
  ggml_set_name(out.loss, "loss");
  ggml_set_output(out.loss);
  ggml_set_loss(out.loss);
  return out;
}

// a [d, T] hidden state fed from the host that receives a gradient (the recomputation boundary)
ggml_tensor* boundary(ggml_context* ctx, const Model& model, int64_t T, const char* name) {
  ggml_tensor* x = input(ctx, GGML_TYPE_F32, model.hp().nEmbd, T, name);
  ggml_set_param(x);
  return x;
}

}  // namespace

GraphOutputs buildGraph(ggml_context* ctx, const Model& model, const Lora* lora, Objective objective, const GraphOptions& options,
                        int64_t T, int64_t n, GraphInputs& in) {
  layerInputs(ctx, model, options, T, in);
  Builder b{ctx, model, lora, options, in.iota};
  in.tokens = input(ctx, GGML_TYPE_I32, T, 0, "tokens");
  ggml_tensor* x = ggml_get_rows(ctx, model.tokenEmbd, in.tokens);  // [d, T]
  for (int64_t il = 0; il < model.hp().nLayer; ++il) x = layer(b, x, il, T, in);
  return head(b, x, objective, n, in);
}

std::vector<ggml_tensor*> buildLayerStack(ggml_context* ctx, const Model& model, const Lora* lora, const GraphOptions& stackOptions,
                                          int64_t T, GraphInputs& in, bool keepAll) {
  GraphOptions options = stackOptions;
  options.backward = false;  // forward only: nothing but the layer inputs needs to stay alive
  layerInputs(ctx, model, options, T, in);
  Builder b{ctx, model, lora, options, in.iota};
  in.tokens = input(ctx, GGML_TYPE_I32, T, 0, "tokens");
  std::vector<ggml_tensor*> states;
  ggml_tensor* x = ggml_get_rows(ctx, model.tokenEmbd, in.tokens);
  for (int64_t il = 0; il <= model.hp().nLayer; ++il) {
    if (il > 0) x = layer(b, x, il - 1, T, in);
    if (!keepAll && il < model.hp().nLayer) continue;
    ggml_set_output(x);
    states.push_back(x);
  }
  return states;
}

GraphOutputs buildLayerBackward(ggml_context* ctx, const Model& model, const Lora* lora, const GraphOptions& options, int64_t il, int64_t T,
                                GraphInputs& in) {
  layerInputs(ctx, model, options, T, in);
  Builder b{ctx, model, lora, options, in.iota};
  in.x = boundary(ctx, model, T, "layer_in");
  in.gradOut = input(ctx, GGML_TYPE_F32, model.hp().nEmbd, T, "grad_out");
  GraphOutputs out;
  // d(sum(y * g))/dtheta is the vector-Jacobian product of the layer with the gradient g of its output
  out.loss = ggml_sum(ctx, ggml_mul(ctx, layer(b, in.x, il, T, in), in.gradOut));
  ggml_set_output(out.loss);
  ggml_set_loss(out.loss);
  return out;
}

GraphOutputs buildHeadGraph(ggml_context* ctx, const Model& model, Objective objective, const GraphOptions& options, int64_t T, int64_t n,
                            GraphInputs& in) {
  if (options.dequantize) in.iota = input(ctx, GGML_TYPE_I32, iotaLength(model), 0, "iota");
  Builder b{ctx, model, nullptr, options, in.iota};
  in.x = boundary(ctx, model, T, "head_in");
  return head(b, in.x, objective, n, in);
}

}  // namespace inflow
