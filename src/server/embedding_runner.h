// The part of an embeddings request every API shares: reading `input` (a
// string, an array of strings, or — OpenAI — an array of token ids or of such
// arrays) into token sequences checked against the context (400, or cut to
// the context when the API truncates), submitting them to the model's
// scheduler and waiting for the vectors (an embedding-only encoder model
// computes them at once, batched, in the request's thread), and base64
// encoding (OpenAI's encoding_format). Throws ApiError (inside src/server only).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/embedding_job.h"
#include "app/model_manager.h"
#include "server/server_context.h"

namespace pg::server {

struct EmbeddingInputs {
  std::vector<std::vector<TokenId>> tokens;
  int64_t total_tokens = 0;
};

// Text is tokenized with BOS as the model says and special-token texts taken
// literally. Empty strings are refused. At most 2048 inputs.
EmbeddingInputs read_embedding_inputs(const nlohmann::json* input, const std::string& field, const LoadedModel& model,
                                      bool truncate, bool allow_token_ids);

// Runs the inputs on the model's scheduler; one unit-length vector of n_embd values per input.
EmbeddingOutcome compute_embeddings(ServerContext& ctx, const std::shared_ptr<LoadedModel>& model,
                                    std::vector<std::vector<TokenId>> inputs);

// The little-endian float32 bytes of `v` in standard base64 (OpenAI's encoding_format "base64").
std::string embedding_base64(const std::vector<float>& v);

}  // namespace pg::server
