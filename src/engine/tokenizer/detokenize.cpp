// Token ids back to text: token_to_piece per kind (as llama.cpp's
// token_to_piece), decode() joining pieces with the SentencePiece leading-space
// rule and llama.cpp's clean_up_tokenization_spaces, and the stream decoder.
// Never fails: bad ids give empty pieces, and output bytes are whatever the
// vocabulary says (decode) or sanitised UTF-8 (StreamDecoder).
#include <string>

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/tokenizer_impl.h"
#include "engine/tokenizer/utf8.h"

namespace pg {

namespace tok {

namespace {

void unescape_spaces(const std::string& text, std::string& out) {
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(text[i++]);
    }
  }
}

// Byte-level BPE: every code point stands for one byte. One that does not is
// written out as llama.cpp does ("[UNK_BYTE_0x..." + the token text + "]").
void unmap_bytes(const std::string& text, std::string& out) {
  size_t offset = 0;
  while (offset < text.size()) {
    const size_t start = offset;
    const uint32_t cp = utf8::decode_one(text, offset);
    if (auto byte = byte_unicode::code_point_to_byte(cp)) {
      out.push_back(static_cast<char>(*byte));
      continue;
    }
    static const char kHex[] = "0123456789abcdef";
    out += "[UNK_BYTE_0x";
    for (char c : utf8::encode(cp)) {
      const auto b = static_cast<uint8_t>(c);
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
    (void)start;
    out += text + "]";
  }
}

}  // namespace

void clean_up_spaces(std::string& text) {
  // Three in-place compaction passes, index for index as llama.cpp's detokenize
  // does them (the second pass's NUL marker included), so that every corner
  // case ("a ' ' b") comes out the same.
  size_t total = text.size();
  // " ?", " !", " .", " ," lose the space.
  {
    const size_t n = total;
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
      const char x = text[i];
      if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
      text[total++] = x;
    }
  }
  // " ' " (an apostrophe between spaces) loses both spaces.
  {
    const size_t n = total;
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
      const char x = text[i];
      if (x == '\'' && i + 1 < n && text[i - 1] == ' ' && text[i + 1] == ' ') {
        --total;
        text[++i] = '\0';
      }
      text[total++] = x;
    }
  }
  // " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
  {
    const size_t n = total;
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
      const char x = text[i];
      if (text[i - 1] == ' ' && x == '\'' && i + 1 < n) {
        const char x1 = text[i + 1];
        if (x1 == 's' || x1 == 'm') {
          --total;
        } else if (x1 != 't' && x1 != 'd' && i + 2 < n) {
          const char x2 = text[i + 2];
          if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
        }
      }
      text[total++] = x;
    }
  }
  text.resize(total);
}

}  // namespace tok

std::string Tokenizer::token_to_piece(TokenId id, bool render_special) const {
  const tok::Vocab& v = impl_->vocab;
  if (!v.valid(id)) return {};
  const uint32_t attr = v.attrs[static_cast<size_t>(id)];
  if (!render_special && (attr & (tok::kAttrUnknown | tok::kAttrControl))) return {};
  const std::string& text = v.texts[static_cast<size_t>(id)];
  std::string piece;
  if (attr & (tok::kAttrUnknown | tok::kAttrControl | tok::kAttrUserDefined)) return text;
  if (attr & tok::kAttrNormal) {
    if (v.kind == TokenizerKind::BytePairEncoding) tok::unmap_bytes(text, piece);
    else tok::unescape_spaces(text, piece);
    return piece;
  }
  if (attr & tok::kAttrByte) return std::string(1, static_cast<char>(v.token_byte(id)));
  return piece;  // unused/undefined tokens render as nothing
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, bool render_special) const {
  const tok::Vocab& v = impl_->vocab;
  std::string text;
  bool strip_space = v.add_space_prefix;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string piece = token_to_piece(ids[i], render_special);
    // The space SentencePiece put in front of the text sits on the first token
    // after a leading BOS.
    if (strip_space && ids[i] == v.bos && i == 0) {
      text += piece;
      continue;
    }
    if (strip_space && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
    strip_space = false;
    text += piece;
  }
  if (v.clean_spaces) tok::clean_up_spaces(text);
  return text;
}

const std::vector<std::string>& Tokenizer::pieces(bool render_special) const {
  const int which = render_special ? 1 : 0;
  std::call_once(impl_->pieces_once[which], [&] {
    std::vector<std::string>& out = impl_->pieces[which];
    out.resize(impl_->vocab.texts.size());
    for (size_t id = 0; id < out.size(); ++id) out[id] = token_to_piece(static_cast<TokenId>(id), render_special);
  });
  return impl_->pieces[which];
}

std::string StreamDecoder::push(TokenId id) {
  std::string piece = tok_.token_to_piece(id, render_special_);
  if (first_) {
    if (id == tok_.bos_id() && piece.empty()) return {};
    first_ = false;
    if (tok_.add_space_prefix() && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  }
  pending_ += piece;
  return utf8::take_complete(pending_, false);
}

std::string StreamDecoder::flush() { return utf8::take_complete(pending_, true); }

}  // namespace pg
