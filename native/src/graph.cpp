// Graph construction. The log-probability of a target is computed exactly as logit_t - logsumexp(logits), with the
// row mean subtracted before exp (the shift cancels analytically, also in the gradient), so values far below -87
// stay exact instead of underflowing as log(softmax) would.
#include "graph.h"

#include <algorithm>
#include <cmath>

#include "backward.h"
#include "graph-builder.h"

namespace inflow {
namespace {

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

size_t graphSize(const Model& model, int64_t T) {
  return 2048 + (size_t)model.hp().nLayer * (640 + 96 * (size_t)attentionChunks(T, kAttentionChunkLean));
}

namespace {

// positions, mask and (when dequantising) iota: what every layer needs
void layerInputs(ggml_context* ctx, const Model& model, const GraphOptions& options, int64_t T, GraphInputs& in) {
  if (options.dequantize) in.iota = input(ctx, GGML_TYPE_I32, iotaLength(model), 0, "iota");
  in.positions = input(ctx, GGML_TYPE_I32, T, 0, "positions");
  if (!options.manual) {
    in.mask = input(ctx, GGML_TYPE_F32, T, T, "mask");
    return;
  }
  if (options.flashForward) {
    in.flashMask = input(ctx, GGML_TYPE_F16, T, T, "flash_mask");
  } else if (options.fusedAttention) {
    in.ranges = input(ctx, GGML_TYPE_I32, 3, T, "attention_ranges");
    return;
  }
  const int64_t chunk = options.attentionChunk;
  for (int64_t c = 0; c < attentionChunks(T, chunk); ++c) {
    const int64_t keys = std::min(T, (c + 1) * chunk);
    in.chunkMasks.push_back(input(ctx, GGML_TYPE_F32, keys, keys - c * chunk, "chunk_mask"));
  }
}

ggml_tensor* layer(const Builder& b, ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in) {
  if (b.options.manual) return manualLayer(b, x, il, T, in, nullptr);
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

// `record` (hand-written backward): keeps what manualHeadBackward needs and adds the zero seed parameter to logp
GraphOutputs head(const Builder& b, ggml_tensor* x, Objective objective, int64_t n, GraphInputs& in, HeadRecord* record = nullptr) {
  ggml_context* ctx = b.ctx;
  const HyperParams& hp = b.model.hp();
  in.rows = input(ctx, GGML_TYPE_I32, n, 0, "rows");
  in.flatTargets = input(ctx, GGML_TYPE_I32, n, 0, "flat_targets");
  if (record != nullptr) record->x = x;
  ggml_tensor* xn = ggml_rms_norm(ctx, x, hp.normEps);
  x = ggml_mul(ctx, xn, b.model.outputNorm);
  ggml_tensor* selected = ggml_get_rows(ctx, x, in.rows);                      // [d, n]
  ggml_tensor* logits = b.options.manual ? b.mm(b.weight(b.model.output), selected) : ggml_mul_mat(ctx, b.weight(b.model.output), selected);  // [V, n]
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
  if (record != nullptr) {
    *record = HeadRecord{record->x, xn, logits, nullptr, input(ctx, GGML_TYPE_F32, n, 0, "logp_seed")};
    ggml_set_param(record->seed);
    in.seed = record->seed;
    out.logp = ggml_add(ctx, out.logp, record->seed);
    record->logp = out.logp;
  }
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

ManualGraph buildManualGraph(ggml_context* ctx, const Model& model, const Lora* lora, Objective objective, const GraphOptions& options, int64_t T,
                             int64_t n, GraphInputs& in) {
  layerInputs(ctx, model, options, T, in);
  Builder b{ctx, model, lora, options, in.iota};
  in.tokens = input(ctx, GGML_TYPE_I32, T, 0, "tokens");
  ManualGraph g;
  g.layers.resize((size_t)model.hp().nLayer);
  ggml_tensor* x = ggml_get_rows(ctx, model.tokenEmbd, in.tokens);
  for (int64_t il = 0; il < model.hp().nLayer; ++il) x = manualLayer(b, x, il, T, in, &g.layers[(size_t)il]);
  g.out = head(b, x, objective, n, in, &g.head);
  return g;
}

ManualGraph buildManualHead(ggml_context* ctx, const Model& model, Objective objective, const GraphOptions& options, int64_t T, int64_t n,
                            GraphInputs& in) {
  if (options.dequantize) in.iota = input(ctx, GGML_TYPE_I32, iotaLength(model), 0, "iota");
  Builder b{ctx, model, nullptr, options, in.iota};
  in.x = input(ctx, GGML_TYPE_F32, model.hp().nEmbd, T, "head_in");
  ManualGraph g;
  g.out = head(b, in.x, objective, n, in, &g.head);
  return g;
}

ggml_tensor* buildManualBackward(ggml_context* ctx, ggml_cgraph* gf, const Model& model, const Lora* lora, const GraphOptions& options,
                                 const ManualGraph& g, ggml_tensor* gLogp, const GraphInputs& in, GradientList& grads) {
  Builder b{ctx, model, lora, options, in.iota, gf};
  if (options.lossScale != 1.0f) gLogp = ggml_scale(ctx, gLogp, options.lossScale);  // undone on the LoRA gradients
  ggml_tensor* gx = manualHeadBackward(b, g.head, gLogp, in);
  for (auto r = g.layers.rbegin(); r != g.layers.rend(); ++r) gx = manualLayerBackward(b, *r, gx, in, grads);
  return gx;
}

ggml_tensor* buildManualLayerGraph(ggml_context* ctx, ggml_cgraph* gf, const Model& model, const Lora* lora, const GraphOptions& options, int64_t il,
                                   int64_t T, GraphInputs& in, GradientList& grads) {
  layerInputs(ctx, model, options, T, in);
  Builder b{ctx, model, lora, options, in.iota, gf};
  in.x = input(ctx, GGML_TYPE_F32, model.hp().nEmbd, T, "layer_in");
  in.gradOut = input(ctx, GGML_TYPE_F32, model.hp().nEmbd, T, "grad_out");
  LayerRecord record;
  manualLayer(b, in.x, il, T, in, &record);
  return manualLayerBackward(b, record, in.gradOut, in, grads);
}

}  // namespace inflow
