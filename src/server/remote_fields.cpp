// The request fields of a remote model's generation and embeddings
// (read_remote_sampling, read_remote_inputs; declared in remote_generation.h):
// pure functions of the request's JSON, kept apart from the provider calls so
// they link without the server (the fuzz targets use them). They must never
// call a provider; a bad field is an ApiError 400.
#include "server/api_error.h"
#include "server/remote_generation.h"

namespace pg::server {
namespace {
constexpr size_t kMaxStopSequences = 16;
constexpr size_t kMaxRemoteInputs = 2048;
}  // namespace

nlohmann::json read_remote_sampling(const FieldReader& r) {
  nlohmann::json s = nlohmann::json::object();
  if (auto v = r.number("temperature", 0, 5)) s["temperature"] = *v;
  if (auto v = r.number("top_p", 0, 1)) s["top_p"] = *v;
  if (auto v = r.integer("top_k", 0, 1 << 24)) s["top_k"] = *v;
  if (auto v = r.number("min_p", 0, 1)) s["min_p"] = *v;
  if (auto v = r.number("repeat_penalty", 0, 10)) {
    if (*v == 0) throw invalid_field(r.name("repeat_penalty"), "must be greater than 0 (1 = off)");
    s["repeat_penalty"] = *v;
  }
  if (auto v = r.number("frequency_penalty", -2, 2)) s["frequency_penalty"] = *v;
  if (auto v = r.number("presence_penalty", -2, 2)) s["presence_penalty"] = *v;
  if (const nlohmann::json* v = r.raw("seed"); v && v->is_number_unsigned()) s["seed"] = v->get<uint64_t>();
  else if (auto i = r.integer("seed", -1, INT64_MAX); i && *i >= 0) s["seed"] = *i;
  if (auto v = r.string_list("stop", kMaxStopSequences); v && !v->empty()) s["stop"] = *v;
  if (auto v = r.boolean("ignore_eos"); v && *v) s["ignore_eos"] = true;  // llama.cpp, vLLM and ours take it
  return s;
}

std::vector<std::string> read_remote_inputs(const nlohmann::json* input, const std::string& field) {
  if (!input) throw invalid_field(field, "is required");
  std::vector<std::string> texts;
  if (input->is_string()) {
    texts.push_back(input->get<std::string>());
  } else if (input->is_array() && !input->empty() && input->size() <= kMaxRemoteInputs) {
    for (size_t i = 0; i < input->size(); ++i) {
      if (!(*input)[i].is_string())
        throw invalid_field(field + "[" + std::to_string(i) + "]",
                            "must be a string for a remote model, got " + describe_json((*input)[i]));
      texts.push_back((*input)[i].get<std::string>());
    }
  } else {
    throw invalid_field(field, "must be a string or an array of 1 to " + std::to_string(kMaxRemoteInputs) +
                                   " strings, got " + describe_json(*input));
  }
  for (size_t i = 0; i < texts.size(); ++i)
    if (texts[i].empty()) throw invalid_field(field + "[" + std::to_string(i) + "]", "is empty");
  return texts;
}

}  // namespace pg::server
