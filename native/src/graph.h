// The forward pass (llama / qwen2 / qwen3 with optional LoRA) and the two training objectives, as ggml graphs.
#pragma once

#include <cstdint>
#include <vector>

#include "ggml.h"
#include "lora.h"
#include "model.h"

namespace inflow {

class TransposedWeights;

// One packed micro-batch: several samples laid end to end with positions restarting per sample and a
// block-causal mask, plus the rows whose next token is a scored response token. Samples whose prompts start with the
// same tokens may share one segment: the common prefix once (branch -1), then each sample's rest as its own branch,
// its positions continuing after the prefix; a branch token sees the prefix and the earlier tokens of its branch.
struct PackedBatch {
  std::vector<int32_t> tokens, positions;
  std::vector<int32_t> segment;      // sample slot (0..k) of every packed token, for the mask
  std::vector<int32_t> branch;       // -1: seen by every token of its segment after it; b >= 0: only by branch b
  std::vector<int32_t> rows;         // packed row that predicts each target
  std::vector<int32_t> targets;      // target token id of each scored position
  std::vector<int32_t> sampleOf;     // index of the sample (in the caller's array) of each target
  std::vector<int32_t> tokenOf;      // index of the target inside that sample's response
  int64_t nTokens() const { return (int64_t)tokens.size(); }
  int64_t nTargets() const { return (int64_t)targets.size(); }
  // whether packed token k is visible to query q (k <= q)
  bool sees(int64_t q, int64_t k) const { return segment[k] == segment[q] && (branch[k] < 0 || branch[k] == branch[q]); }
};

enum class Objective { Logprob, Grpo, Sft };

// Input tensors of a graph; each is filled from the host before compute (when the graph uses it).
struct GraphInputs {
  ggml_tensor *tokens = nullptr, *positions = nullptr, *mask = nullptr, *rows = nullptr, *flatTargets = nullptr;
  ggml_tensor *x = nullptr, *gradOut = nullptr;  // recomputation: a layer's (or the head's) input and its output gradient
  ggml_tensor *iota = nullptr;  // 0..max(n_out)-1, only when dequantising in the graph
  std::vector<ggml_tensor*> chunkMasks;  // hand-written path: the mask of each attention block [keys, queries]
  ggml_tensor* flashMask = nullptr;      // GraphOptions::flashForward: the whole [keys, queries] mask (F16) of the flash attention
  ggml_tensor* ranges = nullptr;         // GraphOptions::fusedAttention: the keys each query sees, [a0, a1, b0] (fused-attention.h)
  ggml_tensor* seed = nullptr;  // hand-written path: zeros added to logp, the parameter autodiff differentiates for
  ggml_tensor *old = nullptr, *ref = nullptr, *coefA = nullptr, *coefK = nullptr, *lo = nullptr, *hi = nullptr, *coefW = nullptr;
};

struct GraphOutputs {
  ggml_tensor* logp = nullptr;  // [n] log-probability of every target
  ggml_tensor* loss = nullptr;  // scalar, training graphs only
};

struct GraphOptions {
  bool adapter = true;          // apply the LoRA (false: the frozen base, the KL reference)
  bool dequantize = false;      // dequantise non-F32 weights in the graph (GET_ROWS) for backends lacking OUT_PROD
  bool klTerm = false;          // GRPO: add beta * k3 KL to the reference
  bool backward = false;        // a backward pass follows (keep attention softmax outputs, see buildGraph)
  bool selfRatio = false;       // GRPO whose old policy is the current one: ratio = 1, gradient = A * grad(logp)
  bool manual = false;          // the hand-written backward's graphs (chunked attention; see backward.h)
  // the graph runs on the CPU backend: products over tokens (LoRA gradients) and over queries (attention dK, dV) are
  // OUT_PROD with long rows instead of MUL_MAT on transposed copies, which the CPU makes element by element (slow)
  bool cpuOuterProducts = false;
  int64_t attentionChunk = 256;  // hand-written path: query rows per attention block (backward.h)
  // hand-written CPU graph without a backward (log-probs, the old-policy and reference passes) when the fused attention
  // is off: the attention forward is ggml's flash attention (5-13% less CPU time per pass than the blockwise forward)
  bool flashForward = false;
  // hand-written CPU graphs (with or without a backward): attention forward and backward as the fused CPU kernels of
  // fused-attention.h (tiles, no T x T matrix) instead of the blockwise ggml ops; GPU graphs never use it
  bool fusedAttention = false;
  bool padNarrow = false;        // GPU graphs: no float MUL_MAT with <= 16 columns (see Builder::mm)
  float lossScale = 1.0f;        // hand-written path: dLoss/dlogp is multiplied by it (backends that round to half)
  const TransposedWeights* transposed = nullptr;  // W^T of the frozen matrices (hand-written backward, not dequantising)
};

// Builds the graph for one micro-batch. Softmax outputs that feed a backward pass are marked as outputs so that the
// allocator never runs SOFT_MAX_BACK in place over them (CPU bug in this ggml version).
GraphOutputs buildGraph(ggml_context* ctx, const Model& model, const Lora* lora, Objective objective, const GraphOptions& options,
                        int64_t nTokens, int64_t nTargets, GraphInputs& inputs);

// Per-layer recomputation pieces. The forward stack returns the input of every layer and of the head (set as
// outputs, so only those stay alive); a layer backward graph takes a layer input as a parameter and the gradient of
// its output, and its loss sum(layer(x) * g) yields the LoRA gradients of that layer and the gradient of x; the head
// graph does the same for the final norm, output projection and objective.
std::vector<ggml_tensor*> buildLayerStack(ggml_context* ctx, const Model& model, const Lora* lora, const GraphOptions& options, int64_t nTokens,
                                          GraphInputs& inputs, bool keepAll = true);
GraphOutputs buildLayerBackward(ggml_context* ctx, const Model& model, const Lora* lora, const GraphOptions& options, int64_t layer,
                                int64_t nTokens, GraphInputs& inputs);
GraphOutputs buildHeadGraph(ggml_context* ctx, const Model& model, Objective objective, const GraphOptions& options, int64_t nTokens,
                            int64_t nTargets, GraphInputs& inputs);

// node capacity of a graph over T tokens (the hand-written path's attention adds nodes per query block)
size_t graphSize(const Model& model, int64_t T);
int64_t iotaLength(const Model& model);

}  // namespace inflow
