// Embeddings on a local model, for every caller (the APIs' embeddings routes
// and the ingestion of documents): token sequences fitted to the model's
// context, computed on its scheduler (a decoder) or at once in the caller's
// thread (an encoder), and a rag::Embedder over a loaded model. Failures are
// Status codes with reasons; nothing here reads or writes a wire format.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/embedding_job.h"
#include "app/model_manager.h"
#include "rag/embedder.h"

namespace pg::app {

// `ids` if it fits the model's context; else cut to it when `truncate` (an
// encoder's input keeps its closing SEP), or invalid_argument
// (context_length_exceeded) naming `name`.
Result<std::vector<TokenId>> fit_embedding_input(const LoadedModel& model, std::vector<TokenId> ids, bool truncate,
                                                 const std::string& name);

// One unit-length vector of n_embd values per input. busy (queue_full) when
// the model's queue is full, unavailable (shutting_down) after shutdown.
Result<EmbeddingOutcome> compute_embeddings(const std::shared_ptr<LoadedModel>& model,
                                            std::vector<std::vector<TokenId>> inputs, std::chrono::seconds timeout);

// A rag::Embedder over a loaded local model (decoder or encoder); texts are
// tokenized with BOS as the model says and cut to its context.
std::shared_ptr<rag::Embedder> local_model_embedder(std::shared_ptr<LoadedModel> model, std::chrono::seconds timeout);

}  // namespace pg::app
