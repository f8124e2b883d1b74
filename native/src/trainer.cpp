// Trainer implementation. Gradients are taken by ggml autodiff over one packed micro-batch at a time and summed on
// the host; the optimizer (AdamW with decoupled weight decay, global-norm clipping) runs on the host over the small
// LoRA tensors, so a step with a non-finite loss or gradient can be skipped without touching the adapter.
#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sys/stat.h>

#include "common.h"
#include "trainer-internal.h"

namespace inflow {
namespace {

bool abortCallback(void* data) { return static_cast<Trainer*>(data)->cancelled.load(); }

int64_t fileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? (int64_t)info.st_size : -1;
}

}  // namespace

Trainer::Trainer(const TrainerOptions& options) : options_(options) {
  if (options.threads < 1 || options.threads > 512) throw TrainerError("BAD_OPTIONS", "threads must be between 1 and 512");
  if (options.microBatchTokens < 2) throw TrainerError("BAD_OPTIONS", "microBatchTokens must be at least 2");
  if (options.packTokens < 2) throw TrainerError("BAD_OPTIONS", "packTokens must be at least 2");
  const HyperParams hp = Model::inspect(options.modelPath);  // refuses bad files before any allocation
  backend_ = chooseBackend(options.device);
  const int64_t modelBytes = fileSize(options.modelPath);
  size_t freeBytes = 0, totalBytes = 0;
  ggml_backend_dev_memory(backend_.device, &freeBytes, &totalBytes);
  const int64_t available = options.memoryLimitBytes > 0 ? options.memoryLimitBytes : (int64_t)freeBytes;
  if (available > 0 && modelBytes > available) {
    throw TrainerError("JOB_TOO_LARGE", "the model needs " + gib((double)modelBytes) + " but only " + gib((double)available) + " is available",
                       "Use a smaller or more strongly quantised model, or free memory.");
  }
  try {
    device_ = ggml_backend_dev_init(backend_.device, nullptr);
    if (device_ == nullptr) throw TrainerError("BACKEND_FAILED", std::string("cannot start backend ") + ggml_backend_dev_name(backend_.device));
    cpu_ = backend_.isCpu ? device_ : ggml_backend_dev_init(backend_.cpu, nullptr);
    setBackendThreads(cpu_, options.threads);
    setBackendAbort(cpu_, abortCallback, this);
    model_ = std::make_unique<Model>(options.modelPath, ggml_backend_dev_buffer_type(backend_.device));
    LoraConfig config = options.lora;
    if (!options.resumeAdapter.empty()) {
      config = Lora::readAdapterConfig(options.resumeAdapter, *model_);
      config.seed = options.lora.seed;
    }
    lora_ = std::make_unique<Lora>(*model_, config, ggml_backend_dev_buffer_type(backend_.device));
    if (!options.autodiff) {
      // the hand-written backward differentiates by hand: autodiff must not see the LoRA tensors as parameters
      for (Param& p : lora_->params()) p.tensor->flags &= ~GGML_TENSOR_FLAG_PARAM;
    }
    if (!options.resumeAdapter.empty()) lora_->loadAdapterValues(options.resumeAdapter);
    if (!options.resumeState.empty()) lora_->loadState(options.resumeState);
    if (!options.referenceAdapter.empty()) {
      // a run that starts from an adapter (an SFT warm start) keeps its KL to that policy, as verl's reference is the
      // model the run started from; frozen, never a parameter
      reference_ = std::make_unique<Lora>(*model_, Lora::readAdapterConfig(options.referenceAdapter, *model_),
                                          ggml_backend_dev_buffer_type(backend_.device));
      for (Param& p : reference_->params()) p.tensor->flags &= ~GGML_TENSOR_FLAG_PARAM;
      reference_->loadAdapterValues(options.referenceAdapter);
    }
    ggml_init_params params = {ggml_tensor_overhead() * 2, nullptr, true};
    constCtx_ = ggml_init(params);
    lossGrad_ = ggml_new_tensor_1d(constCtx_, GGML_TYPE_F32, 1);
    constBuffer_ = ggml_backend_alloc_ctx_tensors_from_buft(constCtx_, ggml_backend_dev_buffer_type(backend_.device));
    const float one = 1.0f;
    ggml_backend_tensor_set(lossGrad_, &one, 0, sizeof(one));
    reserveCapacity(graphSize(std::max<int64_t>(options.microBatchTokens, 2048)));
    bool quantized = false;
    for (const LayerWeights& l : model_->layers) quantized = quantized || l.wq->type != GGML_TYPE_F32 || l.ffnDown->type != GGML_TYPE_F32;
    quantized = quantized || model_->output->type != GGML_TYPE_F32;
    headChunk_ = std::max<int64_t>(1, options.headChunkTokens);
    const char* scale = std::getenv("INFLOW_TRAINER_LOSS_SCALE");
    lossScale_ = scale != nullptr ? (float)std::atof(scale) : backendName().find("Metal") != std::string::npos ? 1024.0f : 1.0f;
    if (!(lossScale_ > 0.0f)) throw TrainerError("BAD_OPTIONS", "INFLOW_TRAINER_LOSS_SCALE must be a positive number");
    checkBackendSupport();
    // the hand-written backward never needs dequantised weights (only MUL_MAT touches them); autodiff's OUT_PROD does
    const bool autoDequantize = options.autodiff && !backend_.isCpu && quantized;
    dequantize_ = forceDequantize_ || options.dequantize == 1 || (options.dequantize == -1 && autoDequantize);
    if (!options.autodiff && !dequantize_) transposed_ = std::make_unique<TransposedWeights>(*model_, ggml_backend_dev_buffer_type(backend_.device));
  } catch (...) {
    release();
    throw;
  }
  (void)hp;
}

