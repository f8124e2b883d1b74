// Optional per-op timing of every graph the trainer computes (INFLOW_TRAINER_PROFILE=1): the scheduler hands each
// node to a callback after computing it; the time since the previous node is charged to the node's op and shape.
// The summary goes to stderr when the trainer is destroyed. For finding where a step's time goes, not for production.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "ggml-backend.h"

namespace inflow {

class OpProfile {
 public:
  static bool enabled();
  void attach(ggml_backend_sched_t sched);
  void start() { last_ = std::chrono::steady_clock::now(); }
  ~OpProfile();

 private:
  static bool observe(ggml_tensor* t, bool ask, void* self);
  std::chrono::steady_clock::time_point last_;
  std::map<std::string, std::pair<double, int>> byOp_;
};

}  // namespace inflow
