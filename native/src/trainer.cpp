// Trainer implementation. Gradients are taken by ggml autodiff over one packed micro-batch at a time and summed on
// the host; the optimizer (AdamW with decoupled weight decay, global-norm clipping) runs on the host over the small
// LoRA tensors, so a step with a non-finite loss or gradient can be skipped without touching the adapter.
#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sys/stat.h>

#include "common.h"

namespace inflow {
namespace {

bool abortCallback(void* data) { return static_cast<Trainer*>(data)->cancelled.load(); }

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

int64_t fileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? (int64_t)info.st_size : -1;
}

void setInput(ggml_tensor* tensor, const void* data, size_t bytes) {
  if (tensor != nullptr && tensor->buffer != nullptr) ggml_backend_tensor_set(tensor, data, 0, bytes);
}

template <typename T>
void setInput(ggml_tensor* tensor, const std::vector<T>& data) {
  setInput(tensor, data.data(), data.size() * sizeof(T));
}

}  // namespace

Trainer::Trainer(const TrainerOptions& options) : options_(options) {
  if (options.threads < 1 || options.threads > 512) throw TrainerError("BAD_OPTIONS", "threads must be between 1 and 512");
  if (options.microBatchTokens < 2) throw TrainerError("BAD_OPTIONS", "microBatchTokens must be at least 2");
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
    if (!options.resumeAdapter.empty()) lora_->loadAdapterValues(options.resumeAdapter);
    if (!options.resumeState.empty()) lora_->loadState(options.resumeState);
    ggml_init_params params = {ggml_tensor_overhead() * 2, nullptr, true};
    constCtx_ = ggml_init(params);
    lossGrad_ = ggml_new_tensor_1d(constCtx_, GGML_TYPE_F32, 1);
    constBuffer_ = ggml_backend_alloc_ctx_tensors_from_buft(constCtx_, ggml_backend_dev_buffer_type(backend_.device));
    const float one = 1.0f;
    ggml_backend_tensor_set(lossGrad_, &one, 0, sizeof(one));
    ggml_backend_t backends[2] = {device_, cpu_};
    sched_ = ggml_backend_sched_new(backends, nullptr, backend_.isCpu ? 1 : 2, graphSize(*model_), false, false);
    // measuring with reserve_size leaves a scheduler's allocator planned for a graph it never allocated: keep it apart
    measureSched_ = ggml_backend_sched_new(backends, nullptr, backend_.isCpu ? 1 : 2, graphSize(*model_), false, false);
    bool quantized = false;
    for (const LayerWeights& l : model_->layers) quantized = quantized || l.wq->type != GGML_TYPE_F32 || l.ffnDown->type != GGML_TYPE_F32;
    quantized = quantized || model_->output->type != GGML_TYPE_F32;
    headChunk_ = std::max<int64_t>(1, options.headChunkTokens);
    checkBackendSupport();
    dequantize_ = forceDequantize_ || options.dequantize == 1 || (options.dequantize == -1 && !backend_.isCpu && quantized);
  } catch (...) {
    release();
    throw;
  }
  (void)hp;
}

Trainer::~Trainer() { release(); }

void Trainer::release() {
  if (sched_) ggml_backend_sched_free(sched_);
  if (measureSched_) ggml_backend_sched_free(measureSched_);
  sched_ = measureSched_ = nullptr;
  lora_.reset();
  model_.reset();
  if (constBuffer_) ggml_backend_buffer_free(constBuffer_);
  constBuffer_ = nullptr;
  if (constCtx_) ggml_free(constCtx_);
  constCtx_ = nullptr;
  if (cpu_ && cpu_ != device_) ggml_backend_free(cpu_);
  if (device_) ggml_backend_free(device_);
  cpu_ = device_ = nullptr;
}

// The backward of y = W x needs OUT_PROD with W as source; a backend that cannot do it for W's type would make the
// scheduler abort the process. Such weights are dequantised in the graph instead (GET_ROWS), or the model is refused.
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
    if (supported(ggml_out_prod(ctx, w, ggml_transpose(ctx, grad)))) continue;
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

