// The building blocks of the forward pass shared by the autodiff graphs (graph.cpp) and the hand-written backward
// (backward-*.cpp): linear layers with their LoRA, RMS norms, rope, and the explicit attention autodiff goes through.
#pragma once

#include <cmath>

#include "graph.h"

namespace inflow {

struct Builder {
  ggml_context* ctx;
  const Model& model;
  const Lora* lora;
  const GraphOptions& options;
  ggml_tensor* iota;
  // the graph being built, when known: the attention backward adds each query block's results in block order, so that
  // a block's probabilities die before the next block's are made (otherwise they all stay alive: memory ~ T^2)
  ggml_cgraph* gf = nullptr;

  ggml_tensor* copy(ggml_tensor* t) const { return ggml_cont(ctx, t); }

  // MUL_MAT for the hand-written path's graphs. F32 precision is requested (CUDA's cuBLAS path would otherwise compute
  // F16 weights in F16), and on GPUs (options.padNarrow) a product with at most 16 columns and a float src0 gets 17:
  // CUDA sends 9-16 columns to its tensor-core kernel, which rounds F32 to TF32 (~1e-3), and ignores the precision.
  ggml_tensor* mm(ggml_tensor* a, ggml_tensor* b) const {
    const int64_t n = b->ne[1];
    const bool narrow = options.padNarrow && n <= 16 && !ggml_is_quantized(a->type);
    ggml_tensor* y = ggml_mul_mat(ctx, a, narrow ? ggml_pad(ctx, b, 0, (int)(17 - n), 0, 0) : b);
    ggml_mul_mat_set_prec(y, GGML_PREC_F32);
    if (!narrow) return y;
    ggml_tensor* view = ggml_view_4d(ctx, y, y->ne[0], n, y->ne[2], y->ne[3], y->nb[1], y->nb[2], y->nb[3], 0);
    return ggml_is_contiguous(view) ? view : ggml_cont(ctx, view);
  }

  ggml_tensor* weight(ggml_tensor* w) const {
    if (iota == nullptr || w->type == GGML_TYPE_F32) return w;
    // GET_ROWS over all rows yields an F32 copy whose backward is plain F32 OUT_PROD (CUDA/Vulkan need that)
    return ggml_get_rows(ctx, w, ggml_view_1d(ctx, iota, w->ne[1], 0));
  }

  // z (optional) receives A x, the LoRA's rank-sized intermediate that the hand-written backward needs
  ggml_tensor* linear(ggml_tensor* w, ggml_tensor* bias, ggml_tensor* x, int64_t layer, int target, ggml_tensor** z = nullptr) const {
    ggml_tensor* y = options.manual ? mm(weight(w), x) : ggml_mul_mat(ctx, weight(w), x);
    if (lora != nullptr && options.adapter && target >= 0) {
      const LoraPair& pair = lora->pair(layer, target);
      if (pair.a != nullptr) {
        ggml_tensor* ax = options.manual ? mm(pair.a, x) : ggml_mul_mat(ctx, pair.a, x);
        if (z != nullptr) *z = ax;
        ggml_tensor* ab = options.manual ? mm(pair.b, ax) : ggml_mul_mat(ctx, pair.b, ax);
        y = ggml_add(ctx, y, ggml_scale(ctx, ab, lora->scale()));
      }
    }
    if (bias != nullptr) y = ggml_add(ctx, y, bias);
    return y;
  }

  ggml_tensor* norm(ggml_tensor* x, ggml_tensor* w) const {
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, model.hp().normEps), w);
  }

  ggml_tensor* rope(ggml_tensor* x, ggml_tensor* positions) const {
    const HyperParams& hp = model.hp();
    return ggml_rope_ext(ctx, x, positions, model.ropeFreqs, (int)hp.nRot, hp.ropeMode, (int)hp.ropeCtxOrig, hp.ropeFreqBase,
                         hp.ropeFreqScale, 0.0f, hp.ropeAttnFactor, 32.0f, 1.0f);
  }

  ggml_tensor* ropeBack(ggml_tensor* g, ggml_tensor* positions) const {
    const HyperParams& hp = model.hp();
    return ggml_rope_ext_back(ctx, g, positions, model.ropeFreqs, (int)hp.nRot, hp.ropeMode, (int)hp.ropeCtxOrig, hp.ropeFreqBase,
                              hp.ropeFreqScale, 0.0f, hp.ropeAttnFactor, 32.0f, 1.0f);
  }

  ggml_tensor* attention(ggml_tensor* x, int64_t il, int64_t T, const GraphInputs& in) const {
    const HyperParams& hp = model.hp();
    const LayerWeights& l = model.layers[il];
    ggml_tensor* q = ggml_reshape_3d(ctx, linear(l.wq, l.bq, x, il, TARGET_Q), hp.headDim, hp.nHead, T);
    ggml_tensor* k = ggml_reshape_3d(ctx, linear(l.wk, l.bk, x, il, TARGET_K), hp.headDim, hp.nHeadKv, T);
    ggml_tensor* v = ggml_reshape_3d(ctx, linear(l.wv, l.bv, x, il, TARGET_V), hp.headDim, hp.nHeadKv, T);
    if (l.qNorm != nullptr) q = norm(q, l.qNorm);
    if (l.kNorm != nullptr) k = norm(k, l.kNorm);
    // contiguous copies let ggml's CPU backend use its blocked GEMM (tinyBLAS) instead of one short dot per entry
    q = ggml_cont(ctx, ggml_permute(ctx, rope(q, in.positions), 0, 2, 1, 3));  // [hd, T, nHead]
    k = ggml_cont(ctx, ggml_permute(ctx, rope(k, in.positions), 0, 2, 1, 3));  // [hd, T, nKv]
    ggml_tensor* kq = ggml_mul_mat(ctx, k, q);                 // [T_k, T_q, nHead], GQA by broadcast
    kq = ggml_soft_max_ext(ctx, kq, in.mask, 1.0f / std::sqrt((float)hp.headDim), 0.0f);
    if (options.backward) ggml_set_output(kq);  // never overwritten in place by SOFT_MAX_BACK (CPU bug)
    ggml_tensor* vt = ggml_cont(ctx, ggml_transpose(ctx, ggml_permute(ctx, v, 0, 2, 1, 3)));  // [T, hd, nKv]
    ggml_tensor* kqv = ggml_mul_mat(ctx, vt, kq);                                             // [hd, T, nHead]
    ggml_tensor* merged = ggml_reshape_2d(ctx, ggml_cont(ctx, ggml_permute(ctx, kqv, 0, 2, 1, 3)), hp.headDim * hp.nHead, T);
    return linear(l.wo, l.bo, merged, il, TARGET_O);
  }

  ggml_tensor* feedForward(ggml_tensor* x, int64_t il) const {
    const LayerWeights& l = model.layers[il];
    ggml_tensor* gate = linear(l.ffnGate, nullptr, x, il, TARGET_GATE);
    ggml_tensor* up = linear(l.ffnUp, nullptr, x, il, TARGET_UP);
    return linear(l.ffnDown, nullptr, ggml_swiglu_split(ctx, gate, up), il, TARGET_DOWN);
  }
};

}  // namespace inflow
