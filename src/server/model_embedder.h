// The embedder of a collection's model over the server's models: a loaded
// local model (decoder or encoder) or a remote provider's model. Holds no
// state of its own.
#pragma once

#include <memory>
#include <string>

#include "rag/embedder.h"
#include "app/core.h"

namespace pg::server {

// The embedder of a model the server serves (loading it if needed); an error
// when the model is unknown or is not usable for embeddings.
Result<std::shared_ptr<rag::Embedder>> model_embedder(app::Core& core, const std::string& model);

}  // namespace pg::server
