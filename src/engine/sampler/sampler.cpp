// The sampler chain and its penalty history; see sampler.h. Candidate order is kept
// canonical (ascending id, or sorted by logit then id) at every stage, so sums and
// the draw do not depend on how a standard library implements its sorts.
#include "engine/sampler/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "engine/sampler/portable_math.h"

namespace pg {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::string show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Status out_of_range(const char* field, const std::string& value, const char* rule) {
  return Status::error(std::string("sampler parameter ") + field + " = " + value + " is invalid: " +
                       rule);
}

uint64_t pick_random_seed() {
  uint64_t seed = 0;
  try {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ static_cast<uint64_t>(device());
  } catch (...) {
    // No entropy source on this platform: the clock is a weak but usable fallback,
    // and the seed is reported through seed_used() either way.
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) *
           0x9E3779B97F4A7C15ull;
  }
  return seed & kMaxSeed;  // a seed every client can send back exactly
}

}  // namespace

Status SamplerParams::validate() const {
  if (!std::isfinite(temperature) || temperature < 0)
    return out_of_range("temperature", show(temperature), "must be a finite number >= 0 (0 = greedy)");
  if (top_k < 0) return out_of_range("top_k", std::to_string(top_k), "must be >= 0 (0 = disabled)");
  if (!(top_p > 0 && top_p <= 1))
    return out_of_range("top_p", show(top_p), "must be in (0, 1] (1 = disabled)");
  if (!(min_p >= 0 && min_p <= 1))
    return out_of_range("min_p", show(min_p), "must be in [0, 1] (0 = disabled)");
  if (!std::isfinite(repeat_penalty) || repeat_penalty <= 0)
    return out_of_range("repeat_penalty", show(repeat_penalty),
                        "must be a finite number > 0 (1 = disabled)");
  if (repeat_last_n < -1)
    return out_of_range("repeat_last_n", std::to_string(repeat_last_n),
                        "must be >= -1 (0 = no history, -1 = all accepted tokens)");
  if (!(frequency_penalty >= -2 && frequency_penalty <= 2))
    return out_of_range("frequency_penalty", show(frequency_penalty), "must be in [-2, 2]");
  if (!(presence_penalty >= -2 && presence_penalty <= 2))
    return out_of_range("presence_penalty", show(presence_penalty), "must be in [-2, 2]");
  return Status::ok();
}

Result<Sampler> Sampler::create(const SamplerParams& params, int32_t n_vocab) {
  if (Status s = params.validate(); !s) return s;
  if (n_vocab < 1 || n_vocab > kMaxVocab)
    return Error{"sampler vocabulary size " + std::to_string(n_vocab) + " is outside 1.." +
                 std::to_string(kMaxVocab)};
  return Sampler(params, n_vocab);
}

Sampler::Sampler(const SamplerParams& params, int32_t n_vocab) : params_(params) {
  const bool valid = params.validate().is_ok();
  greedy_ = !valid || params.temperature <= 0;
  penalties_active_ = valid && params.repeat_last_n != 0 &&
                      (params.repeat_penalty != 1 || params.frequency_penalty != 0 ||
                       params.presence_penalty != 0);
  n_vocab_ = (n_vocab >= 1 && n_vocab <= kMaxVocab) ? n_vocab : 0;
  seed_used_ = params.seed == kRandomSeed ? pick_random_seed() : params.seed;
  rng_.seed(seed_used_);

  const size_t vocab = static_cast<size_t>(n_vocab_);
  logits_.resize(vocab);
  candidates_.resize(vocab);
  weights_.resize(vocab);
  if (penalties_active_) {
    counts_.assign(vocab, 0);
    seen_slot_.assign(vocab, -1);
    const size_t last_n = static_cast<size_t>(params.repeat_last_n);
    seen_.reserve(params.repeat_last_n > 0 ? std::min(last_n, vocab) : vocab);
    // A huge window grows as it fills instead of being reserved up front.
    if (params.repeat_last_n > 0) window_.reserve(std::min<size_t>(last_n, 1 << 16));
  }
}

bool Sampler::sorted_better(int32_t a, int32_t b) const {
  const float la = logits_[static_cast<size_t>(a)], lb = logits_[static_cast<size_t>(b)];
  return la > lb || (la == lb && a < b);
}

size_t Sampler::prepare(std::span<const float> logits) {
  const size_t n = std::min(logits.size(), static_cast<size_t>(n_vocab_));
  float* work = logits_.data();
  for (size_t i = 0; i < n; ++i) work[i] = std::isnan(logits[i]) ? -kInf : logits[i];
  apply_penalties(n);
  return n;
}

