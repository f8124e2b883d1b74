// LoRA parameters and files. The adapter is a GGUF that llama.cpp loads unchanged: general.type=adapter,
// adapter.type=lora, adapter.lora.alpha (f32), tensors "<base>.lora_a" (ne=[n_in,r]) and "<base>.lora_b" (ne=[r,n_out]).
#include "lora.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "common.h"
#include "gguf.h"

namespace inflow {
namespace {

const char* kTargetNames[TARGET_COUNT] = {"q", "k", "v", "o", "gate", "up", "down"};
const char* kTensorNames[TARGET_COUNT] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
const char kStateMagic[8] = {'I', 'N', 'F', 'L', 'O', 'P', 'T', '1'};

ggml_tensor* baseWeight(const LayerWeights& l, int target) {
  switch (target) {
    case TARGET_Q: return l.wq;
    case TARGET_K: return l.wk;
    case TARGET_V: return l.wv;
    case TARGET_O: return l.wo;
    case TARGET_GATE: return l.ffnGate;
    case TARGET_UP: return l.ffnUp;
    default: return l.ffnDown;
  }
}

std::string baseName(int64_t layer, int target) {
  return "blk." + std::to_string(layer) + "." + kTensorNames[target] + ".weight";
}

struct GgufFile {
  gguf_context* gguf = nullptr;
  ggml_context* ctx = nullptr;
  explicit GgufFile(const std::string& path) {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw TrainerError("ADAPTER_NOT_FOUND", "cannot open adapter file " + path);
    char magic[4] = {0, 0, 0, 0};
    probe.read(magic, 4);
    if (std::memcmp(magic, "GGUF", 4) != 0) throw TrainerError("NOT_GGUF", path + " is not a GGUF file (bad magic)");
    gguf_init_params params = {/*no_alloc*/ false, /*ctx*/ &ctx};
    gguf = gguf_init_from_file(path.c_str(), params);
    if (gguf == nullptr) throw TrainerError("BAD_ADAPTER", "cannot parse GGUF adapter " + path);
  }
  ~GgufFile() {
    if (gguf) gguf_free(gguf);
    if (ctx) ggml_free(ctx);
  }
  std::string str(const char* key) const {
    const int64_t id = gguf_find_key(gguf, key);
    return id >= 0 && gguf_get_kv_type(gguf, id) == GGUF_TYPE_STRING ? gguf_get_val_str(gguf, id) : "";
  }
};

}  // namespace

const char* targetName(int target) { return kTargetNames[target]; }
const char* targetTensorName(int target) { return kTensorNames[target]; }
int targetFromName(const std::string& name) {
  for (int i = 0; i < TARGET_COUNT; ++i) {
    if (name == kTargetNames[i]) return i;
  }
  return -1;
}

Lora::Lora(const Model& model, const LoraConfig& config, ggml_backend_buffer_type_t buffer) : config_(config) {
  const HyperParams& hp = model.hp();
  if (config.rank < 1 || config.rank > 1024) throw TrainerError("BAD_OPTIONS", "lora.rank must be between 1 and 1024");
  bool any = false;
  for (bool t : config.targets) any = any || t;
  if (!any) throw TrainerError("BAD_OPTIONS", "lora.targets is empty", "Name at least one of q, k, v, o, gate, up, down.");
  const size_t maxTensors = (size_t)hp.nLayer * TARGET_COUNT * 2;
  ggml_init_params params = {ggml_tensor_overhead() * (maxTensors + 1), nullptr, true};
  ctx_ = ggml_init(params);
  pairs_.resize(hp.nLayer);
  for (int64_t il = 0; il < hp.nLayer; ++il) {
    for (int t = 0; t < TARGET_COUNT; ++t) {
      if (!config.targets[t]) continue;
      ggml_tensor* w = baseWeight(model.layers[il], t);
      LoraPair& p = pairs_[il][t];
      p.a = ggml_new_tensor_2d(ctx_, GGML_TYPE_F32, w->ne[0], config.rank);
      p.b = ggml_new_tensor_2d(ctx_, GGML_TYPE_F32, config.rank, w->ne[1]);
      ggml_set_name(p.a, (baseName(il, t) + ".lora_a").c_str());
      ggml_set_name(p.b, (baseName(il, t) + ".lora_b").c_str());
      ggml_set_param(p.a);
      ggml_set_param(p.b);
      for (ggml_tensor* tensor : {p.a, p.b}) {
        Param param;
        param.name = tensor->name;
        param.tensor = tensor;
        const size_t n = (size_t)ggml_nelements(tensor);
        param.value.assign(n, 0.0f);
        param.grad.assign(n, 0.0f);
        param.m.assign(n, 0.0f);
        param.v.assign(n, 0.0f);
        params_.push_back(std::move(param));
      }
    }
  }
  buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, buffer);
  if (buffer_ == nullptr) throw TrainerError("OUT_OF_MEMORY", "cannot allocate the LoRA parameters");
  std::mt19937_64 rng(config.seed);
  for (Param& p : params_) {
    if (p.name.size() < 7 || p.name.compare(p.name.size() - 7, 7, ".lora_a") != 0) continue;
    const float bound = 1.0f / std::sqrt((float)p.tensor->ne[0]);
    std::uniform_real_distribution<float> dist(-bound, bound);
    for (float& x : p.value) x = dist(rng);
  }
  upload();
}

