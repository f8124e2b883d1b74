// Model conversion with ggml's own quantisation kernels (ggml_quantize_chunk) and dequantisers (type traits).
#include "quantize.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include "common.h"
#include "ggml.h"
#include "gguf.h"

namespace inflow {
namespace {

ggml_type typeFromName(const std::string& name) {
  for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
    const char* n = ggml_type_name((ggml_type)t);
    if (n != nullptr && name == n && ggml_get_type_traits((ggml_type)t)->blck_size > 0) return (ggml_type)t;
  }
  throw TrainerError("BAD_OPTIONS", "unknown ggml type '" + name + "'", "Use f32, f16, q8_0, q4_0, q4_k, q5_k, q6_k ...");
}

bool isMatrix(const ggml_tensor* t) {
  const std::string name = t->name;
  return ggml_n_dims(t) == 2 && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0 && name.find("norm") == std::string::npos &&
         name != "rope_freqs.weight";
}

std::vector<float> toFloat(const ggml_tensor* t) {
  const int64_t n = ggml_nelements(t);
  std::vector<float> out((size_t)n);
  if (t->type == GGML_TYPE_F32) {
    std::memcpy(out.data(), t->data, (size_t)n * sizeof(float));
    return out;
  }
  const auto* traits = ggml_get_type_traits(t->type);
  if (traits->to_float == nullptr) throw TrainerError("UNSUPPORTED_MODEL", std::string("cannot convert tensor type ") + ggml_type_name(t->type));
  traits->to_float(t->data, out.data(), n);
  return out;
}

}  // namespace

int convertModel(const std::string& input, const std::string& output, const std::string& typeName) {
  const ggml_type type = typeFromName(typeName);
  ggml_context* ctx = nullptr;
  gguf_init_params params = {/*no_alloc*/ false, &ctx};
  gguf_context* in = gguf_init_from_file(input.c_str(), params);
  if (in == nullptr) throw TrainerError("BAD_MODEL", "cannot read GGUF model " + input);
  gguf_context* out = gguf_init_empty();
  gguf_set_kv(out, in);
  std::vector<std::vector<uint8_t>> buffers;
  int converted = 0;
  try {
    for (int64_t i = 0; i < gguf_get_n_tensors(in); ++i) {
      ggml_tensor* t = ggml_get_tensor(ctx, gguf_get_tensor_name(in, i));
      gguf_add_tensor(out, t);
      if (!isMatrix(t) || t->type == type) continue;
      const int64_t rowLength = t->ne[0], rows = ggml_nrows(t);
      if (rowLength % ggml_blck_size(type) != 0) {
        throw TrainerError("BAD_OPTIONS", std::string("tensor ") + t->name + " has rows of " + std::to_string(rowLength) + " values, not a multiple of " +
                                              ggml_type_name(type) + "'s block of " + std::to_string(ggml_blck_size(type)));
      }
      std::vector<float> values = toFloat(t);
      std::vector<uint8_t>& data = buffers.emplace_back(ggml_row_size(type, rowLength) * (size_t)rows);
      if (type == GGML_TYPE_F32) {
        std::memcpy(data.data(), values.data(), data.size());
      } else {
        ggml_quantize_chunk(type, values.data(), data.data(), 0, rows, rowLength, nullptr);
      }
      gguf_set_tensor_type(out, t->name, type);
      gguf_set_tensor_data(out, t->name, data.data());
      ++converted;
    }
    if (!gguf_write_to_file(out, output.c_str(), false)) throw TrainerError("WRITE_FAILED", "cannot write " + output);
  } catch (...) {
    gguf_free(out);
    gguf_free(in);
    ggml_free(ctx);
    throw;
  }
  gguf_free(out);
  gguf_free(in);
  ggml_free(ctx);
  return converted;
}

}  // namespace inflow