Trainer::~Trainer() { release(); }

void Trainer::release() {
  profile_.reset();
  if (sched_) ggml_backend_sched_free(sched_);
  if (measureSched_) ggml_backend_sched_free(measureSched_);
  sched_ = measureSched_ = nullptr;
  transposed_.reset();
  lora_.reset();
  reference_.reset();
  model_.reset();
  if (constBuffer_) ggml_backend_buffer_free(constBuffer_);
  constBuffer_ = nullptr;
  if (constCtx_) ggml_free(constCtx_);
  constCtx_ = nullptr;
  if (cpu_ && cpu_ != device_) ggml_backend_free(cpu_);
  if (device_) ggml_backend_free(device_);
  cpu_ = device_ = nullptr;
}

// Autodiff's backward of y = W x needs OUT_PROD with W as source; the hand-written one needs MUL_MAT with W (forward)
// and with W^T's type. A backend that cannot do it for W's type would make the scheduler abort the process (or run a
// weight-sized op on the CPU every step): such weights are dequantised in the graph instead (GET_ROWS), or refused.
void Trainer::checkBackendSupport() {
  ggml_init_params params = {ggml_tensor_overhead() * 8, nullptr, true};
  ggml_context* ctx = ggml_init(params);
  auto supported = [&](ggml_tensor* op) {
    return ggml_backend_dev_supports_op(backend_.device, op) || ggml_backend_dev_supports_op(backend_.cpu, op);
  };
  std::string refused;
  std::vector<ggml_tensor*> weights = {model_->output};
  for (const LayerWeights& l : model_->layers) {
    for (ggml_tensor* w : {l.wq, l.wk, l.wv, l.wo, l.ffnGate, l.ffnUp, l.ffnDown}) weights.push_back(w);
  }
  for (ggml_tensor* w : weights) {
    ggml_reset(ctx);
    ggml_tensor* grad = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, w->ne[1], 8);
    if (options_.autodiff) {
      if (supported(ggml_out_prod(ctx, w, ggml_transpose(ctx, grad)))) continue;
    } else {
      ggml_tensor* x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, w->ne[0], 8);
      ggml_tensor* wt = ggml_new_tensor_2d(ctx, transposedType(w->type, w->ne[1]), w->ne[1], w->ne[0]);
      if (ggml_backend_dev_supports_op(backend_.device, ggml_mul_mat(ctx, w, x)) &&
          ggml_backend_dev_supports_op(backend_.device, ggml_mul_mat(ctx, wt, grad))) {
        continue;
      }
    }
    forceDequantize_ = true;
    ggml_tensor* rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, w->ne[1]);
    if (!supported(ggml_get_rows(ctx, w, rows))) {
      refused = ggml_type_name(w->type);
      break;
    }
  }
  ggml_free(ctx);
  if (!refused.empty()) {
    throw TrainerError("UNSUPPORTED_MODEL", "the " + backendName() + " backend cannot train through " + refused + " weights",
                       "Convert the model to f16, q8_0 or a K-quant.");
  }
}

