// WordPiece (see wordpiece.h). Mirrors llama.cpp's llm_tokenizer_wpm_session,
// including its simplifications: "NFD" keeps only the first code point of each
// decomposition, and a word with any unmatchable position becomes one UNK.
#include "engine/tokenizer/wordpiece.h"

#include <algorithm>

#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/utf8.h"

namespace pg::tok {

std::vector<std::string> wordpiece_words(const Vocab& vocab, std::string_view text) {
  std::vector<uint32_t> cps = utf8::decode(text);
  if (vocab.strip_accents) {
    for (uint32_t& cp : cps) cp = unicode::nfd_first(cp);
  }
  std::vector<std::string> words(1);
  for (uint32_t cp : cps) {
    if (unicode::is_whitespace(cp)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const unicode::MajorClass major = unicode::major_class_of(cp);
    if (cp == 0 || cp == utf8::kReplacement || major == unicode::MajorClass::Other) continue;
    if (vocab.strip_accents && major == unicode::MajorClass::Mark) continue;
    const uint32_t out = vocab.lowercase ? unicode::to_lower(cp) : cp;
    if (major == unicode::MajorClass::Punctuation || (cp < 0x7F && major == unicode::MajorClass::Symbol) ||
        unicode::is_bert_chinese_char(cp)) {
      if (!words.back().empty()) words.emplace_back();
      utf8::append(words.back(), out);  // a word of its own
      words.emplace_back();
    } else {
      utf8::append(words.back(), out);
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

void wordpiece_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  static constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581
  std::string word;
  for (const std::string& w : wordpiece_words(vocab, text)) {
    if (w.empty()) continue;
    word.assign(kWordStart);
    word += w;
    const size_t n = word.size();
    const size_t first_token = out.size();
    for (size_t i = 0; i < n; ++i) {
      bool matched = false;
      for (size_t j = std::min(n, i + vocab.max_token_len + 1); j > i; --j) {
        const TokenId id = vocab.find(std::string_view(word).substr(i, j - i));
        if (id != kNoToken) {
          out.push_back(id);
          matched = true;
          i = j - 1;
          break;
        }
      }
      if (!matched) {
        out.resize(first_token);  // the whole word becomes UNK
        break;
      }
    }
    if (out.size() == first_token && vocab.unk != kNoToken) out.push_back(vocab.unk);
  }
}

}  // namespace pg::tok
