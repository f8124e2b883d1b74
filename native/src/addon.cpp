// Node-API bindings. Heavy work (loading, log-probs, steps, file writes) runs in AsyncWorkers off the JavaScript
// thread and settles a promise; every C++ failure becomes a JavaScript Error with `code` (and `hint`), never a crash.
#include <napi.h>

#include <memory>

#include "addon-support.h"
#include "addon-values.h"
#include "common.h"
#include "quantize.h"
#include "runtime.h"
#include "trainer.h"

namespace inflow {
namespace {

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeTrainer",
                       {InstanceMethod("info", &TrainerWrap::info), InstanceMethod("logprobs", &TrainerWrap::logprobs),
                        InstanceMethod("step", &TrainerWrap::step), InstanceMethod("saveAdapter", &TrainerWrap::saveAdapter),
                        InstanceMethod("saveState", &TrainerWrap::saveState), InstanceMethod("loadState", &TrainerWrap::loadState),
                        InstanceMethod("estimateMemory", &TrainerWrap::estimateMemory),
                        InstanceMethod("packedTokens", &TrainerWrap::packedTokens),
                        InstanceMethod("parameterNames", &TrainerWrap::parameterNames),
                        InstanceMethod("graphNodes", &TrainerWrap::graphNodes),
                        InstanceMethod("getParameter", &TrainerWrap::getParameter), InstanceMethod("setParameter", &TrainerWrap::setParameter),
                        InstanceMethod("cancel", &TrainerWrap::cancel), InstanceMethod("dispose", &TrainerWrap::dispose)});
  }

  explicit TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
    trainer_.reset(info[0].As<Napi::External<Trainer>>().Data());
  }

 private:
  std::unique_ptr<Trainer> trainer_;
  bool busy_ = false;
  bool disposeWhenIdle_ = false;

  Trainer* usable(Napi::Env env) {
    if (!trainer_) throw makeError(env, "DISPOSED", "the trainer was disposed", "Create a new trainer.");
    return trainer_.get();
  }

  // Starts an asynchronous job; one at a time per trainer.
  Napi::Value start(const Napi::CallbackInfo& info, Job::Work work, Job::Done done, Napi::Function onProgress = Napi::Function()) {
    Napi::Env env = info.Env();
    if (!trainer_) return rejected(env, "DISPOSED", "the trainer was disposed", "Create a new trainer.");
    if (busy_) return rejected(env, "TRAINER_BUSY", "another trainer job is still running", "Await the previous call first.");
    busy_ = true;
    trainer_->cancelled = false;
    Napi::ObjectReference self = Napi::Persistent(info.This().As<Napi::Object>());
    auto keep = std::make_shared<Napi::ObjectReference>(std::move(self));
    return runJob(env, std::move(work), std::move(done), onProgress, [this, keep] {
      busy_ = false;
      if (disposeWhenIdle_) trainer_.reset();
    });
  }

  Napi::Value info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("model", hyperParams(env, t->hp()));
    o.Set("backend", t->backendName());
    o.Set("weightTypes", t->model().weightTypes());
    o.Set("weightBytes", (double)t->weightBytes());
    o.Set("backward", t->autodiff() ? "autodiff" : "manual");
    o.Set("fusedAttention", t->fusedAttention());
    o.Set("dequantizeInGraph", t->dequantizing());
    Napi::Object lora = Napi::Object::New(env);
    lora.Set("rank", t->lora().config().rank);
    lora.Set("alpha", t->lora().config().alpha);
    Napi::Array targets = Napi::Array::New(env);
    for (int i = 0, k = 0; i < TARGET_COUNT; ++i) {
      if (t->lora().config().targets[i]) targets.Set(k++, targetName(i));
    }
    lora.Set("targets", targets);
    lora.Set("parameterCount", (double)t->lora().parameterCount());
    o.Set("lora", lora);
    o.Set("step", (double)t->lora().step);
    return o;
  }

  Napi::Value logprobs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto samples = std::make_shared<std::vector<Sample>>(readSamples(env, info[0]));
    const bool adapter = info[1].ToBoolean();
    auto result = std::make_shared<std::vector<std::vector<float>>>();
    Trainer* t = trainer_.get();
    return start(info, [t, samples, adapter, result](const Job::ExecutionProgress&) { *result = t->logprobs(*samples, adapter); },
                 [result](Napi::Env env) -> Napi::Value {
                   Napi::Array array = Napi::Array::New(env, result->size());
                   for (size_t i = 0; i < result->size(); ++i) {
                     Napi::Float32Array values = Napi::Float32Array::New(env, (*result)[i].size());
                     for (size_t j = 0; j < (*result)[i].size(); ++j) values[j] = (*result)[i][j];
                     array.Set((uint32_t)i, values);
                   }
                   return array;
                 });
  }

  Napi::Value step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto samples = std::make_shared<std::vector<Sample>>(readSamples(env, info[0]));
    Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
    StepOptions options;
    const std::string objective = stringOption(o, "objective", "grpo");
    if (objective != "grpo" && objective != "sft") {
      return rejected(env, "BAD_OPTIONS", "objective must be 'grpo' or 'sft', got '" + objective + "'");
    }
    options.objective = objective == "sft" ? Objective::Sft : Objective::Grpo;
    options.clipLow = (float)numberOption(o, "clipLow", 0.2);
    options.clipHigh = (float)numberOption(o, "clipHigh", 0.3);
    options.dualClip = (float)numberOption(o, "dualClip", 0.0);
    options.klBeta = (float)numberOption(o, "klBeta", 0.0);
    options.learningRate = (float)numberOption(o, "learningRate", 1e-4);
    options.weightDecay = (float)numberOption(o, "weightDecay", 0.0);
    options.beta1 = (float)numberOption(o, "beta1", 0.9);
    options.beta2 = (float)numberOption(o, "beta2", 0.999);
    options.eps = (float)numberOption(o, "epsilon", 1e-8);
    options.maxGradNorm = (float)numberOption(o, "maxGradNorm", 1.0);
    options.apply = !o.Get("apply").IsBoolean() || o.Get("apply").As<Napi::Boolean>().Value();
    Napi::Function onProgress = info[2].IsFunction() ? info[2].As<Napi::Function>() : Napi::Function();
    auto result = std::make_shared<StepResult>();
    Trainer* t = trainer_.get();
    return start(
        info,
        [t, samples, options, result](const Job::ExecutionProgress& progress) {
          *result = t->step(*samples, options, [&progress](const Progress& p) { progress.Send(&p, 1); });
        },
        [result](Napi::Env env) -> Napi::Value { return stepResult(env, *result); }, onProgress);
  }

  Napi::Value fileJob(const Napi::CallbackInfo& info, int kind) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) return rejected(env, "BAD_OPTIONS", "a file path is required");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    Trainer* t = trainer_.get();
    return start(
        info,
        [t, path, kind](const Job::ExecutionProgress&) {
          if (kind == 0) t->lora().saveAdapter(path, t->hp().arch, t->model().path());
          if (kind == 1) t->lora().saveState(path);
          if (kind == 2) t->lora().loadState(path);
        },
        [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
  }
  Napi::Value saveAdapter(const Napi::CallbackInfo& info) { return fileJob(info, 0); }
  Napi::Value saveState(const Napi::CallbackInfo& info) { return fileJob(info, 1); }
  Napi::Value loadState(const Napi::CallbackInfo& info) { return fileJob(info, 2); }

  // tokens the trainer puts through the model for these samples (after packing and prefix sharing)
  Napi::Value packedTokens(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    std::vector<Sample> samples = readSamples(env, info[0]);
    return Napi::Number::New(env, (double)sync(env, [&] { return t->packedTokens(samples); }));
  }

  Napi::Value estimateMemory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    if (busy_) throw makeError(env, "TRAINER_BUSY", "another trainer job is still running", "Await the previous call first.");
    const int64_t tokens = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 0;
    const std::string objective = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "grpo";
    const bool kl = info[2].ToBoolean();
    MemoryEstimate e = sync(env, [&] { return t->estimate(tokens, objective == "sft" ? Objective::Sft : Objective::Grpo, kl); });
    Napi::Object o = Napi::Object::New(env);
    o.Set("tokens", (double)e.tokens);
    o.Set("weightBytes", (double)e.weightBytes);
    o.Set("loraBytes", (double)e.loraBytes);
    o.Set("computeBytes", (double)e.computeBytes);
    o.Set("totalBytes", (double)e.totalBytes);
    o.Set("availableBytes", (double)e.availableBytes);
    o.Set("fits", e.fits);
    o.Set("recompute", e.recompute);
    return o;
  }

  // graphNodes(tokens, objective, klTerm, recompute): the nodes of a step's portable graphs (ops audit test)
  Napi::Value graphNodes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    if (busy_) throw makeError(env, "TRAINER_BUSY", "another trainer job is still running", "Await the previous call first.");
    const int64_t tokens = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 0;
    if (tokens < 2) throw makeError(env, "BAD_OPTIONS", "graphNodes needs at least 2 tokens", "Pass tokens >= 2.");
    const std::string objective = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "grpo";
    std::vector<GraphNode> nodes = sync(env, [&] {
      return t->graphNodes(tokens, objective == "sft" ? Objective::Sft : Objective::Grpo, info[2].ToBoolean(), info[3].ToBoolean());
    });
    return graphNodesValue(env, nodes);
  }

  Napi::Value parameterNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    Napi::Array names = Napi::Array::New(env);
    uint32_t i = 0;
    for (const Param& p : t->lora().params()) names.Set(i++, p.name);
    return names;
  }

  Param& param(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Trainer* t = usable(env);
    if (busy_) throw makeError(env, "TRAINER_BUSY", "another trainer job is still running", "Await the previous call first.");
    const std::string name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    Param* p = t->lora().find(name);
    if (p == nullptr) throw makeError(env, "UNKNOWN_PARAMETER", "no LoRA tensor named '" + name + "'", "See parameterNames().");
    return *p;
  }

  Napi::Value getParameter(const Napi::CallbackInfo& info) {
    Param& p = param(info);
    const bool gradient = info[1].ToBoolean();
    const std::vector<float>& source = gradient ? p.grad : p.value;
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), source.size());
    std::copy(source.begin(), source.end(), out.Data());
    return out;
  }

  Napi::Value setParameter(const Napi::CallbackInfo& info) {
    Param& p = param(info);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        info[1].As<Napi::Float32Array>().ElementLength() != p.value.size()) {
      throw makeError(info.Env(), "BAD_OPTIONS", "setParameter needs a Float32Array of " + std::to_string(p.value.size()) + " values", "");
    }
    Napi::Float32Array values = info[1].As<Napi::Float32Array>();
    std::copy(values.Data(), values.Data() + p.value.size(), p.value.begin());
    ggml_backend_tensor_set(p.tensor, p.value.data(), 0, p.value.size() * sizeof(float));
    return info.Env().Undefined();
  }

  Napi::Value cancel(const Napi::CallbackInfo& info) {
    if (trainer_) trainer_->cancelled = true;
    return info.Env().Undefined();
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    if (busy_) {
      trainer_->cancelled = true;
      disposeWhenIdle_ = true;
    } else {
      trainer_.reset();
    }
    return info.Env().Undefined();
  }
};

