// See profile.h.
#include "profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace inflow {

bool OpProfile::enabled() {
  const char* value = std::getenv("INFLOW_TRAINER_PROFILE");
  return value != nullptr && value[0] == '1';
}

void OpProfile::attach(ggml_backend_sched_t sched) { ggml_backend_sched_set_eval_callback(sched, &OpProfile::observe, this); }

bool OpProfile::observe(ggml_tensor* t, bool ask, void* self) {
  if (ask) return true;
  auto* profile = static_cast<OpProfile*>(self);
  const auto now = std::chrono::steady_clock::now();
  std::string key = ggml_op_desc(t);
  if (t->op == GGML_OP_MUL_MAT && t->src[0] != nullptr) {
    char shape[96];
    std::snprintf(shape, sizeof(shape), " %s [%lld,%lld,%lld] x [%lld,%lld,%lld]%s", ggml_type_name(t->src[0]->type), (long long)t->src[0]->ne[0],
                  (long long)t->src[0]->ne[1], (long long)t->src[0]->ne[2], (long long)t->src[1]->ne[0], (long long)t->src[1]->ne[1],
                  (long long)t->src[1]->ne[2], ggml_is_contiguous(t->src[1]) ? "" : " (src1 strided)");
    key += shape;
  } else if (t->op == GGML_OP_OUT_PROD || t->op == GGML_OP_SUB || t->op == GGML_OP_MUL || t->op == GGML_OP_ADD || t->op == GGML_OP_SOFT_MAX) {
    char shape[96];
    std::snprintf(shape, sizeof(shape), " [%lld,%lld,%lld] x [%lld,%lld,%lld]", (long long)t->src[0]->ne[0], (long long)t->src[0]->ne[1],
                  (long long)t->src[0]->ne[2], t->src[1] ? (long long)t->src[1]->ne[0] : 0LL, t->src[1] ? (long long)t->src[1]->ne[1] : 0LL,
                  t->src[1] ? (long long)t->src[1]->ne[2] : 0LL);
    key += shape;
  } else if (t->op == GGML_OP_CONT || t->op == GGML_OP_CPY) {
    char shape[64];
    std::snprintf(shape, sizeof(shape), " %lld elements", (long long)ggml_nelements(t));
    key += shape;
  }
  auto& entry = profile->byOp_[key];
  entry.first += std::chrono::duration<double>(now - profile->last_).count();
  entry.second += 1;
  profile->last_ = now;
  return true;
}

OpProfile::~OpProfile() {
  std::vector<std::pair<double, std::string>> rows;
  double total = 0;
  for (const auto& [op, entry] : byOp_) {
    rows.emplace_back(entry.first, op + " x" + std::to_string(entry.second));
    total += entry.first;
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::fprintf(stderr, "inflow trainer profile: %.3f s in graph nodes\n", total);
  for (const auto& [seconds, op] : rows) std::fprintf(stderr, "  %8.3f s %5.1f%%  %s\n", seconds, 100.0 * seconds / (total > 0 ? total : 1), op.c_str());
}

}  // namespace inflow
