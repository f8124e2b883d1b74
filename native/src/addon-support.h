// Shared pieces of the Node-API layer: C++ failures as JavaScript errors with `code`/`hint`, and the promise-settling
// worker that runs trainer jobs off the JavaScript thread with progress events.
#pragma once

#include <napi.h>

#include <functional>
#include <new>
#include <string>

#include "common.h"
#include "trainer.h"

namespace inflow {

inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message, const std::string& hint) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Value().Set("code", Napi::String::New(env, code));
  if (!hint.empty()) error.Value().Set("hint", Napi::String::New(env, hint));
  return error;
}

struct Failure {
  std::string code, message, hint;
};

template <typename Fn>
bool capture(Failure& failure, Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const TrainerError& e) {
    failure = {e.code(), e.what(), e.hint()};
  } catch (const std::bad_alloc&) {
    failure = {"OUT_OF_MEMORY", "the trainer ran out of memory", "Lower microBatchTokens or use a smaller model."};
  } catch (const std::exception& e) {
    failure = {"INTERNAL", e.what(), ""};
  }
  return false;
}

// Runs `fn` now and converts a failure into a thrown JavaScript error.
template <typename Fn>
auto sync(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  Failure failure;
  decltype(fn()) value{};
  if (!capture(failure, [&] { value = fn(); })) throw makeError(env, failure.code, failure.message, failure.hint);
  return value;
}

// A promise-settling worker: `work` runs off-thread, `done` converts the result on the JavaScript thread.
class Job : public Napi::AsyncProgressQueueWorker<Progress> {
 public:
  using Work = std::function<void(const ExecutionProgress&)>;
  using Done = std::function<Napi::Value(Napi::Env)>;
  Job(Napi::Env env, Work work, Done done, Napi::Function onProgress, std::function<void()> finally)
      : Napi::AsyncProgressQueueWorker<Progress>(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        done_(std::move(done)), finally_(std::move(finally)) {
    if (!onProgress.IsEmpty()) progress_ = Napi::Persistent(onProgress);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    if (!capture(failure_, [&] { work_(progress); })) SetError(failure_.message);
  }
  void OnProgress(const Progress* data, size_t count) override {
    if (progress_.IsEmpty() || count == 0) return;
    Napi::Env env = Env();
    const Progress& p = data[count - 1];
    Napi::Object o = Napi::Object::New(env);
    o.Set("phase", p.phase);
    o.Set("microBatch", (double)p.microBatch);
    o.Set("microBatches", (double)p.microBatches);
    o.Set("tokens", (double)p.tokens);
    o.Set("loss", p.loss);
    o.Set("seconds", p.seconds);
    o.Set("tokensPerSecond", p.seconds > 0 ? (double)p.tokens / p.seconds : 0.0);
    progress_.Call({o});
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (finally_) finally_();
    Failure failure;
    Napi::Value value;
    if (capture(failure, [&] { value = done_(env); })) deferred_.Resolve(value);
    else deferred_.Reject(makeError(env, failure.code, failure.message, failure.hint).Value());
  }
  void OnError(const Napi::Error&) override {
    if (finally_) finally_();
    deferred_.Reject(makeError(Env(), failure_.code, failure_.message, failure_.hint).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  std::function<void()> finally_;
  Napi::FunctionReference progress_;
  Failure failure_;
};

inline Napi::Promise runJob(Napi::Env env, Job::Work work, Job::Done done, Napi::Function onProgress = Napi::Function(),
                     std::function<void()> finally = nullptr) {
  Job* job = new Job(env, std::move(work), std::move(done), onProgress, std::move(finally));
  Napi::Promise promise = job->promise();
  job->Queue();
  return promise;
}

inline Napi::Promise rejected(Napi::Env env, const std::string& code, const std::string& message, const std::string& hint = "") {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(makeError(env, code, message, hint).Value());
  return deferred.Promise();
}

}  // namespace inflow
