// Fuzz target: the three tokenizers (engine/tokenizer) with the shared
// vocabularies: SentencePiece (llama-spm), byte-level BPE (llama3-bpe) and
// WordPiece (bert-wordpiece), loaded once per process from
// $PG_SHARED_DIR/testdata/vocab (default ../shared next to the checkout).
// Input: one byte choosing the vocabulary and the flags, then the text. The
// text is encoded, every id must lie in the vocabulary, and the ids are
// decoded (whole and streamed; streamed output must be valid UTF-8).
// Must never write anything; a missing vocabulary stops the process.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "fuzz_paths.h"

namespace {

struct Loaded {
  std::unique_ptr<pg::gguf::GgufFile> file;
  std::unique_ptr<pg::Tokenizer> tokenizer;
};

Loaded load(const char* name) {
  const std::string path = pg::fuzz::shared_dir() + "/testdata/vocab/" + name;
  auto file = pg::gguf::GgufFile::open(path);
  if (!file) {
    std::fprintf(stderr, "tokenizer_fuzz: cannot open %s: %s (set PG_SHARED_DIR)\n", path.c_str(),
                 file.error().c_str());
    std::abort();
  }
  auto tok = pg::Tokenizer::from_gguf(**file);
  if (!tok) {
    std::fprintf(stderr, "tokenizer_fuzz: %s: %s\n", path.c_str(), tok.error().c_str());
    std::abort();
  }
  return {std::move(*file), std::move(*tok)};
}

const std::vector<Loaded>& tokenizers() {
  static const std::vector<Loaded> all = [] {
    std::vector<Loaded> v;
    v.push_back(load("llama-spm.gguf"));
    v.push_back(load("llama3-bpe.gguf"));
    v.push_back(load("bert-wordpiece.gguf"));
    return v;
  }();
  return all;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)tokenizers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  const uint8_t control = data[0];
  const pg::Tokenizer& tok = *tokenizers()[(control & 3) % 3].tokenizer;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool add_special = control & 4, parse_special = control & 8, render_special = control & 16;

  const std::vector<pg::TokenId> ids = tok.encode(text, add_special, parse_special);
  for (pg::TokenId id : ids)
    if (id < 0 || static_cast<size_t>(id) >= tok.vocab_size()) std::abort();  // an id outside the vocabulary
  (void)tok.decode(ids, render_special);

  pg::StreamDecoder stream(tok, (control & 32) != 0);
  std::string streamed;
  for (pg::TokenId id : ids) {
    (void)tok.token_to_piece(id, render_special);
    streamed += stream.push(id);
  }
  streamed += stream.flush();
  if (!valid_utf8(streamed)) std::abort();  // StreamDecoder promises valid UTF-8
  return 0;
}