std::vector<PackedBatch> Trainer::pack(const std::vector<Sample>& samples) const {
  std::vector<PackedBatch> batches;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    const int64_t length = (int64_t)(s.prompt.size() + s.response.size());
    PackedBatch* target = nullptr;
    for (PackedBatch& b : batches) {
      if (b.nTokens() + length <= options_.microBatchTokens) {
        target = &b;
        break;
      }
    }
    if (target == nullptr) target = &batches.emplace_back();
    const int64_t offset = target->nTokens();
    const int32_t segment = target->segment.empty() ? 0 : target->segment.back() + 1;
    int32_t position = 0;
    for (const std::vector<int32_t>* part : {&s.prompt, &s.response}) {
      for (int32_t t : *part) {
        target->tokens.push_back(t);
        target->positions.push_back(position++);
        target->segment.push_back(segment);
      }
    }
    for (size_t j = 0; j < s.response.size(); ++j) {
      target->rows.push_back((int32_t)(offset + (int64_t)s.prompt.size() + (int64_t)j - 1));
      target->targets.push_back(s.response[j]);
      target->sampleOf.push_back((int32_t)i);
      target->tokenOf.push_back((int32_t)j);
    }
  }
  return batches;
}

namespace {

struct GraphContext {
  ggml_context* ctx;
  explicit GraphContext(size_t size) {
    ggml_init_params params = {ggml_tensor_overhead() * size + ggml_graph_overhead_custom(size, true), nullptr, true};
    ctx = ggml_init(params);
  }
  ~GraphContext() { ggml_free(ctx); }
};

}  // namespace

ggml_cgraph* Trainer::graphFor(ggml_context* ctx, ggml_tensor* root, bool gradients, ggml_tensor* boundary) {
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, graphSize(*model_), gradients);
  ggml_build_forward_expand(gf, root);
  if (!gradients) return gf;
  // the loss gradient is seeded from a persistent tensor holding 1; parameter gradients are read from the backward
  // graph's own nodes (no accumulators), so nothing carries over between graphs
  std::vector<ggml_tensor*> accumulators(ggml_graph_n_nodes(gf), nullptr);
  for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
    if (ggml_graph_node(gf, i) == root) accumulators[i] = lossGrad_;
  }
  ggml_build_backward_expand(ctx, gf, accumulators.data());
  for (Param& p : lora_->params()) {
    ggml_tensor* grad = ggml_graph_get_grad(gf, p.tensor);
    if (grad != nullptr) ggml_set_output(grad);
  }
  if (boundary != nullptr && ggml_graph_get_grad(gf, boundary) != nullptr) ggml_set_output(ggml_graph_get_grad(gf, boundary));
  return gf;
}

void Trainer::compute(ggml_cgraph* gf, int64_t T, const std::function<void()>& fill) {
  checkCancelled();
  ggml_backend_sched_reset(sched_);
  if (!ggml_backend_sched_alloc_graph(sched_, gf)) {
    throw TrainerError("OUT_OF_MEMORY", "cannot allocate the compute buffers for a micro-batch of " + std::to_string(T) + " tokens",
                       "Lower microBatchTokens or shorten the samples.");
  }
  size_t computeBytes = 0;
  for (int i = 0; i < ggml_backend_sched_get_n_backends(sched_); ++i) {
    computeBytes += ggml_backend_sched_get_buffer_size(sched_, ggml_backend_sched_get_backend(sched_, i));
  }
  peakCompute_ = std::max(peakCompute_, computeBytes);
  fill();
  const ggml_status status = ggml_backend_sched_graph_compute(sched_, gf);
  checkCancelled();
  if (status != GGML_STATUS_SUCCESS) {
    throw TrainerError("COMPUTE_FAILED", "the backend failed to compute the graph (status " + std::to_string((int)status) + ")");
  }
}

void Trainer::fillLayerInputs(const GraphInputs& in, const PackedBatch& batch) {
  const int64_t T = batch.nTokens();
  setInput(in.tokens, batch.tokens);
  setInput(in.positions, batch.positions);
  if (in.mask != nullptr && in.mask->buffer != nullptr) {
    std::vector<float> mask((size_t)(T * T), -INFINITY);
    for (int64_t q = 0; q < T; ++q) {
      for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) mask[(size_t)(q * T + k)] = 0.0f;
    }
    setInput(in.mask, mask);
  }
  if (in.iota != nullptr) {
    std::vector<int32_t> iota((size_t)in.iota->ne[0]);
    for (size_t i = 0; i < iota.size(); ++i) iota[i] = (int32_t)i;
    setInput(in.iota, iota);
  }
}

