// Depth-limited, exception-free JSON parsing; see json_guard.h.
#include "util/json_guard.h"

namespace pg {

size_t json_nesting_depth(std::string_view text, size_t max_depth) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > max_depth) return max_depth + 1;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced text: the parser reports it
        break;
      default: break;
    }
  }
  return deepest;
}

Status check_json_depth(std::string_view text, size_t max_depth) {
  if (json_nesting_depth(text, max_depth) > max_depth)
    return Status::error("nests arrays/objects deeper than the limit of " + std::to_string(max_depth) + " levels");
  return Status::ok();
}

namespace {

template <typename Json>
Result<Json> parse_guarded(std::string_view text, std::string_view what, size_t max_depth) {
  const std::string name(what);
  if (Status depth = check_json_depth(text, max_depth); !depth) return Error{name + " " + depth.message()};
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Error{name + " is not valid JSON (byte " + std::to_string(e.byte) + ")"};
  } catch (const nlohmann::json::out_of_range&) {
    return Error{name + " holds a number too large to represent (a double's range ends near 1.8e308)"};
  } catch (const nlohmann::json::exception&) {
    return Error{name + " is not valid JSON"};
  } catch (const std::bad_alloc&) {
    return Error{name + " is too large to parse"};
  }
}

}  // namespace

Result<nlohmann::json> parse_json_guarded(std::string_view text, std::string_view what, size_t max_depth) {
  return parse_guarded<nlohmann::json>(text, what, max_depth);
}

Result<nlohmann::ordered_json> parse_ordered_json_guarded(std::string_view text, std::string_view what,
                                                          size_t max_depth) {
  return parse_guarded<nlohmann::ordered_json>(text, what, max_depth);
}

nlohmann::json parse_json_or_discarded(std::string_view text, size_t max_depth) {
  Result<nlohmann::json> j = parse_json_guarded(text, "the JSON text", max_depth);
  return j ? std::move(j).value() : nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace pg
