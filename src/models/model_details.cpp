// GGUF metadata summaries; see model_details.h.
#include "models/model_details.h"

#include "util/float_text.h"

#include <cstdio>
#include <map>

namespace pg::models {

std::string format_parameter_count(uint64_t n) {
  char buf[32];
  const auto fmt = [&](double v, const char* unit) {
    if (v >= 100 || v == static_cast<double>(static_cast<uint64_t>(v))) std::snprintf(buf, sizeof buf, "%.0f%s", v, unit);
    else std::snprintf(buf, sizeof buf, "%.1f%s", v, unit);
    return std::string(buf);
  };
  if (n >= 1000000000ULL) return fmt(static_cast<double>(n) / 1e9, "B");
  if (n >= 1000000ULL) return fmt(static_cast<double>(n) / 1e6, "M");
  if (n >= 1000ULL) return fmt(static_cast<double>(n) / 1e3, "K");
  return std::to_string(n);
}

ModelDetails describe_gguf(const gguf::GgufFile& file) {
  ModelDetails d;
  d.architecture = file.get_string("general.architecture").value_or("");
  d.general_name = file.get_string("general.name").value_or("");
  d.chat_template = file.get_string("tokenizer.chat_template").value_or("");
  d.context_length = file.get_int(d.architecture + ".context_length").value_or(0);
  d.embedding_length = file.get_int(d.architecture + ".embedding_length").value_or(0);
  d.block_count = file.get_int(d.architecture + ".block_count").value_or(0);
  std::map<std::string, uint64_t> bytes_by_type;
  for (const auto& t : file.tensors()) {
    d.parameters += t.n_elements;
    if (t.dims.size() >= 2) bytes_by_type[std::string(ggml_type_name(t.type))] += t.n_bytes;
  }
  uint64_t best = 0;
  for (const auto& [type, bytes] : bytes_by_type)
    if (bytes > best) best = bytes, d.quantization = type;
  d.metadata = nlohmann::json::object();
  for (const auto& [key, value] : file.metadata()) {
    if (key == "tokenizer.chat_template") continue;  // shown as its own field
    if (const std::string* s = value.as_string()) d.metadata[key] = *s;
    else if (value.type == gguf::ValueType::BOOL) d.metadata[key] = value.as_int().value_or(0) != 0;
    else if (value.type == gguf::ValueType::FLOAT32)  // shortest decimal of the float: 1e-05, not 9.99999974737875e-06
      d.metadata[key] = float_as_decimal(static_cast<float>(value.as_double().value_or(0)));
    else if (value.is_float()) d.metadata[key] = value.as_double().value_or(0);
    else if (value.is_integer()) {
      if (auto i = value.as_int()) d.metadata[key] = *i;
    }
  }
  d.metadata["general.parameter_count"] = d.parameters;
  return d;
}

Result<ModelDetails> describe_gguf_file(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  if (!file) return Error{file.error()};
  return describe_gguf(**file);
}

}  // namespace pg::models
