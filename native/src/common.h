// Shared declarations of the Inflow native LoRA trainer: errors with stable codes and small helpers.
#pragma once

#include <stdexcept>
#include <string>

namespace inflow {

// Every failure the trainer reports on purpose. `code` is stable and reaches JavaScript as `error.code`.
class TrainerError : public std::runtime_error {
 public:
  TrainerError(std::string code, const std::string& message, std::string hint = "")
      : std::runtime_error(message), code_(std::move(code)), hint_(std::move(hint)) {}
  const std::string& code() const { return code_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string code_;
  std::string hint_;
};

}  // namespace inflow
