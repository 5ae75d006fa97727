// The request fields every generation API shares, read into GenerationParams
// (read_sampling_fields, read_token_ids; declared in generation_runner.h): pure
// functions of the request's JSON, kept apart from the generation plumbing so
// they link without the server (the fuzz targets use them). They must never
// touch a model, a job or a connection; a bad field is an ApiError 400.
#include "server/api_error.h"
#include "server/generation_runner.h"

namespace pg::server {
namespace {
constexpr size_t kMaxStopSequences = 16;
constexpr size_t kMaxStopBytes = 1024;
}  // namespace

std::vector<TokenId> read_token_ids(const nlohmann::json& array, const std::string& field, int64_t n_vocab) {
  std::vector<TokenId> ids;
  ids.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json& t = array[i];
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (!t.is_number_integer()) throw invalid_field(name, "must be an integer token id, got " + describe_json(t));
    const int64_t id = t.is_number_unsigned() && t.get<uint64_t>() > INT64_MAX ? -1 : t.get<int64_t>();
    if (id < 0 || id >= n_vocab)
      throw invalid_field(name, "is " + t.dump() + ", outside the vocabulary 0 to " + std::to_string(n_vocab - 1));
    ids.push_back(static_cast<TokenId>(id));
  }
  return ids;
}

void read_sampling_fields(const FieldReader& r, GenerationParams& p) {
  SamplerParams& s = p.sampling;
  if (auto v = r.number("temperature", 0, 5)) s.temperature = static_cast<float>(*v);
  if (auto v = r.number("top_p", 0, 1)) {
    // top_p 0 keeps only the most likely token: the same as greedy.
    if (*v == 0) s.temperature = 0;
    else s.top_p = static_cast<float>(*v);
  }
  if (auto v = r.integer("top_k", 0, 1 << 24)) s.top_k = static_cast<int>(*v);
  if (auto v = r.number("min_p", 0, 1)) s.min_p = static_cast<float>(*v);
  if (auto v = r.number("repeat_penalty", 0, 10)) {
    if (*v == 0) throw invalid_field(r.name("repeat_penalty"), "must be greater than 0 (1 = off)");
    s.repeat_penalty = static_cast<float>(*v);
  }
  if (auto v = r.integer("repeat_last_n", -1, 1 << 20)) s.repeat_last_n = static_cast<int>(*v);
  if (auto v = r.number("frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
  if (auto v = r.number("presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
  // Seeds are 64-bit: a seed the server picked (returned as `seed`) may exceed INT64_MAX and must replay.
  if (const nlohmann::json* v = r.raw("seed"); v && v->is_number_unsigned()) s.seed = v->get<uint64_t>();
  else if (auto i = r.integer("seed", -1, INT64_MAX)) s.seed = *i < 0 ? kRandomSeed : static_cast<uint64_t>(*i);
  if (auto v = r.string_list("stop", kMaxStopSequences)) {
    for (size_t i = 0; i < v->size(); ++i)
      if ((*v)[i].size() > kMaxStopBytes)
        throw invalid_field(r.name("stop") + "[" + std::to_string(i) + "]",
                            "is longer than " + std::to_string(kMaxStopBytes) + " bytes");
    p.stop = std::move(*v);
  }
  if (auto v = r.boolean("ignore_eos")) p.ignore_eos = *v;
  if (Status st = s.validate(); !st) throw ApiError(400, "invalid_field", st.message());
}

}  // namespace pg::server
