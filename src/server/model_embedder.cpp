// rag::Embedder over a model the server serves; see rag_services.h.
#include "app/rag_services.h"
#include "server/model_embedder.h"

#include <cmath>

#include "server/api_error.h"
#include "server/embedding_runner.h"
#include "server/remote_generation.h"
#include "providers/provider_registry.h"
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

// A provider's embedding model. Its dimension is learnt by embedding one
// probe text; its tokens are estimated (about 3 bytes each, generously),
// as the provider's tokenizer is not known here.
class RemoteEmbedder final : public rag::Embedder {
 public:
  RemoteEmbedder(ServerContext& ctx, providers::RemoteModelRef ref, int dimension)
      : ctx_(ctx), ref_(std::move(ref)), name_(ref_.full_name()), dimension_(dimension) {}

  const std::string& model_name() const override { return name_; }
  int dimension() const override { return dimension_; }
  int max_tokens() const override { return static_cast<int>(ref_.client->config().embedding_max_tokens); }
  size_t count_tokens(std::string_view text) const override { return text.size() / 3 + 1; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    try {
      auto vectors = remote_embeddings(ctx_, "ingestion", ref_, std::vector<std::string>(texts.begin(), texts.end()), nullptr);
      for (auto& v : vectors) {
        if (static_cast<int>(v.size()) != dimension_)
          return Error{"model '" + name_ + "' returned a vector of " + std::to_string(v.size()) + " values, expected " +
                       std::to_string(dimension_)};
        double norm = 0;
        for (float x : v) norm += static_cast<double>(x) * x;
        if (norm > 0) {
          const float inv = static_cast<float>(1.0 / std::sqrt(norm));
          for (float& x : v) x *= inv;  // unit length, as the Embedder promises
        }
      }
      return vectors;
    } catch (const ApiError& e) {
      return Error{e.message};
    }
  }

 private:
  ServerContext& ctx_;
  providers::RemoteModelRef ref_;
  std::string name_;
  int dimension_;
};

}  // namespace

Result<std::shared_ptr<rag::Embedder>> model_embedder(ServerContext& ctx, const std::string& model) {
  if (auto ref = find_remote(ctx, model)) {
    try {
      auto probe = remote_embeddings(ctx, "ingestion", *ref, {"dimension probe"}, nullptr);
      if (probe.empty() || probe[0].empty()) return Error{"model '" + model + "' returned no vector"};
      return std::shared_ptr<rag::Embedder>(std::make_shared<RemoteEmbedder>(ctx, *ref, static_cast<int>(probe[0].size())));
    } catch (const ApiError& e) {
      return Error{"model '" + model + "': " + e.message};
    }
  }
  try {
    std::shared_ptr<LoadedModel> loaded = value_or_throw(ctx.models().acquire(model));
    return std::shared_ptr<rag::Embedder>(std::make_shared<ServedModelEmbedder>(ctx, std::move(loaded)));
  } catch (const ApiError& e) {
    return Error{e.message};
  }
}

}  // namespace pg::server
