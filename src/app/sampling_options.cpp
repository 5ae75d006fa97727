// The sampling fields' table and how options reach the decode request; see
// sampling_options.h.
#include "app/sampling_options.h"

#include <cmath>

#include "util/float_text.h"

namespace pg::app {
namespace {

const SamplingField kFields[] = {
    {"temperature", false, 0, 5, false, "Randomness: 0 always takes the likeliest token, higher is more varied",
     &SamplingOptions::temperature, nullptr},
    {"top_p", false, 0, 1, false, "Keep the likeliest tokens whose probabilities add up to P (1 = off, 0 = greedy)",
     &SamplingOptions::top_p, nullptr},
    {"top_k", true, 0, 1 << 24, false, "Keep only the K likeliest tokens (0 = off)", nullptr, &SamplingOptions::top_k},
    {"min_p", false, 0, 1, false, "Drop tokens less likely than P times the likeliest one (0 = off)",
     &SamplingOptions::min_p, nullptr},
    {"repeat_penalty", false, 0, 10, true, "Above 1 makes recently used tokens less likely (1 = off)",
     &SamplingOptions::repeat_penalty, nullptr},
    {"repeat_last_n", true, -1, 1 << 20, false, "How many recent tokens the penalties look at (-1 = all, 0 = none)",
     nullptr, &SamplingOptions::repeat_last_n},
    {"frequency_penalty", false, -2, 2, false, "Subtracts count x value from a token's logit (OpenAI style)",
     &SamplingOptions::frequency_penalty, nullptr},
    {"presence_penalty", false, -2, 2, false, "Subtracts the value once from every token seen (OpenAI style)",
     &SamplingOptions::presence_penalty, nullptr},
};

const SamplingField kSeedField = {"seed", true, -1, static_cast<double>(kMaxSeed), false,
                                  "Same seed and settings, same text: 0 to 9007199254740991 (2^53 - 1), -1 = random "
                                  "(the seed used is returned)",
                                  nullptr, nullptr};

template <typename T>
void keep_set(std::optional<T>& mine, const std::optional<T>& defaults) {
  if (!mine) mine = defaults;
}

}  // namespace

std::span<const SamplingField> sampling_fields() { return kFields; }

const SamplingField& seed_field() { return kSeedField; }

uint64_t seed_from_field(int64_t value) { return value < 0 ? kRandomSeed : static_cast<uint64_t>(value); }

std::string sampling_value_error(const SamplingField& f, double value, std::string_view as_written) {
  const std::string shown = as_written.empty() ? shortest_text(value) : std::string(as_written);
  if (!std::isfinite(value)) return "must be a finite number, got " + shown;
  if (f.integer && value != std::floor(value)) return "must be an integer, got " + shown;
  if (value < f.min || value > f.max)
    return "is " + shown + ", outside the allowed range " + shortest_text(f.min) + " to " + shortest_text(f.max);
  if (f.zero_excluded && value == 0) return "must be greater than 0 (1 = off)";
  return "";
}

SamplingOptions SamplingOptions::over(const SamplingOptions& d) const {
  SamplingOptions o = *this;
  for (const SamplingField& f : kFields) {
    if (f.integer) keep_set(o.*f.whole, d.*f.whole);
    else keep_set(o.*f.number, d.*f.number);
  }
  keep_set(o.seed, d.seed);
  keep_set(o.stop, d.stop);
  keep_set(o.ignore_eos, d.ignore_eos);
  return o;
}

Status apply_sampling(const SamplingOptions& o, DecodeRequest& request) {
  SamplerParams& s = request.sampling;
  if (o.temperature) s.temperature = static_cast<float>(*o.temperature);
  if (o.top_p) {
    // top_p 0 keeps only the most likely token: the same as greedy.
    if (*o.top_p == 0) s.temperature = 0;
    else s.top_p = static_cast<float>(*o.top_p);
  }
  if (o.top_k) s.top_k = static_cast<int>(*o.top_k);
  if (o.min_p) s.min_p = static_cast<float>(*o.min_p);
  if (o.repeat_penalty) s.repeat_penalty = static_cast<float>(*o.repeat_penalty);
  if (o.repeat_last_n) s.repeat_last_n = static_cast<int>(*o.repeat_last_n);
  if (o.frequency_penalty) s.frequency_penalty = static_cast<float>(*o.frequency_penalty);
  if (o.presence_penalty) s.presence_penalty = static_cast<float>(*o.presence_penalty);
  if (o.seed) s.seed = *o.seed;
  if (o.stop) request.stop = *o.stop;
  if (o.ignore_eos) request.ignore_eos = *o.ignore_eos;
  if (Status st = s.validate(); !st) return Status::invalid_argument(st.message(), "invalid_field");
  return Status::ok();
}

}  // namespace pg::app