int32_t Sampler::sample(std::span<const float> logits) {
  const size_t n = prepare(logits);
  if (n == 0) return -1;
  float* work = logits_.data();

  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (work[i] > work[best]) best = i;
  float max_logit = work[best];
  if (max_logit == kInf) {
    // Infinite logits mean certainty: split the probability evenly among them.
    for (size_t i = 0; i < n; ++i) work[i] = work[i] == kInf ? 0.0f : -kInf;
    max_logit = 0.0f;
  }
  if (greedy_ || max_logit == -kInf) return static_cast<int32_t>(best);

  size_t count = 0;
  for (size_t i = 0; i < n; ++i)
    if (work[i] != -kInf) candidates_[count++] = static_cast<int32_t>(i);
  candidates_sorted_ = false;
  count = keep_top_k(count);
  if (params_.top_p < 1.0f || params_.min_p > 0.0f) {
    // llama.cpp applies top-p, then min-p. Both keep a best-first prefix, so the
    // result is the shorter prefix whichever runs first, provided top-p still
    // normalises over everything top-k kept. Running min-p first leaves top-p far
    // fewer candidates to sort.
    const double total_weight = compute_untempered_weights(count, max_logit);
    count = keep_min_p(count);
    count = keep_top_p(count, total_weight);
  }
  return draw(count, max_logit);
}

int32_t Sampler::sample(std::span<const float> logits, TokenFilter& filter) {
  const size_t n = prepare(logits);
  return n == 0 ? -1 : sample_filtered(n, filter);
}

int32_t Sampler::sample_filtered(size_t n, TokenFilter& filter) {
  float* work = logits_.data();
  size_t count = filter.may_allow_all(std::span<const float>(work, n), candidates_.data());
  const size_t want = greedy_ ? 1 : params_.top_k > 0 ? static_cast<size_t>(params_.top_k) : count;
  size_t kept = 0;
  if (want >= count) {
    // Every allowed token stays: ask about all of them, in id order.
    for (size_t j = 0; j < count; ++j)
      if (filter.allows(candidates_[j])) candidates_[kept++] = candidates_[j];
    candidates_sorted_ = false;
  } else {
    // Best-first, sorting growing chunks, until `want` tokens are allowed.
    auto better = [this](int32_t a, int32_t b) { return sorted_better(a, b); };
    const auto first = candidates_.begin();
    const auto last = first + static_cast<ptrdiff_t>(count);
    size_t sorted_end = 0;
    for (size_t j = 0; j < count && kept < want; ++j) {
      if (j == sorted_end) {
        sorted_end = std::min(count, std::max<size_t>(want + 8, j * 4));
        std::partial_sort(first + static_cast<ptrdiff_t>(j), first + static_cast<ptrdiff_t>(sorted_end), last, better);
      }
      const int32_t id = candidates_[j];
      if (filter.allows(id)) candidates_[kept++] = id;
    }
    candidates_sorted_ = true;
  }
  if (kept == 0) return -1;
  size_t best = 0;
  for (size_t j = 1; j < kept; ++j)
    if (sorted_better(candidates_[j], candidates_[best])) best = j;
  float max_logit = work[static_cast<size_t>(candidates_[best])];
  if (greedy_) return candidates_[best];
  if (max_logit == kInf) {
    // Infinite logits mean certainty: they share all the probability.
    size_t certain = 0;
    for (size_t j = 0; j < kept; ++j)
      if (work[static_cast<size_t>(candidates_[j])] == kInf) candidates_[certain++] = candidates_[j];
    for (size_t j = 0; j < certain; ++j) work[static_cast<size_t>(candidates_[j])] = 0.0f;
    kept = certain;
    max_logit = 0.0f;
  }
  if (params_.top_p < 1.0f || params_.min_p > 0.0f) {
    const double total_weight = compute_untempered_weights(kept, max_logit);
    kept = keep_min_p(kept);
    kept = keep_top_p(kept, total_weight);
  }
  return draw(kept, max_logit);
}

void Sampler::apply_penalties(size_t n) {
  if (!penalties_active_) return;
  const float repeat = params_.repeat_penalty;
  const float frequency = params_.frequency_penalty;
  const float presence = params_.presence_penalty;
  for (int32_t id : seen_) {
    const size_t i = static_cast<size_t>(id);
    if (i >= n) continue;
    float& logit = logits_[i];
    // llama.cpp's repeat penalty: shrink positive logits, push negative ones further down.
    logit = logit <= 0 ? logit * repeat : logit / repeat;
    logit -= static_cast<float>(counts_[i]) * frequency + presence;
  }
}

size_t Sampler::keep_top_k(size_t count) {
  const int k = params_.top_k;
  if (k <= 0 || static_cast<size_t>(k) >= count) return count;
  auto better = [this](int32_t a, int32_t b) { return sorted_better(a, b); };
  auto first = candidates_.begin();
  if (static_cast<size_t>(k) * 16 < count) {
    // Small k: one pass with a heap of the best k so far (worst on top); most
    // tokens cost a single comparison, far cheaper than nth_element over indices.
    std::make_heap(first, first + k, better);
    for (size_t j = static_cast<size_t>(k); j < count; ++j) {
      const int32_t id = candidates_[j];
      if (!better(id, *first)) continue;
      std::pop_heap(first, first + k, better);
      first[k - 1] = id;
      std::push_heap(first, first + k, better);
    }
    std::sort_heap(first, first + k, better);
  } else {
    std::nth_element(first, first + k, first + static_cast<ptrdiff_t>(count), better);
    std::sort(first, first + k, better);
  }
  candidates_sorted_ = true;
  return static_cast<size_t>(k);
}

