// Encoding detection and conversion of text files (see text_decode.h). The
// order of the checks matters: a BOM is the file's own statement; valid UTF-8
// is almost never an accident for non-ASCII text; zero bytes at every other
// position mean UTF-16 even without a BOM; only then does a statistical guess
// (uchardet) run. iconv (glibc) converts everything except Windows-1252, which
// has its own table so the fallback cannot fail.
#include "rag/text_decode.h"

#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <memory>

#include "rag/utf8.h"

namespace pg::rag {
namespace {

constexpr size_t kUchardetSample = 256 * 1024;  // enough for a stable guess, bounded time

// Windows-1252 0x80..0x9F; 0 marks the five undefined bytes.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string binary_error(std::string_view file_name) {
  return std::string(file_name) + ": binary content (not PDF, text or Markdown)";
}

// Converts with iconv. Undecodable bytes become U+FFFD (counted) so a text
// with one bad byte still indexes. A sequence cut at the end of a prefix is dropped.
Result<std::string> convert_with_iconv(std::span<const uint8_t> bytes, const char* charset, bool is_prefix,
                                       size_t& replaced, std::string_view file_name) {
  iconv_t cd = iconv_open("UTF-8", charset);
  if (cd == reinterpret_cast<iconv_t>(-1))
    return Error{std::string(file_name) + ": encoding " + charset + " is not supported"};
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, iconv_close);
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  char* in = reinterpret_cast<char*>(const_cast<uint8_t*>(bytes.data()));
  size_t in_left = bytes.size();
  size_t out_used = 0;
  replaced = 0;
  while (in_left > 0) {
    char* out_ptr = out.data() + out_used;
    size_t out_left = out.size() - out_used;
    const size_t rc = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    out_used = out.size() - out_left;
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else if (errno == EILSEQ || errno == EINVAL) {
      if (errno == EINVAL && is_prefix) break;  // cut in the middle of the last character
      ++replaced;
      ++in, --in_left;
      out.resize(std::max(out.size(), out_used + 8));
      std::string rep;
      utf8::append(rep, utf8::kReplacement);
      out.replace(out_used, rep.size(), rep);
      out_used += rep.size();
    } else {
      return Error{std::string(file_name) + ": cannot convert from " + charset};
    }
  }
  out.resize(out_used);
  return out;
}

// UTF-16 without a BOM: in mostly-Latin text every other byte is zero.
// Returns "UTF-16LE", "UTF-16BE" or "".
const char* guess_bomless_utf16(std::span<const uint8_t> bytes) {
  const size_t n = std::min<size_t>(bytes.size(), 4096) & ~size_t{1};
  if (n < 8) return "";
  size_t zero_even = 0, zero_odd = 0;
  for (size_t i = 0; i < n; i += 2) {
    zero_even += bytes[i] == 0;
    zero_odd += bytes[i + 1] == 0;
  }
  const size_t pairs = n / 2;
  if (zero_odd * 10 >= pairs * 4 && zero_even * 20 <= pairs) return "UTF-16LE";
  if (zero_even * 10 >= pairs * 4 && zero_odd * 20 <= pairs) return "UTF-16BE";
  return "";
}

std::string uchardet_guess(std::span<const uint8_t> bytes) {
  uchardet_t ud = uchardet_new();
  if (!ud) return "";
  const size_t n = std::min(bytes.size(), kUchardetSample);
  std::string charset;
  if (uchardet_handle_data(ud, reinterpret_cast<const char*>(bytes.data()), n) == 0) {
    uchardet_data_end(ud);
    if (const char* c = uchardet_get_charset(ud)) charset = c;
  }
  uchardet_delete(ud);
  return charset;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) ==
                                                std::tolower(static_cast<unsigned char>(y)); });
}

// LF line ends; control characters checked: NUL or many controls mean binary
// content; a few stray ones (form feeds, escape codes) are dropped with a warning.
Result<std::string> normalize(std::string_view text, std::string_view file_name, std::vector<std::string>& warnings) {
  std::string out;
  out.reserve(text.size());
  size_t dropped = 0, code_points = 0;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b != 0x7F) {
      if (b < 0x80) {
        out += static_cast<char>(b);
        ++i, ++code_points;
        continue;
      }
      int len;
      bool ok;
      const char32_t cp = utf8::decode(text, i, len, ok);
      ++code_points;
      if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF) {
        dropped += cp != 0xFEFF;  // C1 controls; a zero-width no-break space is just removed
      } else {
        out.append(text.substr(i, len));
      }
      i += len;
      continue;
    }
    ++code_points;
    if (b == 0) return Error{binary_error(file_name)};
    if (b == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (b == '\n' || b == '\t') {
      out += static_cast<char>(b);
    } else if (b == '\f' || b == '\v') {
      out += '\n';  // a page or section break in old text files
    } else {
      ++dropped;
    }
    ++i;
  }
  // Text has at most a handful of stray controls; binary data has one in ~10 bytes.
  if (dropped > 8 && dropped * 100 > code_points) return Error{binary_error(file_name)};
  if (dropped > 0)
    warnings.push_back(std::string(file_name) + ": " + std::to_string(dropped) + " control characters removed");
  return out;
}

}  // namespace

