// The passes of the trainer over one packed micro-batch: the full graph (forward, or forward + backward), the
// chunked forward-only log-probs, and per-layer recomputation. Each builds ggml graphs, lets the scheduler allocate
// them, fills the inputs, computes, and reads outputs and LoRA gradients back to the host.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common.h"
#include "fused-attention.h"
#include "trainer-internal.h"
#include "trainer.h"

namespace inflow {
namespace {

// INFLOW_TRAINER_PORTABLE_GRAPH=1: build the graph GPU backends get (MUL_MAT on transposed copies only) on the CPU
// too, so that the tests check its numbers here
bool portableGraph() {
  const char* value = std::getenv("INFLOW_TRAINER_PORTABLE_GRAPH");
  return value != nullptr && value[0] == '1';
}

}  // namespace

size_t Trainer::graphSize(int64_t tokens) const { return inflow::graphSize(*model_, tokens); }

GraphOptions Trainer::graphOptions(bool adapter, bool klTerm, bool backward) const {
  GraphOptions o{adapter, dequantize_, klTerm, backward, selfRatio_};
  o.manual = !options_.autodiff;
  o.transposed = transposed_.get();
  o.cpuOuterProducts = backend_.isCpu && !portableGraph();
  o.fusedAttention = o.manual && o.cpuOuterProducts && (options_.fusedAttention == 1 || (options_.fusedAttention == -1 && fusedAttentionFast()));
  o.flashForward = o.manual && o.cpuOuterProducts && !backward && !o.fusedAttention;
  o.padNarrow = !backend_.isCpu || portableGraph();
  o.lossScale = lossScale_;
  return o;
}

ggml_cgraph* Trainer::graphFor(ggml_context* ctx, ggml_tensor* root, bool gradients, ggml_tensor* boundary) {
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, graphCapacity_, gradients);
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

ggml_cgraph* Trainer::manualGraphFor(ggml_context* ctx, const ManualGraph& g, const GraphInputs& in, const GraphOptions& options,
                                     GradientList& gradients, ggml_tensor** gradIn) {
  ggml_cgraph* gf = graphFor(ctx, g.out.loss, true, nullptr);  // autodiff: the seed is the only parameter
  ggml_tensor* gx = buildManualBackward(ctx, gf, *model_, lora_.get(), options, g, ggml_graph_get_grad(gf, g.head.seed), in, gradients);
  for (auto& [param, grad] : gradients) {
    ggml_set_output(grad);
    ggml_build_forward_expand(gf, grad);
  }
  if (gradIn != nullptr) {
    ggml_set_output(gx);
    ggml_build_forward_expand(gf, gx);
    *gradIn = gx;
  }
  return gf;
}

ggml_cgraph* Trainer::headGraph(ggml_context* ctx, Objective objective, const GraphOptions& options, int64_t T, int64_t n, GraphInputs& in,
                                GraphOutputs& out, ggml_tensor** gradIn) {
  if (options.manual) {
    ManualGraph g = buildManualHead(ctx, *model_, objective, options, T, n, in);
    out = g.out;
    GradientList none;
    return manualGraphFor(ctx, g, in, options, none, gradIn);
  }
  out = buildHeadGraph(ctx, *model_, objective, options, T, n, in);
  ggml_cgraph* gf = graphFor(ctx, out.loss, true, in.x);
  *gradIn = ggml_graph_get_grad(gf, in.x);
  return gf;
}

ggml_cgraph* Trainer::layerGraph(ggml_context* ctx, int64_t il, const GraphOptions& options, int64_t T, GraphInputs& in, GradientList& gradients,
                                 ggml_tensor** gradIn) {
  if (!options.manual) {
    GraphOutputs out = buildLayerBackward(ctx, *model_, lora_.get(), options, il, T, in);
    ggml_cgraph* gf = graphFor(ctx, out.loss, true, in.x);
    *gradIn = ggml_graph_get_grad(gf, in.x);
    return gf;
  }
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, graphCapacity_, false);
  *gradIn = buildManualLayerGraph(ctx, gf, *model_, lora_.get(), options, il, T, in, gradients);
  ggml_set_output(*gradIn);
  ggml_build_forward_expand(gf, *gradIn);
  for (auto& [param, grad] : gradients) {
    ggml_set_output(grad);
    ggml_build_forward_expand(gf, grad);
  }
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
  checkFallback(gf);
  fill();
  if (profile_) profile_->start();
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
      for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) {
        if (batch.sees(q, k)) mask[(size_t)(q * T + k)] = 0.0f;
      }
    }
    setInput(in.mask, mask);
  }
  if (in.flashMask != nullptr && in.flashMask->buffer != nullptr) {
    const ggml_fp16_t zero = ggml_fp32_to_fp16(0.0f);
    std::vector<ggml_fp16_t> mask((size_t)(T * T), ggml_fp32_to_fp16(-INFINITY));
    for (int64_t q = 0; q < T; ++q) {
      for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) {
        if (batch.sees(q, k)) mask[(size_t)(q * T + k)] = zero;
      }
    }
    setInput(in.flashMask, mask);
  }
  if (in.ranges != nullptr && in.ranges->buffer != nullptr) setInput(in.ranges, attentionRanges(batch));
  for (size_t c = 0; c < in.chunkMasks.size(); ++c) {
    ggml_tensor* m = in.chunkMasks[c];
    if (m->buffer == nullptr) continue;
    const int64_t keys = m->ne[0], queries = m->ne[1], q0 = keys - queries;
    std::vector<float> mask((size_t)(keys * queries), -INFINITY);
    for (int64_t q = q0; q < q0 + queries; ++q) {
      for (int64_t k = q; k >= 0 && batch.segment[k] == batch.segment[q]; --k) {
        if (batch.sees(q, k)) mask[(size_t)((q - q0) * keys + k)] = 0.0f;
      }
    }
    setInput(m, mask);
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
  if (in.seed != nullptr) setInput(in.seed, std::vector<float>((size_t)count, 0.0f));
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

void Trainer::accumulateGradients(const GradientList& gradients) {
  std::vector<float> buffer;
  for (Param& p : lora_->params()) {
    for (const auto& [param, grad] : gradients) {
      if (param != p.tensor) continue;
      buffer.resize(p.grad.size());
      ggml_backend_tensor_get(grad, buffer.data(), 0, buffer.size() * sizeof(float));
      for (size_t i = 0; i < buffer.size(); ++i) p.grad[i] += buffer[i] / lossScale_;
    }
  }
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
  GraphContext graph(graphSize(T));
  GraphInputs in;
  const GraphOptions options = graphOptions(adapter, klTerm, gradients);
  GraphOutputs out;
  ggml_cgraph* gf = nullptr;
  GradientList manual;
  if (gradients && options.manual) {
    ManualGraph g = buildManualGraph(graph.ctx, *model_, lora_.get(), objective, options, T, n, in);
    out = g.out;
    gf = manualGraphFor(graph.ctx, g, in, options, manual, nullptr);
  } else {
    out = buildGraph(graph.ctx, *model_, adapter ? lora_.get() : nullptr, objective, options, T, n, in);
    gf = graphFor(graph.ctx, out.loss != nullptr ? out.loss : out.logp, gradients, nullptr);
  }
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
  if (gradients) options.manual ? accumulateGradients(manual) : accumulateGradients(gf);
  return pass;
}

// Forward only: the layers in one graph (nothing but the final hidden state kept), then the output head in chunks of
// targets, so the vocabulary-sized logits never exist for more than headChunk_ rows at once.
Trainer::Pass Trainer::runLogprobs(const PackedBatch& batch, bool adapter) {
  const int64_t T = batch.nTokens(), n = batch.nTargets(), d = hp().nEmbd;
  // adapter off: the reference policy, the base model with the reference adapter when there is one
  Lora* policy = adapter ? lora_.get() : reference_.get();
  const GraphOptions options = graphOptions(policy != nullptr, false, false);
  std::vector<float> hidden((size_t)(d * T));
  {
    GraphContext graph(graphSize(T));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, policy, options, T, in, false);
    compute(graphFor(graph.ctx, outputs.back(), false, nullptr), T, [&] { fillLayerInputs(in, batch); });
    ggml_backend_tensor_get(outputs.back(), hidden.data(), 0, hidden.size() * sizeof(float));
  }
  Pass pass;
  pass.logp.resize(n);
  for (int64_t first = 0; first < n; first += headChunk_) {
    const int64_t count = std::min(headChunk_, n - first);
    GraphContext graph(graphSize(T));
    GraphInputs in;
    GraphOutputs out = buildHeadGraph(graph.ctx, *model_, Objective::Logprob, options, T, count, in);
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
  GraphOptions options = graphOptions(true, klTerm, true);  // the stack below ignores `backward`
  options.attentionChunk = kAttentionChunkLean;
  // 1. forward, keeping only the input of every layer (and of the head) on the host
  std::vector<std::vector<float>> states((size_t)L + 1, std::vector<float>((size_t)(d * T)));
  {
    GraphContext graph(graphSize(T));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, lora_.get(), options, T, in);
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
    GraphContext graph(graphSize(T));
    GraphInputs in;
    GraphOutputs out;
    ggml_tensor* gradIn = nullptr;
    ggml_cgraph* gf = headGraph(graph.ctx, objective, options, T, count, in, out, &gradIn);
    compute(gf, T, [&] {
      setInput(in.x, states[L]);
      fillLayerInputs(in, batch);
      fillHeadInputs(in, batch, first, count, &samples, &step, tokenScale);
    });
    float loss = 0;
    ggml_backend_tensor_get(out.loss, &loss, 0, sizeof(float));
    pass.loss += loss;
    ggml_backend_tensor_get(out.logp, pass.logp.data() + first, 0, count * sizeof(float));
    ggml_backend_tensor_get(gradIn, buffer.data(), 0, buffer.size() * sizeof(float));
    for (size_t i = 0; i < buffer.size(); ++i) gradient[i] += buffer[i];
  }
  // 3. the layers in reverse: recompute one layer, take the VJP for its LoRA tensors and for its input
  for (int64_t il = L - 1; il >= 0; --il) {
    GraphContext graph(graphSize(T));
    GraphInputs in;
    ggml_tensor* gradIn = nullptr;
    GradientList manual;
    ggml_cgraph* gf = layerGraph(graph.ctx, il, options, T, in, manual, &gradIn);
    compute(gf, T, [&] {
      setInput(in.x, states[il]);
      setInput(in.gradOut, gradient);
      fillLayerInputs(in, batch);
    });
    options.manual ? accumulateGradients(manual) : accumulateGradients(gf);
    if (il > 0) ggml_backend_tensor_get(gradIn, gradient.data(), 0, gradient.size() * sizeof(float));
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

}  // namespace inflow
