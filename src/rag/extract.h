// Entry point of document extraction: sniff the format of an uploaded file from
// its content and turn it into an ExtractedDocument (rag/document.h) with
// normalized UTF-8 text per page. Every input is treated as hostile: sizes,
// pages and text are capped by ExtractLimits and every failure comes back as a
// Result error that names the file. Safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "rag/document.h"
#include "rag/file_name.h"
#include "util/result.h"

namespace pg::rag {

// The format from the content: "%PDF-" in the first 1024 bytes is a PDF
// (unless the file is named .txt/.md and reads as clean text: a text about
// PDF headers); content that decodes as text (no NUL, almost no control
// characters; UTF-16/32 with a BOM included) is text. The name only tells
// Markdown (.md, .markdown, .mdown, .mkd, .mkdn, or clear Markdown structure
// in a file not named .txt) from plain text. Errors: "<name>: empty file",
// "<name>: binary content (not PDF, text or Markdown)".
Result<DocumentFormat> sniff_format(std::span<const uint8_t> bytes, std::string_view file_name);

// For a text or Markdown file: ok when it has text to index; invalid_argument
// (reason no_text) when it decodes to nothing but whitespace, so it is refused
// at upload instead of failing in every ingestion retry; that message does not
// name the file (the caller does), a decoding error does (as decode_text's).
// PDFs are not checked here (their text comes from extraction).
Status check_has_text(std::span<const uint8_t> bytes, std::string_view file_name);

// Sniffs, then extracts. Errors name the file: over limits.max_bytes, empty,
// binary, only whitespace, unreadable/encrypted/truncated PDF, over the page,
// text or memory limits, no text layer at all.
Result<ExtractedDocument> extract_document(std::span<const uint8_t> bytes, std::string_view file_name,
                                           const ExtractLimits& limits);

}  // namespace pg::rag
