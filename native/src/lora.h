// Trainable LoRA parameters (F32 A/B per targeted weight), their host copies, AdamW moments and GGUF adapter I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "model.h"

namespace inflow {

enum Target { TARGET_Q, TARGET_K, TARGET_V, TARGET_O, TARGET_GATE, TARGET_UP, TARGET_DOWN, TARGET_COUNT };

const char* targetName(int target);        // "q", "k", ...
const char* targetTensorName(int target);  // "attn_q", "attn_k", ...
int targetFromName(const std::string& name);  // -1 when unknown

struct LoraConfig {
  int rank = 8;
  float alpha = 16.0f;
  std::array<bool, TARGET_COUNT> targets{};  // which modules carry an adapter
  uint64_t seed = 42;
};

struct Param {
  std::string name;  // adapter tensor name, e.g. "blk.0.attn_q.weight.lora_a"
  ggml_tensor* tensor = nullptr;
  std::vector<float> value, grad, m, v;
};

struct LoraPair {
  ggml_tensor* a = nullptr;  // ne = [n_in, rank]
  ggml_tensor* b = nullptr;  // ne = [rank, n_out]
};

class Lora {
 public:
  // PEFT initialisation: A ~ U(-1/sqrt(n_in), 1/sqrt(n_in)), B = 0, so the adapter starts as the identity.
  Lora(const Model& model, const LoraConfig& config, ggml_backend_buffer_type_t buffer);
  ~Lora();
  Lora(const Lora&) = delete;
  Lora& operator=(const Lora&) = delete;

  const LoraConfig& config() const { return config_; }
  float scale() const { return config_.alpha / (float)config_.rank; }
  const LoraPair& pair(int64_t layer, int target) const { return pairs_[layer][target]; }
  std::vector<Param>& params() { return params_; }
  Param* find(const std::string& name);
  size_t parameterCount() const;
  int64_t step = 0;  // optimizer steps taken (AdamW bias correction, schedules)

  void upload();  // host values -> backend tensors
  void saveAdapter(const std::string& path, const std::string& arch, const std::string& baseName) const;
  void saveState(const std::string& path) const;
  void loadState(const std::string& path);
  // Reads an adapter written by saveAdapter (or any GGUF LoRA with the same targets): config then values.
  static LoraConfig readAdapterConfig(const std::string& path, const Model& model);
  void loadAdapterValues(const std::string& path);

 private:
  LoraConfig config_;
  std::vector<std::array<LoraPair, TARGET_COUNT>> pairs_;
  std::vector<Param> params_;
  ggml_context* ctx_ = nullptr;
  ggml_backend_buffer_t buffer_ = nullptr;
};

}  // namespace inflow