void Trainer::fillHeadInputs(const GraphInputs& in, const PackedBatch& batch, int64_t first, int64_t count, const std::vector<Sample>* samples,
                             const StepOptions* step, double tokenScale) {
  const int64_t V = hp().nVocab;
  std::vector<int32_t> rows(batch.rows.begin() + first, batch.rows.begin() + first + count), flat(count);
  for (int64_t j = 0; j < count; ++j) flat[j] = (int32_t)(j * V + batch.targets[first + j]);
  setInput(in.rows, rows);
  setInput(in.flatTargets, flat);
  if (samples == nullptr) return;
  std::vector<float> coefA(count), coefK(count), coefW(count), lo(count), hi(count), old(count), ref(count);
  for (int64_t j = 0; j < count; ++j) {
    const Sample& s = (*samples)[batch.sampleOf[first + j]];
    const int32_t t = batch.tokenOf[first + j];
    coefW[j] = (float)(s.weight * tokenScale);
    coefA[j] = (float)(s.advantage * s.weight * tokenScale);
    coefK[j] = (float)(step->klBeta * s.weight * tokenScale);
    old[j] = s.oldLogp.empty() ? 0.0f : s.oldLogp[t];
    ref[j] = s.refLogp.empty() ? 0.0f : s.refLogp[t];
    lo[j] = s.advantage < 0 ? 1.0f - step->clipLow : -1e30f;
    hi[j] = s.advantage > 0 ? 1.0f + step->clipHigh : (s.advantage < 0 && step->dualClip > 0 ? step->dualClip : 1e30f);
  }
  setInput(in.coefW, coefW);
  setInput(in.coefA, coefA);
  setInput(in.coefK, coefK);
  setInput(in.old, old);
  setInput(in.ref, ref);
  setInput(in.lo, lo);
  setInput(in.hi, hi);
}

void Trainer::accumulateGradients(ggml_cgraph* gf) {
  std::vector<float> buffer;
  for (Param& p : lora_->params()) {
    ggml_tensor* grad = ggml_graph_get_grad(gf, p.tensor);
    if (grad == nullptr) continue;
    buffer.resize(p.grad.size());
    ggml_backend_tensor_get(grad, buffer.data(), 0, buffer.size() * sizeof(float));
    for (size_t i = 0; i < buffer.size(); ++i) p.grad[i] += buffer[i];
  }
}

Trainer::Pass Trainer::run(const PackedBatch& batch, Objective objective, bool adapter, bool klTerm, const std::vector<Sample>* samples,
                           const StepOptions* step, double tokenScale, bool gradients) {
  if (objective == Objective::Logprob) return runLogprobs(batch, adapter);
  if (gradients && recompute_) return runRecomputed(batch, objective, klTerm, *samples, *step, tokenScale);
  const int64_t T = batch.nTokens(), n = batch.nTargets();
  GraphContext graph(graphSize(*model_));
  GraphInputs in;
  GraphOptions graphOptions{adapter, dequantize_, klTerm, gradients};
  GraphOutputs out = buildGraph(graph.ctx, *model_, adapter ? lora_.get() : nullptr, objective, graphOptions, T, n, in);
  ggml_cgraph* gf = graphFor(graph.ctx, out.loss != nullptr ? out.loss : out.logp, gradients, nullptr);
  compute(gf, T, [&] {
    fillLayerInputs(in, batch);
    fillHeadInputs(in, batch, 0, n, objective == Objective::Logprob ? nullptr : samples, step, tokenScale);
  });
  Pass pass;
  pass.logp.resize(n);
  ggml_backend_tensor_get(out.logp, pass.logp.data(), 0, n * sizeof(float));
  if (out.loss != nullptr) {
    float loss = 0;
    ggml_backend_tensor_get(out.loss, &loss, 0, sizeof(float));
    pass.loss = loss;
  }
  if (gradients) accumulateGradients(gf);
  return pass;
}

