// Helpers shared by the sampler tests: parameter sets with every filter off, and
// frequency counting over many draws. Never used by production code.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/sampler/sampler.h"

namespace pg::sampler_test {

// Pure softmax(logits / temperature) sampling: no filters, no penalties.
inline SamplerParams unfiltered(float temperature, uint64_t seed) {
  SamplerParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.frequency_penalty = 0.0f;
  p.presence_penalty = 0.0f;
  p.seed = seed;
  return p;
}

inline std::vector<int> draw_counts(Sampler& sampler, std::span<const float> logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    const int32_t id = sampler.sample(logits);
    if (id >= 0 && static_cast<size_t>(id) < counts.size()) ++counts[static_cast<size_t>(id)];
  }
  return counts;
}

}  // namespace pg::sampler_test
