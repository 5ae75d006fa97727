// THE reader of the sampling fields of every generation request, local or
// remote (read_sampling_options; declared in generation_runner.h), made from
// the table in app/sampling_options.h, and the token-id reader. Pure functions
// of the request's JSON, kept apart from the generation plumbing so they link
// without the server (the fuzz targets use them). They must never touch a
// model, a job or a connection; a bad field is an ApiError 400.
#include "server/api_error.h"
#include "server/generation_runner.h"

namespace pg::server {

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

std::vector<std::string> sampling_field_names() {
  std::vector<std::string> names;
  for (const SamplingField& f : sampling_fields()) names.emplace_back(f.name);
  for (const char* other : {"seed", "stop", "ignore_eos"}) names.emplace_back(other);
  return names;
}

SamplingOptions read_sampling_options(const FieldReader& r) {
  SamplingOptions o;
  for (const SamplingField& f : sampling_fields()) {
    if (f.integer) {
      if (auto v = r.integer(f.name, static_cast<int64_t>(f.min), static_cast<int64_t>(f.max))) o.*f.whole = *v;
    } else if (auto v = r.number(f.name, f.min, f.max)) {
      if (f.zero_excluded && *v == 0) throw invalid_field(r.name(f.name), "must be greater than 0 (1 = off)");
      o.*f.number = *v;
    }
  }
  // Seeds are -1 (random) or 0 to 2^53 - 1, the range a seed the server draws comes from.
  const SamplingField& seed = seed_field();
  if (auto i = r.integer(seed.name, static_cast<int64_t>(seed.min), static_cast<int64_t>(seed.max)))
    o.seed = seed_from_field(*i);
  if (auto v = r.string_list("stop", kMaxStopSequences)) {
    for (size_t i = 0; i < v->size(); ++i)
      if ((*v)[i].size() > kMaxStopBytes)
        throw invalid_field(r.name("stop") + "[" + std::to_string(i) + "]",
                            "is longer than " + std::to_string(kMaxStopBytes) + " bytes");
    o.stop = std::move(*v);
  }
  if (auto v = r.boolean("ignore_eos")) o.ignore_eos = *v;
  return o;
}

void read_sampling_fields(const FieldReader& r, GenerationParams& params) {
  throw_if_error(apply_sampling(read_sampling_options(r), params));
}

nlohmann::json sampling_options_json(const SamplingOptions& o) {
  nlohmann::json s = nlohmann::json::object();
  for (const SamplingField& f : sampling_fields()) {
    if (f.integer) {
      if (const auto& v = o.*f.whole) s[f.name] = *v;
    } else if (const auto& v = o.*f.number) {
      s[f.name] = *v;
    }
  }
  if (o.seed) s["seed"] = *o.seed == kRandomSeed ? nlohmann::json(-1) : nlohmann::json(*o.seed);
  if (o.stop) s["stop"] = *o.stop;
  if (o.ignore_eos) s["ignore_eos"] = *o.ignore_eos;
  return s;
}

nlohmann::json remote_sampling_json(const SamplingOptions& o) {
  nlohmann::json s = sampling_options_json(o);
  s.erase("repeat_last_n");  // no remote API takes it
  if (o.seed && *o.seed == kRandomSeed) s.erase("seed");
  if (o.stop && o.stop->empty()) s.erase("stop");
  if (!o.ignore_eos.value_or(false)) s.erase("ignore_eos");  // true: llama.cpp, vLLM and ours take it
  return s;
}


}  // namespace pg::server
