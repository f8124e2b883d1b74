// One optimizer step: packing, the memory check, old-policy/reference passes where needed, gradient accumulation
// over micro-batches, metrics, NaN/inf skipping, global-norm clipping and AdamW (decoupled weight decay).
#include <algorithm>
#include <chrono>
#include <cmath>

#include "common.h"
#include "trainer-internal.h"
#include "trainer.h"

namespace inflow {

StepResult Trainer::step(std::vector<Sample>& samples, const StepOptions& o, const std::function<void(const Progress&)>& progress) {
  validate(samples);
  if (!(o.learningRate >= 0) || !(o.clipLow >= 0 && o.clipLow < 1) || !(o.clipHigh >= 0) || !(o.klBeta >= 0) || !(o.maxGradNorm >= 0) ||
      !(o.weightDecay >= 0) || (o.dualClip != 0 && o.dualClip <= 1)) {
    throw TrainerError("BAD_OPTIONS", "invalid step options (learningRate, clipLow in [0,1), clipHigh, klBeta, maxGradNorm, weightDecay >= 0, dualClip > 1)");
  }
  const auto start = std::chrono::steady_clock::now();
  const bool grpo = o.objective == Objective::Grpo;
  const bool klTerm = grpo && o.klBeta > 0;
  // without given old-policy log-probs the old policy is the current adapter: no separate old pass is needed
  selfRatio_ = grpo && std::all_of(samples.begin(), samples.end(), [](const Sample& s) { return s.oldLogp.empty(); });
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{selfRatio_};
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
  graphSplits_ = 0;
  weightCopyBytes_ = 0;
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
    if (grpo && !selfRatio_ && missing(true)) {
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
    if (selfRatio_) {
      // the graph's surrogate value is -sum(A w / N * logp); with ratio 1 the objective's value is -sum(A w / N)
      for (int64_t j = 0; j < batch.nTargets(); ++j) {
        const Sample& s = samples[batch.sampleOf[j]];
        r.loss += s.advantage * s.weight * tokenScale * ((double)pass.logp[j] - 1.0);
      }
    }
    r.tokens += batch.nTokens();
    for (int64_t j = 0; j < batch.nTargets(); ++j) {
      const Sample& s = samples[batch.sampleOf[j]];
      const int32_t t = batch.tokenOf[j];
      const double logp = pass.logp[j];
      if (!s.refLogp.empty()) {
        const double d = std::clamp(s.refLogp[t] - logp, -20.0, 20.0);  // as the loss: verl's clamps
        klSum += std::min(std::exp(d) - d - 1.0, 10.0);
        ++klCount;
      }
      if (grpo && s.advantage != 0) {
        const double ratio = selfRatio_ ? 1.0 : std::exp(std::clamp(logp - s.oldLogp[t], -20.0, 20.0));
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
  r.graphSplits = graphSplits_;
  r.weightCopyBytes = weightCopyBytes_;
  return r;
}

}  // namespace inflow
