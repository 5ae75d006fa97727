// UTF-8 decoding/encoding and approximate Unicode character classes for the
// Jinja interpreter (see unicode_text.h). Pure functions over constant tables.
#include "engine/template/unicode_text.h"

#include "engine/tokenizer/utf8.h"

namespace pg::jinja::text {
namespace {

struct Range {
  char32_t first, last;
};

template <size_t N>
bool in_ranges(char32_t c, const Range (&ranges)[N]) {
  for (const Range& r : ranges)
    if (c >= r.first && c <= r.last) return true;
  return false;
}

// Blocks where upper and lower case alternate: even code point upper, odd lower
// (or the reverse when `odd_upper`).
struct PairBlock {
  char32_t first, last;
  bool odd_upper;
};
constexpr PairBlock kPairBlocks[] = {
    {0x0100, 0x012F, false}, {0x0132, 0x0137, false}, {0x0139, 0x0148, true},
    {0x014A, 0x0177, false}, {0x0179, 0x017E, true},  {0x01CD, 0x01DC, true},
    {0x01DE, 0x01EF, false}, {0x01F8, 0x021F, false}, {0x0222, 0x0233, false},
    {0x0246, 0x024F, false}, {0x03D8, 0x03EF, false}, {0x0460, 0x0481, false},
    {0x048A, 0x04BF, false}, {0x04C1, 0x04CE, true},  {0x04D0, 0x052F, false},
    {0x1E00, 0x1E95, false}, {0x1EA0, 0x1EFF, false}, {0x2C80, 0x2CE3, false},
    {0xA640, 0xA66D, false}, {0xA680, 0xA69B, false}, {0xA722, 0xA72F, false},
    {0xA732, 0xA76F, false}, {0xA77E, 0xA787, false}, {0xA790, 0xA793, false},
    {0xA7A0, 0xA7A9, false},
};

// Blocks where the lower-case letter is at a fixed offset above the upper one.
struct OffsetBlock {
  char32_t upper_first, upper_last;
  int32_t offset;
};
constexpr OffsetBlock kOffsetBlocks[] = {
    {0x0041, 0x005A, 0x20},  {0x00C0, 0x00D6, 0x20},  {0x00D8, 0x00DE, 0x20},
    {0x0391, 0x03A1, 0x20},  {0x03A3, 0x03AB, 0x20},  {0x0388, 0x038A, 0x25},
    {0x038E, 0x038F, 0x3F},  {0x0410, 0x042F, 0x20},  {0x0400, 0x040F, 0x50},
    {0x0531, 0x0556, 0x30},  {0x10A0, 0x10C5, 0x1C60}, {0x1F08, 0x1F0F, -8},
    {0x1F18, 0x1F1D, -8},    {0x1F28, 0x1F2F, -8},    {0x1F38, 0x1F3F, -8},
    {0x1F48, 0x1F4D, -8},    {0x1F68, 0x1F6F, -8},    {0x2160, 0x216F, 0x10},
    {0x24B6, 0x24CF, 0x1A},  {0x2C00, 0x2C2F, 0x30},  {0xFF21, 0xFF3A, 0x20},
    {0x10400, 0x10427, 0x28},
};

// Single pairs that fit no block.
struct Pair {
  char32_t upper, lower;
};
constexpr Pair kPairs[] = {
    {0x0178, 0x00FF}, {0x0386, 0x03AC}, {0x038C, 0x03CC}, {0x04C0, 0x04CF},
    {0x0181, 0x0253}, {0x0186, 0x0254}, {0x0189, 0x0256}, {0x018A, 0x0257},
    {0x018F, 0x0259}, {0x0190, 0x025B}, {0x0193, 0x0260}, {0x0194, 0x0263},
    {0x0196, 0x0269}, {0x0197, 0x0268}, {0x019C, 0x026F}, {0x019D, 0x0272},
    {0x01A0, 0x01A1}, {0x01A2, 0x01A3}, {0x01A4, 0x01A5}, {0x01A7, 0x01A8},
    {0x01AC, 0x01AD}, {0x01AF, 0x01B0}, {0x01B3, 0x01B4}, {0x01B5, 0x01B6},
    {0x01B8, 0x01B9}, {0x01BC, 0x01BD}, {0x0182, 0x0183}, {0x0184, 0x0185},
    {0x0187, 0x0188}, {0x018B, 0x018C}, {0x0191, 0x0192}, {0x0198, 0x0199},
};

// Lower-case letters whose upper case is outside the tables above.
constexpr Pair kUpperOnly[] = {
    {0x039C, 0x00B5}, {0x0178, 0x00FF}, {0x0049, 0x0131}, {0x0053, 0x017F},
    {0x03A3, 0x03C2},
};

constexpr Range kOtherLetters[] = {
    {0x00AA, 0x00AA}, {0x00BA, 0x00BA}, {0x00DF, 0x00DF}, {0x0138, 0x0138},
    {0x0149, 0x0149}, {0x0180, 0x024F}, {0x0250, 0x02AF}, {0x02B0, 0x02C1},
    {0x05D0, 0x05EA}, {0x05EF, 0x05F2}, {0x0620, 0x064A}, {0x066E, 0x06D3},
    {0x06FA, 0x06FC}, {0x0904, 0x0939}, {0x093D, 0x093D}, {0x0950, 0x0950},
    {0x0958, 0x0961}, {0x0972, 0x097F}, {0x0985, 0x09B9}, {0x0A05, 0x0A39},
    {0x0A85, 0x0AB9}, {0x0B05, 0x0B39}, {0x0B85, 0x0BB9}, {0x0C05, 0x0C39},
    {0x0C85, 0x0CB9}, {0x0D05, 0x0D3A}, {0x0E01, 0x0E30}, {0x0E32, 0x0E33},
    {0x0E40, 0x0E46}, {0x10D0, 0x10FA}, {0x1100, 0x11FF}, {0x3041, 0x3096},
    {0x309D, 0x309F}, {0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x3105, 0x312F},
    {0x3131, 0x318E}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF}, {0x1F00, 0x1FFC}, {0x20000, 0x2FA1F},
};

constexpr Range kDecimals[] = {
    {0x0030, 0x0039}, {0x0660, 0x0669}, {0x06F0, 0x06F9}, {0x0966, 0x096F},
    {0x09E6, 0x09EF}, {0x0E50, 0x0E59}, {0xFF10, 0xFF19},
};
constexpr Range kOtherDigits[] = {
    {0x00B2, 0x00B3}, {0x00B9, 0x00B9}, {0x2070, 0x2070}, {0x2074, 0x2079},
    {0x2080, 0x2089}, {0x2460, 0x2468}, {0x2474, 0x247C}, {0x2488, 0x2490},
};
constexpr Range kOtherNumerics[] = {
    {0x00BC, 0x00BE}, {0x2150, 0x2182}, {0x3007, 0x3007}, {0x4E00, 0x4E00},
    {0x4E03, 0x4E03}, {0x4E07, 0x4E07}, {0x4E09, 0x4E09}, {0x4E5D, 0x4E5D},
    {0x4E8C, 0x4E8C}, {0x4E94, 0x4E94}, {0x516B, 0x516B}, {0x516D, 0x516D},
    {0x5341, 0x5341}, {0x5343, 0x5343}, {0x5104, 0x5104}, {0x56DB, 0x56DB},
    {0x767E, 0x767E}, {0x96F6, 0x96F6},
};

// Code points Python's repr() escapes (controls, separators, format characters,
// private use, surrogates, non-characters), approximately.
constexpr Range kUnprintable[] = {
    {0x0000, 0x001F}, {0x007F, 0x00A0}, {0x00AD, 0x00AD}, {0x0378, 0x0379},
    {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
    {0x1680, 0x1680}, {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F},
    {0x205F, 0x2064}, {0x2066, 0x206F}, {0x3000, 0x3000}, {0xD800, 0xF8FF},
    {0xFEFF, 0xFEFF}, {0xFFF0, 0xFFFB}, {0xFFFE, 0xFFFF}, {0x110BD, 0x110BD},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}, {0xF0000, 0x10FFFF},
};

bool in_pair_block(char32_t c, bool want_upper) {
  for (const PairBlock& b : kPairBlocks) {
    if (c < b.first || c > b.last) continue;
    const bool odd = (c & 1) != 0;
    return (odd == b.odd_upper) == want_upper;
  }
  return false;
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an escaped invalid byte
    out.push_back(static_cast<char>(cp - 0xDC00));
  } else {
    utf8::append_unchecked(out, cp);
  }
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len = 0;
    char32_t cp = 0, min = 0;
    if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
    else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
    else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(0xDC00 + b0);
      ++i;
    }
  }
  return out;
}

