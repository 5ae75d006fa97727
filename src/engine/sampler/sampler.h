// Token sampler: turns one step's logits into the next token id with llama.cpp's
// default chain (penalties -> top-k -> top-p -> min-p -> temperature -> softmax ->
// random draw), reproducibly from a seed on every platform. It never modifies the
// caller's logits, never allocates per token once constructed (except while the
// penalty window first fills), and throws nothing but allocation failure.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/sampler/token_filter.h"
#include "util/result.h"

namespace pg {

// The largest seed: seeds are 0 to 2^53 - 1, so every seed reads back exactly
// as a JSON number in any client (JavaScript numbers are doubles). Randomly
// drawn seeds are drawn in this range too.
inline constexpr uint64_t kMaxSeed = (uint64_t{1} << 53) - 1;
// SamplerParams::seed value that asks for a fresh random seed; outside
// 0..kMaxSeed, so every seed a client may send is used as given.
inline constexpr uint64_t kRandomSeed = UINT64_MAX;

struct SamplerParams {
  float temperature = 0.8f;       // <= 0 (only 0 passes validate): greedy, argmax with ties -> lowest id
  int top_k = 40;                 // 0: disabled
  float top_p = 0.95f;            // in (0, 1]; 1: disabled
  float min_p = 0.05f;            // in [0, 1]; 0: disabled
  float repeat_penalty = 1.0f;    // > 0; 1: disabled
  int repeat_last_n = 64;         // tokens of history the penalties look at; 0: none, -1: all
  float frequency_penalty = 0.0f; // in [-2, 2], OpenAI-style: subtracts count * value
  float presence_penalty = 0.0f;  // in [-2, 2], OpenAI-style: subtracts value once if seen
  uint64_t seed = kRandomSeed;    // 0..kMaxSeed; kRandomSeed: pick one in that range from std::random_device

  // Rejects NaN/infinite values and anything outside the ranges above, naming the field.
  Status validate() const;
};

class Sampler {
 public:
  // Largest vocabulary the sampler accepts (its buffers are sized by the vocabulary).
  static constexpr int32_t kMaxVocab = 1 << 24;

  // Validates params and n_vocab (1..kMaxVocab) and reports what is wrong.
  static Result<Sampler> create(const SamplerParams& params, int32_t n_vocab);

  // Prefer create(). Params that fail validate() are a caller bug: the sampler then
  // behaves greedily with no penalties instead of crashing; an n_vocab outside
  // 1..kMaxVocab makes every sample() return -1.
  Sampler(const SamplerParams& params, int32_t n_vocab);

  // Picks the next token. Uses the first min(logits.size(), n_vocab) logits; returns
  // -1 only when that is none. NaN logits are never picked; +inf logits, if any,
  // share all the probability. Every non-greedy call consumes exactly one 64-bit
  // output u of the generator: the token is the first candidate whose cumulative
  // weight exceeds (u >> 11) * 2^-53 * total, walking candidates best-first (logit
  // descending, then id) when top-k removed any or top_p < 1, otherwise in id order. So a
  // (seed, logits, accepted tokens) sequence replays exactly on any platform.
  int32_t sample(std::span<const float> logits);
  // The same chain with `filter` applied first (as llama.cpp applies a grammar
  // before the other samplers): top-k keeps the k best tokens the filter
  // allows, and so on. Candidates are asked best-first, so with top-k on only
  // about k exact checks run. -1 when the filter allows nothing.
  int32_t sample(std::span<const float> logits, TokenFilter& filter);

  // Records a token of the history the penalties look at (prompt tokens included,
  // as llama.cpp does). Ids outside [0, n_vocab) are ignored.
  void accept(int32_t token);

  // Forgets the history and restarts the generator from seed_used().
  void reset();

  // The seed the generator was started with: params.seed, or the random one picked
  // for kRandomSeed (within 0..kMaxSeed), so a reply can be reproduced.
  uint64_t seed_used() const { return seed_used_; }
  const SamplerParams& params() const { return params_; }
  int32_t vocab_size() const { return n_vocab_; }

 private:
  size_t prepare(std::span<const float> logits);  // sanitised, penalised logits; returns their count
  int32_t sample_filtered(size_t n, TokenFilter& filter);
  void apply_penalties(size_t n);
  size_t keep_top_k(size_t count);
  double compute_untempered_weights(size_t count, float max_logit);  // returns their sum
  size_t keep_min_p(size_t count);
  size_t keep_top_p(size_t count, double total_weight);
  int32_t draw(size_t count, float max_logit);
  bool sorted_better(int32_t a, int32_t b) const;
  void count_token(int32_t token);
  void uncount_token(int32_t token);

  SamplerParams params_;
  bool greedy_ = true;
  bool penalties_active_ = false;
  int32_t n_vocab_ = 0;
  uint64_t seed_used_ = 0;
  std::mt19937_64 rng_;  // its output sequence is fixed by the C++ standard

  // Per-call scratch, sized n_vocab once.
  std::vector<float> logits_;      // the caller's logits after sanitizing and penalties
  std::vector<int32_t> candidates_;
  std::vector<double> weights_;    // by token id: e^(logit - max), then e^((logit - max) / T)
  bool candidates_sorted_ = false;

  // Penalty history: the last repeat_last_n accepted tokens, and per-token counts.
  std::vector<int32_t> window_;    // ring buffer once full (unused when repeat_last_n == -1)
  size_t window_head_ = 0;
  std::vector<int32_t> counts_;    // by token id
  std::vector<int32_t> seen_;      // ids with counts_ > 0, in no particular order
  std::vector<int32_t> seen_slot_; // by token id: its index in seen_, or -1
};

}  // namespace pg
