// Text of a PDF, page by page, with MuPDF: blocks and lines in MuPDF's reading
// order, lines of a block joined by "\n" (a word hyphenated at a line end is
// joined again), blocks separated by a blank line. Pages without text are
// listed, never dropped silently. Every call makes its own MuPDF context with a
// memory budget, so calls from several threads never share MuPDF state and a
// decompression bomb stops at the budget instead of taking the machine's memory.
// Never writes to stderr: MuPDF's warnings become the document's warnings.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "rag/document.h"
#include "util/result.h"

namespace pg::rag {

// `file_name` only names the input in messages. Errors: unreadable, encrypted
// or truncated PDF; over limits.max_pages pages; more than limits.max_text_bytes
// of text; more than limits.max_pdf_memory of memory; no text on any page.
Result<ExtractedDocument> extract_pdf(std::span<const uint8_t> bytes, std::string_view file_name,
                                      const ExtractLimits& limits);

}  // namespace pg::rag
