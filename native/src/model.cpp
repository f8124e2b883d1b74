// GGUF model loading. Keys are read with type checks (the gguf getters abort on a type mismatch) and every required
// tensor is checked for presence and shape, so a bad file becomes a TrainerError instead of a crash.
#include "model.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "common.h"

namespace inflow {
namespace {

struct GgufHandle {
  gguf_context* gguf = nullptr;
  ggml_context* ctx = nullptr;
  ~GgufHandle() {
    if (gguf) gguf_free(gguf);
    if (ctx) ggml_free(ctx);
  }
};

void checkMagic(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw TrainerError("MODEL_NOT_FOUND", "cannot open model file " + path, "Check the path.");
  char magic[4] = {0, 0, 0, 0};
  file.read(magic, 4);
  if (file.gcount() != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
    throw TrainerError("NOT_GGUF", path + " is not a GGUF file (bad magic)", "Pass a .gguf model file.");
  }
}

bool readInt(gguf_context* g, const std::string& key, int64_t& out) {
  const int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0) return false;
  switch (gguf_get_kv_type(g, id)) {
    case GGUF_TYPE_UINT8: out = gguf_get_val_u8(g, id); return true;
    case GGUF_TYPE_INT8: out = gguf_get_val_i8(g, id); return true;
    case GGUF_TYPE_UINT16: out = gguf_get_val_u16(g, id); return true;
    case GGUF_TYPE_INT16: out = gguf_get_val_i16(g, id); return true;
    case GGUF_TYPE_UINT32: out = gguf_get_val_u32(g, id); return true;
    case GGUF_TYPE_INT32: out = gguf_get_val_i32(g, id); return true;
    case GGUF_TYPE_UINT64: out = (int64_t)gguf_get_val_u64(g, id); return true;
    case GGUF_TYPE_INT64: out = gguf_get_val_i64(g, id); return true;
    case GGUF_TYPE_ARRAY: {
      // per-layer arrays (e.g. head_count_kv): accepted when every layer has the same value
      const size_t n = gguf_get_arr_n(g, id);
      const auto type = gguf_get_arr_type(g, id);
      if (n == 0 || (type != GGUF_TYPE_INT32 && type != GGUF_TYPE_UINT32)) return false;
      const auto* data = static_cast<const int32_t*>(gguf_get_arr_data(g, id));
      for (size_t i = 1; i < n; ++i) {
        if (data[i] != data[0]) {
          throw TrainerError("UNSUPPORTED_MODEL", key + " differs between layers", "Per-layer head counts are not supported.");
        }
      }
      out = data[0];
      return true;
    }
    default:
      throw TrainerError("BAD_MODEL", "GGUF key " + key + " has a non-integer type");
  }
}

bool readFloat(gguf_context* g, const std::string& key, float& out) {
  const int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0) return false;
  const auto type = gguf_get_kv_type(g, id);
  if (type == GGUF_TYPE_FLOAT32) out = gguf_get_val_f32(g, id);
  else if (type == GGUF_TYPE_FLOAT64) out = (float)gguf_get_val_f64(g, id);
  else {
    int64_t value = 0;
    if (!readInt(g, key, value)) return false;
    out = (float)value;
  }
  return true;
}

std::string readString(gguf_context* g, const std::string& key) {
  const int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) return "";
  return gguf_get_val_str(g, id);
}

int64_t requireInt(gguf_context* g, const std::string& key) {
  int64_t value = 0;
  if (!readInt(g, key, value) || value <= 0) {
    throw TrainerError("BAD_MODEL", "GGUF key " + key + " is missing or not positive", "The file is not a complete model.");
  }
  return value;
}