std::string encode(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) append_utf8(out, c);
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

size_t codepoint_count(std::string_view s) {
  if (is_ascii(s)) return s.size();
  return decode(s).size();
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_line_break(char32_t c) {
  return (c >= 0x0A && c <= 0x0D) || (c >= 0x1C && c <= 0x1E) || c == 0x85 || c == 0x2028 ||
         c == 0x2029;
}

bool is_upper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  return to_lower(c) != c;
}

bool is_lower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (c == 0xDF || c == 0x138 || c == 0x149 || c == 0xAA || c == 0xBA) return true;
  return to_upper(c) != c;
}

bool is_cased(char32_t c) { return is_upper(c) || is_lower(c); }

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return is_cased(c) || in_ranges(c, kOtherLetters);
}

bool is_decimal(char32_t c) { return in_ranges(c, kDecimals); }
bool is_digit(char32_t c) { return is_decimal(c) || in_ranges(c, kOtherDigits); }
bool is_numeric(char32_t c) { return is_digit(c) || in_ranges(c, kOtherNumerics); }
bool is_alnum(char32_t c) { return is_alpha(c) || is_numeric(c); }
bool is_word_char(char32_t c) { return c == '_' || is_alnum(c); }

bool is_printable(char32_t c) {
  if (c >= 0x20 && c < 0x7F) return true;
  return !in_ranges(c, kUnprintable);
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
  for (const OffsetBlock& b : kOffsetBlocks)
    if (c >= b.upper_first && c <= b.upper_last) return static_cast<char32_t>(c + b.offset);
  for (const Pair& p : kPairs)
    if (p.upper == c) return p.lower;
  if (c == 0x0130) return 'i';
  if (in_pair_block(c, true)) return c + 1;
  return c;
}

