// Bounded JSON previews; see json_preview.h.
#include "util/json_preview.h"

#include "util/text_cap.h"

namespace pg {
namespace {

constexpr int kMaxPreviewDepth = 16;  // deeper containers print as [...] / {...}

template <typename Json>
void append_string(const std::string& s, std::string& out, size_t budget) {
  const size_t room = budget >= out.size() ? budget - out.size() + 1 : 1;
  const std::string piece(utf8_prefix(s, room));
  out += Json(piece).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <typename Json>
void render(const Json& v, std::string& out, size_t budget, int depth) {
  if (out.size() > budget) return;
  if (v.is_object() || v.is_array()) {
    const bool obj = v.is_object();
    out += obj ? '{' : '[';
    if (depth >= kMaxPreviewDepth && !v.empty()) {
      out += "...";
    } else {
      bool first = true;
      for (auto it = v.begin(); it != v.end() && out.size() <= budget; ++it) {
        if (!first) out += ',';
        first = false;
        if (obj) {
          append_string<Json>(it.key(), out, budget);
          out += ':';
        }
        render(it.value(), out, budget, depth + 1);
      }
    }
    out += obj ? '}' : ']';
  } else if (v.is_string()) {
    append_string<Json>(v.template get_ref<const std::string&>(), out, budget);
  } else {
    out += v.dump();  // numbers, booleans, null, binary: short
  }
}

template <typename Json>
std::string preview(const Json& value, size_t max_chars) {
  std::string out;
  render(value, out, max_chars, 0);
  if (out.size() <= max_chars) return out;
  const size_t keep = max_chars > 3 ? max_chars - 3 : 0;
  return std::string(utf8_prefix(out, keep)) + "...";
}

}  // namespace

std::string json_preview(const nlohmann::json& value, size_t max_chars) { return preview(value, max_chars); }
std::string json_preview(const nlohmann::ordered_json& value, size_t max_chars) { return preview(value, max_chars); }

}  // namespace pg