HyperParams readHyperParams(gguf_context* g, ggml_context* ctx) {
  HyperParams hp;
  hp.arch = readString(g, "general.architecture");
  const std::string type = readString(g, "general.type");
  if (type == "adapter") {
    throw TrainerError("NOT_A_MODEL", "the file is a LoRA adapter, not a base model", "Pass the base model's GGUF as modelPath.");
  }
  static const std::set<std::string> supported = {"llama", "qwen2", "qwen3"};
  if (supported.count(hp.arch) == 0) {
    throw TrainerError("UNSUPPORTED_ARCHITECTURE",
                       "architecture '" + hp.arch + "' is not supported by the trainer",
                       "Supported: llama, qwen2, qwen3 (dense models). Mixture-of-experts models cannot be trained.");
  }
  const std::string a = hp.arch + ".";
  int64_t experts = 0;
  if (readInt(g, a + "expert_count", experts) && experts > 0) {
    throw TrainerError("UNSUPPORTED_ARCHITECTURE",
                       "the model is a mixture of experts (" + std::to_string(experts) + " experts)",
                       "ggml has no backward pass for expert routing (MUL_MAT_ID); train a dense model instead.");
  }
  hp.nEmbd = requireInt(g, a + "embedding_length");
  hp.nLayer = requireInt(g, a + "block_count");
  hp.nHead = requireInt(g, a + "attention.head_count");
  hp.nHeadKv = hp.nHead;
  readInt(g, a + "attention.head_count_kv", hp.nHeadKv);
  hp.nFf = requireInt(g, a + "feed_forward_length");
  hp.contextLength = requireInt(g, a + "context_length");
  hp.headDim = hp.nEmbd / hp.nHead;
  readInt(g, a + "attention.key_length", hp.headDim);
  int64_t valueLength = hp.headDim;
  readInt(g, a + "attention.value_length", valueLength);
  if (valueLength != hp.headDim) {
    throw TrainerError("UNSUPPORTED_MODEL", "key_length and value_length differ", "Only equal K/V head sizes are supported.");
  }
  hp.nRot = hp.headDim;
  readInt(g, a + "rope.dimension_count", hp.nRot);
  readFloat(g, a + "attention.layer_norm_rms_epsilon", hp.normEps);
  readFloat(g, a + "rope.freq_base", hp.ropeFreqBase);
  const std::string scaling = readString(g, a + "rope.scaling.type");
  if (scaling == "yarn" || scaling == "longrope") {
    throw TrainerError("UNSUPPORTED_MODEL", "rope scaling '" + scaling + "' is not supported by the trainer",
                       "Use a model without YaRN/longrope scaling metadata.");
  }
  float factor = 0.0f;
  if (!readFloat(g, a + "rope.scaling.factor", factor)) readFloat(g, a + "rope.scale_linear", factor);
  hp.ropeFreqScale = (scaling == "none" || factor == 0.0f) ? 1.0f : 1.0f / factor;
  readFloat(g, a + "rope.scaling.attn_factor", hp.ropeAttnFactor);
  hp.ropeCtxOrig = hp.contextLength;
  readInt(g, a + "rope.scaling.original_context_length", hp.ropeCtxOrig);
  hp.ropeMode = hp.arch == "llama" ? GGML_ROPE_TYPE_NORMAL : GGML_ROPE_TYPE_NEOX;
  if (hp.nHead % hp.nHeadKv != 0) throw TrainerError("BAD_MODEL", "head_count is not a multiple of head_count_kv");
  ggml_tensor* embd = ggml_get_tensor(ctx, "token_embd.weight");
  if (embd == nullptr) throw TrainerError("BAD_MODEL", "token_embd.weight is missing");
  hp.nVocab = embd->ne[1];
  hp.tiedEmbeddings = ggml_get_tensor(ctx, "output.weight") == nullptr;
  return hp;
}

}  // namespace

HyperParams Model::inspect(const std::string& path) {
  checkMagic(path);
  GgufHandle h;
  gguf_init_params params = {/*no_alloc*/ true, /*ctx*/ &h.ctx};
  h.gguf = gguf_init_from_file(path.c_str(), params);
  if (h.gguf == nullptr) throw TrainerError("BAD_MODEL", "cannot parse GGUF file " + path, "The file is truncated or corrupt.");
  return readHyperParams(h.gguf, h.ctx);
}