// Both schedulers hold at least `nodes` graph nodes (recreated, buffers dropped, when a larger graph comes).
void Trainer::reserveCapacity(size_t nodes) {
  if (nodes <= graphCapacity_) return;
  if (sched_) ggml_backend_sched_free(sched_);
  if (measureSched_) ggml_backend_sched_free(measureSched_);
  graphCapacity_ = nodes;
  ggml_backend_t backends[2] = {device_, cpu_};
  sched_ = ggml_backend_sched_new(backends, nullptr, backend_.isCpu ? 1 : 2, graphCapacity_, false, false);
  if (OpProfile::enabled()) {
    if (!profile_) profile_ = std::make_unique<OpProfile>();
    profile_->attach(sched_);
  }
  // measuring with reserve_size leaves a scheduler's allocator planned for a graph it never allocated: keep it apart
  measureSched_ = ggml_backend_sched_new(backends, nullptr, backend_.isCpu ? 1 : 2, graphCapacity_, false, false);
}

std::string Trainer::backendName() const { return ggml_backend_dev_name(backend_.device); }

void Trainer::checkCancelled() const {
  if (cancelled.load()) throw TrainerError("CANCELLED", "the training job was cancelled");
}

void Trainer::validate(const std::vector<Sample>& samples) const {
  if (samples.empty()) throw TrainerError("EMPTY_BATCH", "no samples were given", "Pass at least one sample.");
  const int64_t maxLength = std::min(options_.maxSequenceTokens > 0 ? options_.maxSequenceTokens : hp().contextLength, options_.microBatchTokens);
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    const std::string which = "sample " + std::to_string(i);
    if (s.prompt.empty()) {
      throw TrainerError("EMPTY_PROMPT", which + " has no prompt tokens", "The first response token needs context: include at least the BOS token.");
    }
    if (s.response.empty()) throw TrainerError("EMPTY_SAMPLE", which + " has no response tokens", "Drop samples with empty responses.");
    const int64_t length = (int64_t)(s.prompt.size() + s.response.size());
    if (length > maxLength) {
      throw TrainerError("SAMPLE_TOO_LONG", which + " has " + std::to_string(length) + " tokens; the limit is " + std::to_string(maxLength),
                         "Truncate the sample, or raise microBatchTokens / maxSequenceTokens (up to the model's context length " +
                             std::to_string(hp().contextLength) + ").");
    }
    for (const std::vector<int32_t>* tokens : {&s.prompt, &s.response}) {
      for (int32_t t : *tokens) {
        if (t < 0 || t >= hp().nVocab) {
          throw TrainerError("TOKEN_OUT_OF_RANGE", which + " contains token id " + std::to_string(t) + " outside the vocabulary (0.." +
                                                       std::to_string(hp().nVocab - 1) + ")",
                             "Tokenize with the same model the trainer loaded.");
        }
      }
    }
    if (!std::isfinite(s.advantage) || !std::isfinite(s.weight) || s.weight < 0) {
      throw TrainerError("BAD_SAMPLE", which + " has a non-finite advantage or a negative/non-finite weight");
    }
    if ((!s.oldLogp.empty() && s.oldLogp.size() != s.response.size()) || (!s.refLogp.empty() && s.refLogp.size() != s.response.size())) {
      throw TrainerError("BAD_SAMPLE", which + ": oldLogprobs/refLogprobs must have one entry per response token");
    }
  }
}