Napi::FunctionReference* TrainerWrap::constructor = nullptr;

Napi::Value runtimeInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RuntimeInfo& r = *sync(env, [] { return &runtimeInfo(); });
  Napi::Object o = Napi::Object::New(env);
  o.Set("registryLibrary", r.registryLibrary);
  o.Set("ggmlVersion", r.ggmlVersion);
  o.Set("ggmlCommit", r.ggmlCommit);
  Napi::Array devices = Napi::Array::New(env);
  for (size_t i = 0; i < r.devices.size(); ++i) devices.Set((uint32_t)i, r.devices[i]);
  o.Set("devices", devices);
  return o;
}

Napi::Value inspectModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  HyperParams hp = sync(env, [&] { return Model::inspect(path); });
  return hyperParams(env, hp);
}

Napi::Value convertModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
    return rejected(env, "BAD_OPTIONS", "convertModel(input, output, type) needs three strings");
  }
  const std::string input = info[0].As<Napi::String>().Utf8Value(), output = info[1].As<Napi::String>().Utf8Value();
  const std::string type = info[2].As<Napi::String>().Utf8Value();
  auto count = std::make_shared<int>(0);
  return runJob(
      env, [input, output, type, count](const Job::ExecutionProgress&) { *count = convertModel(input, output, type); },
      [count](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *count); });
}

