// The trainer: a frozen base model plus a LoRA, packing samples into micro-batches, computing log-probabilities,
// GRPO / SFT gradients (accumulated on the host), global-norm clipping and AdamW.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "backward.h"
#include "graph.h"
#include "lora.h"
#include "model.h"
#include "profile.h"
#include "runtime.h"
#include "transposed.h"

namespace inflow {

struct TrainerOptions {
  std::string modelPath;
  LoraConfig lora;
  std::string device = "auto";  // auto | cpu | gpu
  int threads = 1;
  int64_t maxSequenceTokens = 0;   // 0: the model's context length
  int64_t microBatchTokens = 2048;
  int64_t packTokens = 512;        // samples share a micro-batch only up to this many tokens (attention costs T^2)
  bool sharePrefixes = true;       // samples whose prompts start alike share one copy of the common prefix (exact)
  int64_t memoryLimitBytes = 0;    // 0: the device's free memory
  std::string resumeAdapter;       // adapter GGUF to continue from (its rank/alpha/targets win)
  std::string resumeState;         // optimizer state written by saveState
  std::string referenceAdapter;    // the KL reference: this adapter on the base (empty: the base alone)
  int dequantize = -1;             // -1 auto (GPU with non-F32 weights), 0 off, 1 on
  int recompute = -1;              // per-layer recomputation: -1 auto (when the full graph does not fit), 0 off, 1 on
  int64_t headChunkTokens = 256;   // recomputation: targets per output-head chunk
  bool autodiff = false;           // true: ggml's autodiff for the whole backward (the reference for the hand-written one)
  int fusedAttention = -1;         // CPU, hand-written backward: the fused attention kernels; -1 auto (when the CPU runs
                                   // them fast, fusedAttentionFast), 0 off (the blockwise ggml ops), 1 on
  bool allowCpuFallback = false;   // GPU: train even when ops with weight inputs would run on the CPU (see checkFallback)
};

struct Sample {
  std::vector<int32_t> prompt, response;
  float advantage = 0.0f, weight = 1.0f;
  std::vector<float> oldLogp, refLogp;  // optional, one per response token
};

struct StepOptions {
  Objective objective = Objective::Grpo;
  float clipLow = 0.2f, clipHigh = 0.3f, dualClip = 0.0f;  // dualClip 0: off (else e.g. 3)
  float klBeta = 0.0f;
  float learningRate = 1e-4f, weightDecay = 0.0f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float maxGradNorm = 1.0f;  // 0: no clipping
  bool apply = true;         // false: compute loss and gradients only (no optimizer update)
};

struct StepResult {
  double loss = 0, kl = 0, clipFraction = 0, gradNorm = 0, seconds = 0, tokensPerSecond = 0;
  int64_t tokens = 0, responseTokens = 0, microBatches = 0, step = 0;
  bool skipped = false;
  std::string skipReason;
  size_t peakComputeBytes = 0;
  bool recomputed = false;
  int graphSplits = 0;          // most backend splits of a graph of the step (1: the whole graph on one device)
  size_t weightCopyBytes = 0;   // frozen-weight bytes the scheduler copied to the CPU during the step (GPU fallback)
};

struct Progress {
  int64_t microBatch = 0, microBatches = 0, tokens = 0;
  std::string phase;  // "old" | "reference" | "train" | "update"
  double loss = 0;    // loss of the micro-batches trained so far (their share of the step's token mean)
  double seconds = 0; // since the step started
};

// One node of a training graph (graph-audit.cpp): what a backend's supports_op looks at.
struct GraphNode {
  struct Source {
    std::string type;
    bool contiguous = false, contiguousRows = false, transposed = false, weight = false;
    int64_t ne[4] = {0, 0, 0, 0};
  };
  std::string op;    // ggml_op_desc: the op, or the unary / GLU op's name
  std::string type;
  int64_t ne[4] = {0, 0, 0, 0};
  int32_t params[16] = {};
  std::vector<Source> sources;
};

struct MemoryEstimate {
  size_t weightBytes = 0, loraBytes = 0, computeBytes = 0, totalBytes = 0, availableBytes = 0;
  int64_t tokens = 0;
  bool fits = true;
  bool recompute = false;  // the mode the numbers are for
};

class Trainer {
 public:
  explicit Trainer(const TrainerOptions& options);
  ~Trainer();

  const HyperParams& hp() const { return model_->hp(); }
  const Model& model() const { return *model_; }
  Lora& lora() { return *lora_; }
  const TrainerOptions& options() const { return options_; }
  std::string backendName() const;
  bool dequantizing() const { return dequantize_; }
  bool autodiff() const { return options_.autodiff; }
  // whether training graphs run the fused CPU attention (GraphOptions::fusedAttention)
  bool fusedAttention() const { return graphOptions(true, false, true).fusedAttention; }
  size_t weightBytes() const { return model_->weightBytes() + (transposed_ ? transposed_->bytes() : 0); }