// Packing. Samples whose prompts start with the same tokens (the rollouts of one task, a rollout's later turns) first
// form shared segments: the common prefix once, then each sample's rest of prompt and response as a branch (see
// PackedBatch). Every branch keeps at least its last prompt token, so each scored row is a distinct packed row. A
// sample joins a segment while the segment stays within packTokens, or beyond that (up to microBatchTokens) while its
// estimated cost stays below running the two apart, with cost(T) = T (8 d + 6 d_ff) + 4 d T^2 per layer (the
// matmuls, and the explicit attention that grows with T^2). The loss, log-probs and gradients are the same as
// unshared (the shared prefix's activations are those each sample would compute for itself).
// Then first-fit: samples and segments share a micro-batch only up to packTokens (at most microBatchTokens) tokens:
// the explicit attention of a micro-batch of T tokens costs T^2 whatever the block-causal mask hides, so four
// 500-token samples packed into 2000 tokens cost four times the attention of running them one by one. A longer
// sample or segment runs alone.
namespace {

struct Segment {
  std::vector<size_t> members;
  size_t prefix = 0;  // shared prompt tokens (meaningful with two members or more)
  int64_t total = 0;  // sum of the members' own lengths
  int64_t size() const { return members.size() < 2 ? total : (int64_t)prefix + total - (int64_t)members.size() * (int64_t)prefix; }
};

size_t commonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b, size_t limit) {
  size_t n = 0;
  while (n < limit && n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

std::vector<PackedBatch> Trainer::pack(const std::vector<Sample>& samples) const {
  const int64_t capacity = std::min(options_.packTokens, options_.microBatchTokens);
  auto length = [&](size_t i) { return (int64_t)(samples[i].prompt.size() + samples[i].response.size()); };
  const double perToken = 8.0 * (double)hp().nEmbd + 6.0 * (double)hp().nFf, perPair = 4.0 * (double)hp().nEmbd;
  auto cost = [&](int64_t T) { return (double)T * perToken + (double)T * (double)T * perPair; };
  std::vector<Segment> segments;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    const int64_t len = length(i);
    Segment* best = nullptr;
    size_t bestPrefix = 0;
    int64_t bestSaving = 0;
    if (options_.sharePrefixes && !s.prompt.empty()) {
      for (Segment& g : segments) {
        const Sample& first = samples[g.members.front()];
        const size_t limit = std::min(g.members.size() < 2 ? first.prompt.size() - 1 : g.prefix, s.prompt.size() - 1);
        const size_t prefix = commonPrefix(first.prompt, s.prompt, limit);
        if (prefix == 0) continue;
        Segment joined = g;
        joined.members.push_back(i);
        joined.prefix = prefix;
        joined.total += len;
        const int64_t before = g.size(), after = joined.size();
        if (after > options_.microBatchTokens || (after > capacity && cost(after) > cost(before) + cost(len))) continue;
        if (before + len - after > bestSaving) {
          best = &g;
          bestPrefix = prefix;
          bestSaving = before + len - after;
        }
      }
    }
    if (best != nullptr) {
      best->members.push_back(i);
      best->prefix = bestPrefix;
      best->total += len;
    } else {
      Segment g;
      g.members.push_back(i);
      g.total = len;
      segments.push_back(g);
    }
  }

  std::vector<PackedBatch> batches;
  for (const Segment& g : segments) {
    PackedBatch* target = nullptr;
    for (PackedBatch& b : batches) {
      if (b.nTokens() + g.size() <= capacity) {
        target = &b;
        break;
      }
    }
    if (target == nullptr) target = &batches.emplace_back();
    const bool shared = g.members.size() > 1;
    const int32_t segment = target->segment.empty() ? 0 : target->segment.back() + 1;
    auto put = [&](int32_t token, int32_t position, int32_t branch) {
      target->tokens.push_back(token);
      target->positions.push_back(position);
      target->segment.push_back(segment);
      target->branch.push_back(branch);
    };
    const size_t prefix = shared ? g.prefix : 0;
    const Sample& first = samples[g.members.front()];
    for (size_t t = 0; t < prefix; ++t) put(first.prompt[t], (int32_t)t, -1);
    for (size_t m = 0; m < g.members.size(); ++m) {
      const size_t i = g.members[m];
      const Sample& s = samples[i];
      const int32_t branch = shared ? (int32_t)m : -1;
      const int64_t offset = target->nTokens() - (int64_t)prefix;  // packed index of the sample's token 0, as if unshared
      int32_t position = (int32_t)prefix;
      for (size_t t = prefix; t < s.prompt.size(); ++t) put(s.prompt[t], position++, branch);
      for (int32_t t : s.response) put(t, position++, branch);
      for (size_t j = 0; j < s.response.size(); ++j) {
        target->rows.push_back((int32_t)(offset + (int64_t)s.prompt.size() + (int64_t)j - 1));
        target->targets.push_back(s.response[j]);
        target->sampleOf.push_back((int32_t)i);
        target->tokenOf.push_back((int32_t)j);
      }
    }
  }
  return batches;
}

int64_t Trainer::packedTokens(const std::vector<Sample>& samples) const {
  validate(samples);
  int64_t total = 0;
  for (const PackedBatch& b : pack(samples)) total += b.nTokens();
  return total;
}

size_t Trainer::reserve(ggml_cgraph* gf) {
  std::vector<size_t> sizes(ggml_backend_sched_get_n_backends(measureSched_), 0);
  ggml_backend_sched_reserve_size(measureSched_, gf, sizes.data());
  ggml_backend_sched_reset(measureSched_);
  size_t total = 0;
  for (size_t s : sizes) total += s;
  return total;
}

size_t Trainer::measure(int64_t tokens, int64_t targets, Objective objective, bool klTerm, bool recompute) {
  const bool gradients = objective != Objective::Logprob;
  GraphOptions options = graphOptions(true, klTerm, gradients);
  if (recompute) options.attentionChunk = kAttentionChunkLean;
  reserveCapacity(graphSize(tokens));
  // the host-built masks: T x T, or the attention blocks' (about half of it) on the hand-written path
  size_t staging = (size_t)(tokens * tokens) * sizeof(float);
  if (options.manual) {
    staging = 0;
    // a forward-only CPU pass's flash attention takes the whole mask as F16 instead of the blocks' masks
    for (int64_t q0 = 0; q0 < tokens && !options.flashForward && !options.fusedAttention; q0 += options.attentionChunk) {
      const int64_t q1 = std::min(tokens, q0 + options.attentionChunk);
      staging += (size_t)(q1 * (q1 - q0)) * sizeof(float);
    }
    if (options.flashForward) staging += (size_t)(tokens * tokens) * sizeof(ggml_fp16_t);
    if (options.fusedAttention) staging += (size_t)(3 * tokens) * sizeof(int32_t);  // the fused attention's key ranges
  }
  if (!gradients) {
    GraphContext stack(graphSize(tokens));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(stack.ctx, *model_, lora_.get(), options, tokens, in, false);
    size_t peak = reserve(graphFor(stack.ctx, outputs.back(), false, nullptr));
    GraphContext head(graphSize(tokens));
    GraphInputs headIn;
    GraphOutputs out = buildHeadGraph(head.ctx, *model_, Objective::Logprob, options, tokens, std::min(targets, headChunk_), headIn);
    return std::max(peak, reserve(graphFor(head.ctx, out.logp, false, nullptr))) + staging;
  }
  if (!recompute) {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    if (options.manual) {
      ManualGraph g = buildManualGraph(graph.ctx, *model_, lora_.get(), objective, options, tokens, targets, in);
      GradientList gradients;
      return reserve(manualGraphFor(graph.ctx, g, in, options, gradients, nullptr)) + staging;
    }
    GraphOutputs out = buildGraph(graph.ctx, *model_, lora_.get(), objective, options, tokens, targets, in);
    return reserve(graphFor(graph.ctx, out.loss, true, nullptr)) + staging;
  }
  size_t peak = 0;
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, lora_.get(), options, tokens, in);
    peak = std::max(peak, reserve(graphFor(graph.ctx, outputs.back(), false, nullptr)));
  }
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    GraphOutputs out;
    ggml_tensor* gradIn = nullptr;
    peak = std::max(peak, reserve(headGraph(graph.ctx, objective, options, tokens, std::min(targets, headChunk_), in, out, &gradIn)));
  }
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    GradientList gradients;
    ggml_tensor* gradIn = nullptr;
    peak = std::max(peak, reserve(layerGraph(graph.ctx, 0, options, tokens, in, gradients, &gradIn)));
  }
  // layer inputs kept on the host plus two gradient buffers
  const size_t host = (size_t)(hp().nLayer + 3) * (size_t)(hp().nEmbd * tokens) * sizeof(float);
  return peak + staging + (backend_.isCpu ? host : 0);
}

