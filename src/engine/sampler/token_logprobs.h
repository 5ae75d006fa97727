// Log-probabilities of a step's tokens as OpenAI reports them: from the
// model's raw logits (a softmax over the whole vocabulary, before penalties,
// grammar and sampling filters), for the chosen token and the most likely
// alternatives. Reads logits only; never changes what is sampled.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace pg {

struct TokenLogprob {
  int32_t token = -1;
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;  // best first (ties: lower id first)
};

// Largest number of alternatives a request may ask for (OpenAI's limit).
inline constexpr int kMaxTopLogprobs = 20;

// `chosen`'s log-probability and the `top_n` most likely tokens' (0..kMaxTopLogprobs).
// NaN logits count as impossible (-inf).
TokenLogprob token_logprob(std::span<const float> logits, int32_t chosen, int top_n);

}  // namespace pg
