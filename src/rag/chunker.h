// Splits an extracted document into chunks for indexing and retrieval. Structure
// first: a chunk never spans two Markdown sections, and it ends at the strongest
// boundary (paragraph, then sentence, then line, then word) that still leaves
// it at least half full; a word is cut only when it alone is longer than a
// chunk. Each chunk records its page range, Markdown heading path and byte
// offsets into document_text(doc). Pure computation: no I/O, no global state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rag/document.h"
#include "util/result.h"

namespace pg::rag {

enum class ChunkUnit { Tokens, Characters };

struct ChunkingOptions {
  ChunkUnit unit = ChunkUnit::Tokens;
  int size = 256;    // 16..8192 units
  int overlap = 32;  // 0 <= overlap < size / 2
};

constexpr int kMinChunkSize = 16;
constexpr int kMaxChunkSize = 8192;

// Ok, or an error naming the value that is out of range.
Status validate(const ChunkingOptions& options);

// Tokens of a text for some tokenizer (without BOS/EOS). Empty: estimate_tokens.
using TokenCounter = std::function<size_t(std::string_view)>;

// The default token estimate, meant to be at or above what real subword
// tokenizers give for English and code: each run of ASCII letters and digits
// counts ceil(length / 4), each other ASCII symbol 1, each non-ASCII code
// point 1, whitespace 0. It adds up exactly over text split at whitespace.
size_t estimate_tokens(std::string_view text);

struct Chunk {
  int index = 0;             // 0-based, in document order
  std::string text;          // == document_text(doc).substr(char_start, char_end - char_start)
  int page_start = 1, page_end = 1;
  std::string heading_path;  // Markdown: "Top > Section > Sub"; PDF/TXT: ""
  int64_t char_start = 0, char_end = 0;  // byte offsets into document_text(doc)
  int token_count = 0;       // by the counter (or the estimate), whatever the unit
};

// The pages' text joined by "\n\n" (a paragraph break); chunk offsets refer to it.
std::string document_text(const ExtractedDocument& doc);

// Chunks of the document, in order. `options` must pass validate() (values out
// of range are clamped into it). Every chunk measures at most options.size in
// options.unit (characters = Unicode code points; tokens = `count_tokens`, or
// estimate_tokens when it is empty), starts and ends on non-whitespace, and
// overlaps the previous chunk of its section by at most options.overlap,
// starting at a sentence or word boundary.
std::vector<Chunk> chunk_document(const ExtractedDocument& doc, const ChunkingOptions& options,
                                  const TokenCounter& count_tokens);

}  // namespace pg::rag
