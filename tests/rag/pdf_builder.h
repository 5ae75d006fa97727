// Writes small PDF files for the extraction tests: pages with given content
// streams (plain or FlateDecode-compressed), a Helvetica font, an optional
// title, a correct cross-reference table, and the hostile variants the tests
// need (a page tree that lies about its page count, a content stream that
// inflates to far more than its size). Test helper only.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace pg::rag::test {

struct PdfPage {
  std::string content;  // the content stream as stored (already compressed when flate)
  bool flate = false;
};

struct PdfSpec {
  std::vector<PdfPage> pages;
  std::string title;        // /Info /Title when not empty (a literal string, no escaping needed)
  int claimed_count = -1;   // /Count of the page tree; -1: the real number
};

inline std::vector<uint8_t> build_pdf(const PdfSpec& spec) {
  std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;  // of objects 1..n
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  const int n = static_cast<int>(spec.pages.size());
  // 1 catalog, 2 page tree, 3 font, then page i at 4 + 2i and its content at 5 + 2i.
  object("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (int i = 0; i < n; ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
  object("<< /Type /Pages /Kids [" + kids + "] /Count " +
         std::to_string(spec.claimed_count >= 0 ? spec.claimed_count : n) + " >>");
  object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  for (int i = 0; i < n; ++i) {
    object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
           "/Contents " + std::to_string(5 + 2 * i) + " 0 R >>");
    const PdfPage& page = spec.pages[i];
    object("<< /Length " + std::to_string(page.content.size()) + (page.flate ? " /Filter /FlateDecode" : "") +
           " >>\nstream\n" + page.content + "\nendstream");
  }
  std::string trailer_info;
  if (!spec.title.empty()) {
    object("<< /Title (" + spec.title + ") >>");
    trailer_info = " /Info " + std::to_string(offsets.size()) + " 0 R";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R" + trailer_info +
         " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return {out.begin(), out.end()};
}

// A content stream that shows `text` (no parentheses or backslashes) at the top left.
inline std::string text_content(const std::string& text) {
  return "BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET";
}

// FlateDecode data of prefix + unit * repeat + suffix, compressed as it is
// generated, so a stream inflating to gigabytes costs only its compressed size.
inline std::string deflate_repeated(const std::string& prefix, const std::string& unit, size_t repeat,
                                    const std::string& suffix) {
  z_stream z{};
  deflateInit(&z, Z_BEST_SPEED);
  std::string out;
  char buf[1 << 16];
  auto feed = [&](const std::string& data, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
  };
  feed(prefix, Z_NO_FLUSH);
  std::string block;
  for (int i = 0; i < 1024; ++i) block += unit;
  size_t left = repeat;
  while (left >= 1024) {
    feed(block, Z_NO_FLUSH);
    left -= 1024;
  }
  std::string rest;
  for (size_t i = 0; i < left; ++i) rest += unit;
  feed(rest + suffix, Z_FINISH);
  deflateEnd(&z);
  return out;
}

}  // namespace pg::rag::test