MemoryEstimate Trainer::estimate(int64_t tokens, Objective objective, bool klTerm) {
  if (tokens < 2) throw TrainerError("BAD_OPTIONS", "estimateMemory needs at least 2 tokens");
  MemoryEstimate e;
  e.tokens = tokens;
  e.weightBytes = weightBytes();  // the transposed copies of the hand-written backward included
  e.loraBytes = lora_->parameterCount() * sizeof(float) * 5;  // device copy + host value, gradient, two moments
  size_t freeBytes = 0, totalBytes = 0;
  ggml_backend_dev_memory(backend_.device, &freeBytes, &totalBytes);
  if (options_.memoryLimitBytes > 0) {
    const int64_t left = options_.memoryLimitBytes - (int64_t)(e.weightBytes + e.loraBytes);
    e.availableBytes = left > 0 ? (size_t)left : 0;
  } else {
    e.availableBytes = freeBytes;
  }
  const bool unknown = e.availableBytes == 0 && options_.memoryLimitBytes == 0;  // a device that reports no memory
  // auto: the full graph (fastest) when it fits, else per-layer recomputation
  e.recompute = options_.recompute == 1;
  e.computeBytes = measure(tokens, tokens - 1, objective, klTerm, e.recompute);
  if (options_.recompute == -1 && !unknown && e.computeBytes > e.availableBytes && objective != Objective::Logprob) {
    e.recompute = true;
    e.computeBytes = measure(tokens, tokens - 1, objective, klTerm, true);
  }
  e.totalBytes = e.weightBytes + e.loraBytes + e.computeBytes;
  e.fits = unknown || e.computeBytes <= e.availableBytes;
  return e;
}

}  // namespace inflow
