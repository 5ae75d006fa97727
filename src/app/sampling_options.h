// The sampling fields of every generation request, as the client set them:
// each optional (absent: the model's own default, else the engine's), plus
// THE table of their names, kinds, ranges and meanings. The server's one JSON
// reader of these fields, its OpenAPI schema and the CLI's flags are all made
// from this table, so a range is written once. Pure data and checks; never
// touches a model or a wire format.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/generate/decode_loop.h"
#include "util/result.h"

namespace pg::app {

inline constexpr size_t kMaxStopSequences = 16;
inline constexpr size_t kMaxStopBytes = 1024;

struct SamplingOptions {
  std::optional<double> temperature, top_p, min_p, repeat_penalty, frequency_penalty, presence_penalty;
  std::optional<int64_t> top_k, repeat_last_n;
  std::optional<uint64_t> seed;  // kRandomSeed: a fresh random seed
  std::optional<std::vector<std::string>> stop;
  std::optional<bool> ignore_eos;

  // These options where set, `defaults`' elsewhere.
  SamplingOptions over(const SamplingOptions& defaults) const;
};

// One numeric field of the table.
struct SamplingField {
  const char* name;  // the JSON name (flags use it with '-' for '_')
  bool integer;      // an integer field (else any finite number)
  double min, max;   // inclusive range
  bool zero_excluded;  // min is 0 but 0 itself is refused (repeat_penalty)
  const char* description;
  std::optional<double> SamplingOptions::*number;    // set when !integer
  std::optional<int64_t> SamplingOptions::*whole;    // set when integer
};

// temperature, top_p, top_k, min_p, repeat_penalty, repeat_last_n,
// frequency_penalty, presence_penalty (seed, stop and ignore_eos have shapes
// of their own: see the reader).
std::span<const SamplingField> sampling_fields();

// The seed's row: an integer 0 to kMaxSeed (2^53 - 1, exact as a JSON number
// in every client), or -1 for a random seed (drawn in that range). Its member
// pointers are null: SamplingOptions::seed holds kRandomSeed for -1.
const SamplingField& seed_field();
// The seed -1..kMaxSeed stands for (-1: kRandomSeed); call only with a value in range.
uint64_t seed_from_field(int64_t value);

// Why `value` is refused for `field` ("is 100, outside the allowed range 0 to
// 5"), or "" when the table allows it; `as_written` (when not empty) is how
// the message shows the value. The CLI's flags check with it.
std::string sampling_value_error(const SamplingField& field, double value, std::string_view as_written = {});

// Sets what `options` sets on the decode request (top_p 0 means greedy:
// temperature 0). invalid_argument (reason invalid_field) when a value is out
// of its range or the result fails SamplerParams::validate.
Status apply_sampling(const SamplingOptions& options, DecodeRequest& request);

}  // namespace pg::app
