// Format sniffing and the dispatch to the PDF and text extractors (see
// extract.h). Text and Markdown share the decoder; Markdown only adds the
// title from its first heading (the chunker reads the headings itself).
#include "rag/extract.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "rag/markdown.h"
#include "rag/pdf_text.h"
#include "rag/text_decode.h"
#include "rag/utf8.h"

namespace pg::rag {
namespace {

constexpr size_t kPdfMagicWindow = 1024;
constexpr size_t kSniffSample = 64 * 1024;

std::string lower_extension(std::string_view file_name) {
  const size_t slash = file_name.find_last_of("/\\");
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string ext(file_name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_markdown_extension(const std::string& ext) {
  return ext == "md" || ext == "markdown" || ext == "mdown" || ext == "mkd" || ext == "mkdn";
}

bool is_text_extension(const std::string& ext) { return ext == "txt" || ext == "text"; }

size_t pdf_magic_offset(std::span<const uint8_t> bytes) {
  std::string_view head(reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), kPdfMagicWindow));
  return head.find("%PDF-");
}

// A title is a label: a "heading" of megabytes (one endless line) is cut at a code point.
std::string cut_title(std::string_view title) {
  constexpr size_t kMaxTitleBytes = 512;
  if (title.size() <= kMaxTitleBytes) return std::string(title);
  size_t end = kMaxTitleBytes;
  while (end > 0 && utf8::is_continuation(static_cast<unsigned char>(title[end]))) --end;
  return std::string(title.substr(0, end));
}

bool only_whitespace(std::string_view text) { return text.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos; }

}  // namespace

Result<DocumentFormat> sniff_format(std::span<const uint8_t> bytes, std::string_view file_name) {
  const std::string name(file_name);
  if (bytes.empty()) return Error{name + ": empty file"};
  const std::string ext = lower_extension(file_name);
  const size_t magic = pdf_magic_offset(bytes);
  const bool named_as_text = is_text_extension(ext) || is_markdown_extension(ext);
  if (magic == 0) return DocumentFormat::Pdf;

  const bool is_prefix = bytes.size() > kSniffSample;
  auto decoded = decode_text(bytes.first(std::min(bytes.size(), kSniffSample)), file_name, is_prefix);
  if (magic != std::string_view::npos && !(named_as_text && decoded)) return DocumentFormat::Pdf;
  if (!decoded) return decoded.status();
  if (is_markdown_extension(ext)) return DocumentFormat::Markdown;
  if (is_text_extension(ext)) return DocumentFormat::Text;
  return looks_like_markdown(decoded->text) ? DocumentFormat::Markdown : DocumentFormat::Text;
}

Status check_has_text(std::span<const uint8_t> bytes, std::string_view file_name) {
  auto decoded = decode_text(bytes, file_name);
  if (!decoded) return decoded.status();
  if (only_whitespace(decoded->text))
    return Status::invalid_argument(bytes.empty() ? "the file is empty" : "no text to index (only whitespace)",
                                    "no_text");
  return Status::ok();
}

Result<ExtractedDocument> extract_document(std::span<const uint8_t> bytes, std::string_view file_name,
                                           const ExtractLimits& limits) {
  const std::string name(file_name);
  if (bytes.size() > limits.max_bytes)
    return Error{name + ": " + std::to_string(bytes.size()) + " bytes is over the size limit of " +
                 std::to_string(limits.max_bytes) + " bytes"};
  auto format = sniff_format(bytes, file_name);
  if (!format) return format.status();
  if (*format == DocumentFormat::Pdf) return extract_pdf(bytes, file_name, limits);

  auto decoded = decode_text(bytes, file_name);
  if (!decoded) return decoded.status();
  if (only_whitespace(decoded->text)) return Error{name + ": no text (only whitespace)"};
  if (decoded->text.size() > limits.max_text_bytes)
    return Error{name + ": text of " + std::to_string(decoded->text.size()) + " bytes is over the limit of " +
                 std::to_string(limits.max_text_bytes) + " bytes"};
  ExtractedDocument doc;
  doc.format = *format;
  doc.source_encoding = std::move(decoded->encoding);
  doc.warnings = std::move(decoded->warnings);
  doc.page_count = 1;
  if (doc.format == DocumentFormat::Markdown) {
    const auto headings = markdown_headings(decoded->text);
    if (!headings.empty()) doc.title = cut_title(headings.front().text);
  }
  doc.pages.push_back({1, std::move(decoded->text)});
  return doc;
}

}  // namespace pg::rag
