// Conversions between JavaScript values and the trainer's C++ structures.
#include "addon-values.h"

#include "addon-support.h"

namespace inflow {
namespace {

std::string str(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

double num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

template <typename T>
std::vector<T> numbers(Napi::Env env, Napi::Value value, const std::string& what) {
  std::vector<T> out;
  if (value.IsUndefined() || value.IsNull()) return out;
  if (value.IsTypedArray()) {
    Napi::TypedArray typed = value.As<Napi::TypedArray>();
    out.reserve(typed.ElementLength());
    for (size_t i = 0; i < typed.ElementLength(); ++i) out.push_back((T)typed.Get(i).As<Napi::Number>().DoubleValue());
    return out;
  }
  if (!value.IsArray()) throw makeError(env, "BAD_SAMPLE", what + " must be an array of numbers", "");
  Napi::Array array = value.As<Napi::Array>();
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) throw makeError(env, "BAD_SAMPLE", what + " must contain only numbers", "");
    out.push_back((T)item.As<Napi::Number>().DoubleValue());
  }
  return out;
}

}  // namespace

std::vector<Sample> readSamples(Napi::Env env, Napi::Value value) {
  if (!value.IsArray()) throw makeError(env, "BAD_SAMPLE", "samples must be an array", "");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<Sample> samples(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    if (!array.Get(i).IsObject()) throw makeError(env, "BAD_SAMPLE", "sample " + std::to_string(i) + " is not an object", "");
    Napi::Object o = array.Get(i).As<Napi::Object>();
    const std::string which = "sample " + std::to_string(i) + ".";
    samples[i].prompt = numbers<int32_t>(env, o.Get("promptTokens"), which + "promptTokens");
    samples[i].response = numbers<int32_t>(env, o.Get("responseTokens"), which + "responseTokens");
    samples[i].advantage = (float)num(o, "advantage", 0.0);
    samples[i].weight = (float)num(o, "weight", 1.0);
    samples[i].oldLogp = numbers<float>(env, o.Get("oldLogprobs"), which + "oldLogprobs");
    samples[i].refLogp = numbers<float>(env, o.Get("refLogprobs"), which + "refLogprobs");
  }
  return samples;
}

Napi::Object hyperParams(Napi::Env env, const HyperParams& hp) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("architecture", hp.arch);
  o.Set("vocabularySize", (double)hp.nVocab);
  o.Set("embeddingLength", (double)hp.nEmbd);
  o.Set("layerCount", (double)hp.nLayer);
  o.Set("headCount", (double)hp.nHead);
  o.Set("headCountKv", (double)hp.nHeadKv);
  o.Set("headDim", (double)hp.headDim);
  o.Set("feedForwardLength", (double)hp.nFf);
  o.Set("contextLength", (double)hp.contextLength);
  o.Set("ropeFreqBase", hp.ropeFreqBase);
  o.Set("tiedEmbeddings", hp.tiedEmbeddings);
  return o;
}

std::string stringOption(const Napi::Object& o, const char* key, const std::string& fallback) { return str(o, key, fallback); }
double numberOption(const Napi::Object& o, const char* key, double fallback) { return num(o, key, fallback); }

Napi::Object stepResult(Napi::Env env, const StepResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("step", (double)r.step);
  o.Set("loss", r.loss);
  o.Set("kl", r.kl);
  o.Set("clipFraction", r.clipFraction);
  o.Set("gradNorm", r.gradNorm);
  o.Set("tokens", (double)r.tokens);
  o.Set("responseTokens", (double)r.responseTokens);
  o.Set("microBatches", (double)r.microBatches);
  o.Set("seconds", r.seconds);
  o.Set("tokensPerSecond", r.tokensPerSecond);
  o.Set("skipped", r.skipped);
  if (r.skipped) o.Set("skipReason", r.skipReason);
  o.Set("peakComputeBytes", (double)r.peakComputeBytes);
  o.Set("recomputed", r.recomputed);
  o.Set("graphSplits", r.graphSplits);
  o.Set("weightCopyBytes", (double)r.weightCopyBytes);
  return o;
}

Napi::Array graphNodesValue(Napi::Env env, const std::vector<GraphNode>& nodes) {
  auto shape = [&](const int64_t* ne) {
    Napi::Array a = Napi::Array::New(env, 4);
    for (uint32_t d = 0; d < 4; ++d) a.Set(d, (double)ne[d]);
    return a;
  };
  Napi::Array result = Napi::Array::New(env, nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& n = nodes[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("op", n.op);
    o.Set("type", n.type);
    o.Set("ne", shape(n.ne));
    Napi::Array params = Napi::Array::New(env, 16);
    for (uint32_t k = 0; k < 16; ++k) params.Set(k, n.params[k]);
    o.Set("params", params);
    Napi::Array sources = Napi::Array::New(env, n.sources.size());
    for (size_t s = 0; s < n.sources.size(); ++s) {
      Napi::Object src = Napi::Object::New(env);
      src.Set("type", n.sources[s].type);
      src.Set("contiguous", n.sources[s].contiguous);
      src.Set("contiguousRows", n.sources[s].contiguousRows);
      src.Set("transposed", n.sources[s].transposed);
      src.Set("weight", n.sources[s].weight);
      src.Set("ne", shape(n.sources[s].ne));
      sources.Set((uint32_t)s, src);
    }
    o.Set("sources", sources);
    result.Set((uint32_t)i, o);
  }
  return result;
}

}  // namespace inflow
