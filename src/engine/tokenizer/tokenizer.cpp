// pg::Tokenizer: loading from GGUF and encoding (special-token partition, then
// the kind's algorithm per plain-text fragment, BOS/EOS as llama.cpp adds them).
// Exceptions never leave this file: anything unexpected becomes an Error at load
// time, and encoding works on any bytes.
#include "engine/tokenizer/tokenizer.h"

#include <algorithm>
#include <exception>

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/special_partition.h"
#include "engine/tokenizer/spm.h"
#include "engine/tokenizer/tokenizer_impl.h"
#include "engine/tokenizer/wordpiece.h"

namespace pg {

using tok::kNoToken;

Tokenizer::Tokenizer(std::unique_ptr<tok::TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  try {
    auto impl = std::make_unique<tok::TokenizerImpl>();
    if (Status s = tok::load_vocab(file, impl->vocab); !s) return Error{"tokenizer: " + s.message()};
    if (impl->vocab.kind == TokenizerKind::BytePairEncoding) {
      auto merges = tok::BpeMerges::build(file, impl->vocab);
      if (!merges) return Error{"tokenizer: " + merges.error()};
      impl->merges.emplace(std::move(*merges));
      auto pre = PreTokenizer::create(*impl->vocab.pre_spec);
      if (!pre) return Error{"tokenizer: " + pre.error()};
      impl->pre_tokenizer.emplace(std::move(*pre));
    }
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{std::string("tokenizer: cannot load the vocabulary: ") + e.what()};
  }
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  const tok::Vocab& v = impl_->vocab;
  std::vector<TokenId> out;
  const std::vector<tok::Fragment> fragments = tok::partition_special(v, text, parse_special);
  switch (v.kind) {
    case TokenizerKind::SentencePiece: {
      if (add_special && v.add_bos && v.bos != kNoToken) out.push_back(v.bos);
      bool prev_special = true;  // the first fragment gets the space prefix
      std::string piece;
      for (const tok::Fragment& f : fragments) {
        if (f.token != kNoToken) {
          out.push_back(f.token);
          prev_special = true;
          continue;
        }
        piece.clear();
        if (v.add_space_prefix && prev_special) piece = "\xE2\x96\x81";
        for (char c : text.substr(f.offset, f.length)) {
          if (c == ' ') piece += "\xE2\x96\x81";
          else piece.push_back(c);
        }
        tok::spm_tokenize(v, piece, out);
        prev_special = false;
      }
      if (add_special && v.add_eos && v.eos != kNoToken) out.push_back(v.eos);
      break;
    }
    case TokenizerKind::BytePairEncoding: {
      if (add_special && v.add_bos && v.bos != kNoToken) out.push_back(v.bos);
      std::string encoded;
      for (const tok::Fragment& f : fragments) {
        if (f.token != kNoToken) {
          out.push_back(f.token);
          continue;
        }
        for (const std::string& word : impl_->pre_tokenizer->split(text.substr(f.offset, f.length))) {
          encoded.clear();
          byte_unicode::encode_bytes(word, encoded);
          impl_->merges->tokenize_word(v, encoded, out);
        }
      }
      if (add_special && v.add_eos && v.eos != kNoToken) out.push_back(v.eos);
      break;
    }
    case TokenizerKind::WordPiece: {
      if (add_special && v.bos != kNoToken) out.push_back(v.bos);
      for (const tok::Fragment& f : fragments) {
        if (f.token != kNoToken) out.push_back(f.token);
        else tok::wordpiece_tokenize(v, text.substr(f.offset, f.length), out);
      }
      if (add_special && v.sep != kNoToken) out.push_back(v.sep);
      break;
    }
  }
  return out;
}

TokenizerKind Tokenizer::kind() const { return impl_->vocab.kind; }
size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }

const std::string& Tokenizer::token_text(TokenId id) const {
  static const std::string kEmpty;
  return impl_->vocab.valid(id) ? impl_->vocab.texts[static_cast<size_t>(id)] : kEmpty;
}

TokenAttr Tokenizer::token_attr(TokenId id) const {
  const tok::Vocab& v = impl_->vocab;
  if (!v.valid(id)) return TokenAttr::UNDEFINED;
  const uint32_t a = v.attrs[static_cast<size_t>(id)];
  // Attributes llama.cpp overrides by token text win over the file's type.
  if (a & tok::kAttrControl) return TokenAttr::CONTROL;
  if (a & tok::kAttrUserDefined) return TokenAttr::USER_DEFINED;
  if (a & tok::kAttrUnknown) return TokenAttr::UNKNOWN;
  if (a & tok::kAttrByte) return TokenAttr::BYTE;
  if (a & tok::kAttrUnused) return TokenAttr::UNUSED;
  if (a & tok::kAttrNormal) return TokenAttr::NORMAL;
  return v.types[static_cast<size_t>(id)];
}

float Tokenizer::token_score(TokenId id) const {
  return impl_->vocab.valid(id) ? impl_->vocab.scores[static_cast<size_t>(id)] : 0.0f;
}

std::optional<TokenId> Tokenizer::find_token(std::string_view text) const {
  const TokenId id = impl_->vocab.find(text);
  if (id == kNoToken) return std::nullopt;
  return id;
}

TokenId Tokenizer::bos_id() const { return impl_->vocab.bos; }
TokenId Tokenizer::eos_id() const { return impl_->vocab.eos; }
TokenId Tokenizer::eot_id() const { return impl_->vocab.eot; }
TokenId Tokenizer::unk_id() const { return impl_->vocab.unk; }
TokenId Tokenizer::sep_id() const { return impl_->vocab.sep; }
TokenId Tokenizer::pad_id() const { return impl_->vocab.pad; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
bool Tokenizer::add_space_prefix() const { return impl_->vocab.add_space_prefix; }

bool Tokenizer::is_end_of_generation(TokenId id) const {
  const auto& eog = impl_->vocab.end_of_generation;
  return id != kNoToken && std::binary_search(eog.begin(), eog.end(), id);
}

const std::vector<TokenId>& Tokenizer::end_of_generation_ids() const { return impl_->vocab.end_of_generation; }
const std::string& Tokenizer::pre_tokenizer_name() const { return impl_->vocab.pre; }
std::string_view Tokenizer::pre_tokenizer_family() const {
  return impl_->vocab.pre_spec ? impl_->vocab.pre_spec->family : std::string_view();
}
const std::vector<std::string>& Tokenizer::warnings() const { return impl_->vocab.warnings; }

}  // namespace pg
