// W^T for every matrix the backward multiplies a gradient with: dequantised block by block on the host, transposed and
// converted (F32/F16/BF16 copies are exact; Q8_0 quantises each block of 32 transposed values on its own).
#include "transposed.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"

namespace inflow {
namespace {

std::vector<ggml_tensor*> matrices(const Model& model) {
  std::vector<ggml_tensor*> list = {model.output};
  for (const LayerWeights& l : model.layers) {
    for (ggml_tensor* w : {l.wq, l.wk, l.wv, l.wo, l.ffnGate, l.ffnUp, l.ffnDown}) list.push_back(w);
  }
  return list;
}

// Converts `count` floats into `type` at element `offset` of a row (offset and count are multiples of the block size).
void convertRow(ggml_type type, const float* source, uint8_t* row, int64_t offset, int64_t count) {
  uint8_t* target = row + ggml_row_size(type, offset);
  switch (type) {
    case GGML_TYPE_F32: std::memcpy(target, source, (size_t)count * sizeof(float)); break;
    case GGML_TYPE_F16: ggml_fp32_to_fp16_row(source, reinterpret_cast<ggml_fp16_t*>(target), count); break;
    case GGML_TYPE_BF16: ggml_fp32_to_bf16_row(source, reinterpret_cast<ggml_bf16_t*>(target), count); break;
    default: ggml_quantize_chunk(type, source, target, 0, 1, count, nullptr); break;
  }
}

void transpose(ggml_tensor* w, ggml_tensor* t) {
  const int64_t nIn = w->ne[0], nOut = w->ne[1];
  const auto* traits = ggml_get_type_traits(w->type);
  if (w->type != GGML_TYPE_F32 && traits->to_float == nullptr) {
    throw TrainerError("UNSUPPORTED_MODEL", std::string("cannot read ") + ggml_type_name(w->type) + " weights", "Convert the model to f16 or q8_0.");
  }
  const size_t inRow = ggml_row_size(w->type, nIn), outRow = ggml_row_size(t->type, nOut);
  const bool host = ggml_backend_buffer_is_host(t->buffer);
  std::vector<uint8_t> target(host ? 0 : ggml_nbytes(t));
  uint8_t* base = host ? static_cast<uint8_t*>(t->data) : target.data();
  const int64_t block = 256;  // W rows per pass: a multiple of every block size (Q8_0: 32)
  std::vector<uint8_t> raw((size_t)block * inRow);
  std::vector<float> rows((size_t)(block * nIn)), columns((size_t)(block * nIn));
  for (int64_t o0 = 0; o0 < nOut; o0 += block) {
    const int64_t count = std::min(block, nOut - o0);
    ggml_backend_tensor_get(w, raw.data(), (size_t)o0 * inRow, (size_t)count * inRow);
    if (w->type == GGML_TYPE_F32) std::memcpy(rows.data(), raw.data(), (size_t)(count * nIn) * sizeof(float));
    else traits->to_float(raw.data(), rows.data(), count * nIn);
    for (int64_t o = 0; o < count; ++o) {
      for (int64_t i = 0; i < nIn; ++i) columns[(size_t)(i * count + o)] = rows[(size_t)(o * nIn + i)];
    }
    for (int64_t i = 0; i < nIn; ++i) convertRow(t->type, &columns[(size_t)(i * count)], base + (size_t)i * outRow, o0, count);
  }
  if (!host) ggml_backend_tensor_set(t, target.data(), 0, target.size());
}

}  // namespace

ggml_type transposedType(ggml_type type, int64_t rows) {
  if (type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) return type;
  return rows % ggml_blck_size(GGML_TYPE_Q8_0) == 0 ? GGML_TYPE_Q8_0 : GGML_TYPE_F16;
}

size_t TransposedWeights::bytesFor(const Model& model) {
  size_t total = 0;
  std::vector<ggml_tensor*> seen;
  for (ggml_tensor* w : matrices(model)) {
    if (std::find(seen.begin(), seen.end(), w) != seen.end()) continue;
    seen.push_back(w);
    total += ggml_row_size(transposedType(w->type, w->ne[1]), w->ne[1]) * (size_t)w->ne[0];
  }
  return total;
}

TransposedWeights::TransposedWeights(const Model& model, ggml_backend_buffer_type_t buffer) {
  std::vector<ggml_tensor*> list = matrices(model);
  ggml_init_params params = {ggml_tensor_overhead() * (list.size() + 1), nullptr, true};
  ctx_ = ggml_init(params);
  try {
    for (ggml_tensor* w : list) {
      if (map_.count(w) != 0) continue;  // tied embeddings: the output matrix is token_embd
      ggml_tensor* t = ggml_new_tensor_2d(ctx_, transposedType(w->type, w->ne[1]), w->ne[1], w->ne[0]);
      ggml_set_name(t, (std::string(w->name) + ".T").c_str());
      map_[w] = t;
    }
    buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, buffer);
    if (buffer_ == nullptr) {
      throw TrainerError("OUT_OF_MEMORY", "cannot allocate memory for the transposed weights of the backward pass",
                         "Free memory, use a smaller model, or pass backward: 'autodiff'.");
    }
    ggml_backend_buffer_set_usage(buffer_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    for (auto& [w, t] : map_) transpose(const_cast<ggml_tensor*>(w), t);
  } catch (...) {
    if (buffer_) ggml_backend_buffer_free(buffer_);
    ggml_free(ctx_);
    throw;
  }
}

TransposedWeights::~TransposedWeights() {
  if (buffer_) ggml_backend_buffer_free(buffer_);
  if (ctx_) ggml_free(ctx_);
}

ggml_tensor* TransposedWeights::of(const ggml_tensor* weight) const {
  auto found = map_.find(weight);
  if (found == map_.end()) throw TrainerError("INTERNAL", std::string("no transposed copy of ") + weight->name);
  return found->second;
}

size_t TransposedWeights::bytes() const { return buffer_ ? ggml_backend_buffer_get_size(buffer_) : 0; }

}  // namespace inflow
