// Shared embeddings plumbing; see embedding_runner.h.
#include "server/embedding_runner.h"

#include <sodium.h>

#include <bit>
#include <chrono>
#include <cstring>

#include "app/embeddings.h"
#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/request_fields.h"

namespace pg::server {
namespace {
constexpr size_t kMaxInputs = 2048;

std::vector<TokenId> token_ids(const nlohmann::json& arr, const std::string& name, int64_t n_vocab) {
  std::vector<TokenId> ids = read_token_ids(arr, name, n_vocab);
  if (ids.empty()) throw invalid_field(name, "must not be empty");
  return ids;
}

}  // namespace

EmbeddingInputs read_embedding_inputs(const nlohmann::json* input, const std::string& field, const LoadedModel& model,
                                      bool truncate, bool allow_token_ids) {
  if (!input) throw invalid_field(field, "is required");
  const Tokenizer& tok = model.tokenizer();
  const int64_t n_vocab = static_cast<int64_t>(tok.vocab_size());
  EmbeddingInputs out;
  auto add = [&](std::vector<TokenId> ids, const std::string& name) {
    ids = value_or_throw(fit_embedding_input(model, std::move(ids), truncate, name));
    out.total_tokens += static_cast<int64_t>(ids.size());
    out.tokens.push_back(std::move(ids));
  };
  auto add_text = [&](const nlohmann::json& v, const std::string& name) {
    const std::string& text = v.get_ref<const std::string&>();
    if (text.empty()) throw invalid_field(name, "must not be an empty string");
    add(tok.encode(text, true, false), name);
  };
  const std::string type_error = allow_token_ids
                                     ? "must be a string, an array of strings, an array of token ids or an array of such arrays"
                                     : "must be a string or an array of strings";
  if (input->is_string()) {
    add_text(*input, field);
    return out;
  }
  if (!input->is_array()) throw invalid_field(field, type_error + ", got " + describe_json(*input));
  if (input->empty()) throw invalid_field(field, "must not be an empty array");
  if (input->size() > kMaxInputs)
    throw invalid_field(field, "has " + std::to_string(input->size()) + " items, more than the limit of " +
                                   std::to_string(kMaxInputs));
  if (allow_token_ids && (*input)[0].is_number()) {
    add(token_ids(*input, field, n_vocab), field);
    return out;
  }
  for (size_t i = 0; i < input->size(); ++i) {
    const nlohmann::json& item = (*input)[i];
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (item.is_string()) add_text(item, name);
    else if (allow_token_ids && item.is_array()) add(token_ids(item, name, n_vocab), name);
    else throw invalid_field(name, std::string(allow_token_ids ? "must be a string or an array of token ids" : "must be a string") +
                                       ", got " + describe_json(item));
  }
  return out;
}

EmbeddingOutcome compute_embeddings(ServerContext& ctx, const std::shared_ptr<LoadedModel>& model,
                                    std::vector<std::vector<TokenId>> inputs) {
  if (ctx.shutting_down()) throw ApiError(503, "shutting_down", "the server is shutting down");
  return value_or_throw(
      app::compute_embeddings(model, std::move(inputs), std::chrono::seconds(ctx.config().request_timeout)));
}

std::string embedding_base64(const std::vector<float>& v) {
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits = std::bit_cast<uint32_t>(v[i]);
    if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
    std::memcpy(&bytes[i * 4], &bits, 4);
  }
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace pg::server
