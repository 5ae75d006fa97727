// Streaming multipart/form-data; see multipart_parser.h.
#include "server/multipart_parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace pg::server {
namespace {

constexpr size_t kMaxHeaderBlock = 16 * 1024;
constexpr size_t kMaxParts = 10000;
constexpr size_t kMaxPreamble = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in a header value such as
// `form-data; name="files"; filename="a b.pdf"` (quoted or a token); nullopt when absent.
std::optional<std::string> parameter(std::string_view value, std::string_view key) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(value.substr(i, eq - i));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j];
      }
      if (j < value.size()) ++j;  // the closing quote
    } else {
      while (j < value.size() && value[j] != ';') v += value[j++];
      v = std::string(trim(v));
    }
    if (iequals(name, key)) return v;
    i = value.find(';', j);
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data"))
    return Error{"expected Content-Type multipart/form-data, got '" + std::string(content_type.substr(0, 100)) + "'"};
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70)
    return Error{"the multipart/form-data Content-Type has no valid boundary (1 to 70 characters)"};
  return *b;
}

MultipartParser::MultipartParser(std::string boundary, PartFn on_part, DataFn on_data)
    : dash_boundary_("--" + boundary), delimiter_("\r\n--" + boundary), on_part_(std::move(on_part)),
      on_data_(std::move(on_data)) {}

bool MultipartParser::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  state_ = State::Failed;
  return false;
}

bool MultipartParser::parse_headers(std::string_view block) {
  MultipartPartHeader h;
  bool disposition = false;
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(start, end - start);
    start = end + 2;
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("a part header line has no ':'");
    const std::string_view key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (iequals(key, "Content-Disposition")) {
      const std::string_view kind = trim(value.substr(0, value.find(';')));
      if (!iequals(kind, "form-data")) return fail("a part's Content-Disposition is not form-data");
      auto name = parameter(value, "name");
      if (!name) return fail("a part's Content-Disposition has no name");
      h.name = *name;
      h.filename = parameter(value, "filename").value_or("");
      disposition = true;
    } else if (iequals(key, "Content-Type")) {
      h.content_type = std::string(value);
    }
  }
  if (!disposition) return fail("a part has no Content-Disposition header");
  if (++parts_ > kMaxParts) return fail("more than " + std::to_string(kMaxParts) + " parts");
  if (!on_part_(h)) return fail("");
  return true;
}

bool MultipartParser::step() {
  switch (state_) {
    case State::Preamble: {
      // The first delimiter may come at the very start or after a preamble line.
      const size_t at = buf_.find(dash_boundary_);
      if (at == std::string::npos) {
        if (buf_.size() > kMaxPreamble) return fail("no multipart boundary in the first 64 KiB");
        return false;
      }
      if (at != 0 && (at < 2 || buf_.compare(at - 2, 2, "\r\n") != 0)) {
        buf_.erase(0, at + 1);  // the boundary text inside a preamble line: keep looking
        return true;
      }
      buf_.erase(0, at + dash_boundary_.size());
      state_ = State::AfterDelimiter;
      return true;
    }
    case State::AfterDelimiter: {
      size_t i = 0;
      while (i < buf_.size() && (buf_[i] == ' ' || buf_[i] == '\t')) ++i;  // transport padding
      if (i + 2 > buf_.size()) {
        if (buf_.size() > 1024) return fail("a boundary is followed by neither CRLF nor '--'");
        return false;
      }
      if (buf_.compare(i, 2, "--") == 0) {
        state_ = State::Done;
        buf_.clear();
        return false;
      }
      if (buf_.compare(i, 2, "\r\n") != 0) return fail("a boundary is followed by neither CRLF nor '--'");
      buf_.erase(0, i + 2);
      state_ = State::Headers;
      return true;
    }
    case State::Headers: {
      const size_t end = buf_.find("\r\n\r\n");
      if (end == std::string::npos && !(buf_.size() >= 2 && buf_.compare(0, 2, "\r\n") == 0)) {
        if (buf_.size() > kMaxHeaderBlock) return fail("a part's headers are longer than 16 KiB");
        return false;
      }
      // A part with no headers at all starts with the blank line itself.
      const size_t block_end = buf_.compare(0, 2, "\r\n") == 0 ? 0 : end;
      if (!parse_headers(std::string_view(buf_).substr(0, block_end))) return false;
      buf_.erase(0, block_end + (block_end == 0 ? 2 : 4));
      state_ = State::Body;
      return true;
    }
    case State::Body: {
      const size_t at = buf_.find(delimiter_);
      if (at == std::string::npos) {
        // Everything but what could be the start of a delimiter is content.
        const size_t keep = delimiter_.size() - 1;
        if (buf_.size() > keep) {
          const size_t n = buf_.size() - keep;
          if (!on_data_(buf_.data(), n)) return fail("");
          buf_.erase(0, n);
        }
        return false;
      }
      if (at > 0 && !on_data_(buf_.data(), at)) return fail("");
      buf_.erase(0, at + delimiter_.size());
      state_ = State::AfterDelimiter;
      return true;
    }
    case State::Done:
      buf_.clear();  // the epilogue is ignored
      return false;
    case State::Failed:
      return false;
  }
  return false;
}

bool MultipartParser::feed(const char* data, size_t n) {
  if (state_ == State::Failed) return false;
  if (state_ == State::Done) return true;
  buf_.append(data, n);
  while (step()) {
  }
  return state_ != State::Failed;
}

bool MultipartParser::finish() {
  if (state_ == State::Failed) return false;
  if (state_ != State::Done) return fail("the body ended before the closing boundary (cut off?)");
  return true;
}

}  // namespace pg::server