double Sampler::compute_untempered_weights(size_t count, float max_logit) {
  double total = 0;
  for (size_t j = 0; j < count; ++j) {
    const size_t id = static_cast<size_t>(candidates_[j]);
    weights_[id] = sampler_math::portable_exp(static_cast<double>(logits_[id]) - max_logit);
    total += weights_[id];
  }
  return total;
}

size_t Sampler::keep_min_p(size_t count) {
  const double min_p = params_.min_p;
  if (min_p <= 0) return count;
  size_t kept = 0;
  for (size_t j = 0; j < count; ++j) {
    const int32_t id = candidates_[j];
    if (weights_[static_cast<size_t>(id)] >= min_p) candidates_[kept++] = id;
  }
  return kept;
}

size_t Sampler::keep_top_p(size_t count, double total_weight) {
  if (params_.top_p >= 1.0f) return count;
  // Sorting the whole vocabulary is wasteful when top-k is off: sort growing
  // chunks of the best candidates until the kept mass reaches top_p.
  auto better = [this](int32_t a, int32_t b) { return sorted_better(a, b); };
  auto first = candidates_.begin();
  const auto last = first + static_cast<ptrdiff_t>(count);
  size_t sorted_end = candidates_sorted_ ? count : 0;
  const double p = params_.top_p;
  double cumulative = 0;
  for (size_t j = 0; j < count; ++j) {
    if (j == sorted_end) {
      sorted_end = std::min(count, std::max<size_t>(64, j * 4));
      std::partial_sort(first + static_cast<ptrdiff_t>(j), first + static_cast<ptrdiff_t>(sorted_end),
                        last, better);
    }
    cumulative += weights_[static_cast<size_t>(candidates_[j])] / total_weight;
    if (cumulative >= p) {
      count = j + 1;
      break;
    }
  }
  candidates_sorted_ = true;
  return count;
}

int32_t Sampler::draw(size_t count, float max_logit) {
  const double temperature = params_.temperature;
  double total = 0;
  for (size_t j = 0; j < count; ++j) {
    const size_t id = static_cast<size_t>(candidates_[j]);
    weights_[id] = sampler_math::portable_exp(
        (static_cast<double>(logits_[id]) - max_logit) / temperature);
    total += weights_[id];
  }
  const double target = sampler_math::unit_interval_from_bits(rng_()) * total;
  double cumulative = 0;
  int32_t last_possible = candidates_[0];  // the best candidate always has weight 1
  for (size_t j = 0; j < count; ++j) {
    const int32_t id = candidates_[j];
    const double w = weights_[static_cast<size_t>(id)];
    if (w <= 0) continue;
    cumulative += w;
    last_possible = id;
    if (target < cumulative) return id;
  }
  return last_possible;  // target rounded up to total
}

void Sampler::accept(int32_t token) {
  if (!penalties_active_ || token < 0 || token >= n_vocab_) return;
  const int last_n = params_.repeat_last_n;
  if (last_n > 0) {
    if (window_.size() < static_cast<size_t>(last_n)) {
      window_.push_back(token);
    } else {
      uncount_token(window_[window_head_]);
      window_[window_head_] = token;
      window_head_ = (window_head_ + 1) % static_cast<size_t>(last_n);
    }
  }
  count_token(token);
}

void Sampler::count_token(int32_t token) {
  const size_t i = static_cast<size_t>(token);
  if (counts_[i] == 0) {
    seen_slot_[i] = static_cast<int32_t>(seen_.size());
    seen_.push_back(token);
  }
  if (counts_[i] < std::numeric_limits<int32_t>::max()) ++counts_[i];
}

void Sampler::uncount_token(int32_t token) {
  const size_t i = static_cast<size_t>(token);
  if (--counts_[i] > 0) return;
  const size_t slot = static_cast<size_t>(seen_slot_[i]);
  const int32_t moved = seen_.back();
  seen_[slot] = moved;
  seen_slot_[static_cast<size_t>(moved)] = static_cast<int32_t>(slot);
  seen_.pop_back();
  seen_slot_[i] = -1;
}

void Sampler::reset() {
  for (int32_t id : seen_) {
    counts_[static_cast<size_t>(id)] = 0;
    seen_slot_[static_cast<size_t>(id)] = -1;
  }
  seen_.clear();
  window_.clear();
  window_head_ = 0;
  rng_.seed(seed_used_);
}

}  // namespace pg
