// The vocabularies of synthesized decoders: the built-in SentencePiece-style
// one (specials, 256 byte tokens, then letter strings; Phi-3's chat tokens at
// the end for phi3, harmony's for gpt-oss, no space prefix for Gemma), and the check that a
// vocabulary passes llama.cpp's name-based rules. Writes metadata keys only;
// never touches weights or files.
#pragma once

#include <cstdint>
#include <string>

#include "models/gguf_stream_writer.h"
#include "util/result.h"

namespace pg {

// tokenizer.* keys of a `vocab`-token built-in vocabulary for `arch`. phi3
// keeps its last 64 ids as Phi-3-mini does: <|endoftext|> (the EOS), the chat
// tokens, then unused [PADn] tokens; vocab must be at least 324 there. gpt-oss
// holds harmony's 21 ids (<|startoftext|> BOS, <|endoftext|> padding, <|return|>
// EOS, <|constrain|>, <|channel|>, <|start|>, <|end|>, <|message|>, <|call|>,
// <|endofprompt|>, reserved ids) as control tokens at their real ids 199998..
// when the vocabulary is that large, else at its end; vocab >= 281 there.
void add_synth_builtin_vocab(GgufStreamWriter::Metadata& md, int64_t vocab, const std::string& arch);

// llama.cpp looks up </s>, <unk>, <s> and <|endoftext|> by text in a file whose
// general.name contains "phi3" or "phi-3", and refuses to load it when one is
// missing. An error saying so when `general_name` triggers that and the
// tokenizer.ggml.tokens in `md` lack one; ok otherwise.
Status check_synth_vocab_for_name(const GgufStreamWriter::Metadata& md, const std::string& general_name);

}  // namespace pg
