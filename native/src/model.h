// The frozen base model: hyper-parameters read from the GGUF and weights loaded into a backend buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf.h"

namespace inflow {

struct HyperParams {
  std::string arch;  // llama | qwen2 | qwen3
  int64_t nVocab = 0, nEmbd = 0, nLayer = 0, nHead = 0, nHeadKv = 0, headDim = 0, nFf = 0, nRot = 0;
  int64_t contextLength = 0;
  float normEps = 1e-5f;
  float ropeFreqBase = 10000.0f, ropeFreqScale = 1.0f, ropeAttnFactor = 1.0f;
  int ropeMode = 0;  // GGML_ROPE_TYPE_NORMAL or GGML_ROPE_TYPE_NEOX
  int64_t ropeCtxOrig = 0;
  bool tiedEmbeddings = false;
};

struct LayerWeights {
  ggml_tensor *attnNorm = nullptr, *wq = nullptr, *wk = nullptr, *wv = nullptr, *wo = nullptr;
  ggml_tensor *bq = nullptr, *bk = nullptr, *bv = nullptr, *bo = nullptr;
  ggml_tensor *qNorm = nullptr, *kNorm = nullptr;
  ggml_tensor *ffnNorm = nullptr, *ffnGate = nullptr, *ffnUp = nullptr, *ffnDown = nullptr;
};

class Model {
 public:
  // Reads the header first and refuses unsupported files (NOT_GGUF, UNSUPPORTED_ARCHITECTURE, ...) before loading
  // any weight. `buffer` is the buffer type that receives the weights (a plain one, never the CPU repack buffer).
  static HyperParams inspect(const std::string& path);
  Model(const std::string& path, ggml_backend_buffer_type_t buffer);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const HyperParams& hp() const { return hp_; }
  const std::string& path() const { return path_; }
  ggml_tensor* tokenEmbd = nullptr;
  ggml_tensor* outputNorm = nullptr;
  ggml_tensor* output = nullptr;      // == tokenEmbd when tied
  ggml_tensor* ropeFreqs = nullptr;   // llama3 rope frequency factors, or null
  std::vector<LayerWeights> layers;
  size_t weightBytes() const;
  std::string weightTypes() const;    // e.g. "f32", "q8_0+q6_k"

 private:
  std::string path_;
  HyperParams hp_;
  gguf_context* gguf_ = nullptr;
  ggml_context* ctx_ = nullptr;
  ggml_backend_buffer_t buffer_ = nullptr;
};

}  // namespace inflow