char32_t to_upper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 0x20 : c;
  for (const OffsetBlock& b : kOffsetBlocks) {
    const auto lo = static_cast<char32_t>(b.upper_first + b.offset);
    const auto hi = static_cast<char32_t>(b.upper_last + b.offset);
    if (c >= lo && c <= hi) return static_cast<char32_t>(c - b.offset);
  }
  for (const Pair& p : kPairs)
    if (p.lower == c) return p.upper;
  for (const Pair& p : kUpperOnly)
    if (p.lower == c) return p.upper;
  if (in_pair_block(c, false)) return c - 1;
  return c;
}

namespace {

void append_upper(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "SS";
    return;
  }
  append_utf8(out, to_upper(c));
}

}  // namespace

std::string upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) out.push_back((c >= 'a' && c <= 'z') ? static_cast<char>(c - 0x20) : c);
    return out;
  }
  for (char32_t c : decode(s)) append_upper(out, c);
  return out;
}

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 0x20) : c);
    return out;
  }
  for (char32_t c : decode(s)) {
    if (c == 0x0130) {
      out += "i\xCC\x87";  // İ lowers to i + combining dot above
      continue;
    }
    append_utf8(out, to_lower(c));
  }
  return out;
}

std::string swapcase(std::string_view s) {
  std::string out;
  for (char32_t c : decode(s)) {
    if (is_upper(c)) append_utf8(out, to_lower(c));
    else if (is_lower(c)) append_upper(out, c);
    else append_utf8(out, c);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  for (char32_t c : decode(s)) {
    if (first) append_upper(out, c);
    else append_utf8(out, to_lower(c));
    first = false;
  }
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  bool previous_cased = false;
  for (char32_t c : decode(s)) {
    if (previous_cased) append_utf8(out, to_lower(c));
    else append_upper(out, c);
    previous_cased = is_cased(c);
  }
  return out;
}

}  // namespace pg::jinja::text
