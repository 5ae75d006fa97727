// GPT-2 byte <-> Unicode tables (see byte_unicode.h). Built once into constant
// function-local statics; lookups are array indexing with range checks.
#include "engine/tokenizer/byte_unicode.h"

#include <array>

#include "engine/tokenizer/utf8.h"

namespace pg::byte_unicode {

namespace {

bool maps_to_itself(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

struct Tables {
  std::array<uint32_t, 256> cp_of_byte{};
  std::array<std::string, 256> utf8_of_byte;
  std::array<int16_t, 512> byte_of_cp{};  // every mapped code point is below U+0144
  Tables() {
    byte_of_cp.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) cp_of_byte[b] = maps_to_itself(b) ? static_cast<uint32_t>(b) : next++;
    for (int b = 0; b < 256; ++b) {
      utf8_of_byte[b] = utf8::encode(cp_of_byte[b]);
      byte_of_cp[cp_of_byte[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_utf8(uint8_t byte) { return tables().utf8_of_byte[byte]; }

void encode_bytes(std::string_view raw, std::string& out) {
  const Tables& t = tables();
  for (char c : raw) out += t.utf8_of_byte[static_cast<uint8_t>(c)];
}

std::optional<uint8_t> code_point_to_byte(uint32_t cp) {
  const Tables& t = tables();
  if (cp >= t.byte_of_cp.size() || t.byte_of_cp[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(t.byte_of_cp[cp]);
}

}  // namespace pg::byte_unicode
