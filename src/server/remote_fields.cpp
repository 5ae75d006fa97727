// The inputs of a remote model's embeddings (read_remote_inputs; declared in
// remote_generation.h; its sampling fields are read by sampling_fields.cpp):
// pure functions of the request's JSON, kept apart from the provider calls so
// they link without the server (the fuzz targets use them). They must never
// call a provider; a bad field is an ApiError 400.
#include "server/api_error.h"
#include "server/remote_generation.h"

namespace pg::server {
namespace {
constexpr size_t kMaxRemoteInputs = 2048;
}  // namespace

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
