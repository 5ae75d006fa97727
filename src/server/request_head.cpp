// Scanning an HTTP/1.x request head with limits; see request_head.h.
#include "server/request_head.h"

#include <algorithm>

namespace pg::server {
namespace {

bool is_token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// Field values may hold visible ASCII, spaces, tabs and obs-text (bytes >= 0x80).
bool valid_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The last comma-separated element of a field value, trimmed.
std::string_view last_element(std::string_view v) {
  const size_t comma = v.rfind(',');
  return trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
}

bool has_element(std::string_view v, std::string_view word) {
  while (!v.empty()) {
    const size_t comma = v.find(',');
    if (iequals(trim(v.substr(0, comma)), word)) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}

HeadScan refuse(HeadState state, std::string error) {
  HeadScan s;
  s.state = state;
  s.error = std::move(error);
  return s;
}

// One line [begin, end) without its line end; end is the index of '\n'.
struct Line {
  std::string_view text;
  size_t next = 0;  // index after the '\n'
};

// Finds the line starting at pos; nullopt while no '\n' has arrived.
std::optional<Line> line_at(std::string_view bytes, size_t pos) {
  const size_t nl = bytes.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  size_t end = nl;
  if (end > pos && bytes[end - 1] == '\r') --end;
  return Line{bytes.substr(pos, end - pos), nl + 1};
}

HeadScan parse_request_line(std::string_view line, RequestHead& head) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(HeadState::malformed, "the request line is not 'METHOD TARGET HTTP/1.x'");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); }))
    return refuse(HeadState::malformed, "the request method is not a token");
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7f;
      }))
    return refuse(HeadState::malformed, "the request target is empty or holds control characters");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return refuse(HeadState::malformed, "the protocol version is not HTTP/1.0 or HTTP/1.1");
  head.method = method;
  head.target = target;
  head.version = version;
  head.keep_alive = version == "HTTP/1.1";
  return HeadScan{HeadState::complete, {}, {}};
}

// Content-Length: digits only; several equal values (or a list of equal values) are one.
bool apply_content_length(std::string_view value, RequestHead& head) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view one = trim(value.substr(0, comma));
    if (one.empty() || one.size() > 18) return false;
    uint64_t n = 0;
    for (char c : one) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (head.content_length && *head.content_length != n) return false;
    head.content_length = n;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return head.content_length.has_value();
}

}  // namespace

HeadScan scan_request_head(std::string_view bytes, const HeadLimits& limits) {
  // Empty lines before a request are allowed (RFC 9112 2.2); they count as head.
  size_t pos = 0;
  while (pos < bytes.size() && (bytes[pos] == '\r' || bytes[pos] == '\n')) {
    if (bytes[pos] == '\r' && (pos + 1 >= bytes.size() || bytes[pos + 1] != '\n')) {
      if (pos + 1 >= bytes.size()) return HeadScan{};
      return refuse(HeadState::malformed, "a bare CR before the request line");
    }
    ++pos;
    if (pos > limits.max_line_bytes) return refuse(HeadState::malformed, "too many empty lines before the request");
  }
  const std::string_view rest = bytes.substr(pos);
  auto first = line_at(rest, 0);
  if (!first) {
    // A CR at the end may be the start of the line's CRLF: it is not part of the line.
    const size_t line_so_far = rest.size() - (!rest.empty() && rest.back() == '\r' ? 1 : 0);
    if (line_so_far > limits.max_line_bytes)
      return refuse(HeadState::line_too_long,
                    "the request line is longer than " + std::to_string(limits.max_line_bytes) + " bytes");
    return HeadScan{};
  }
  if (first->text.size() > limits.max_line_bytes)
    return refuse(HeadState::line_too_long,
                  "the request line is longer than " + std::to_string(limits.max_line_bytes) + " bytes");

  HeadScan out;
  if (HeadScan s = parse_request_line(first->text, out.head); s.state != HeadState::complete) return s;

  const std::string too_large = "the request head is larger than " + std::to_string(limits.max_head_bytes) +
                                " bytes or has more than " + std::to_string(limits.max_header_count) + " fields";
  size_t at = first->next;
  bool connection_close = false, connection_keep_alive = false, has_transfer_encoding = false;
  for (;;) {
    if (pos + at > limits.max_head_bytes) return refuse(HeadState::head_too_large, too_large);
    auto line = line_at(rest, at);
    if (!line) {
      if (pos + rest.size() > limits.max_head_bytes) return refuse(HeadState::head_too_large, too_large);
      return HeadScan{};
    }
    if (pos + line->next > limits.max_head_bytes) return refuse(HeadState::head_too_large, too_large);
    at = line->next;
    if (line->text.empty()) break;
    const std::string_view text = line->text;
    if (text.front() == ' ' || text.front() == '\t')
      return refuse(HeadState::malformed, "folded header lines are not accepted");
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return refuse(HeadState::malformed, "a header line without a field name and colon");
    const std::string_view name = text.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); }))
      return refuse(HeadState::malformed, "a header field name holds characters other than a token's");
    const std::string_view raw_value = text.substr(colon + 1);
    if (!std::all_of(raw_value.begin(), raw_value.end(), [](char c) { return valid_value_char(static_cast<unsigned char>(c)); }))
      return refuse(HeadState::malformed, "a header field value holds control characters");
    if (out.head.fields.size() >= limits.max_header_count) return refuse(HeadState::head_too_large, too_large);
    const std::string_view value = trim(raw_value);
    if (iequals(name, "Content-Length")) {
      if (!apply_content_length(value, out.head)) return refuse(HeadState::malformed, "an invalid Content-Length");
    } else if (iequals(name, "Transfer-Encoding")) {
      has_transfer_encoding = true;
      out.head.chunked = iequals(last_element(value), "chunked");
      if (!out.head.chunked) return refuse(HeadState::malformed, "a Transfer-Encoding other than chunked");
    } else if (iequals(name, "Connection")) {
      connection_close = connection_close || has_element(value, "close");
      connection_keep_alive = connection_keep_alive || has_element(value, "keep-alive");
    }
    out.head.fields.emplace_back(std::string(name), std::string(value));
  }
  if (has_transfer_encoding && out.head.content_length)
    return refuse(HeadState::malformed, "both Content-Length and Transfer-Encoding");
  if (connection_close) out.head.keep_alive = false;
  else if (connection_keep_alive) out.head.keep_alive = true;
  out.head.head_bytes = pos + at;
  out.state = HeadState::complete;
  return out;
}

int head_refusal_status(HeadState state) {
  switch (state) {
    case HeadState::malformed: return 400;
    case HeadState::line_too_long: return 414;
    case HeadState::head_too_large: return 431;
    default: return 0;
  }
}

}  // namespace pg::server