Napi::Value createTrainerJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) return rejected(env, "BAD_OPTIONS", "createTrainer needs an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  TrainerOptions options;
  options.modelPath = stringOption(o, "modelPath", "");
  options.device = stringOption(o, "device", "auto");
  options.threads = (int)numberOption(o, "threads", 1);
  options.maxSequenceTokens = (int64_t)numberOption(o, "maxSequenceTokens", 0);
  options.microBatchTokens = (int64_t)numberOption(o, "microBatchTokens", 2048);
  options.packTokens = (int64_t)numberOption(o, "packTokens", 512);
  options.sharePrefixes = !o.Has("sharePrefixes") || o.Get("sharePrefixes").ToBoolean();
  options.memoryLimitBytes = (int64_t)numberOption(o, "memoryLimitBytes", 0);
  options.resumeAdapter = stringOption(o, "resumeAdapter", "");
  options.resumeState = stringOption(o, "resumeState", "");
  options.referenceAdapter = stringOption(o, "referenceAdapter", "");
  options.dequantize = (int)numberOption(o, "dequantize", -1);
  options.recompute = (int)numberOption(o, "recompute", -1);
  options.headChunkTokens = (int64_t)numberOption(o, "headChunkTokens", 256);
  const std::string backward = stringOption(o, "backward", "manual");
  if (backward != "manual" && backward != "autodiff") return rejected(env, "BAD_OPTIONS", "backward must be 'manual' or 'autodiff'");
  options.autodiff = backward == "autodiff";
  options.allowCpuFallback = o.Get("allowCpuFallback").ToBoolean();
  options.fusedAttention = (int)numberOption(o, "fusedAttention", -1);
  options.lora.rank = (int)numberOption(o, "rank", 8);
  options.lora.alpha = (float)numberOption(o, "alpha", 16);
  options.lora.seed = (uint64_t)numberOption(o, "seed", 42);
  if (o.Get("targets").IsArray()) {
    Napi::Array targets = o.Get("targets").As<Napi::Array>();
    for (uint32_t i = 0; i < targets.Length(); ++i) {
      const std::string name = targets.Get(i).ToString().Utf8Value();
      const int target = targetFromName(name);
      if (target < 0) return rejected(env, "BAD_OPTIONS", "unknown LoRA target '" + name + "'", "Use q, k, v, o, gate, up or down.");
      options.lora.targets[target] = true;
    }
  }
  if (options.device != "auto" && options.device != "cpu" && options.device != "gpu") {
    return rejected(env, "BAD_OPTIONS", "device must be 'auto', 'cpu' or 'gpu'");
  }
  auto created = std::make_shared<Trainer*>(nullptr);
  return runJob(
      env, [options, created](const Job::ExecutionProgress&) { *created = new Trainer(options); },
      [created](Napi::Env env) -> Napi::Value {
        Trainer* t = *created;
        *created = nullptr;
        return TrainerWrap::constructor->New({Napi::External<Trainer>::New(env, t)});
      });
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  TrainerWrap::constructor = new Napi::FunctionReference(Napi::Persistent(TrainerWrap::define(env)));
  exports.Set("runtimeInfo", Napi::Function::New(env, runtimeInfoJs));
  exports.Set("inspectModel", Napi::Function::New(env, inspectModelJs));
  exports.Set("createTrainer", Napi::Function::New(env, createTrainerJs));
  exports.Set("convertModel", Napi::Function::New(env, convertModelJs));
  return exports;
}

}  // namespace
}  // namespace inflow

static Napi::Object InitInflowTrainer(Napi::Env env, Napi::Object exports) { return inflow::init(env, exports); }

NODE_API_MODULE(inflow_trainer, InitInflowTrainer)
