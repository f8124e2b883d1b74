// What runs where. graphNodes: the nodes of the graphs a training step builds, as the GPU backends would receive them
// (the portable graph: MUL_MAT on transposed copies, no CPU-only OUT_PROD), for the ops audit test: op, types, shapes
// and layouts. checkFallback: at run time, the scheduler's splits and the weights it would copy to the CPU.
#include <algorithm>
#include <cstring>

#include "common.h"
#include "trainer-internal.h"
#include "trainer.h"

namespace inflow {
namespace {

void collect(ggml_cgraph* gf, std::vector<GraphNode>& nodes) {
  for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
    const ggml_tensor* t = ggml_graph_node(gf, i);
    if (t->op == GGML_OP_NONE || t->op == GGML_OP_VIEW || t->op == GGML_OP_RESHAPE || t->op == GGML_OP_PERMUTE || t->op == GGML_OP_TRANSPOSE) continue;
    GraphNode node;
    node.op = ggml_op_desc(t);
    node.type = ggml_type_name(t->type);
    for (int d = 0; d < 4; ++d) node.ne[d] = t->ne[d];
    std::memcpy(node.params, t->op_params, sizeof(node.params));
    for (int s = 0; s < GGML_MAX_SRC && t->src[s] != nullptr; ++s) {
      GraphNode::Source source;
      source.type = ggml_type_name(t->src[s]->type);
      source.contiguous = ggml_is_contiguous(t->src[s]);
      source.contiguousRows = ggml_is_contiguous_rows(t->src[s]);
      source.transposed = ggml_is_transposed(t->src[s]);
      source.weight = t->src[s]->buffer != nullptr && ggml_backend_buffer_get_usage(t->src[s]->buffer) == GGML_BACKEND_BUFFER_USAGE_WEIGHTS;
      for (int d = 0; d < 4; ++d) source.ne[d] = t->src[s]->ne[d];
      node.sources.push_back(source);
    }
    nodes.push_back(node);
  }
}

}  // namespace

std::vector<GraphNode> Trainer::graphNodes(int64_t tokens, Objective objective, bool klTerm, bool recompute) {
  std::vector<GraphNode> nodes;
  GraphOptions options = graphOptions(true, klTerm, true);
  options.cpuOuterProducts = false;
  options.fusedAttention = false;  // CPU only: GPU backends get the blockwise attention
  if (recompute) options.attentionChunk = kAttentionChunkLean;
  reserveCapacity(graphSize(tokens));
  const int64_t targets = tokens - 1;
  if (!recompute || options.manual == false) {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    if (options.manual) {
      ManualGraph g = buildManualGraph(graph.ctx, *model_, lora_.get(), objective, options, tokens, targets, in);
      GradientList gradients;
      collect(manualGraphFor(graph.ctx, g, in, options, gradients, nullptr), nodes);
    } else {
      GraphOutputs out = buildGraph(graph.ctx, *model_, lora_.get(), objective, options, tokens, targets, in);
      collect(graphFor(graph.ctx, out.loss, true, nullptr), nodes);
    }
    return nodes;
  }
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    std::vector<ggml_tensor*> outputs = buildLayerStack(graph.ctx, *model_, lora_.get(), options, tokens, in);
    collect(graphFor(graph.ctx, outputs.back(), false, nullptr), nodes);
  }
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    GraphOutputs out;
    ggml_tensor* gradIn = nullptr;
    collect(headGraph(graph.ctx, objective, options, tokens, std::min(targets, headChunk_), in, out, &gradIn), nodes);
  }
  {
    GraphContext graph(graphSize(tokens));
    GraphInputs in;
    GradientList gradients;
    ggml_tensor* gradIn = nullptr;
    collect(layerGraph(graph.ctx, 0, options, tokens, in, gradients, &gradIn), nodes);
  }
  return nodes;
}

// On a GPU, an op the device lacks runs on the CPU and the scheduler copies its inputs there, frozen weights included,
// on every step. Counted per step (StepMetrics.graphSplits, weightCopyBytes) and refused unless allowCpuFallback.
void Trainer::checkFallback(ggml_cgraph* gf) {
  graphSplits_ = std::max(graphSplits_, ggml_backend_sched_get_n_splits(sched_));
  if (backend_.isCpu) return;
  size_t copied = 0;
  std::string where;
  for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
    ggml_tensor* node = ggml_graph_node(gf, i);
    if (ggml_backend_sched_get_tensor_backend(sched_, node) != cpu_) continue;
    for (int s = 0; s < GGML_MAX_SRC && node->src[s] != nullptr; ++s) {
      ggml_tensor* src = node->src[s]->view_src != nullptr ? node->src[s]->view_src : node->src[s];
      if (src->buffer == nullptr || ggml_backend_buffer_is_host(src->buffer) ||
          ggml_backend_buffer_get_usage(src->buffer) != GGML_BACKEND_BUFFER_USAGE_WEIGHTS) {
        continue;
      }
      copied += ggml_nbytes(src);
      if (where.empty()) where = std::string(ggml_op_desc(node)) + " on " + src->name;
    }
  }
  weightCopyBytes_ += copied;
  if (copied > 0 && !options_.allowCpuFallback) {
    throw TrainerError("CPU_FALLBACK", "the " + backendName() + " backend cannot run part of the training graph (" + where + "): " + gib((double)copied) +
                                           " of weights would be copied to the CPU every step",
                       "Pass allowCpuFallback: true to train anyway (slowly), or use backward: 'manual' and a supported weight type.");
  }
}

}  // namespace inflow