Model::Model(const std::string& path, ggml_backend_buffer_type_t buffer) : path_(path) {
  checkMagic(path);
  gguf_init_params params = {/*no_alloc*/ true, /*ctx*/ &ctx_};
  gguf_ = gguf_init_from_file(path.c_str(), params);
  if (gguf_ == nullptr) throw TrainerError("BAD_MODEL", "cannot parse GGUF file " + path, "The file is truncated or corrupt.");
  try {
    hp_ = readHyperParams(gguf_, ctx_);
    auto need = [&](const std::string& name, std::initializer_list<int64_t> shape) -> ggml_tensor* {
      ggml_tensor* t = ggml_get_tensor(ctx_, name.c_str());
      if (t == nullptr) throw TrainerError("BAD_MODEL", "tensor " + name + " is missing from the model");
      int d = 0;
      for (int64_t n : shape) {
        if (t->ne[d] != n) {
          throw TrainerError("BAD_MODEL", "tensor " + name + " has an unexpected shape (dimension " + std::to_string(d) + " is " +
                                              std::to_string(t->ne[d]) + ", expected " + std::to_string(n) + ")");
        }
        ++d;
      }
      return t;
    };
    auto optional = [&](const std::string& name) { return ggml_get_tensor(ctx_, name.c_str()); };
    const int64_t qDim = hp_.headDim * hp_.nHead, kvDim = hp_.headDim * hp_.nHeadKv;
    tokenEmbd = need("token_embd.weight", {hp_.nEmbd, hp_.nVocab});
    outputNorm = need("output_norm.weight", {hp_.nEmbd});
    output = hp_.tiedEmbeddings ? tokenEmbd : need("output.weight", {hp_.nEmbd, hp_.nVocab});
    ropeFreqs = optional("rope_freqs.weight");
    if (ropeFreqs != nullptr && (ropeFreqs->type != GGML_TYPE_F32 || ropeFreqs->ne[0] < hp_.nRot / 2)) {
      throw TrainerError("BAD_MODEL", "rope_freqs.weight must be F32 with n_rot/2 entries");
    }
    layers.resize(hp_.nLayer);
    for (int64_t i = 0; i < hp_.nLayer; ++i) {
      const std::string p = "blk." + std::to_string(i) + ".";
      if (optional(p + "attn_qkv.weight") != nullptr) {
        throw TrainerError("UNSUPPORTED_MODEL", "fused attn_qkv tensors are not supported", "Use a GGUF with separate q/k/v weights.");
      }
      LayerWeights& l = layers[i];
      l.attnNorm = need(p + "attn_norm.weight", {hp_.nEmbd});
      l.wq = need(p + "attn_q.weight", {hp_.nEmbd, qDim});
      l.wk = need(p + "attn_k.weight", {hp_.nEmbd, kvDim});
      l.wv = need(p + "attn_v.weight", {hp_.nEmbd, kvDim});
      l.wo = need(p + "attn_output.weight", {qDim, hp_.nEmbd});
      l.bq = optional(p + "attn_q.bias");
      l.bk = optional(p + "attn_k.bias");
      l.bv = optional(p + "attn_v.bias");
      l.bo = optional(p + "attn_output.bias");
      if (hp_.arch == "qwen3") {
        l.qNorm = need(p + "attn_q_norm.weight", {hp_.headDim});
        l.kNorm = need(p + "attn_k_norm.weight", {hp_.headDim});
      }
      l.ffnNorm = need(p + "ffn_norm.weight", {hp_.nEmbd});
      l.ffnGate = need(p + "ffn_gate.weight", {hp_.nEmbd, hp_.nFf});
      l.ffnUp = need(p + "ffn_up.weight", {hp_.nEmbd, hp_.nFf});
      l.ffnDown = need(p + "ffn_down.weight", {hp_.nFf, hp_.nEmbd});
    }
    buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, buffer);
    if (buffer_ == nullptr) {
      throw TrainerError("OUT_OF_MEMORY", "cannot allocate memory for the model weights", "Free memory or use a smaller model.");
    }
    ggml_backend_buffer_set_usage(buffer_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw TrainerError("MODEL_NOT_FOUND", "cannot open model file " + path);
    std::vector<uint8_t> staging;
    const size_t dataOffset = gguf_get_data_offset(gguf_);
    const bool host = ggml_backend_buffer_is_host(buffer_);
    for (int64_t i = 0; i < gguf_get_n_tensors(gguf_); ++i) {
      ggml_tensor* t = ggml_get_tensor(ctx_, gguf_get_tensor_name(gguf_, i));
      const size_t bytes = ggml_nbytes(t);
      const size_t offset = dataOffset + gguf_get_tensor_offset(gguf_, i);
      void* target = host ? t->data : (staging.resize(bytes), staging.data());
      if (std::fseek(file, (long)offset, SEEK_SET) != 0 || std::fread(target, 1, bytes, file) != bytes) {
        std::fclose(file);
        throw TrainerError("BAD_MODEL", std::string("cannot read tensor ") + t->name + " (file truncated?)");
      }
      if (!host) ggml_backend_tensor_set(t, target, 0, bytes);
    }
    std::fclose(file);
  } catch (...) {
    if (buffer_) ggml_backend_buffer_free(buffer_);
    gguf_free(gguf_);
    ggml_free(ctx_);
    throw;
  }
}

Model::~Model() {
  if (buffer_) ggml_backend_buffer_free(buffer_);
  if (gguf_) gguf_free(gguf_);
  if (ctx_) ggml_free(ctx_);
}

size_t Model::weightBytes() const { return buffer_ ? ggml_backend_buffer_get_size(buffer_) : 0; }

std::string Model::weightTypes() const {
  std::set<std::string> types;
  for (const LayerWeights& l : layers) {
    for (ggml_tensor* t : {l.wq, l.wk, l.wv, l.wo, l.ffnGate, l.ffnUp, l.ffnDown}) types.insert(ggml_type_name(t->type));
  }
  std::string joined;
  for (const std::string& t : types) joined += (joined.empty() ? "" : "+") + t;
  return joined;
}

}  // namespace inflow
