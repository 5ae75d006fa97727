// Unicode tables (categories, White_Space, case mappings, NFD first code
// points, CJK ranges) against known Unicode facts, and UTF-8 decoding/encoding
// on valid, invalid and truncated input (llama.cpp's lenient rules) plus the
// strict check the stream decoder relies on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/utf8.h"

namespace pg {
namespace {

using unicode::GeneralCategory;

TEST(TokenizerUnicode, GeneralCategories) {
  EXPECT_STREQ(unicode::unicode_version(), "14.0.0");
  EXPECT_EQ(unicode::general_category('A'), GeneralCategory::Lu);
  EXPECT_EQ(unicode::general_category('z'), GeneralCategory::Ll);
  EXPECT_EQ(unicode::general_category('0'), GeneralCategory::Nd);
  EXPECT_EQ(unicode::general_category(' '), GeneralCategory::Zs);
  EXPECT_EQ(unicode::general_category('\n'), GeneralCategory::Cc);
  EXPECT_EQ(unicode::general_category('~'), GeneralCategory::Sm);
  EXPECT_EQ(unicode::general_category('_'), GeneralCategory::Pc);
  EXPECT_EQ(unicode::general_category(0x00BD), GeneralCategory::No);  // ½
  EXPECT_EQ(unicode::general_category(0x01C5), GeneralCategory::Lt);  // ǅ
  EXPECT_EQ(unicode::general_category(0x02B0), GeneralCategory::Lm);  // ʰ
  EXPECT_EQ(unicode::general_category(0x4E2D), GeneralCategory::Lo);  // 中
  EXPECT_EQ(unicode::general_category(0x0301), GeneralCategory::Mn);
  EXPECT_EQ(unicode::general_category(0x20AC), GeneralCategory::Sc);  // €
  EXPECT_EQ(unicode::general_category(0x2014), GeneralCategory::Pd);  // —
  EXPECT_EQ(unicode::general_category(0x200D), GeneralCategory::Cf);  // ZWJ
  EXPECT_EQ(unicode::general_category(0xD800), GeneralCategory::Cs);
  EXPECT_EQ(unicode::general_category(0xE000), GeneralCategory::Co);
  EXPECT_EQ(unicode::general_category(0x0378), GeneralCategory::Cn);  // unassigned
  EXPECT_EQ(unicode::general_category(0x1F999), GeneralCategory::So);  // 🦙
  EXPECT_EQ(unicode::general_category(0x10FFFF), GeneralCategory::Cn);
  EXPECT_EQ(unicode::general_category(0x110000), GeneralCategory::Cn);
  EXPECT_EQ(unicode::general_category(0xFFFFFFFF), GeneralCategory::Cn);
  EXPECT_TRUE(unicode::is_letter(0x00E9));
  EXPECT_TRUE(unicode::is_number(0x2160));  // Ⅰ (Nl)
  EXPECT_TRUE(unicode::is_punctuation(0x3002));
  EXPECT_TRUE(unicode::is_symbol('$'));
  EXPECT_TRUE(unicode::is_mark(0x0E31));
  EXPECT_TRUE(unicode::is_control(0x200D));
  EXPECT_FALSE(unicode::is_control(0x0378));
}

TEST(TokenizerUnicode, WhitespaceIsUnicodeWhiteSpace) {
  for (uint32_t cp : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                      0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(unicode::is_whitespace(cp)) << std::hex << cp;
  }
  for (uint32_t cp : {0x08u, 0x1Cu, 0x1Fu, 0x200Bu, 0x180Eu, 0x61u, 0xFEFFu, 0x110000u}) {
    EXPECT_FALSE(unicode::is_whitespace(cp)) << std::hex << cp;
  }
}

TEST(TokenizerUnicode, SimpleCaseMappings) {
  EXPECT_EQ(unicode::to_lower('A'), static_cast<uint32_t>('a'));
  EXPECT_EQ(unicode::to_lower('a'), static_cast<uint32_t>('a'));
  EXPECT_EQ(unicode::to_lower(0x00C9), 0x00E9u);   // É
  EXPECT_EQ(unicode::to_lower(0x0100), 0x0101u);   // Ā (stride-2 run)
  EXPECT_EQ(unicode::to_lower(0x0101), 0x0101u);
  EXPECT_EQ(unicode::to_lower(0x03A3), 0x03C3u);   // Σ
  EXPECT_EQ(unicode::to_lower(0x0130), 0x0069u);   // İ: simple mapping
  EXPECT_EQ(unicode::to_lower(0x01C4), 0x01C6u);   // Ǆ
  EXPECT_EQ(unicode::to_lower(0x01C5), 0x01C6u);   // ǅ
  EXPECT_EQ(unicode::to_lower(0x0416), 0x0436u);   // Ж
  EXPECT_EQ(unicode::to_lower(0x1E9E), 0x00DFu);   // ẞ
  EXPECT_EQ(unicode::to_lower(0x212A), 0x006Bu);   // Kelvin sign
  EXPECT_EQ(unicode::to_lower(0x10400), 0x10428u); // Deseret
  EXPECT_EQ(unicode::to_lower(0x4E2D), 0x4E2Du);
  EXPECT_EQ(unicode::to_upper('q'), static_cast<uint32_t>('Q'));
  EXPECT_EQ(unicode::to_upper(0x00E9), 0x00C9u);
  EXPECT_EQ(unicode::to_upper(0x00DF), 0x00DFu);   // ß has no one-letter uppercase
  EXPECT_EQ(unicode::to_upper(0x03C2), 0x03A3u);   // ς
}

TEST(TokenizerUnicode, NfdFirstCodePoint) {
  EXPECT_EQ(unicode::nfd_first(0x00E9), static_cast<uint32_t>('e'));  // é
  EXPECT_EQ(unicode::nfd_first(0x00C5), static_cast<uint32_t>('A'));  // Å
  EXPECT_EQ(unicode::nfd_first(0x00D2), static_cast<uint32_t>('O'));  // Ò (inside a delta run)
  EXPECT_EQ(unicode::nfd_first(0x1E69), static_cast<uint32_t>('s'));  // ṩ (two marks)
  EXPECT_EQ(unicode::nfd_first(0x212B), static_cast<uint32_t>('A'));  // Angstrom sign
  EXPECT_EQ(unicode::nfd_first(0xD55C), 0x1112u);  // 한 -> first jamo, as llama.cpp keeps it
  EXPECT_EQ(unicode::nfd_first(0x1EC7), static_cast<uint32_t>('e'));  // ệ
  EXPECT_EQ(unicode::nfd_first('a'), static_cast<uint32_t>('a'));
  EXPECT_EQ(unicode::nfd_first(0x4E2D), 0x4E2Du);
  EXPECT_EQ(unicode::nfd_first(0x00DF), 0x00DFu);  // ß does not decompose
}

TEST(TokenizerUnicode, CjkRanges) {
  EXPECT_TRUE(unicode::is_bert_chinese_char(0x4E2D));
  EXPECT_TRUE(unicode::is_bert_chinese_char(0x20000));
  EXPECT_FALSE(unicode::is_bert_chinese_char(0x3042));  // hiragana
  EXPECT_FALSE(unicode::is_bert_chinese_char(0xAC00));  // hangul
  EXPECT_FALSE(unicode::is_bert_chinese_char(0x2B820));  // the BERT gap llama.cpp keeps
  EXPECT_TRUE(unicode::is_han(0x2B820));
  EXPECT_FALSE(unicode::is_han('a'));
}

TEST(TokenizerUtf8, DecodesLikeLlamaCpp) {
  EXPECT_EQ(utf8::decode("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\xA6\x99"),
            (std::vector<uint32_t>{'a', 0xE9, 0x4E2D, 0x1F999}));
  // Each bad byte becomes one U+FFFD and decoding goes on with the next byte.
  EXPECT_EQ(utf8::decode("\x80x"), (std::vector<uint32_t>{0xFFFD, 'x'}));
  EXPECT_EQ(utf8::decode("\xE4\xB8"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  EXPECT_EQ(utf8::decode("\xE4" "a"), (std::vector<uint32_t>{0xFFFD, 'a'}));
  EXPECT_EQ(utf8::decode("\xFF\xFE"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  // Lenient like llama.cpp: overlong forms and surrogates decode as written.
  EXPECT_EQ(utf8::decode("\xC0\xAF"), (std::vector<uint32_t>{0x2F}));
  EXPECT_EQ(utf8::decode("\xED\xA0\x80"), (std::vector<uint32_t>{0xD800}));
  // Above U+10FFFF: refused byte by byte.
  EXPECT_EQ(utf8::decode("\xF7\xBF\xBF\xBF").size(), 4u);
  EXPECT_EQ(utf8::decode(std::string("a\0b", 3)), (std::vector<uint32_t>{'a', 0, 'b'}));
  EXPECT_EQ(utf8::sequence_length(0x41), 1u);
  EXPECT_EQ(utf8::sequence_length(0x80), 1u);
  EXPECT_EQ(utf8::sequence_length(0xC3), 2u);
  EXPECT_EQ(utf8::sequence_length(0xE4), 3u);
  EXPECT_EQ(utf8::sequence_length(0xF0), 4u);
}

TEST(TokenizerUtf8, EncodesAndRoundTrips) {
  for (uint32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    const std::string s = utf8::encode(cp);
    EXPECT_EQ(s.size(), cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u);
    EXPECT_EQ(utf8::decode(s), (std::vector<uint32_t>{cp}));
  }
  EXPECT_EQ(utf8::encode(0x110000), "\xEF\xBF\xBD");
}

TEST(TokenizerUtf8, StrictCheckAndCompletePrefix) {
  EXPECT_EQ(utf8::strict_sequence("a"), 1);
  EXPECT_EQ(utf8::strict_sequence("\xC3\xA9"), 2);
  EXPECT_EQ(utf8::strict_sequence("\xF0\x9F\xA6\x99"), 4);
  EXPECT_EQ(utf8::strict_sequence("\xF0\x9F"), 0);
  EXPECT_EQ(utf8::strict_sequence("\xC0\xAF"), -1);  // overlong
  EXPECT_EQ(utf8::strict_sequence("\xE0\x80"), -1);  // overlong
  EXPECT_EQ(utf8::strict_sequence("\xED\xA0"), -1);  // surrogate
  EXPECT_EQ(utf8::strict_sequence("\xF4\x90"), -1);  // above U+10FFFF
  EXPECT_EQ(utf8::strict_sequence("\x80"), -1);

  std::string pending = "ab\xF0\x9F";
  EXPECT_EQ(utf8::take_complete(pending, false), "ab");
  EXPECT_EQ(pending, "\xF0\x9F");
  pending += "\xA6\x99!";
  EXPECT_EQ(utf8::take_complete(pending, false), "\xF0\x9F\xA6\x99!");
  EXPECT_EQ(pending, "");
  pending = "\xFFx\xE4\xB8";
  EXPECT_EQ(utf8::take_complete(pending, false), "\xEF\xBF\xBDx");
  EXPECT_EQ(utf8::take_complete(pending, true), "\xEF\xBF\xBD");
  EXPECT_EQ(pending, "");
}

}  // namespace
}  // namespace pg
