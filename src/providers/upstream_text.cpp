// Capped, labelled-by-the-caller provider error text; see upstream_text.h.
#include "providers/upstream_text.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "util/json_guard.h"
#include "util/text_cap.h"

namespace pg::providers {
namespace {

std::optional<std::string> json_message(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  if (auto e = j.find("error"); e != j.end()) {
    if (e->is_string()) return e->get<std::string>();
    if (e->is_object()) {
      auto m = e->find("message");
      if (m != e->end() && m->is_string()) return m->get<std::string>();
    }
  }
  if (auto m = j.find("message"); m != j.end() && m->is_string()) return m->get<std::string>();
  return std::nullopt;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// "<!DOCTYPE html>...", "<html>...": an error page of a proxy or load balancer.
std::optional<std::string> html_summary(std::string_view body) {
  const size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || body[start] != '<') return std::nullopt;
  const std::string_view head = body.substr(start);
  if (!iequals_prefix(head, "<!doctype html") && !iequals_prefix(head, "<html") && !iequals_prefix(head, "<head") &&
      !iequals_prefix(head, "<body") && !iequals_prefix(head, "<?xml"))
    return std::nullopt;
  std::string out = "an HTML page of " + std::to_string(body.size()) + " bytes";
  // Its <title>, looked for in the first 8 KiB only.
  const std::string_view window = body.substr(0, std::min<size_t>(body.size(), 8192));
  std::string lower(window);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const size_t open = lower.find("<title>");
  const size_t close = open == std::string::npos ? std::string::npos : lower.find("</title>", open);
  if (close != std::string::npos) {
    const std::string title = cap_text(window.substr(open + 7, close - open - 7), 120);
    if (title.find_first_not_of(' ') != std::string::npos) out += " titled '" + title + "'";
  }
  return out;
}

std::string raw_text(std::string_view raw) {
  if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) return "an empty body";
  if (auto html = html_summary(raw)) return *html;
  return cap_text(raw, kMaxUpstreamTextBytes);
}

}  // namespace

std::string upstream_message(const nlohmann::json& value, std::string_view raw) {
  if (auto m = json_message(value)) return cap_text(*m, kMaxUpstreamTextBytes);
  return raw_text(raw);
}

std::string upstream_message(std::string_view body) {
  Result<nlohmann::json> j = parse_json_guarded(body, "the reply");
  if (j) return upstream_message(*j, body);
  return raw_text(body);
}

}  // namespace pg::providers
