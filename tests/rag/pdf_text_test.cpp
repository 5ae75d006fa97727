// PDF extraction (src/rag/pdf_text.cpp) on real and hostile files: known
// phrases of the R manuals are found on their known pages; a truncated PDF, a
// decompression bomb, a page tree claiming a million pages, too many pages and
// a PDF without any text layer each give a clear error naming the file; pages
// without text are listed; MuPDF prints nothing; threads extract concurrently.
#include <gtest/gtest.h>

#include <thread>

#include "rag/extract.h"
#include "rag/pdf_text.h"
#include "rag/utf8.h"
#include "pdf_builder.h"
#include "r_manuals.h"

namespace pg::rag {
namespace {

using test::build_pdf;
using test::PdfPage;
using test::PdfSpec;
using test::text_content;

// Whitespace runs as one space: a phrase may wrap at any line.
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::vector<int> pages_containing(const ExtractedDocument& doc, const std::string& phrase) {
  std::vector<int> pages;
  for (const DocumentPage& p : doc.pages)
    if (squeeze(p.text).find(phrase) != std::string::npos) pages.push_back(p.number);
  return pages;
}

Result<ExtractedDocument> extract_file(const std::string& path, const ExtractLimits& limits = {}) {
  const std::vector<uint8_t> bytes = test::read_bytes(path);
  return extract_document(bytes, std::filesystem::path(path).filename().string(), limits);
}

TEST(RagExtractPdf, KnownPhrasesOfTheRManualsAreOnTheirKnownPages) {
  PG_REQUIRE_R_MANUALS();
  const std::string dir = test::r_manual_dir();
  struct Known {
    const char* file;
    int pages;
    const char* phrase;
    int page;
  };
  // Found with `mutool draw -F txt FILE PAGE`; page numbers are the PDF's own (1-based), not the printed ones.
  const Known known[] = {
      {"R-intro.pdf", 113, "is just the transpose of A.", 30},
      {"R-intro.pdf", 113, "Generalized transpose of an array The function aperm(a, perm)", 30},
      {"R-exts.pdf", 236, "Details of the original source (a reference or URL", 100},
      {"refman.pdf", 2415, "Draw a Cleveland dot plot.", 1000},
      {"refman.pdf", 2415, "Select item(s) from a character vector using a Tk listbox.", 2000},
  };
  for (const Known& k : known) {
    auto doc = extract_file(dir + "/" + k.file);
    ASSERT_TRUE(doc) << doc.error();
    EXPECT_EQ(doc->format, DocumentFormat::Pdf);
    EXPECT_EQ(doc->page_count, k.pages) << k.file;
    EXPECT_EQ(pages_containing(*doc, k.phrase), std::vector<int>{k.page}) << k.file << ": " << k.phrase;
  }
}

TEST(RagExtractPdf, ManualTextIsCleanUtf8WithPagesInOrderAndHyphenationJoined) {
  PG_REQUIRE_R_MANUALS();
  auto doc = extract_file(test::r_manual_dir() + "/refman.pdf");
  ASSERT_TRUE(doc) << doc.error();
  int previous = 0;
  for (const DocumentPage& p : doc->pages) {
    EXPECT_GT(p.number, previous);
    previous = p.number;
    ASSERT_TRUE(utf8::is_valid(p.text)) << "page " << p.number;
    for (unsigned char c : p.text) ASSERT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << "page " << p.number;
    EXPECT_EQ(p.text.find("\n\n\n"), std::string::npos) << "page " << p.number;
  }
  // Page 1000 wraps "sat-" / "isfy" at a line end.
  EXPECT_EQ(pages_containing(*doc, "Inputs which satisfy is.numeric(x)"), std::vector<int>{1000});
  EXPECT_TRUE(doc->pages_without_text.empty());
  EXPECT_EQ(doc->source_encoding, "PDF");
}

TEST(RagExtractPdf, TruncatedPdfIsAClearError) {
  PG_REQUIRE_R_MANUALS();
  std::vector<uint8_t> bytes = test::read_bytes(test::r_manual_dir() + "/R-intro.pdf");
  bytes.resize(bytes.size() / 2);
  auto doc = extract_document(bytes, "half.pdf", {});
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().find("half.pdf: truncated PDF"), std::string::npos) << doc.error();
}

TEST(RagExtractPdf, PdfCutAnywhereNeverCrashesAndNeverPassesAsComplete) {
  PG_REQUIRE_R_MANUALS();
  const std::vector<uint8_t> whole = test::read_bytes(test::r_manual_dir() + "/R-data.pdf");
  for (size_t cut : {size_t{10}, size_t{600}, whole.size() / 7, whole.size() / 3, whole.size() - 2000,
                     whole.size() - 40}) {
    std::vector<uint8_t> bytes(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(cut));
    auto doc = extract_document(bytes, "cut.pdf", {});
    ASSERT_FALSE(doc) << "cut at " << cut;
    EXPECT_EQ(doc.error().rfind("cut.pdf: ", 0), 0u) << doc.error();
  }
}

TEST(RagExtractPdf, GeneratedPdfGivesPagesTitleAndListsPagesWithoutText) {
  PdfSpec spec;
  spec.title = "Test Document";
  spec.pages.push_back({text_content("The quick brown fox jumps over the lazy dog."), false});
  spec.pages.push_back({"0 0 m 100 100 l S", false});  // a drawing, no text
  spec.pages.push_back({text_content("Third page speaks."), false});
  auto doc = extract_document(build_pdf(spec), "gen.pdf", {});
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->title, "Test Document");
  EXPECT_EQ(doc->page_count, 3);
  ASSERT_EQ(doc->pages.size(), 2u);
  EXPECT_EQ(doc->pages[0].number, 1);
  EXPECT_EQ(doc->pages[0].text, "The quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(doc->pages[1].number, 3);
  EXPECT_EQ(doc->pages[1].text, "Third page speaks.");
  EXPECT_EQ(doc->pages_without_text, std::vector<int>{2});
  bool warned = false;
  for (const std::string& w : doc->warnings) warned |= w.find("1 pages without text") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(RagExtractPdf, NoTextOnAnyPageIsAnError) {
  PdfSpec spec;
  spec.pages.assign(3, PdfPage{"0 0 m 100 100 l S", false});
  auto doc = extract_document(build_pdf(spec), "scan.pdf", {});
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), "scan.pdf: no text layer on any of its 3 pages (scanned? OCR it first)");
}

