// Token log-probabilities in each API's wire shape: OpenAI chat
// (`logprobs.content[]` with token, logprob, bytes, top_logprobs), OpenAI
// completions (tokens, token_logprobs, top_logprobs maps, text_offset) and
// Ollama (`logprobs[]`, the chat shape). Only formats; computes nothing.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "engine/sampler/token_logprobs.h"
#include "engine/tokenizer/tokenizer.h"

namespace pg::server {

// The items of OpenAI chat's logprobs.content (also Ollama's logprobs).
nlohmann::json token_logprob_items(const Tokenizer& tok, const std::vector<TokenLogprob>& logprobs);
// OpenAI completions' logprobs object; offsets count from `offset` (the echoed prompt's length).
nlohmann::json completion_logprobs(const Tokenizer& tok, const std::vector<TokenLogprob>& logprobs, size_t offset);

}  // namespace pg::server