Lora::~Lora() {
  if (buffer_) ggml_backend_buffer_free(buffer_);
  if (ctx_) ggml_free(ctx_);
}

Param* Lora::find(const std::string& name) {
  for (Param& p : params_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

size_t Lora::parameterCount() const {
  size_t n = 0;
  for (const Param& p : params_) n += p.value.size();
  return n;
}

void Lora::upload() {
  for (Param& p : params_) ggml_backend_tensor_set(p.tensor, p.value.data(), 0, p.value.size() * sizeof(float));
}

void Lora::saveAdapter(const std::string& path, const std::string& arch, const std::string& base) const {
  gguf_context* gguf = gguf_init_empty();
  ggml_init_params params = {ggml_tensor_overhead() * (params_.size() + 1), nullptr, true};
  ggml_context* ctx = ggml_init(params);
  gguf_set_val_str(gguf, "general.type", "adapter");
  gguf_set_val_str(gguf, "general.architecture", arch.c_str());
  gguf_set_val_str(gguf, "general.name", ("inflow lora of " + base).c_str());
  gguf_set_val_str(gguf, "adapter.type", "lora");
  gguf_set_val_f32(gguf, "adapter.lora.alpha", config_.alpha);
  gguf_set_val_u32(gguf, "inflow.lora.rank", (uint32_t)config_.rank);
  gguf_set_val_u64(gguf, "inflow.trainer.step", (uint64_t)step);
  for (const Param& p : params_) {
    ggml_tensor* t = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, p.tensor->ne[0], p.tensor->ne[1]);
    ggml_set_name(t, p.name.c_str());
    t->data = const_cast<float*>(p.value.data());
    gguf_add_tensor(gguf, t);
  }
  const std::string temporary = path + ".tmp";
  const bool ok = gguf_write_to_file(gguf, temporary.c_str(), false);
  gguf_free(gguf);
  ggml_free(ctx);
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw TrainerError("WRITE_FAILED", "cannot write adapter " + path, "Check that the folder exists and is writable.");
  }
}

void Lora::saveState(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw TrainerError("WRITE_FAILED", "cannot write optimizer state " + path);
    out.write(kStateMagic, 8);
    const int64_t header[3] = {step, (int64_t)config_.rank, (int64_t)params_.size()};
    out.write(reinterpret_cast<const char*>(header), sizeof(header));
    out.write(reinterpret_cast<const char*>(&config_.alpha), sizeof(float));
    for (const Param& p : params_) {
      const uint64_t lengths[2] = {p.name.size(), p.value.size()};
      out.write(reinterpret_cast<const char*>(lengths), sizeof(lengths));
      out.write(p.name.data(), (std::streamsize)p.name.size());
      for (const std::vector<float>* data : {&p.value, &p.m, &p.v}) {
        out.write(reinterpret_cast<const char*>(data->data()), (std::streamsize)(data->size() * sizeof(float)));
      }
    }
    if (!out) throw TrainerError("WRITE_FAILED", "cannot write optimizer state " + path);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) throw TrainerError("WRITE_FAILED", "cannot write optimizer state " + path);
}

void Lora::loadState(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TrainerError("STATE_NOT_FOUND", "cannot open optimizer state " + path);
  char magic[8] = {};
  int64_t header[3] = {};
  float alpha = 0;
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(header), sizeof(header));
  in.read(reinterpret_cast<char*>(&alpha), sizeof(float));
  if (!in || std::memcmp(magic, kStateMagic, 8) != 0) throw TrainerError("BAD_STATE", path + " is not an Inflow optimizer state file");
  if (header[1] != config_.rank || header[2] != (int64_t)params_.size() || alpha != config_.alpha) {
    throw TrainerError("STATE_MISMATCH", "optimizer state " + path + " belongs to a different LoRA configuration",
                       "Resume with the adapter that was saved together with this state.");
  }
  std::vector<std::vector<float>> loaded;
  for (Param& p : params_) {
    uint64_t lengths[2] = {};
    in.read(reinterpret_cast<char*>(lengths), sizeof(lengths));
    std::string name(lengths[0] < 4096 ? lengths[0] : 0, '\0');
    in.read(name.data(), (std::streamsize)name.size());
    if (!in || name != p.name || lengths[1] != p.value.size()) {
      throw TrainerError("STATE_MISMATCH", "optimizer state " + path + " does not match tensor " + p.name);
    }
    for (int k = 0; k < 3; ++k) {
      loaded.emplace_back(p.value.size());
      in.read(reinterpret_cast<char*>(loaded.back().data()), (std::streamsize)(p.value.size() * sizeof(float)));
    }
  }
  if (!in) throw TrainerError("BAD_STATE", "optimizer state " + path + " is truncated");
  size_t k = 0;
  for (Param& p : params_) {
    p.value = std::move(loaded[k++]);
    p.m = std::move(loaded[k++]);
    p.v = std::move(loaded[k++]);
  }
  step = header[0];
  upload();
}

