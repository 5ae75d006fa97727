// Field checks of request bodies; see request_fields.h.
#include "server/request_fields.h"

#include <cmath>

#include "util/json_guard.h"
#include "util/json_preview.h"

namespace pg::server {

namespace {

// The one reading of a request body: guarded parse, then "an object".
template <class Json, class Parse>
Json parse_object(const std::string& body, Parse parse) {
  if (body.empty()) throw ApiError(400, "invalid_json", "the request body is empty; expected a JSON object");
  Result<Json> parsed = parse(body, "the request body");
  if (!parsed) throw ApiError(400, "invalid_json", parsed.error());
  if (!parsed->is_object())
    throw ApiError(400, "invalid_json", "the request body must be a JSON object, got " + describe_json(*parsed));
  return std::move(parsed).value();
}

}  // namespace

nlohmann::json parse_json_object(const std::string& body) {
  return parse_object<nlohmann::json>(
      body, [](const std::string& text, const char* what) { return parse_json_guarded(text, what); });
}

nlohmann::ordered_json parse_ordered_json_object(const std::string& body) {
  return parse_object<nlohmann::ordered_json>(
      body, [](const std::string& text, const char* what) { return parse_ordered_json_guarded(text, what); });
}

std::string describe_json(const nlohmann::json& value) {
  return std::string(value.type_name()) + " " + json_preview(value, 60);
}

std::string describe_json(const nlohmann::ordered_json& value) {
  return std::string(value.type_name()) + " " + json_preview(value, 60);
}

FieldReader::FieldReader(const nlohmann::json& object, std::string path)
    : object_(&object), path_(std::move(path)) {
  if (!object.is_object()) {
    const std::string what = path_.empty() ? "the request body" : "field '" + path_.substr(0, path_.size() - 1) + "'";
    throw ApiError(400, "invalid_field", what + " must be a JSON object, got " + describe_json(object));
  }
}

const nlohmann::json* FieldReader::raw(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> FieldReader::string(std::string_view key, size_t max_bytes) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw invalid_field(name(key), "must be a string, got " + describe_json(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes)
    throw invalid_field(name(key), "is " + std::to_string(s.size()) + " bytes long, more than the limit of " +
                                       std::to_string(max_bytes));
  return s;
}

std::optional<bool> FieldReader::boolean(std::string_view key) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) throw invalid_field(name(key), "must be true or false, got " + describe_json(*v));
  return v->get<bool>();
}

namespace {
std::string show_number(double x) {
  std::string s = nlohmann::json(x).dump();
  return s;
}
}  // namespace

std::optional<double> FieldReader::number(std::string_view key, double min, double max) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) throw invalid_field(name(key), "must be a number, got " + describe_json(*v));
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < min || x > max)
    throw invalid_field(name(key), "is " + v->dump() + ", outside the allowed range " + show_number(min) + " to " +
                                       show_number(max));
  return x;
}

std::optional<int64_t> FieldReader::integer(std::string_view key, int64_t min, int64_t max) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) throw invalid_field(name(key), "must be an integer, got " + describe_json(*v));
  const std::string range = ", outside the allowed range " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX) || static_cast<int64_t>(u) > max)
      throw invalid_field(name(key), "is " + v->dump() + range);
    if (static_cast<int64_t>(u) < min) throw invalid_field(name(key), "is " + v->dump() + range);
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) {
    const int64_t i = v->get<int64_t>();
    if (i < min || i > max) throw invalid_field(name(key), "is " + v->dump() + range);
    return i;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d) || d != std::floor(d))
    throw invalid_field(name(key), "must be an integer, got " + v->dump());
  // Outside [-2^63, 2^63) the conversion to int64_t is undefined (double(INT64_MAX) is 2^63).
  if (!(d >= -0x1p63 && d < 0x1p63)) throw invalid_field(name(key), "is " + v->dump() + range);
  const int64_t i = static_cast<int64_t>(d);
  if (i < min || i > max) throw invalid_field(name(key), "is " + v->dump() + range);
  return i;
}

std::optional<std::vector<std::string>> FieldReader::string_list(std::string_view key, size_t max_items) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array())
    throw invalid_field(name(key), "must be a string or an array of strings, got " + describe_json(*v));
  if (v->size() > max_items)
    throw invalid_field(name(key), "has " + std::to_string(v->size()) + " items, more than the limit of " +
                                       std::to_string(max_items));
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    if (!item.is_string())
      throw invalid_field(name(key) + "[" + std::to_string(i) + "]", "must be a string, got " + describe_json(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<FieldReader> FieldReader::object(std::string_view key) const {
  const nlohmann::json* v = raw(key);
  if (!v) return std::nullopt;
  return FieldReader(*v, name(key) + ".");
}

}  // namespace pg::server