// Forward only: the layers in one graph (nothing but the final hidden state kept), then the output head in chunks of
// targets, so the vocabulary-sized logits never exist for more than headChunk_ rows at once.
Trainer::Pass Trainer::runLogprobs(const PackedBatch& batch, bool adapter) {
  const int64_t T = batch.nTokens(), n = batch.nTargets(), d = hp().nEmbd;
  const GraphOptions graphOptions{adapter, dequantize_, false, false};
  std::vector<float> hidden((size_t)(d * T));
  {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, adapter ? lora_.get() : nullptr, graphOptions, T, in, false);
    compute(graphFor(graph.ctx, outputs.back(), false, nullptr), T, [&] { fillLayerInputs(in, batch); });
    ggml_backend_tensor_get(outputs.back(), hidden.data(), 0, hidden.size() * sizeof(float));
  }
  Pass pass;
  pass.logp.resize(n);
  for (int64_t first = 0; first < n; first += headChunk_) {
    const int64_t count = std::min(headChunk_, n - first);
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildHeadGraph(graph.ctx, *model_, Objective::Logprob, graphOptions, T, count, in);
    compute(graphFor(graph.ctx, out.logp, false, nullptr), T, [&] {
      setInput(in.x, hidden);
      fillLayerInputs(in, batch);
      fillHeadInputs(in, batch, first, count, nullptr, nullptr, 0);
    });
    ggml_backend_tensor_get(out.logp, pass.logp.data() + first, 0, count * sizeof(float));
  }
  return pass;
}

Trainer::Pass Trainer::runRecomputed(const PackedBatch& batch, Objective objective, bool klTerm, const std::vector<Sample>& samples,
                                     const StepOptions& step, double tokenScale) {
  const int64_t T = batch.nTokens(), n = batch.nTargets(), d = hp().nEmbd, L = hp().nLayer;
  const GraphOptions graphOptions{true, dequantize_, klTerm, true};  // the stack below ignores `backward`
  // 1. forward, keeping only the input of every layer (and of the head) on the host
  std::vector<std::vector<float>> states((size_t)L + 1, std::vector<float>((size_t)(d * T)));
  {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, lora_.get(), graphOptions, T, in);
    ggml_cgraph* gf = graphFor(graph.ctx, outputs.back(), false, nullptr);
    compute(gf, T, [&] { fillLayerInputs(in, batch); });
    for (int64_t l = 0; l <= L; ++l) ggml_backend_tensor_get(outputs[l], states[l].data(), 0, states[l].size() * sizeof(float));
  }
  // 2. the head and the objective, in chunks of targets; their gradients with respect to the head input add up
  Pass pass;
  pass.logp.resize(n);
  std::vector<float> gradient((size_t)(d * T), 0.0f), buffer((size_t)(d * T));
  for (int64_t first = 0; first < n; first += headChunk_) {
    const int64_t count = std::min(headChunk_, n - first);
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildHeadGraph(graph.ctx, *model_, objective, graphOptions, T, count, in);
    ggml_cgraph* gf = graphFor(graph.ctx, out.loss, true, in.x);
    compute(gf, T, [&] {
      setInput(in.x, states[L]);
      fillLayerInputs(in, batch);
      fillHeadInputs(in, batch, first, count, &samples, &step, tokenScale);
    });
    float loss = 0;
    ggml_backend_tensor_get(out.loss, &loss, 0, sizeof(float));
    pass.loss += loss;
    ggml_backend_tensor_get(out.logp, pass.logp.data() + first, 0, count * sizeof(float));
    ggml_backend_tensor_get(ggml_graph_get_grad(gf, in.x), buffer.data(), 0, buffer.size() * sizeof(float));
    for (size_t i = 0; i < buffer.size(); ++i) gradient[i] += buffer[i];
  }
  // 3. the layers in reverse: recompute one layer, take the VJP for its LoRA tensors and for its input
  for (int64_t il = L - 1; il >= 0; --il) {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildLayerBackward(graph.ctx, *model_, lora_.get(), graphOptions, il, T, in);
    ggml_cgraph* gf = graphFor(graph.ctx, out.loss, true, in.x);
    compute(gf, T, [&] {
      setInput(in.x, states[il]);
      setInput(in.gradOut, gradient);
      fillLayerInputs(in, batch);
    });
    accumulateGradients(gf);
    if (il > 0) ggml_backend_tensor_get(ggml_graph_get_grad(gf, in.x), gradient.data(), 0, gradient.size() * sizeof(float));
  }
  return pass;
}

