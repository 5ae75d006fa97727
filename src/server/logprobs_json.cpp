// Log-probabilities on the wire; see logprobs_json.h. A token's text may be
// part of a UTF-8 character: `token` then shows U+FFFD where the JSON writer
// replaces it, and `bytes` carries the exact bytes, as OpenAI does.
#include "server/logprobs_json.h"

namespace pg::server {
namespace {

nlohmann::json bytes_of(const std::string& piece) {
  nlohmann::json out = nlohmann::json::array();
  for (unsigned char c : piece) out.push_back(static_cast<int>(c));
  return out;
}

nlohmann::json one(const Tokenizer& tok, int32_t id, float logprob) {
  const std::string piece = tok.token_to_piece(id, true);
  return {{"token", piece}, {"logprob", logprob}, {"bytes", bytes_of(piece)}};
}

}  // namespace

nlohmann::json token_logprob_items(const Tokenizer& tok, const std::vector<TokenLogprob>& logprobs) {
  nlohmann::json items = nlohmann::json::array();
  for (const TokenLogprob& lp : logprobs) {
    nlohmann::json item = one(tok, lp.token, lp.logprob);
    nlohmann::json top = nlohmann::json::array();
    for (const auto& [id, l] : lp.top) top.push_back(one(tok, id, l));
    item["top_logprobs"] = std::move(top);
    items.push_back(std::move(item));
  }
  return items;
}

nlohmann::json completion_logprobs(const Tokenizer& tok, const std::vector<TokenLogprob>& logprobs, size_t offset) {
  nlohmann::json tokens = nlohmann::json::array(), values = nlohmann::json::array(),
                 tops = nlohmann::json::array(), offsets = nlohmann::json::array();
  for (const TokenLogprob& lp : logprobs) {
    const std::string piece = tok.token_to_piece(lp.token, true);
    tokens.push_back(piece);
    values.push_back(lp.logprob);
    nlohmann::json top = nlohmann::json::object();
    for (const auto& [id, l] : lp.top) top[tok.token_to_piece(id, true)] = l;
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += piece.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

}  // namespace pg::server
