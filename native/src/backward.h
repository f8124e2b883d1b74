// The hand-written backward: a layer's and the output head's gradients from ops that CUDA, Metal, Vulkan and the CPU
// all run (MUL_MAT on transposed operands instead of OUT_PROD, softmax and RMS-norm backward from elementwise ops,
// GQA sums as MUL_MAT over grouped heads, scatters as SET_ROWS), with the attention computed blockwise over query
// chunks (keys past a chunk's last query are skipped, and probabilities are recomputed in the backward, so attention
// memory is linear in T). The forward records what its backward needs; ggml's autodiff only differentiates the
// objective with respect to the log-probs (see buildManualHead).
#pragma once

#include <utility>
#include <vector>

#include "graph-builder.h"

namespace inflow {

// Query rows per attention block: 256 for the full graph; 128 under per-layer recomputation, whose peak memory is
// the attention block's temporaries (keys x queries x heads, a few times).
constexpr int64_t kAttentionChunk = 256;
constexpr int64_t kAttentionChunkLean = 128;

// (LoRA tensor, its gradient) pairs produced by a hand-written backward graph.
using GradientList = std::vector<std::pair<ggml_tensor*, ggml_tensor*>>;

struct LinearRecord {
  ggml_tensor* x = nullptr;  // input
  ggml_tensor* z = nullptr;  // A x (null without a LoRA on this target)
};

struct LayerRecord {
  int64_t layer = 0, T = 0;
  ggml_tensor *x = nullptr, *n1 = nullptr, *h = nullptr, *n2 = nullptr;  // input, rms_norm(x), after attention, rms_norm(h)
  ggml_tensor *qRaw = nullptr, *kRaw = nullptr;                          // [hd, heads, T] before the q/k norm (qwen3)
  ggml_tensor *qp = nullptr, *kp = nullptr, *vp = nullptr;               // rope'd q [hd, T, H], k and v [hd, T, Hkv]
  ggml_tensor* lse = nullptr;  // the fused attention's log-sum-exps (GraphOptions::fusedAttention)
  ggml_tensor *gate = nullptr, *up = nullptr;                            // feed-forward pre-activations
  LinearRecord q, k, v, o, ffnGate, ffnUp, ffnDown;
};

// One layer's forward for the hand-written path (chunked causal attention); records into `record` when given.
ggml_tensor* manualLayer(const Builder& b, ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in, LayerRecord* record);
// Its backward: returns the gradient of the layer input and appends the LoRA gradients.
ggml_tensor* manualLayerBackward(const Builder& b, const LayerRecord& r, ggml_tensor* gy, const GraphInputs& in, GradientList& grads);

// Chunked attention (q [hd, T, H], k/v [hd, T, Hkv], contiguous): the merged heads [hd*H, T], and its backward. With
// in.ranges (GraphOptions::fusedAttention) both are the fused CPU kernels, and *lse receives what the backward needs.
ggml_tensor* chunkedAttention(const Builder& b, ggml_tensor* qp, ggml_tensor* kp, ggml_tensor* vp, int64_t T, const GraphInputs& in,
                              ggml_tensor** lse = nullptr);
struct AttentionGradients {
  ggml_tensor *q = nullptr, *k = nullptr, *v = nullptr;  // [hd, T, H], [hd, T, Hkv], [hd, T, Hkv]
};
// merged: the forward's output (for D = rowsum(dO O)); gMerged its gradient; lse: the fused forward's (else null)
AttentionGradients chunkedAttentionBackward(const Builder& b, ggml_tensor* qp, ggml_tensor* kp, ggml_tensor* vp, ggml_tensor* merged,
                                            ggml_tensor* lse, ggml_tensor* gMerged, int64_t T, const GraphInputs& in);
int64_t attentionChunks(int64_t T, int64_t chunk);

// d(rms_norm(x))^T g for rows of x; xn = rms_norm(x)
ggml_tensor* rmsNormBackward(ggml_context* ctx, ggml_tensor* x, ggml_tensor* xn, ggml_tensor* g, float eps);
// gradient of x for y = W x + s B A x (W^T from the transposed copies or, when dequantising, from the graph)
ggml_tensor* linearBackward(const Builder& b, ggml_tensor* w, int64_t layer, int target, const LinearRecord& r, ggml_tensor* gy,
                            GradientList& grads);

struct HeadRecord {
  ggml_tensor *x = nullptr, *xn = nullptr, *logits = nullptr, *logp = nullptr;
  ggml_tensor* seed = nullptr;  // a zero parameter added to logp: autodiff of the objective gives dLoss/dlogp as its gradient
};
// The output head's backward from dLoss/dlogp: the gradient of the head input [d, T].
ggml_tensor* manualHeadBackward(const Builder& b, const HeadRecord& r, ggml_tensor* gLogp, const GraphInputs& in);

// Whole graphs of the hand-written path. The forward builders record; ggml's autodiff then differentiates the
// objective down to the log-probs only (the seed parameter), and buildManualBackward continues by hand from there.
struct ManualGraph {
  GraphOutputs out;
  HeadRecord head;
  std::vector<LayerRecord> layers;  // empty for a head-only graph
};
ManualGraph buildManualGraph(ggml_context* ctx, const Model& model, const Lora* lora, Objective objective, const GraphOptions& options, int64_t T,
                             int64_t n, GraphInputs& in);
// the head over the input in.x (a chunk of targets under per-layer recomputation)
ManualGraph buildManualHead(ggml_context* ctx, const Model& model, Objective objective, const GraphOptions& options, int64_t T, int64_t n,
                            GraphInputs& in);
// returns the gradient of the graph's hidden input (the embeddings, or in.x of a head graph); appends LoRA gradients
ggml_tensor* buildManualBackward(ggml_context* ctx, ggml_cgraph* gf, const Model& model, const Lora* lora, const GraphOptions& options,
                                 const ManualGraph& g, ggml_tensor* gLogp, const GraphInputs& in, GradientList& grads);
// per-layer recomputation: layer il's forward from in.x and its backward from in.gradOut; returns the gradient of in.x
ggml_tensor* buildManualLayerGraph(ggml_context* ctx, ggml_cgraph* gf, const Model& model, const Lora* lora, const GraphOptions& options, int64_t il,
                                   int64_t T, GraphInputs& in, GradientList& grads);

}  // namespace inflow