std::vector<std::vector<float>> Trainer::logprobs(const std::vector<Sample>& samples, bool adapter) {
  validate(samples);
  std::vector<std::vector<float>> result(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) result[i].resize(samples[i].response.size());
  for (const PackedBatch& batch : pack(samples)) {
    Pass pass = run(batch, Objective::Logprob, adapter, false, nullptr, nullptr, 0, false);
    for (int64_t j = 0; j < batch.nTargets(); ++j) result[batch.sampleOf[j]][batch.tokenOf[j]] = pass.logp[j];
  }
  return result;
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
  const GraphOptions graphOptions{true, dequantize_, klTerm, gradients};
  const size_t staging = (size_t)(tokens * tokens) * sizeof(float);  // the host-built mask
  if (!gradients) {
    GraphContext stack(graphSize(*model_));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(stack.ctx, *model_, lora_.get(), graphOptions, tokens, in, false);
    size_t peak = reserve(graphFor(stack.ctx, outputs.back(), false, nullptr));
    GraphContext head(graphSize(*model_));
    GraphInputs headIn;
    GraphOutputs out = buildHeadGraph(head.ctx, *model_, Objective::Logprob, graphOptions, tokens, std::min(targets, headChunk_), headIn);
    return std::max(peak, reserve(graphFor(head.ctx, out.logp, false, nullptr))) + staging;
  }
  if (!recompute) {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildGraph(graph.ctx, *model_, lora_.get(), objective, graphOptions, tokens, targets, in);
    return reserve(graphFor(graph.ctx, gradients ? out.loss : out.logp, gradients, nullptr)) + staging;
  }
  size_t peak = 0;
  {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, lora_.get(), graphOptions, tokens, in);
    peak = std::max(peak, reserve(graphFor(graph.ctx, outputs.back(), false, nullptr)));
  }
  {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildHeadGraph(graph.ctx, *model_, objective, graphOptions, tokens, std::min(targets, headChunk_), in);
    peak = std::max(peak, reserve(graphFor(graph.ctx, out.loss, true, in.x)));
  }
  {
    GraphContext graph(graphSize(*model_));
    GraphInputs in;
    GraphOutputs out = buildLayerBackward(graph.ctx, *model_, lora_.get(), graphOptions, 0, tokens, in);
    peak = std::max(peak, reserve(graphFor(graph.ctx, out.loss, true, in.x)));
  }
  // layer inputs kept on the host plus two gradient buffers
  const size_t host = (size_t)(hp().nLayer + 3) * (size_t)(hp().nEmbd * tokens) * sizeof(float);
  return peak + staging + (backend_.isCpu ? host : 0);
}

