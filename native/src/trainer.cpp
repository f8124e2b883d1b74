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
    dequantize_ = options.dequantize == 1 || (options.dequantize == -1 && !backend_.isCpu && quantized);
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

Trainer::Pass Trainer::run(const PackedBatch& batch, Objective objective, bool adapter, bool klTerm, const std::vector<Sample>* samples,
                           const StepOptions* step, double tokenScale, bool gradients) {
  checkCancelled();
  const int64_t T = batch.nTokens(), n = batch.nTargets(), V = hp().nVocab;
  const size_t size = graphSize(*model_);
  ggml_init_params params = {ggml_tensor_overhead() * size + ggml_graph_overhead_custom(size, true), nullptr, true};
  ggml_context* ctx = ggml_init(params);
  struct Free {
    ggml_context* ctx;
    ~Free() { ggml_free(ctx); }
  } guard{ctx};
  GraphInputs in;
  GraphOptions graphOptions{adapter, dequantize_, klTerm};
  GraphOutputs out = buildGraph(ctx, *model_, adapter ? lora_.get() : nullptr, objective, graphOptions, T, n, in);
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, size, gradients);
  ggml_build_forward_expand(gf, out.loss != nullptr ? out.loss : out.logp);
  if (gradients) {
    std::vector<ggml_tensor*> accumulators(ggml_graph_n_nodes(gf), nullptr);
    for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
      if (ggml_graph_node(gf, i) == out.loss) accumulators[i] = lossGrad_;
    }
    ggml_build_backward_expand(ctx, gf, accumulators.data());
    for (Param& p : lora_->params()) {
      ggml_tensor* grad = ggml_graph_get_grad(gf, p.tensor);
      if (grad != nullptr) ggml_set_output(grad);
    }
  }
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

  setInput(in.tokens, batch.tokens);
  setInput(in.positions, batch.positions);
  if (in.mask->buffer != nullptr) {
    std::vector<float> mask((size_t)(T * T), -INFINITY);
    for (int64_t q = 0; q < T; ++q) {
      for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) mask[(size_t)(q * T + k)] = 0.0f;
    }
    setInput(in.mask, mask);
  }
  setInput(in.rows, batch.rows);
  std::vector<int32_t> flat(n);
  for (int64_t j = 0; j < n; ++j) flat[j] = (int32_t)(j * V + batch.targets[j]);
  setInput(in.flatTargets, flat);
  if (in.iota != nullptr) {
    std::vector<int32_t> iota((size_t)in.iota->ne[0]);
    for (size_t i = 0; i < iota.size(); ++i) iota[i] = (int32_t)i;
    setInput(in.iota, iota);
  }
  if (objective != Objective::Logprob) {
    std::vector<float> coefA(n), coefK(n), coefW(n), lo(n), hi(n), old(n), ref(n);
    for (int64_t j = 0; j < n; ++j) {
      const Sample& s = (*samples)[batch.sampleOf[j]];
      const int32_t t = batch.tokenOf[j];
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
  const ggml_status status = ggml_backend_sched_graph_compute(sched_, gf);
  checkCancelled();
  if (status != GGML_STATUS_SUCCESS) {
    throw TrainerError("COMPUTE_FAILED", "the backend failed to compute the graph (status " + std::to_string((int)status) + ")");
  }
  Pass pass;
  pass.logp.resize(n);
  ggml_backend_tensor_get(out.logp, pass.logp.data(), 0, n * sizeof(float));
  if (out.loss != nullptr) {
    float loss = 0;
    ggml_backend_tensor_get(out.loss, &loss, 0, sizeof(float));
    pass.loss = loss;
  }
  if (gradients) {
    std::vector<float> buffer;
    for (Param& p : lora_->params()) {
      ggml_tensor* grad = ggml_graph_get_grad(gf, p.tensor);
      if (grad == nullptr) continue;
      buffer.resize(p.grad.size());
      ggml_backend_tensor_get(grad, buffer.data(), 0, buffer.size() * sizeof(float));
      for (size_t i = 0; i < buffer.size(); ++i) p.grad[i] += buffer[i];
    }
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

size_t Trainer::measure(int64_t tokens, int64_t targets, Objective objective, bool klTerm) {
  const size_t size = graphSize(*model_);
  ggml_init_params params = {ggml_tensor_overhead() * size + ggml_graph_overhead_custom(size, true), nullptr, true};
  ggml_context* ctx = ggml_init(params);
  GraphInputs in;
  GraphOptions graphOptions{true, dequantize_, klTerm};
  const bool gradients = objective != Objective::Logprob;
  GraphOutputs out = buildGraph(ctx, *model_, lora_.get(), objective, graphOptions, tokens, targets, in);
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, size, gradients);
  ggml_build_forward_expand(gf, gradients ? out.loss : out.logp);
  if (gradients) {
    std::vector<ggml_tensor*> accumulators(ggml_graph_n_nodes(gf), nullptr);
    for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
      if (ggml_graph_node(gf, i) == out.loss) accumulators[i] = lossGrad_;
    }
    ggml_build_backward_expand(ctx, gf, accumulators.data());
    for (Param& p : lora_->params()) {
      ggml_tensor* grad = ggml_graph_get_grad(gf, p.tensor);
      if (grad != nullptr) ggml_set_output(grad);
    }
  }
  std::vector<size_t> sizes(ggml_backend_sched_get_n_backends(measureSched_), 0);
  ggml_backend_sched_reserve_size(measureSched_, gf, sizes.data());
  ggml_backend_sched_reset(measureSched_);
  ggml_free(ctx);
  size_t total = 0;
  for (size_t s : sizes) total += s;
  return total + (size_t)(tokens * tokens) * sizeof(float);  // the host-built mask is staged once more
}

MemoryEstimate Trainer::estimate(int64_t tokens, Objective objective, bool klTerm) {
  if (tokens < 2) throw TrainerError("BAD_OPTIONS", "estimateMemory needs at least 2 tokens");
  MemoryEstimate e;
  e.tokens = tokens;
  e.weightBytes = model_->weightBytes();
  e.loraBytes = lora_->parameterCount() * sizeof(float) * 5;  // device copy + host value, gradient, two moments
  e.computeBytes = measure(tokens, tokens - 1, objective, klTerm);
  e.totalBytes = e.weightBytes + e.loraBytes + e.computeBytes;
  size_t freeBytes = 0, totalBytes = 0;
  ggml_backend_dev_memory(backend_.device, &freeBytes, &totalBytes);
  if (options_.memoryLimitBytes > 0) {
    const int64_t left = options_.memoryLimitBytes - (int64_t)(e.weightBytes + e.loraBytes);
    e.availableBytes = left > 0 ? (size_t)left : 0;
  } else {
    e.availableBytes = freeBytes;
  }
  e.fits = e.availableBytes == 0 && options_.memoryLimitBytes == 0 ? true : e.computeBytes <= e.availableBytes;
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
  for (Param& p : lora_->params()) std::fill(p.grad.begin(), p.grad.end(), 0.0f);
  const double tokenScale = 1.0 / (double)r.responseTokens;
  double klSum = 0;
  int64_t klCount = 0, clipped = 0, clipCandidates = 0;
  r.microBatches = (int64_t)batches.size();
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
      if (progress) progress({(int64_t)bi, r.microBatches, r.tokens, "old"});
      fill(run(batch, Objective::Logprob, true, false, nullptr, nullptr, 0, false), true);
    }
    if (klTerm && missing(false)) {
      if (progress) progress({(int64_t)bi, r.microBatches, r.tokens, "reference"});
      fill(run(batch, Objective::Logprob, false, false, nullptr, nullptr, 0, false), false);
    }
    if (progress) progress({(int64_t)bi, r.microBatches, r.tokens, "train"});
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
  if (progress) progress({r.microBatches, r.microBatches, r.tokens, "update"});
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
  return r;
}

}  // namespace inflow
