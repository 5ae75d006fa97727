// Fuzz target: document extraction (rag/extract, pdf_text, markdown,
// text_decode). Input: one byte choosing the file name (.pdf, .txt, .md, none,
// ...), then the file's bytes. Checks the promises of the headers: extracted
// text is valid UTF-8 with LF line ends and no control characters but \n and
// \t; Markdown heading offsets lie inside the text; decode_text never returns
// invalid UTF-8. Limits are small so a bomb stops quickly. Never writes files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "rag/extract.h"
#include "rag/markdown.h"
#include "rag/text_decode.h"

namespace {

constexpr std::string_view kNames[] = {"a.pdf", "a.txt", "a.md", "a", "notes.markdown", "A.PDF", "x.mkd", "r.csv"};

bool clean_utf8_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\n' && c != '\t') return false;
    if (c == 0x7f) return false;
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

void check_headings(std::string_view text) {
  for (const auto& h : pg::rag::markdown_headings(text))
    if (h.level < 1 || h.level > 6 || h.begin > h.end || h.end > text.size()) std::abort();
  (void)pg::rag::looks_like_markdown(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 256 * 1024) return 0;
  const std::string_view name = kNames[data[0] % std::size(kNames)];
  const std::span<const uint8_t> bytes(data + 1, size - 1);

  pg::rag::ExtractLimits limits;
  limits.max_bytes = 256 * 1024;
  limits.max_pages = 64;
  limits.max_text_bytes = 1 << 20;
  limits.max_pdf_memory = 64ull << 20;

  (void)pg::rag::sniff_format(bytes, name);
  if (auto doc = pg::rag::extract_document(bytes, name, limits)) {
    for (const auto& page : doc->pages) {
      if (!clean_utf8_text(page.text)) std::abort();
      check_headings(page.text);
    }
  }
  if (auto text = pg::rag::decode_text(bytes, name, (data[0] & 0x80) != 0)) {
    if (!clean_utf8_text(text->text)) std::abort();
    check_headings(text->text);
  }
  check_headings(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return 0;
}
