// Resolution of node-llama-cpp's ggml registry library at run time. The addon links only libggml-base (same SONAME
// in every variant); the registry lives in libggml.<variant>.v<release>.so whose name differs per variant, so it is
// found among the libraries already mapped into the process and opened with RTLD_NOLOAD.
#include "runtime.h"

#include <cstring>
#include <mutex>

#include "common.h"
#include "ggml.h"

#if defined(_WIN32)
#include <windows.h>
#include <psapi.h>
#else
#include <dlfcn.h>
#endif
#if defined(__linux__)
#include <link.h>
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

namespace inflow {
namespace {

using DevCountFn = size_t (*)();
using DevGetFn = ggml_backend_dev_t (*)(size_t);

struct Registry {
  DevCountFn devCount = nullptr;
  DevGetFn devGet = nullptr;
  RuntimeInfo info;
};

// True for "libggml.v0.4.0.so", "libggml.cuda.v0.4.0.so", "libggml.vulkan.v0.4.0.dylib", "ggml.dll"... but not
// libggml-base / libggml-cpu-*.
bool isRegistryLibrary(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.rfind("libggml.", 0) == 0) return true;
  if (base == "ggml.dll" || base.rfind("ggml.", 0) == 0) return base.find(".dll") != std::string::npos;
  return false;
}

std::vector<std::string> loadedLibraries() {
  std::vector<std::string> paths;
#if defined(__linux__)
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') {
          static_cast<std::vector<std::string>*>(data)->push_back(info->dlpi_name);
        }
        return 0;
      },
      &paths);
#elif defined(__APPLE__)
  for (uint32_t i = 0; i < _dyld_image_count(); ++i) paths.push_back(_dyld_get_image_name(i));
#elif defined(_WIN32)
  HMODULE modules[1024];
  DWORD needed = 0;
  if (EnumProcessModules(GetCurrentProcess(), modules, sizeof(modules), &needed)) {
    for (DWORD i = 0; i < needed / sizeof(HMODULE); ++i) {
      char name[MAX_PATH];
      if (GetModuleFileNameA(modules[i], name, MAX_PATH)) paths.push_back(name);
    }
  }
#endif
  return paths;
}

void* findSymbol(const std::string& library, const char* symbol) {
#if defined(_WIN32)
  HMODULE module = GetModuleHandleA(library.c_str());
  return module == nullptr ? nullptr : reinterpret_cast<void*>(GetProcAddress(module, symbol));
#else
  void* handle = dlopen(library.c_str(), RTLD_NOLOAD | RTLD_LAZY);
  if (handle == nullptr) return nullptr;
  void* found = dlsym(handle, symbol);
  dlclose(handle);  // balances the reference RTLD_NOLOAD took; the library stays loaded by node-llama-cpp
  return found;
#endif
}

Registry& registry() {
  static std::once_flag once;
  static Registry value;
  static std::string failure;
  std::call_once(once, [] {
    for (const std::string& library : loadedLibraries()) {
      if (!isRegistryLibrary(library)) continue;
      auto count = reinterpret_cast<DevCountFn>(findSymbol(library, "ggml_backend_dev_count"));
      auto get = reinterpret_cast<DevGetFn>(findSymbol(library, "ggml_backend_dev_get"));
      if (count == nullptr || get == nullptr) continue;
      value.devCount = count;
      value.devGet = get;
      value.info.registryLibrary = library;
      break;
    }
    if (value.devCount == nullptr) return;
    value.info.ggmlVersion = ggml_version();
    value.info.ggmlCommit = ggml_commit();
    for (size_t i = 0; i < value.devCount(); ++i) {
      ggml_backend_dev_t dev = value.devGet(i);
      value.info.devices.push_back(std::string(ggml_backend_dev_name(dev)) + " (" + ggml_backend_dev_description(dev) + ")");
    }
  });
  if (value.devCount == nullptr) {
    throw TrainerError("NATIVE_RUNTIME_MISSING",
                       "node-llama-cpp's ggml registry library (libggml.<variant>) is not loaded in this process",
                       "Call getLlama() from node-llama-cpp before loading the trainer.");
  }
  return value;
}

}  // namespace

const RuntimeInfo& runtimeInfo() { return registry().info; }

BackendChoice chooseBackend(const std::string& device) {
  Registry& reg = registry();
  BackendChoice choice;
  ggml_backend_dev_t gpu = nullptr;
  for (size_t i = 0; i < reg.devCount(); ++i) {
    ggml_backend_dev_t dev = reg.devGet(i);
    const auto type = ggml_backend_dev_type(dev);
    if (type == GGML_BACKEND_DEVICE_TYPE_CPU && choice.cpu == nullptr) choice.cpu = dev;
    if ((type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU) && gpu == nullptr) gpu = dev;
  }
  if (choice.cpu == nullptr) {
    throw TrainerError("NATIVE_RUNTIME_MISSING", "no CPU backend is registered in node-llama-cpp's ggml",
                       "Load node-llama-cpp with getLlama() before creating a trainer.");
  }
  if (device == "gpu" && gpu == nullptr) {
    throw TrainerError("NO_GPU", "device 'gpu' was requested but node-llama-cpp loaded no GPU backend",
                       "Use device 'auto' or 'cpu', or load node-llama-cpp with a GPU build.");
  }
  if (device != "cpu" && gpu != nullptr) {
    choice.device = gpu;
    choice.isCpu = false;
  } else {
    choice.device = choice.cpu;
  }
  return choice;
}

void setBackendThreads(ggml_backend_t backend, int threads) {
  ggml_backend_dev_t dev = ggml_backend_get_device(backend);
  if (dev == nullptr) return;
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
  auto fn = reinterpret_cast<void (*)(ggml_backend_t, int)>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads"));
  if (fn != nullptr) fn(backend, threads);
}

void setBackendAbort(ggml_backend_t backend, bool (*callback)(void*), void* data) {
  ggml_backend_dev_t dev = ggml_backend_get_device(backend);
  if (dev == nullptr) return;
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
  auto fn = reinterpret_cast<void (*)(ggml_backend_t, ggml_abort_callback, void*)>(
      ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_abort_callback"));
  if (fn != nullptr) fn(backend, callback, data);
}

}  // namespace inflow
