// The extracted-document types: what extraction (rag/extract.h) produces from a
// PDF, plain-text or Markdown file and what chunking (rag/chunker.h) consumes.
// Plain data only; nothing here reads files or knows about storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

enum class DocumentFormat { Pdf, Text, Markdown };

// "pdf", "text", "markdown".
std::string_view format_name(DocumentFormat format);

struct DocumentPage {
  int number = 1;    // 1-based page number of the source
  std::string text;  // valid UTF-8, LF line ends, no NUL or other control characters except \n and \t
};

struct ExtractedDocument {
  DocumentFormat format = DocumentFormat::Text;
  std::string title;                    // PDF metadata title, first Markdown heading, or ""
  std::vector<DocumentPage> pages;      // PDF: one per page that has text; TXT/MD: one page, number 1
  std::vector<int> pages_without_text;  // PDF pages with no text layer (reported, never silently empty)
  int page_count = 0;                   // pages in the source (PDF: text pages + pages_without_text)
  std::string source_encoding;          // "UTF-8", "UTF-16LE", "windows-1252", … (PDF: "PDF")
  std::vector<std::string> warnings;
};

struct ExtractLimits {
  uint64_t max_bytes = 100ull << 20;       // input file size
  int max_pages = 5000;                    // PDF pages
  uint64_t max_text_bytes = 64ull << 20;   // extracted text, all pages together
  uint64_t max_pdf_memory = 512ull << 20;  // what MuPDF may allocate for one document
};

}  // namespace pg::rag
