// Transposed copies of the frozen weight matrices, made once at load, for the hand-written backward: the gradient of
// y = W x with respect to x is MUL_MAT(W^T, dy), which every backend runs (OUT_PROD is missing on Metal, F32-only on
// CUDA and Vulkan, and needs contiguous sources on Vulkan).
#pragma once

#include <cstddef>
#include <unordered_map>

#include "ggml-backend.h"
#include "ggml.h"
#include "model.h"

namespace inflow {

// The type of W^T: F32, F16 and BF16 stay as they are (exact); quantised matrices become Q8_0 when the transposed
// rows (W's output size) split into Q8_0 blocks, else F16.
ggml_type transposedType(ggml_type type, int64_t rows);

class TransposedWeights {
 public:
  TransposedWeights(const Model& model, ggml_backend_buffer_type_t buffer);
  ~TransposedWeights();
  TransposedWeights(const TransposedWeights&) = delete;
  TransposedWeights& operator=(const TransposedWeights&) = delete;

  // W^T with ne = [W.ne1, W.ne0]; throws for a weight that has none
  ggml_tensor* of(const ggml_tensor* weight) const;
  size_t bytes() const;
  // bytes the copies of `model` would take, without making them (memory estimates before loading)
  static size_t bytesFor(const Model& model);

 private:
  ggml_context* ctx_ = nullptr;
  ggml_backend_buffer_t buffer_ = nullptr;
  std::unordered_map<const ggml_tensor*, ggml_tensor*> map_;
};

}  // namespace inflow
