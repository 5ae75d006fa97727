// Embeddings on a local model; see embeddings.h.
#include "app/embeddings.h"

namespace pg::app {

Result<std::vector<TokenId>> fit_embedding_input(const LoadedModel& model, std::vector<TokenId> ids, bool truncate,
                                                 const std::string& name) {
  const int64_t n_ctx = model.context_size();
  if (static_cast<int64_t>(ids.size()) <= n_ctx) return ids;
  if (!truncate)
    return Status::invalid_argument("'" + name + "' has " + std::to_string(ids.size()) +
                                        " tokens, more than the context size " + std::to_string(n_ctx) + " of model '" +
                                        model.file.name + "'",
                                    "context_length_exceeded");
  // An encoder's input keeps its closing SEP, as BertModel::tokenize cuts.
  const Tokenizer& tok = model.tokenizer();
  const bool keep_sep = model.is_encoder() && tok.sep_id() >= 0 && ids.back() == tok.sep_id();
  ids.resize(static_cast<size_t>(n_ctx));
  if (keep_sep) ids.back() = tok.sep_id();
  return ids;
}

Result<EmbeddingOutcome> compute_embeddings(const std::shared_ptr<LoadedModel>& model,
                                            std::vector<std::vector<TokenId>> inputs, std::chrono::seconds timeout) {
  if (model->is_encoder()) {
    // All inputs in one batched call on the model's pool, in this caller's
    // thread (embed is thread-safe; concurrent requests share the pool run by run).
    const auto start = std::chrono::steady_clock::now();
    auto vectors = model->encoder->embed(inputs, *model->pool);
    if (!vectors) return Status::invalid_argument("model '" + model->file.name + "': " + vectors.error(), "invalid_input");
    EmbeddingOutcome out;
    out.vectors = std::move(*vectors);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }
  auto job = std::make_shared<EmbeddingJob>(std::move(inputs), timeout);
  switch (model->scheduler->submit_embedding(job)) {
    case SubmitResult::Accepted: break;
    case SubmitResult::QueueFull:
      return Status::busy("the queue of model '" + model->file.name + "' is full; retry later", "queue_full");
    case SubmitResult::ShuttingDown: return Status::unavailable("the server is shutting down", "shutting_down");
  }
  EmbeddingOutcome out = job->wait();
  if (!out.error) return out.error;
  return out;
}

namespace {

class LocalModelEmbedder final : public rag::Embedder {
 public:
  LocalModelEmbedder(std::shared_ptr<LoadedModel> model, std::chrono::seconds timeout)
      : model_(std::move(model)), name_(model_->file.name), timeout_(timeout) {}

  const std::string& model_name() const override { return name_; }
  int dimension() const override { return static_cast<int>(model_->n_embd()); }
  int max_tokens() const override { return static_cast<int>(model_->context_size()); }
  size_t count_tokens(std::string_view text) const override {
    return model_->tokenizer().encode(text, true, false).size();
  }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<TokenId>> inputs;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].empty()) return Status::invalid_argument("input[" + std::to_string(i) + "] must not be an empty string");
      // Chunks are cut to the model's context rather than refused (a chunk size
      // larger than the context is the collection's choice).
      auto ids = fit_embedding_input(*model_, model_->tokenizer().encode(texts[i], true, false), true,
                                     "input[" + std::to_string(i) + "]");
      if (!ids) return ids.status();
      inputs.push_back(std::move(*ids));
    }
    auto out = compute_embeddings(model_, std::move(inputs), timeout_);
    if (!out) return out.status();
    return std::move(out->vectors);
  }

 private:
  std::shared_ptr<LoadedModel> model_;
  std::string name_;
  std::chrono::seconds timeout_;
};

}  // namespace

std::shared_ptr<rag::Embedder> local_model_embedder(std::shared_ptr<LoadedModel> model, std::chrono::seconds timeout) {
  return std::make_shared<LocalModelEmbedder>(std::move(model), timeout);
}

}  // namespace pg::app