MemoryEstimate Trainer::estimate(int64_t tokens, Objective objective, bool klTerm) {
  if (tokens < 2) throw TrainerError("BAD_OPTIONS", "estimateMemory needs at least 2 tokens");
  MemoryEstimate e;
  e.tokens = tokens;
  e.weightBytes = model_->weightBytes();
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

StepResult Trainer::step(std::vector<Sample>& samples, const StepOptions& o, const std::function<void(const Progress&)>& progress) {
  validate(samples);
  if (!(o.learningRate >= 0) || !(o.clipLow >= 0 && o.clipLow < 1) || !(o.clipHigh >= 0) || !(o.klBeta >= 0) || !(o.maxGradNorm >= 0) ||
      !(o.weightDecay >= 0) || (o.dualClip != 0 && o.dualClip <= 1)) {
    throw TrainerError("BAD_OPTIONS", "invalid step options (learningRate, clipLow in [0,1), clipHigh, klBeta, maxGradNorm, weightDecay >= 0, dualClip > 1)");
  }
  const auto start = std::chrono::steady_clock::now();
  const bool grpo = o.objective == Objective::Grpo;
  const bool klTerm = grpo && o.klBeta > 0;
  std::vector<PackedBatch> batches = pack(samples);
  StepResult r;
  for (const Sample& s : samples) r.responseTokens += (int64_t)s.response.size();
  const PackedBatch* largest = &batches.front();
  for (const PackedBatch& b : batches) {
    if (b.nTokens() > largest->nTokens()) largest = &b;
  }
  const MemoryEstimate e = estimate(largest->nTokens(), o.objective, klTerm);
  if (!e.fits) {
    throw TrainerError("JOB_TOO_LARGE",
                       "a micro-batch of " + std::to_string(largest->nTokens()) + " tokens needs " + gib((double)e.computeBytes) +
                           " of compute memory but only " + gib((double)e.availableBytes) + " is available",
                       "Lower microBatchTokens, shorten the samples, or use a smaller model / lower LoRA rank.");
  }
  recompute_ = e.recompute;
  for (Param& p : lora_->params()) std::fill(p.grad.begin(), p.grad.end(), 0.0f);
  const double tokenScale = 1.0 / (double)r.responseTokens;
  double klSum = 0;
  int64_t klCount = 0, clipped = 0, clipCandidates = 0;
  r.microBatches = (int64_t)batches.size();
  auto report = [&](int64_t index, const char* phase) {
    if (!progress) return;
    Progress p;
    p.microBatch = index;
    p.microBatches = r.microBatches;
    p.tokens = r.tokens;
    p.phase = phase;
    p.loss = r.loss;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress(p);
  };
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const PackedBatch& batch = batches[bi];
    auto missing = [&](bool old) {
      for (int32_t s : batch.sampleOf) {
        if ((old ? samples[s].oldLogp : samples[s].refLogp).empty()) return true;
      }
      return false;
    };
    auto fill = [&](const Pass& pass, bool old) {
      for (int64_t j = 0; j < batch.nTargets(); ++j) {
        Sample& s = samples[batch.sampleOf[j]];
        std::vector<float>& target = old ? s.oldLogp : s.refLogp;
        if (target.size() != s.response.size()) target.assign(s.response.size(), NAN);
        if (std::isnan(target[batch.tokenOf[j]])) target[batch.tokenOf[j]] = pass.logp[j];
      }
    };
    if (grpo && missing(true)) {
      report((int64_t)bi, "old");
      fill(run(batch, Objective::Logprob, true, false, nullptr, nullptr, 0, false), true);
    }
    if (klTerm && missing(false)) {
      report((int64_t)bi, "reference");
      fill(run(batch, Objective::Logprob, false, false, nullptr, nullptr, 0, false), false);
    }
    report((int64_t)bi, "train");
    Pass pass = run(batch, o.objective, true, klTerm, &samples, &o, tokenScale, true);
    r.loss += pass.loss;
    r.tokens += batch.nTokens();
    for (int64_t j = 0; j < batch.nTargets(); ++j) {
      const Sample& s = samples[batch.sampleOf[j]];
      const int32_t t = batch.tokenOf[j];
      const double logp = pass.logp[j];
      if (!s.refLogp.empty()) {
        const double d = s.refLogp[t] - logp;
        klSum += std::exp(d) - d - 1.0;
        ++klCount;
      }
      if (grpo && s.advantage != 0) {
        const double ratio = std::exp(logp - s.oldLogp[t]);
        ++clipCandidates;
        if (s.advantage > 0 && ratio > 1.0 + o.clipHigh) ++clipped;
        if (s.advantage < 0 && (ratio < 1.0 - o.clipLow || (o.dualClip > 0 && ratio > o.dualClip))) ++clipped;
      }
    }
  }
  report(r.microBatches, "update");
  r.kl = klCount > 0 ? klSum / (double)klCount : 0.0;
  r.clipFraction = clipCandidates > 0 ? (double)clipped / (double)clipCandidates : 0.0;
  double squares = 0;
  for (const Param& p : lora_->params()) {
    for (float g : p.grad) squares += (double)g * (double)g;
  }
  r.gradNorm = std::sqrt(squares);
  if (!std::isfinite(r.loss)) {
    r.skipped = true;
    r.skipReason = "non-finite loss";
  } else if (!std::isfinite(r.gradNorm)) {
    r.skipped = true;
    r.skipReason = "non-finite gradient";
  }
  if (o.apply && !r.skipped) {
    const double clip = o.maxGradNorm > 0 && r.gradNorm > o.maxGradNorm ? o.maxGradNorm / r.gradNorm : 1.0;
    lora_->step += 1;
    const double t = (double)lora_->step;
    const double c1 = 1.0 - std::pow((double)o.beta1, t), c2 = 1.0 - std::pow((double)o.beta2, t);
    for (Param& p : lora_->params()) {
      for (size_t i = 0; i < p.value.size(); ++i) {
        const float g = (float)(p.grad[i] * clip);
        p.m[i] = o.beta1 * p.m[i] + (1.0f - o.beta1) * g;
        p.v[i] = o.beta2 * p.v[i] + (1.0f - o.beta2) * g * g;
        const double update = (p.m[i] / c1) / (std::sqrt(p.v[i] / c2) + o.eps);
        p.value[i] = (float)(p.value[i] * (1.0 - (double)o.learningRate * o.weightDecay) - o.learningRate * update);
      }
    }
    lora_->upload();
  }
  r.step = lora_->step;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.tokensPerSecond = r.seconds > 0 ? (double)r.tokens / r.seconds : 0;
  r.peakComputeBytes = peakCompute_;
  r.recomputed = recompute_;
  return r;
}

}  // namespace inflow
