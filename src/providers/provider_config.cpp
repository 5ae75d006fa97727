// Parsing and validation of provider settings; see provider_config.h.
#include "providers/provider_config.h"

#include <algorithm>
#include <cctype>

namespace pg::providers {
namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

Status check_url(const std::string& url, const std::string& where) {
  const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
  if (!http && !https) return Status::error(where + " '" + url + "' must start with http:// or https://");
  const std::string rest = url.substr(http ? 7 : 8);
  if (rest.empty() || rest[0] == '/' || rest.size() > 2048)
    return Status::error(where + " '" + url + "' has no host");
  for (unsigned char c : url)
    if (c <= ' ' || c >= 127) return Status::error(where + " '" + url + "' contains a space or control character");
  return Status::ok();
}

Status check_range(int64_t v, int64_t lo, int64_t hi, const std::string& field, const std::string& who) {
  if (v < lo || v > hi)
    return Status::error(who + ": " + field + " is " + std::to_string(v) + ", outside " + std::to_string(lo) + " to " +
                         std::to_string(hi));
  return Status::ok();
}

}  // namespace

std::string kind_name(ProviderKind kind) { return kind == ProviderKind::Ollama ? "ollama" : "openai"; }

Result<ProviderKind> parse_kind(const std::string& text) {
  if (text == "openai") return ProviderKind::OpenAi;
  if (text == "ollama") return ProviderKind::Ollama;
  return Error{"kind '" + text + "' is not one of openai, ollama"};
}

Status validate(const ProviderConfig& c) {
  if (!valid_name(c.name))
    return Status::error("provider name '" + c.name + "' must be 1 to 64 letters, digits, '_' or '-'");
  const std::string who = "provider '" + c.name + "'";
  if (c.base_urls.empty()) return Status::error(who + ": base_urls must name at least one endpoint");
  if (c.base_urls.size() > 16) return Status::error(who + ": base_urls has more than 16 endpoints");
  for (size_t i = 0; i < c.base_urls.size(); ++i)
    if (Status s = check_url(c.base_urls[i], who + ": base_urls[" + std::to_string(i) + "]"); !s) return s;
  if (c.api_key.size() > 4096) return Status::error(who + ": api_key is longer than 4096 bytes");
  for (unsigned char ch : c.api_key)
    if (ch < ' ' || ch >= 127) return Status::error(who + ": api_key contains a control or non-ASCII character");
  struct {
    int64_t v, lo, hi;
    const char* field;
  } ranges[] = {{c.connect_timeout_ms, 10, 600000, "connect_timeout_ms"},
                {c.first_byte_timeout_ms, 10, 3600000, "first_byte_timeout_ms"},
                {c.total_timeout_ms, 10, 86400000, "total_timeout_ms"},
                {c.max_retries, 0, 10, "max_retries"},
                {c.backoff_base_ms, 0, 600000, "backoff_base_ms"},
                {c.backoff_max_ms, 0, 3600000, "backoff_max_ms"},
                {c.breaker_failures, 1, 1000, "breaker_failures"},
                {c.breaker_open_ms, 10, 86400000, "breaker_open_ms"},
                {c.refresh_seconds, 0, 86400, "refresh_seconds"},
                {c.context_size, 16, int64_t{1} << 24, "context_size"},
                {c.embedding_max_tokens, 1, int64_t{1} << 24, "embedding_max_tokens"}};
  for (const auto& r : ranges)
    if (Status s = check_range(r.v, r.lo, r.hi, r.field, who); !s) return s;
  if (c.fallback_model.size() > 256) return Status::error(who + ": fallback_model is longer than 256 bytes");
  return Status::ok();
}