  std::vector<std::vector<float>> logprobs(const std::vector<Sample>& samples, bool adapter);
  StepResult step(std::vector<Sample>& samples, const StepOptions& options, const std::function<void(const Progress&)>& progress);
  MemoryEstimate estimate(int64_t tokens, Objective objective, bool klTerm);
  // the nodes of a step's graphs as a GPU backend would get them (ops audit)
  std::vector<GraphNode> graphNodes(int64_t tokens, Objective objective, bool klTerm, bool recompute);

  std::atomic<bool> cancelled{false};
  // tokens a pass over these samples puts through the model (after packing and prefix sharing)
  int64_t packedTokens(const std::vector<Sample>& samples) const;

 private:
  struct Pass {
    std::vector<float> logp;
    double loss = 0;
  };
  void release();
  void checkBackendSupport();
  void validate(const std::vector<Sample>& samples) const;
  std::vector<PackedBatch> pack(const std::vector<Sample>& samples) const;
  Pass run(const PackedBatch& batch, Objective objective, bool adapter, bool klTerm, const std::vector<Sample>* samples,
           const StepOptions* step, double tokenScale, bool gradients);
  Pass runLogprobs(const PackedBatch& batch, bool adapter);
  Pass runRecomputed(const PackedBatch& batch, Objective objective, bool klTerm, const std::vector<Sample>& samples, const StepOptions& step,
                     double tokenScale);
  ggml_cgraph* graphFor(ggml_context* ctx, ggml_tensor* root, bool gradients, ggml_tensor* boundary);
  // hand-written backward: autodiff of the objective down to the log-probs, then the backward of `g` by hand;
  // `gradients` receives the LoRA gradients, `gradIn` (optional) the gradient of the graph's hidden input
  ggml_cgraph* manualGraphFor(ggml_context* ctx, const ManualGraph& g, const GraphInputs& in, const GraphOptions& options, GradientList& gradients,
                              ggml_tensor** gradIn);
  GraphOptions graphOptions(bool adapter, bool klTerm, bool backward) const;
  // recomputation graphs: a head chunk (objective, gradient of the head input) and one layer's VJP
  ggml_cgraph* headGraph(ggml_context* ctx, Objective objective, const GraphOptions& options, int64_t T, int64_t n, GraphInputs& in,
                         GraphOutputs& out, ggml_tensor** gradIn);
  ggml_cgraph* layerGraph(ggml_context* ctx, int64_t il, const GraphOptions& options, int64_t T, GraphInputs& in, GradientList& gradients,
                          ggml_tensor** gradIn);
  size_t graphSize(int64_t tokens) const;
  void compute(ggml_cgraph* gf, int64_t tokens, const std::function<void()>& fill);
  void checkFallback(ggml_cgraph* gf);
  void fillLayerInputs(const GraphInputs& in, const PackedBatch& batch);
  void fillHeadInputs(const GraphInputs& in, const PackedBatch& batch, int64_t first, int64_t count, const std::vector<Sample>* samples,
                      const StepOptions* step, double tokenScale);
  void accumulateGradients(ggml_cgraph* gf);
  void accumulateGradients(const GradientList& gradients);
  size_t reserve(ggml_cgraph* gf);
  void reserveCapacity(size_t nodes);
  size_t measure(int64_t tokens, int64_t targets, Objective objective, bool klTerm, bool recompute);
  void checkCancelled() const;

  TrainerOptions options_;
  BackendChoice backend_;
  ggml_backend_t device_ = nullptr;
  ggml_backend_t cpu_ = nullptr;
  ggml_backend_sched_t sched_ = nullptr;
  ggml_backend_sched_t measureSched_ = nullptr;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Lora> lora_;
  std::unique_ptr<Lora> reference_;  // frozen: the KL reference policy's adapter (null: the base model alone)
  std::unique_ptr<TransposedWeights> transposed_;  // W^T for the hand-written backward (absent when dequantising)
  ggml_context* constCtx_ = nullptr;
  ggml_backend_buffer_t constBuffer_ = nullptr;
  ggml_tensor* lossGrad_ = nullptr;  // constant 1: seed of the backward pass
  bool dequantize_ = false;
  bool forceDequantize_ = false;
  bool recompute_ = false;
  bool selfRatio_ = false;  // the current step's GRPO old policy is the current adapter (see GraphOptions)
  int64_t headChunk_ = 256;
  size_t graphCapacity_ = 0;  // nodes the schedulers can hold
  // hand-written backward: dLoss/dlogp is scaled by this and the LoRA gradients divided by it. 1024 on Metal, whose
  // matmuls round F32 operands to half (small gradients would underflow), else 1; INFLOW_TRAINER_LOSS_SCALE overrides
  float lossScale_ = 1.0f;
  std::unique_ptr<OpProfile> profile_;  // INFLOW_TRAINER_PROFILE=1
  size_t peakCompute_ = 0;
  int graphSplits_ = 0;
  size_t weightCopyBytes_ = 0;
};

}  // namespace inflow