std::string windows1252_to_utf8(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (uint8_t b : bytes) {
    if (b < 0x80) {
      out += static_cast<char>(b);
    } else if (b < 0xA0) {
      const char16_t cp = kCp1252High[b - 0x80];
      utf8::append(out, cp == 0 ? utf8::kReplacement : cp);
    } else {
      utf8::append(out, b);
    }
  }
  return out;
}

Result<DecodedText> decode_text(std::span<const uint8_t> bytes, std::string_view file_name, bool is_prefix) {
  DecodedText result;
  std::string utf8_text;
  size_t replaced = 0;
  auto starts_with = [&](std::initializer_list<uint8_t> bom) {
    return bytes.size() >= bom.size() && std::equal(bom.begin(), bom.end(), bytes.begin());
  };
  auto via_iconv = [&](const char* charset, size_t skip) -> Status {
    auto converted = convert_with_iconv(bytes.subspan(skip), charset, is_prefix, replaced, file_name);
    if (!converted) return converted.status();
    utf8_text = std::move(*converted);
    result.encoding = charset;
    return Status::ok();
  };

  Status st;
  if (starts_with({0xEF, 0xBB, 0xBF})) {
    std::string_view body(reinterpret_cast<const char*>(bytes.data()) + 3, bytes.size() - 3);
    utf8_text = utf8::repair(body, replaced);
    result.encoding = "UTF-8";
  } else if (starts_with({0xFF, 0xFE, 0x00, 0x00})) {
    st = via_iconv("UTF-32LE", 4);
  } else if (starts_with({0x00, 0x00, 0xFE, 0xFF})) {
    st = via_iconv("UTF-32BE", 4);
  } else if (starts_with({0xFF, 0xFE})) {
    st = via_iconv("UTF-16LE", 2);
  } else if (starts_with({0xFE, 0xFF})) {
    st = via_iconv("UTF-16BE", 2);
  } else {
    std::string_view raw(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const size_t bad = utf8::first_invalid(raw);
    // A prefix may end inside a character: at most 3 bytes of an unfinished sequence.
    auto unfinished_tail = [&] {
      if (!is_prefix || raw.size() - bad >= 4 || static_cast<unsigned char>(raw[bad]) < 0xC2) return false;
      for (size_t i = bad + 1; i < raw.size(); ++i)
        if (!utf8::is_continuation(static_cast<unsigned char>(raw[i]))) return false;
      return true;
    };
    const bool valid_utf8 = bad == raw.size() || unfinished_tail();
    if (valid_utf8) {
      utf8_text.assign(raw.substr(0, bad));
      result.encoding = "UTF-8";
    } else if (const char* utf16 = guess_bomless_utf16(bytes); *utf16) {
      st = via_iconv(utf16, 0);
    } else {
      const std::string guess = uchardet_guess(bytes);
      // ISO-8859-1 and ASCII decode as their superset Windows-1252 (as browsers do):
      // 0x80..0x9F are then quotes and dashes rather than invisible controls.
      if (guess.empty() || iequals(guess, "ISO-8859-1") || iequals(guess, "WINDOWS-1252") ||
          iequals(guess, "ASCII") || iequals(guess, "UTF-8")) {
        utf8_text = windows1252_to_utf8(bytes);
        result.encoding = guess.empty() || iequals(guess, "UTF-8") || iequals(guess, "ASCII") ? "windows-1252" : guess;
        if (guess.empty())
          result.warnings.push_back(std::string(file_name) + ": encoding not recognized, read as windows-1252");
      } else if (Status conv = via_iconv(guess.c_str(), 0); !conv) {
        utf8_text = windows1252_to_utf8(bytes);
        result.encoding = "windows-1252";
        result.warnings.push_back(std::string(file_name) + ": detected encoding " + guess +
                                  " cannot be converted, read as windows-1252");
      }
    }
  }
  if (!st) return st;
  // Binary data read as UTF-16 or behind a UTF-8 BOM is mostly undecodable.
  if (replaced > 8 && replaced * 20 > utf8::count_code_points(utf8_text)) return Error{binary_error(file_name)};
  if (replaced > 0)
    result.warnings.push_back(std::string(file_name) + ": " + std::to_string(replaced) + " invalid " +
                              result.encoding + " sequences replaced by U+FFFD");
  auto normalized = normalize(utf8_text, file_name, result.warnings);
  if (!normalized) return normalized.status();
  result.text = std::move(*normalized);
  return result;
}

}  // namespace pg::rag