TEST(RagExtractPdf, DecompressionBombStopsAtTheMemoryBudget) {
  // One page whose 128 MB content stream shows text without end; stored compressed in a few hundred KB.
  const std::string unit = "(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj\n";
  PdfSpec spec;
  spec.pages.push_back({test::deflate_repeated("BT /F1 1 Tf 0 0 Td\n", unit, (128ull << 20) / unit.size(), "ET"), true});
  const std::vector<uint8_t> bytes = build_pdf(spec);
  ASSERT_LT(bytes.size(), 4u << 20);
  ExtractLimits limits;
  limits.max_pdf_memory = 64ull << 20;
  auto doc = extract_document(bytes, "bomb.pdf", limits);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().find("bomb.pdf: page 1 needs more than the PDF memory limit of 64 MiB"), std::string::npos)
      << doc.error();
}

TEST(RagExtractPdf, TextOverTheLimitStopsWithAnError) {
  PdfSpec spec;
  for (int i = 0; i < 40; ++i) spec.pages.push_back({text_content(std::string(40, 'x')), false});
  ExtractLimits limits;
  limits.max_text_bytes = 1000;  // 25 pages of 40 bytes fit
  auto doc = extract_document(build_pdf(spec), "long.pdf", limits);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), "long.pdf: extracted text is over the limit of 1000 bytes at page 26 of 40 (decompression bomb?)");
}

TEST(RagExtractPdf, PageLimitAndAPageTreeThatLiesAboutItsCount) {
  PdfSpec spec;
  for (int i = 0; i < 12; ++i) spec.pages.push_back({text_content("page " + std::to_string(i + 1)), false});
  ExtractLimits limits;
  limits.max_pages = 10;
  auto doc = extract_document(build_pdf(spec), "many.pdf", limits);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), "many.pdf: 12 pages is over the page limit of 10");

  spec.pages.resize(2);
  spec.claimed_count = 1000000;
  auto liar = extract_document(build_pdf(spec), "liar.pdf", {});
  if (liar) {
    EXPECT_LE(liar->page_count, 2);  // MuPDF may count the real kids instead of trusting /Count
  } else {
    EXPECT_EQ(liar.error().rfind("liar.pdf: ", 0), 0u) << liar.error();
  }
}

TEST(RagExtractPdf, GarbageAfterTheMagicIsAnErrorNotACrash) {
  std::string bytes = "%PDF-1.7\n";
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>((i * 7919) % 251);
  auto doc = extract_document(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "junk.pdf", {});
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().rfind("junk.pdf: ", 0), 0u) << doc.error();
}

TEST(RagExtractPdf, MupdfWritesNothingToStderr) {
  PG_REQUIRE_R_MANUALS();
  std::vector<uint8_t> bytes = test::read_bytes(test::r_manual_dir() + "/R-data.pdf");
  ::testing::internal::CaptureStderr();
  auto whole = extract_document(bytes, "R-data.pdf", {});
  bytes.resize(bytes.size() / 2);
  auto half = extract_document(bytes, "half.pdf", {});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(whole) << whole.error();
  EXPECT_FALSE(half);
  EXPECT_EQ(err, "");
}

TEST(RagExtractPdf, ConcurrentExtractionsGiveTheSameText) {
  PG_REQUIRE_R_MANUALS();
  const std::vector<uint8_t> bytes = test::read_bytes(test::r_manual_dir() + "/R-lang.pdf");
  auto reference = extract_document(bytes, "R-lang.pdf", {});
  ASSERT_TRUE(reference) << reference.error();
  std::vector<std::string> texts(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < texts.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2; ++round) {
        auto doc = extract_document(bytes, "R-lang.pdf", {});
        texts[t] = doc ? doc->pages.back().text + doc->pages.front().text : doc.error();
      }
    });
  for (auto& th : threads) th.join();
  for (const std::string& text : texts)
    EXPECT_EQ(text, reference->pages.back().text + reference->pages.front().text);
}

}  // namespace
}  // namespace pg::rag
