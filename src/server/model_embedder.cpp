// rag::Embedder over a model the server serves; see model_embedder.h.
#include "app/rag_services.h"
#include "server/model_embedder.h"

#include <cmath>

#include "app/embeddings.h"
#include "server/api_error.h"
#include "server/embedding_runner.h"
#include "server/remote_generation.h"
#include "providers/provider_registry.h"
#include "server/server_context.h"

namespace pg::server {
namespace {

// A provider's embedding model. Its dimension is learnt by embedding one
// probe text; its tokens are estimated (about 3 bytes each, generously),
// as the provider's tokenizer is not known here.
class RemoteEmbedder final : public rag::Embedder {
 public:
  RemoteEmbedder(app::Core& ctx, providers::RemoteModelRef ref, int dimension)
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
  app::Core& ctx_;
  providers::RemoteModelRef ref_;
  std::string name_;
  int dimension_;
};

}  // namespace

Result<std::shared_ptr<rag::Embedder>> model_embedder(app::Core& ctx, const std::string& model) {
  if (auto ref = find_remote(ctx, model)) {
    try {
      auto probe = remote_embeddings(ctx, "ingestion", *ref, {"dimension probe"}, nullptr);
      if (probe.empty() || probe[0].empty()) return Error{"model '" + model + "' returned no vector"};
      return std::shared_ptr<rag::Embedder>(std::make_shared<RemoteEmbedder>(ctx, *ref, static_cast<int>(probe[0].size())));
    } catch (const ApiError& e) {
      return Error{"model '" + model + "': " + e.message};
    }
  }
  auto loaded = ctx.models().acquire(model);
  if (!loaded) return loaded.status();
  return app::local_model_embedder(std::move(*loaded), std::chrono::seconds(ctx.config().request_timeout));
}

}  // namespace pg::server
