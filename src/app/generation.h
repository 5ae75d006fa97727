// Starting a generation on a local model, for every caller (the APIs'
// routes, RAG answering, the CLI): the prompt's tokens, max_tokens fitted to
// the context, and the job submitted to the model's scheduler and registered
// in the core. Failures are Status codes with reasons; never speaks HTTP.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/core.h"
#include "app/generation_job.h"
#include "app/model_manager.h"

namespace pg::app {

// BOS added as the model says, special-token texts recognised (as `playground run`).
// An empty prompt becomes [BOS]; a model without BOS gives invalid_argument naming `field`.
Result<std::vector<TokenId>> tokenize_prompt(const LoadedModel& model, const std::string& text, const std::string& field);

// Sets params.max_tokens: `requested` (1..context size) or, when absent,
// what is left of the context. invalid_argument when the prompt does not fit
// (context_length_exceeded) or `requested` is out of range (invalid_field,
// naming `field`).
Status fit_max_tokens(GenerationParams& params, std::optional<int64_t> requested, const std::string& field,
                      const LoadedModel& model);

// Registers the job as `owner`'s ("" for the anonymous caller) and submits it:
// busy (queue_full) when the queue is full, unavailable (shutting_down) after shutdown.
Result<std::shared_ptr<GenerationJob>> submit_generation(Core& core, const std::shared_ptr<LoadedModel>& model,
                                                         const std::string& id, GenerationParams params,
                                                         const std::string& owner);

}  // namespace pg::app
