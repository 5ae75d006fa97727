// The generation loop: evaluates a prompt, then samples, streams and feeds back
// one token at a time until end of generation, a stop sequence, max tokens, the
// context limit or cancellation. Streams only complete UTF-8 text and never
// emits any part of a stop sequence. Owns no model state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/inference_session.h"
#include "engine/sampler/sampler.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg {

struct GenerationRequest {
  std::vector<TokenId> prompt_ids;
  int64_t max_tokens = 128;  // < 0: until end of generation or the context is full
  SamplerParams sampling;
  std::vector<std::string> stop;  // stop sequences (not included in the output)
};

enum class FinishReason { EndOfGeneration, StopSequence, MaxTokens, ContextFull, Cancelled };
const char* finish_reason_name(FinishReason r);  // "stop", "stop", "length", "length", "cancelled"

struct GenerationStats {
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_seconds = 0;        // prompt evaluation
  double generation_seconds = 0;    // all decode steps after the prompt
  double time_to_first_token = 0;   // from the start to the first sampled token
  double prompt_tokens_per_second() const;
  double generation_tokens_per_second() const;
};

struct GenerationResult {
  std::string text;
  std::vector<TokenId> tokens;
  FinishReason finish = FinishReason::MaxTokens;
  GenerationStats stats;
  uint64_t seed = 0;  // the seed actually used, to reproduce the reply
};

// on_text receives each newly complete piece of text; returning false cancels.
using TextCallback = std::function<bool(std::string_view text)>;

Result<GenerationResult> generate(InferenceSession& session, const GenerationRequest& request,
                                  const TextCallback& on_text = {});

}  // namespace pg