Result<ProviderConfig> provider_from_json(const nlohmann::json& body, const ProviderConfig& base) {
  if (!body.is_object()) return Error{"a provider must be an object, got " + std::string(body.type_name())};
  ProviderConfig c = base;
  const auto name_it = body.find("name");
  const std::string who =
      "provider '" + (name_it != body.end() && name_it->is_string() ? name_it->get<std::string>() : base.name) + "'";
  auto str = [&](const std::string& key, const nlohmann::json& v) -> Result<std::string> {
    if (!v.is_string()) return Error{who + ": " + key + " must be a string, got " + std::string(v.type_name())};
    return v.get<std::string>();
  };
  auto integer = [&](const std::string& key, const nlohmann::json& v) -> Result<int64_t> {
    if (!v.is_number_integer()) return Error{who + ": " + key + " must be an integer, got " + std::string(v.type_name())};
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return Error{who + ": " + key + " is too large"};
    return v.get<int64_t>();
  };
  for (const auto& [key, v] : body.items()) {
    if (v.is_null()) continue;
    if (key == "name" || key == "kind" || key == "api_key" || key == "fallback_model") {
      auto s = str(key, v);
      if (!s) return Error{s.error()};
      if (key == "name") c.name = *s;
      else if (key == "api_key") c.api_key = *s;
      else if (key == "fallback_model") c.fallback_model = *s;
      else {
        auto k = parse_kind(*s);
        if (!k) return Error{who + ": " + k.error()};
        c.kind = *k;
      }
    } else if (key == "base_urls" || key == "base_url") {
      std::vector<std::string> urls;
      if (v.is_string()) {
        urls.push_back(v.get<std::string>());
      } else if (v.is_array()) {
        for (const auto& u : v) {
          auto s = str(key + " item", u);
          if (!s) return Error{s.error()};
          urls.push_back(*s);
        }
      } else {
        return Error{who + ": " + key + " must be a string or an array of strings"};
      }
      c.base_urls = std::move(urls);
    } else {
      int64_t* target = key == "connect_timeout_ms"      ? &c.connect_timeout_ms
                        : key == "first_byte_timeout_ms" ? &c.first_byte_timeout_ms
                        : key == "total_timeout_ms"      ? &c.total_timeout_ms
                        : key == "backoff_base_ms"       ? &c.backoff_base_ms
                        : key == "backoff_max_ms"        ? &c.backoff_max_ms
                        : key == "breaker_open_ms"       ? &c.breaker_open_ms
                        : key == "refresh_seconds"       ? &c.refresh_seconds
                        : key == "context_size"          ? &c.context_size
                        : key == "embedding_max_tokens"  ? &c.embedding_max_tokens
                                                         : nullptr;
      const bool small = key == "max_retries" || key == "breaker_failures";
      if (!target && !small && key != "has_api_key") return Error{who + ": unknown key '" + key + "'"};
      if (key == "has_api_key") continue;  // what the API shows; echoing it back is harmless
      auto i = integer(key, v);
      if (!i) return Error{i.error()};
      if (target) {
        *target = *i;
      } else {
        if (*i < 0 || *i > 1000) return Error{who + ": " + key + " is " + std::to_string(*i) + ", outside 0 to 1000"};
        (key == "max_retries" ? c.max_retries : c.breaker_failures) = static_cast<int>(*i);
      }
    }
  }
  if (Status s = validate(c); !s) return Error{s.message()};
  return c;
}

nlohmann::json provider_to_json(const ProviderConfig& c) {
  nlohmann::json j = provider_to_storage_json(c);
  j.erase("api_key");
  j["has_api_key"] = !c.api_key.empty();
  return j;
}

nlohmann::json provider_to_storage_json(const ProviderConfig& c) {
  return {{"name", c.name},
          {"kind", kind_name(c.kind)},
          {"base_urls", c.base_urls},
          {"api_key", c.api_key},
          {"connect_timeout_ms", c.connect_timeout_ms},
          {"first_byte_timeout_ms", c.first_byte_timeout_ms},
          {"total_timeout_ms", c.total_timeout_ms},
          {"max_retries", c.max_retries},
          {"backoff_base_ms", c.backoff_base_ms},
          {"backoff_max_ms", c.backoff_max_ms},
          {"breaker_failures", c.breaker_failures},
          {"breaker_open_ms", c.breaker_open_ms},
          {"refresh_seconds", c.refresh_seconds},
          {"fallback_model", c.fallback_model},
          {"context_size", c.context_size},
          {"embedding_max_tokens", c.embedding_max_tokens}};
}

}  // namespace pg::providers
