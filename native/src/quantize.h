// Rewrites a GGUF model with its weight matrices converted to another ggml type (F32, F16, Q8_0, Q4_K, ...):
// quantised test and benchmark models without llama.cpp's tools, and F32 copies of quantised models.
#pragma once

#include <string>

namespace inflow {

// Converts every 2-D ".weight" matrix except norms; other tensors and all metadata are copied unchanged.
// Returns the number of tensors converted. Throws TrainerError on bad input.
int convertModel(const std::string& input, const std::string& output, const std::string& typeName);

}  // namespace inflow
