// Reading request bodies field by field with explicit checks: each getter
// accepts only its JSON type and range and throws ApiError (400, naming the
// field and the value) otherwise. JSON null counts as absent, unknown fields
// are ignored (clients send many optional ones). Never trusts a body's shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace pg::server {

// Parses a request body that must be one JSON object (400 "invalid_json"
// otherwise). The ONE parser of request bodies: every route reads its body
// through these (util/json_guard.h: nesting deeper than kMaxJsonDepth = 512,
// syntax errors and numbers beyond a double's range are all 400 invalid_json).
nlohmann::json parse_json_object(const std::string& body);
// The same, keeping the client's key order (templates' `tojson` prints keys in it).
nlohmann::ordered_json parse_ordered_json_object(const std::string& body);

class FieldReader {
 public:
  // `object` must outlive the reader; `path` prefixes field names in messages
  // (e.g. "options." for Ollama's options object). Throws unless it is an object.
  explicit FieldReader(const nlohmann::json& object, std::string path = "");

  // nullptr when the field is absent or null.
  const nlohmann::json* raw(std::string_view key) const;
  bool has(std::string_view key) const { return raw(key) != nullptr; }

  std::optional<std::string> string(std::string_view key, size_t max_bytes = SIZE_MAX) const;
  std::optional<bool> boolean(std::string_view key) const;
  // Finite number within [min, max].
  std::optional<double> number(std::string_view key, double min, double max) const;
  // Integer-valued number within [min, max] (5.0 is accepted as 5).
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
  // A string or an array of strings (OpenAI's `stop`), at most max_items.
  std::optional<std::vector<std::string>> string_list(std::string_view key, size_t max_items) const;
  // An object, wrapped in a reader for its fields.
  std::optional<FieldReader> object(std::string_view key) const;

  // The field's full name for messages.
  std::string name(std::string_view key) const { return path_ + std::string(key); }

 private:
  const nlohmann::json* object_;
  std::string path_;
};

// Short, bounded rendering of a JSON value for error messages ("array [1,2,...");
// never serializes the whole value (util/json_preview.h).
std::string describe_json(const nlohmann::json& value);
std::string describe_json(const nlohmann::ordered_json& value);

}  // namespace pg::server
