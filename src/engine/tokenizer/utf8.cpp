// UTF-8 decoding/encoding (see utf8.h). All indexing is bounds-checked against
// the string size; no input can make these functions throw or read past the end.
#include "engine/tokenizer/utf8.h"

namespace pg::utf8 {

size_t sequence_length(uint8_t lead) {
  static constexpr uint8_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

namespace {
bool is_continuation(std::string_view s, size_t i) {
  return i < s.size() && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80;
}
}  // namespace

uint32_t decode_one(std::string_view s, size_t& offset) {
  if (offset >= s.size()) return kReplacement;
  const uint8_t b0 = static_cast<uint8_t>(s[offset]);
  auto cont = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[offset + k]) & 0x3F); };
  if (b0 < 0x80) {
    offset += 1;
    return b0;
  }
  // Same acceptance rules as llama.cpp's unicode_cpt_from_utf8: only the lead
  // byte's shape and the continuation bytes' top bits are checked.
  if ((b0 & 0xE0) == 0xC0 && is_continuation(s, offset + 1)) {
    const uint32_t cp = ((b0 & 0x1Fu) << 6) | cont(1);
    offset += 2;
    return cp;
  }
  if ((b0 & 0xF0) == 0xE0 && is_continuation(s, offset + 1) && is_continuation(s, offset + 2)) {
    const uint32_t cp = ((b0 & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
    offset += 3;
    return cp;
  }
  if ((b0 & 0xF8) == 0xF0 && is_continuation(s, offset + 1) && is_continuation(s, offset + 2) &&
      is_continuation(s, offset + 3)) {
    const uint32_t cp = ((b0 & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    // llama.cpp would later throw on these (F5..F7 leads); we keep going instead.
    if (cp <= 0x10FFFF) {
      offset += 4;
      return cp;
    }
  }
  offset += 1;
  return kReplacement;
}

std::vector<uint32_t> decode(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t offset = 0;
  while (offset < s.size()) out.push_back(decode_one(s, offset));
  return out;
}

void append_unchecked(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append(std::string& out, uint32_t cp) { append_unchecked(out, cp <= 0x10FFFF ? cp : kReplacement); }

std::string encode(uint32_t cp) {
  std::string s;
  append(s, cp);
  return s;
}

std::string encode(const std::vector<uint32_t>& cps) {
  std::string s;
  s.reserve(cps.size());
  for (uint32_t cp : cps) append(s, cp);
  return s;
}

int strict_sequence(std::string_view s) {
  if (s.empty()) return 0;
  const uint8_t b0 = static_cast<uint8_t>(s[0]);
  if (b0 < 0x80) return 1;
  int need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;   // no overlong forms
    if (b0 == 0xED) hi = 0x9F;   // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;   // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;   // nothing above U+10FFFF
  } else {
    return -1;
  }
  for (int k = 1; k < need; ++k) {
    if (static_cast<size_t>(k) >= s.size()) return 0;
    const uint8_t b = static_cast<uint8_t>(s[k]);
    const uint8_t klo = k == 1 ? lo : 0x80, khi = k == 1 ? hi : 0xBF;
    if (b < klo || b > khi) return -1;
  }
  return need;
}

bool decode_strict(std::string_view s, std::vector<uint32_t>& out) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    const int n = strict_sequence(s.substr(i));
    if (n <= 0) return false;
    size_t at = i;
    out.push_back(decode_one(s, at));
    i += static_cast<size_t>(n);
  }
  return true;
}

std::string take_complete(std::string& bytes, bool final) {
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    const int n = strict_sequence(std::string_view(bytes).substr(i));
    if (n > 0) {
      out.append(bytes, i, static_cast<size_t>(n));
      i += static_cast<size_t>(n);
    } else if (n < 0) {
      append(out, kReplacement);
      i += 1;
    } else if (final) {
      append(out, kReplacement);
      i = bytes.size();
    } else {
      break;  // an incomplete sequence: wait for the bytes that finish it
    }
  }
  bytes.erase(0, i);
  return out;
}

}  // namespace pg::utf8
