// Pre-tokenizers: every tokenizer.ggml.pre name in the table compiles, and the
// regex lists split text into the words llama.cpp's splitters produce
// (llama3's contractions, digit grouping, whitespace runs; gpt-2's case-sensitive
// contractions; qwen2's single digits; default's punctuation pass).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/utf8.h"

namespace pg {
namespace {

using Words = std::vector<std::string>;

Words split_with(std::string_view pre, std::string_view text) {
  const PreTokenizerSpec* spec = find_pre_tokenizer(pre);
  EXPECT_NE(spec, nullptr) << pre;
  if (spec == nullptr) return {};
  auto p = PreTokenizer::create(*spec);
  EXPECT_TRUE(p) << p.error();
  if (!p) return {};
  return p->split(text);
}

TEST(TokenizerPre, EveryKnownNameCompiles) {
  const auto names = known_pre_tokenizer_names();
  EXPECT_GE(names.size(), 60u);
  for (std::string_view name : names) {
    const PreTokenizerSpec* spec = find_pre_tokenizer(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_FALSE(spec->regexes.empty()) << name;
    auto p = PreTokenizer::create(*spec);
    EXPECT_TRUE(p) << name << ": " << p.error();
  }
  for (const char* required : {"default", "gpt-2", "llama-bpe", "llama3", "qwen2", "deepseek-llm", "deepseek-coder",
                               "deepseek-v3", "falcon", "starcoder", "refact", "mpt", "command-r", "stablelm2",
                               "olmo", "dbrx", "smaug-bpe", "poro-chat", "jais", "tekken", "smollm", "codeshell",
                               "bloom", "gpt3-finnish", "exaone", "chatglm-bpe", "viking", "minerva-7b", "gpt-4o"}) {
    EXPECT_NE(find_pre_tokenizer(required), nullptr) << required;
  }
  EXPECT_EQ(find_pre_tokenizer("no-such-pre-tokenizer"), nullptr);
  EXPECT_EQ(default_pre_tokenizer().family, "default");
}

TEST(TokenizerPre, Llama3Splits) {
  EXPECT_EQ(split_with("llama-bpe", "Hello world  !!\n\n  x 12345 I'VE"),
            (Words{"Hello", " world", " ", " !!\n\n", " ", " x", " ", "123", "45", " I", "'VE"}));
  EXPECT_EQ(split_with("llama3", "a\r\n\r\nb"), (Words{"a", "\r\n\r\n", "b"}));
  EXPECT_EQ(split_with("llama3", "   "), (Words{"   "}));
  EXPECT_EQ(split_with("llama3", "x  \n y"), (Words{"x", "  \n", " y"}));
  EXPECT_EQ(split_with("llama3", "\xE4\xB8\xAD\xE6\x96\x87 \xC3\xA9t\xC3\xA9!"),
            (Words{"\xE4\xB8\xAD\xE6\x96\x87", " \xC3\xA9t\xC3\xA9", "!"}));
}

TEST(TokenizerPre, Gpt2AndQwen2AndDefaultSplits) {
  EXPECT_EQ(split_with("gpt-2", "I'VE it's  ok"), (Words{"I", "'", "VE", " it", "'s", " ", " ok"}));
  EXPECT_EQ(split_with("qwen2", "ab 12345"), (Words{"ab", " ", "1", "2", "3", "4", "5"}));
  // default: punctuation runs are split off first, then digits, then threes.
  EXPECT_EQ(split_with("default", "hi, 1234567!"), (Words{"hi", ",", " ", "123", "456", "7", "!"}));
  // starcoder: every digit alone.
  EXPECT_EQ(split_with("starcoder", "x=42"), (Words{"x", "=", "4", "2"}));
}

TEST(TokenizerPre, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(split_with("llama3", std::string("a\xFF" "b", 3)), (Words{"a", "\xEF\xBF\xBD" "b"}));
}

// Reference splitters written straight from the logic of llama.cpp's
// hand-optimised GPT-2 and Llama-3 splitters (unicode.cpp), position by
// position. The regex engine must give the same words on any text.
struct Scan {
  const std::vector<uint32_t>& cps;
  size_t n() const { return cps.size(); }
  bool in(size_t i) const { return i < cps.size(); }
  bool letter(size_t i) const { return in(i) && unicode::is_letter(cps[i]); }
  bool number(size_t i) const { return in(i) && unicode::is_number(cps[i]); }
  bool space(size_t i) const { return in(i) && unicode::is_whitespace(cps[i]); }
  bool other(size_t i) const { return in(i) && !letter(i) && !number(i) && !space(i); }
  bool rn(size_t i) const { return in(i) && (cps[i] == '\r' || cps[i] == '\n'); }
  uint32_t lower(size_t i) const { return in(i) ? unicode::to_lower(cps[i]) : 0; }
};

Words reference_split(const std::string& text, bool llama3) {
  const std::vector<uint32_t> cps = utf8::decode(text);
  const Scan s{cps};
  Words words;
  size_t start = 0, pos = 0;
  auto emit = [&](size_t end) {
    if (end > start) words.push_back(utf8::encode(std::vector<uint32_t>(cps.begin() + static_cast<long>(start),
                                                                        cps.begin() + static_cast<long>(end))));
    start = pos = end;
  };
  while (pos < s.n()) {
    const uint32_t c = cps[pos];
    if (c == '\'' && s.in(pos + 1)) {
      const uint32_t c1 = llama3 ? s.lower(pos + 1) : cps[pos + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        emit(pos + 2);
        continue;
      }
      if (s.in(pos + 2)) {
        const uint32_t c2 = llama3 ? s.lower(pos + 2) : cps[pos + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          emit(pos + 3);
          continue;
        }
      }
    }
    if (llama3) {
      if (c != '\r' && c != '\n' && !s.number(pos) && (s.letter(pos) || s.letter(pos + 1))) {
        ++pos;
        while (s.letter(pos)) ++pos;
        emit(pos);
        continue;
      }
      if (s.number(pos)) {
        size_t end = pos;
        while (s.number(end) && end - pos < 3) ++end;
        emit(end);
        continue;
      }
      const size_t probe = c == ' ' ? pos + 1 : pos;
      if (s.other(probe)) {
        size_t end = probe;
        while (s.other(end)) ++end;
        while (s.rn(end)) ++end;
        emit(end);
        continue;
      }
    } else {
      const size_t probe = c == ' ' ? pos + 1 : pos;
      if (s.letter(probe) || s.number(probe) || s.other(probe)) {
        size_t end = probe;
        if (s.letter(probe)) while (s.letter(end)) ++end;
        else if (s.number(probe)) while (s.number(end)) ++end;
        else while (s.other(end)) ++end;
        emit(end);
        continue;
      }
    }
    size_t spaces = 0, last_rn = 0;
    while (s.space(pos + spaces)) {
      if (s.rn(pos + spaces)) last_rn = pos + spaces + 1;
      ++spaces;
    }
    if (llama3 && last_rn > 0) {
      emit(last_rn);
    } else if (spaces > 1 && s.in(pos + spaces)) {
      emit(pos + spaces - 1);
    } else if (spaces > 0) {
      emit(pos + spaces);
    } else {
      emit(pos + 1);
    }
  }
  return words;
}

TEST(TokenizerPre, RegexesEqualLlamaCppsHandWrittenSplitters) {
  const uint32_t alphabet[] = {'a', 'Z', 's', 'S', 't', 'l', 'L', 'e', 'E', 'v', 'r', 'd', 'm', '0', '7', ' ', ' ',
                               ' ', '\t', '\n', '\r', '\v', '\'', '\'', '!', '?', '.', '-', '~', '$', 0x1C, 0x00,
                               0xE9, 0xDF, 0x4E2D, 0xBD, 0x663, 0xA0, 0x3000, 0x2028, 0x85, 0x301, 0x1F999, 0xFFFD,
                               0x378, 0x200D, 0x2160};
  std::mt19937 rng(1234);
  std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) / sizeof(alphabet[0]) - 1);
  std::uniform_int_distribution<size_t> length(0, 24);
  auto gpt2 = PreTokenizer::create(*find_pre_tokenizer("gpt-2"));
  auto llama3 = PreTokenizer::create(*find_pre_tokenizer("llama-bpe"));
  ASSERT_TRUE(gpt2 && llama3);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint32_t> cps(length(rng));
    for (uint32_t& cp : cps) cp = alphabet[pick(rng)];
    const std::string text = utf8::encode(cps);
    ASSERT_EQ(gpt2->split(text), reference_split(text, false)) << "gpt-2 on '" << text << "'";
    ASSERT_EQ(llama3->split(text), reference_split(text, true)) << "llama3 on '" << text << "'";
  }
}

}  // namespace
}  // namespace pg