LoraConfig Lora::readAdapterConfig(const std::string& path, const Model& model) {
  GgufFile file(path);
  if (file.str("general.type") != "adapter" || file.str("adapter.type") != "lora") {
    throw TrainerError("BAD_ADAPTER", path + " is not a GGUF LoRA adapter (general.type/adapter.type)");
  }
  const std::string arch = file.str("general.architecture");
  if (arch != model.hp().arch) {
    throw TrainerError("ADAPTER_ARCH_MISMATCH",
                       "adapter " + path + " is for architecture '" + arch + "' but the model is '" + model.hp().arch + "'",
                       "Resume with an adapter trained on this base model.");
  }
  LoraConfig config;
  const int64_t alphaId = gguf_find_key(file.gguf, "adapter.lora.alpha");
  config.alpha = alphaId >= 0 && gguf_get_kv_type(file.gguf, alphaId) == GGUF_TYPE_FLOAT32 ? gguf_get_val_f32(file.gguf, alphaId) : 0.0f;
  config.rank = 0;
  for (int64_t i = 0; i < gguf_get_n_tensors(file.gguf); ++i) {
    const std::string name = gguf_get_tensor_name(file.gguf, i);
    bool known = false;
    for (int64_t il = 0; il < model.hp().nLayer && !known; ++il) {
      for (int t = 0; t < TARGET_COUNT && !known; ++t) {
        const std::string base = baseName(il, t);
        if (name != base + ".lora_a" && name != base + ".lora_b") continue;
        known = true;
        config.targets[t] = true;
        ggml_tensor* tensor = ggml_get_tensor(file.ctx, name.c_str());
        ggml_tensor* w = baseWeight(model.layers[il], t);
        const bool isA = name.back() == 'a';
        const int64_t rank = isA ? tensor->ne[1] : tensor->ne[0];
        const bool shapeOk = isA ? tensor->ne[0] == w->ne[0] : tensor->ne[1] == w->ne[1];
        if (!shapeOk || (config.rank != 0 && rank != config.rank)) {
          throw TrainerError("ADAPTER_SHAPE_MISMATCH", "adapter tensor " + name + " does not fit the base model",
                             "The adapter was trained on a different model.");
        }
        config.rank = (int)rank;
      }
    }
    if (!known) {
      throw TrainerError("ADAPTER_SHAPE_MISMATCH", "adapter tensor " + name + " has no matching weight in the base model",
                         "The adapter was trained on a different model.");
    }
  }
  if (config.rank == 0) throw TrainerError("BAD_ADAPTER", "adapter " + path + " holds no LoRA tensors");
  if (config.alpha == 0.0f) config.alpha = (float)config.rank;
  return config;
}

void Lora::loadAdapterValues(const std::string& path) {
  GgufFile file(path);
  for (Param& p : params_) {
    ggml_tensor* t = ggml_get_tensor(file.ctx, p.name.c_str());
    if (t == nullptr || ggml_nelements(t) != (int64_t)p.value.size()) {
      throw TrainerError("ADAPTER_SHAPE_MISMATCH", "adapter " + path + " lacks tensor " + p.name);
    }
    if (t->type == GGML_TYPE_F32) {
      std::memcpy(p.value.data(), t->data, p.value.size() * sizeof(float));
    } else if (t->type == GGML_TYPE_F16) {
      ggml_fp16_to_fp32_row(static_cast<const ggml_fp16_t*>(t->data), p.value.data(), (int64_t)p.value.size());
    } else {
      throw TrainerError("BAD_ADAPTER", "adapter tensor " + p.name + " has type " + ggml_type_name(t->type) + "; only f32/f16 can be resumed");
    }
  }
  const int64_t stepId = gguf_find_key(file.gguf, "inflow.trainer.step");
  if (stepId >= 0 && gguf_get_kv_type(file.gguf, stepId) == GGUF_TYPE_UINT64) step = (int64_t)gguf_get_val_u64(file.gguf, stepId);
  upload();
}

}  // namespace inflow
