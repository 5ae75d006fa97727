// rag::Embedder over a model the server serves; see rag_services.h.
#include "server/rag_services.h"

#include "server/api_error.h"
#include "server/embedding_runner.h"
#include "server/server_context.h"

namespace pg::server {
namespace {

class ServedModelEmbedder final : public rag::Embedder {
 public:
  ServedModelEmbedder(ServerContext& ctx, std::shared_ptr<LoadedModel> model)
      : ctx_(ctx), model_(std::move(model)), name_(model_->file.name) {}

  const std::string& model_name() const override { return name_; }
  int dimension() const override { return static_cast<int>(model_->n_embd()); }
  int max_tokens() const override { return static_cast<int>(model_->context_size()); }
  size_t count_tokens(std::string_view text) const override {
    return model_->tokenizer().encode(text, true, false).size();
  }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    try {
      nlohmann::json input = nlohmann::json::array();
      for (const std::string& t : texts) input.push_back(t);
      // Chunks are cut to the model's context rather than refused (a chunk size
      // larger than the context is the collection's choice).
      EmbeddingInputs in = read_embedding_inputs(&input, "input", *model_, true, false);
      EmbeddingOutcome out = compute_embeddings(ctx_, model_, std::move(in.tokens));
      return std::move(out.vectors);
    } catch (const ApiError& e) {
      return Error{e.message};
    }
  }

 private:
  ServerContext& ctx_;
  std::shared_ptr<LoadedModel> model_;
  std::string name_;
};

}  // namespace

Result<std::shared_ptr<rag::Embedder>> model_embedder(ServerContext& ctx, const std::string& model) {
  try {
    std::shared_ptr<LoadedModel> loaded = ctx.models().acquire(model);
    return std::shared_ptr<rag::Embedder>(std::make_shared<ServedModelEmbedder>(ctx, std::move(loaded)));
  } catch (const ApiError& e) {
    return Error{e.message};
  }
}

}  // namespace pg::server
