// File-name sanitizing (see file_name.h). Works on code points, so a cut or a
// removal never leaves half a UTF-8 sequence behind.
#include "rag/file_name.h"

#include <span>

#include "rag/text_decode.h"
#include "rag/utf8.h"

namespace pg::rag {
namespace {

constexpr size_t kMaxExtensionBytes = 16;

// Characters that change how a name displays without being visible: bidi
// embeddings/overrides/isolates (a "gpj.exe" shown as "exe.jpg"), zero-width
// characters and the BOM.
bool is_invisible_format(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) ||
         cp == 0xFEFF;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

std::string trim_spaces_and_leading_dots(std::string s) {
  size_t begin = 0;
  while (begin < s.size() && (s[begin] == ' ' || s[begin] == '.')) ++begin;
  size_t end = s.size();
  while (end > begin && s[end - 1] == ' ') --end;
  return s.substr(begin, end - begin);
}

// Longest prefix of `s` of at most `max` bytes that ends on a code point boundary.
std::string_view cut_at_boundary(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && utf8::is_continuation(static_cast<unsigned char>(s[end]))) --end;
  return s.substr(0, end);
}

}  // namespace

Result<std::string> sanitize_file_name(std::string_view name) {
  if (name.size() > kMaxFileNameInput)
    return Error{"file name of " + std::to_string(name.size()) + " bytes is too long (at most " +
                 std::to_string(kMaxFileNameInput) + ")"};
  // Base name: the last non-empty component, so "dir/" still names "dir".
  while (!name.empty() && (name.back() == '/' || name.back() == '\\')) name.remove_suffix(1);
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);

  std::string decoded;
  if (utf8::is_valid(name)) {
    decoded.assign(name);
  } else {
    decoded = windows1252_to_utf8(std::span(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
  }
  std::string clean;
  for (size_t i = 0; i < decoded.size();) {
    int len;
    bool ok;
    const char32_t cp = utf8::decode(decoded, i, len, ok);
    if (ok && !is_control(cp) && !is_invisible_format(cp)) clean.append(decoded, i, len);
    i += len;
  }
  clean = trim_spaces_and_leading_dots(std::move(clean));

  if (clean.size() > kMaxFileNameBytes) {
    const size_t dot = clean.rfind('.');
    std::string_view extension;
    if (dot != std::string::npos && dot > 0 && clean.size() - dot <= kMaxExtensionBytes)
      extension = std::string_view(clean).substr(dot);
    const std::string_view stem = std::string_view(clean).substr(0, clean.size() - extension.size());
    clean = std::string(cut_at_boundary(stem, kMaxFileNameBytes - extension.size())) + std::string(extension);
    clean = trim_spaces_and_leading_dots(std::move(clean));
  }
  if (clean.empty()) return std::string("document");
  return clean;
}

}  // namespace pg::rag
