// The passes of the trainer over one packed micro-batch: the full graph (forward, or forward + backward), the
// chunked forward-only log-probs, and per-layer recomputation. Each builds ggml graphs, lets the scheduler allocate
// them, fills the inputs, computes, and reads outputs and LoRA gradients back to the host.
#include <algorithm>
#include <cmath>

#include "common.h"
#include "trainer-internal.h"
#include "trainer.h"

namespace inflow {

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
  GraphOptions graphOptions{adapter, dequantize_, klTerm, gradients, selfRatio_};
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
  const GraphOptions graphOptions{true, dequantize_, klTerm, true, selfRatio_};  // the stack below ignores `backward`
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

}  // namespace inflow
