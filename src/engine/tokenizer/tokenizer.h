// Tokenizers built from GGUF metadata (tokenizer.ggml.*): SentencePiece ("llama"),
// byte-level BPE ("gpt2", pre-tokenizer from tokenizer.ggml.pre) and WordPiece
// ("bert"). Results match llama.cpp's tokenizer id for id. This module never
// touches model weights.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg {

using TokenId = int32_t;

// GGUF tokenizer.ggml.token_type values.
enum class TokenAttr : int32_t {
  UNDEFINED = 0, NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6,
};

enum class TokenizerKind { SentencePiece, BytePairEncoding, WordPiece };

namespace tok {
struct TokenizerImpl;
}

// Immutable after from_gguf(); safe to share between threads.
class Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::GgufFile& file);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // add_special: add BOS/EOS (and BERT's CLS/SEP) as the model's flags say.
  // parse_special: recognise control/user-defined token texts (e.g. "<|im_start|>")
  // in `text` and emit their ids instead of tokenizing their characters.
  // (User-defined token texts are recognised even without it, as in llama.cpp.)
  // Any bytes are accepted; invalid UTF-8 is handled as llama.cpp handles it.
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

  // Raw text of one token as it should appear in output (SentencePiece's U+2581
  // becomes a space, byte tokens become their byte, byte-level BPE is unmapped).
  // Control tokens give "" unless render_special is set. Bad ids give "".
  std::string token_to_piece(TokenId id, bool render_special = false) const;

  // token_to_piece of every id, built once on first use (thread-safe); for
  // per-token work over the whole vocabulary (constrained sampling).
  const std::vector<std::string>& pieces(bool render_special) const;

  // Joins pieces; drops the one leading space SentencePiece adds after BOS/start,
  // and applies the vocabulary's clean_up_tokenization_spaces rules as llama.cpp.
  std::string decode(const std::vector<TokenId>& ids, bool render_special = false) const;

  TokenizerKind kind() const;
  size_t vocab_size() const;
  // Token text as stored in the vocabulary ("" for an id outside it).
  const std::string& token_text(TokenId id) const;
  TokenAttr token_attr(TokenId id) const;
  float token_score(TokenId id) const;
  // Id of a token by its exact vocabulary text.
  std::optional<TokenId> find_token(std::string_view text) const;
  TokenId bos_id() const;
  TokenId eos_id() const;
  TokenId eot_id() const;   // -1 when none
  TokenId unk_id() const;   // -1 when none
  TokenId sep_id() const;   // -1 when none
  TokenId pad_id() const;   // -1 when none
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;
  // End of generation: EOS, EOT (<|eot_id|>, <|im_end|>, <end_of_turn>, ...).
  bool is_end_of_generation(TokenId id) const;
  const std::vector<TokenId>& end_of_generation_ids() const;
  // tokenizer.ggml.pre as written in the file, and the regex family used for it
  // (BPE only; "" otherwise).
  const std::string& pre_tokenizer_name() const;
  std::string_view pre_tokenizer_family() const;
  // Problems found while loading that did not stop it (unknown pre-tokenizer,
  // out-of-range special ids, duplicate token texts, ...).
  const std::vector<std::string>& warnings() const;

 private:
  explicit Tokenizer(std::unique_ptr<tok::TokenizerImpl> impl);
  std::unique_ptr<tok::TokenizerImpl> impl_;
};

// Turns a stream of token ids into UTF-8 text, holding back an incomplete UTF-8
// sequence until the bytes that finish it arrive (so a streamed reply never
// shows broken characters). Like decode(), it drops the leading space
// SentencePiece adds to the first piece (BOS skipped). Output is always valid
// UTF-8: bytes that can never form a character become U+FFFD.
class StreamDecoder {
 public:
  // at_text_start: the first piece begins the text, so SentencePiece's added
  // leading space is dropped. Pass false when continuing text that is already
  // shown (a prompt), where that space separates words.
  // render_special: control tokens show their text (e.g. "[TOOL_CALLS]").
  explicit StreamDecoder(const Tokenizer& tok, bool at_text_start = true, bool render_special = false)
      : tok_(tok), first_(at_text_start), render_special_(render_special) {}
  // Returns the text that is complete after this token (possibly "").
  std::string push(TokenId id);
  // Returns what is left at the end (invalid trailing bytes become U+FFFD).
  std::string flush();

 private:
  const Tokenizer& tok_;
  std::string pending_;
  bool first_;
  bool render_special_;
};

}  // namespace pg
