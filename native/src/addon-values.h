// Conversions between JavaScript values and the trainer's C++ structures.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "model.h"
#include "trainer.h"

namespace inflow {

std::string stringOption(const Napi::Object& o, const char* key, const std::string& fallback);
double numberOption(const Napi::Object& o, const char* key, double fallback);
// Throws a JavaScript error (BAD_SAMPLE) for anything that is not an array of sample objects with numeric tokens.
std::vector<Sample> readSamples(Napi::Env env, Napi::Value value);
Napi::Object hyperParams(Napi::Env env, const HyperParams& hp);
Napi::Object stepResult(Napi::Env env, const StepResult& r);
Napi::Array graphNodesValue(Napi::Env env, const std::vector<GraphNode>& nodes);

}  // namespace inflow
