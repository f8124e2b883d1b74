// Helpers shared by the trainer's translation units (trainer.cpp, trainer-passes.cpp, trainer-step.cpp).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"

namespace inflow {

inline std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

// Writes a graph input; inputs the graph does not use have no buffer and writing them would abort.
inline void setInput(ggml_tensor* tensor, const void* data, size_t bytes) {
  if (tensor != nullptr && tensor->buffer != nullptr) ggml_backend_tensor_set(tensor, data, 0, bytes);
}

template <typename T>
void setInput(ggml_tensor* tensor, const std::vector<T>& data) {
  setInput(tensor, data.data(), data.size() * sizeof(T));
}

// A metadata-only ggml context sized for one graph, freed with the scope.
struct GraphContext {
  ggml_context* ctx;
  explicit GraphContext(size_t size) {
    ggml_init_params params = {ggml_tensor_overhead() * size + ggml_graph_overhead_custom(size, true), nullptr, true};
    ctx = ggml_init(params);
  }
  ~GraphContext() { ggml_free(ctx); }
  GraphContext(const GraphContext&) = delete;
  GraphContext& operator=(const GraphContext&) = delete;
};

}  // namespace inflow
