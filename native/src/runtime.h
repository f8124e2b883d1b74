// Access to the ggml backend registry that node-llama-cpp already loaded in this process.
#pragma once

#include <string>
#include <vector>

#include "ggml-backend.h"

namespace inflow {

struct BackendChoice {
  ggml_backend_dev_t device = nullptr;  // the device that holds the weights and runs the graph
  ggml_backend_dev_t cpu = nullptr;     // always present: fallback for ops the device lacks
  bool isCpu = true;
};

struct RuntimeInfo {
  std::string registryLibrary;  // path of the libggml.<variant>.so that provided the registry
  std::string ggmlVersion;
  std::string ggmlCommit;
  std::vector<std::string> devices;  // "name (description)" of every registered device
};

// Resolves the registry functions from the already-loaded libggml.<variant> library (RTLD_NOLOAD), so that the
// trainer shares node-llama-cpp's backends (CPU, CUDA, Vulkan, Metal) instead of loading a second copy.
// Throws TrainerError NATIVE_RUNTIME_MISSING when node-llama-cpp has not loaded its binaries yet.
const RuntimeInfo& runtimeInfo();

// Picks the device: "auto" (first GPU if any, else CPU), "cpu" or "gpu" (error when there is none).
BackendChoice chooseBackend(const std::string& device);

// Sets the thread count of a CPU backend through the plugin's proc address (the CPU API is not exported).
void setBackendThreads(ggml_backend_t backend, int threads);

// Installs an abort callback on a backend that supports it (CPU), used for cancellation inside a graph.
void setBackendAbort(ggml_backend_t backend, bool (*callback)(void*), void* data);

}  // namespace inflow
