// The chunker (src/rag/chunker.cpp): option validation; Markdown heading paths
// (a chunk never spans two sections); page ranges of chunks that cross a page
// break; words are never cut unless longer than a chunk; and, property-style
// over many sizes, overlaps and both units, the invariants every chunk keeps:
// within the size, non-empty, text == document_text at its offsets, all text
// covered, overlaps within the limit. The R manuals give no empty chunk.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "rag/chunk_words.h"
#include "rag/chunker.h"
#include "rag/extract.h"
#include "rag/utf8.h"
#include "r_manuals.h"

namespace pg::rag {
namespace {

ExtractedDocument text_doc(const std::string& text, DocumentFormat format = DocumentFormat::Text) {
  ExtractedDocument doc;
  doc.format = format;
  doc.pages.push_back({1, text});
  doc.page_count = 1;
  return doc;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

uint64_t measure(const std::string& text, ChunkUnit unit, const TokenCounter& counter) {
  if (unit == ChunkUnit::Characters) return utf8::count_code_points(text);
  return counter ? counter(text) : estimate_tokens(text);
}

// Checks every invariant of chunk_document's contract; returns the chunks.
std::vector<Chunk> chunk_and_check(const ExtractedDocument& doc, const ChunkingOptions& options,
                                   const TokenCounter& counter = {}) {
  const std::string text = document_text(doc);
  const std::vector<Chunk> chunks = chunk_document(doc, options, counter);
  std::vector<bool> covered(text.size(), false);
  std::map<std::string, int64_t> previous_end;  // per heading path: where the previous chunk ended
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    SCOPED_TRACE("chunk " + std::to_string(i) + " size " + std::to_string(options.size) + " overlap " +
                 std::to_string(options.overlap));
    EXPECT_EQ(c.index, static_cast<int>(i));
    EXPECT_FALSE(c.text.empty());
    EXPECT_LT(c.char_start, c.char_end);
    EXPECT_LE(c.char_end, static_cast<int64_t>(text.size()));
    EXPECT_EQ(c.text, text.substr(c.char_start, c.char_end - c.char_start));
    EXPECT_FALSE(is_space(c.text.front()));
    EXPECT_FALSE(is_space(c.text.back()));
    EXPECT_TRUE(utf8::is_valid(c.text));
    EXPECT_LE(measure(c.text, options.unit, counter), static_cast<uint64_t>(options.size)) << c.text;
    EXPECT_EQ(c.token_count, static_cast<int>(counter ? counter(c.text) : estimate_tokens(c.text)));
    EXPECT_LE(c.page_start, c.page_end);
    auto prev = previous_end.find(c.heading_path);
    if (prev != previous_end.end() && c.char_start < prev->second) {
      // The overlap starts at a word boundary and stays within the overlap.
      EXPECT_TRUE(is_space(text[c.char_start - 1])) << "overlap starts inside a word";
      const std::string shared = text.substr(c.char_start, prev->second - c.char_start);
      EXPECT_LE(measure(shared, options.unit, counter), static_cast<uint64_t>(options.overlap)) << shared;
    }
    if (i > 0) {
      EXPECT_GT(c.char_end, chunks[i - 1].char_end);
    }
    previous_end[c.heading_path] = c.char_end;
    for (int64_t p = c.char_start; p < c.char_end; ++p) covered[p] = true;
  }
  for (size_t p = 0; p < text.size(); ++p) {
    if (!is_space(text[p])) {
      EXPECT_TRUE(covered[p]) << "byte " << p << " is in no chunk";
    }
  }
  return chunks;
}

std::string sample_prose(size_t words, uint32_t seed) {
  static const char* vocabulary[] = {"the", "model", "retrieval", "of", "documents", "is", "a", "chunk",
                                     "über", "naïve", "x", "internationalization", "pages", "and", "R", "42"};
  std::mt19937 rng(seed);
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    text += vocabulary[rng() % std::size(vocabulary)];
    const uint32_t r = rng() % 100;
    text += r < 8 ? ". " : r < 11 ? ".\n\n" : r < 14 ? "\n" : r < 16 ? ",  " : " ";
  }
  return text;
}

TEST(RagChunker, ValidateNamesTheValueOutOfRange) {
  EXPECT_TRUE(validate({}));
  EXPECT_TRUE(validate({ChunkUnit::Characters, 16, 7}));
  EXPECT_TRUE(validate({ChunkUnit::Tokens, 8192, 0}));
  EXPECT_EQ(validate({ChunkUnit::Tokens, 15, 0}).message(), "chunk size 15 is out of range (16..8192)");
  EXPECT_EQ(validate({ChunkUnit::Tokens, 9000, 0}).message(), "chunk size 9000 is out of range (16..8192)");
  EXPECT_EQ(validate({ChunkUnit::Tokens, 256, 128}).message(),
            "chunk overlap 128 must be at least 0 and less than half the chunk size 256");
  EXPECT_FALSE(validate({ChunkUnit::Tokens, 256, -1}));
}

TEST(RagChunker, DefaultTokenEstimate) {
  EXPECT_EQ(estimate_tokens(""), 0u);
  EXPECT_EQ(estimate_tokens("the"), 1u);
  EXPECT_EQ(estimate_tokens("extraction"), 3u);      // 10 letters: ceil(10 / 4)
  EXPECT_EQ(estimate_tokens("x = f(y);"), 7u);        // x = f ( y ) ;
  EXPECT_EQ(estimate_tokens("日本語"), 3u);           // one per code point
  EXPECT_EQ(estimate_tokens("a  b\n\nc"), 3u);        // whitespace is free
  EXPECT_EQ(estimate_tokens("hello world"), estimate_tokens("hello") + estimate_tokens("world"));
}

TEST(RagChunker, InvariantsHoldOverManySizesOverlapsAndBothUnits) {
  const ExtractedDocument doc = text_doc(sample_prose(3000, 7));
  for (ChunkUnit unit : {ChunkUnit::Tokens, ChunkUnit::Characters}) {
    for (int size : {16, 17, 31, 64, 100, 256, 1000, 8192}) {
      for (int overlap : {0, 1, size / 4, (size - 1) / 2}) {
        const auto chunks = chunk_and_check(doc, {unit, size, overlap});
        ASSERT_FALSE(chunks.empty());
        if (overlap == 0) {
          // No overlap (equal only where a word longer than a chunk was cut).
          for (size_t i = 1; i < chunks.size(); ++i) EXPECT_GE(chunks[i].char_start, chunks[i - 1].char_end);
        }
      }
    }
  }
}

TEST(RagChunker, RealTokenizerCountsAreHonoured) {
  // A counter unlike the estimate: every byte of a word is a token, a newline too.
  const TokenCounter bytes_counter = [](std::string_view s) {
    size_t n = 0;
    for (char c : s) n += c != ' ';
    return n;
  };
  const ExtractedDocument doc = text_doc(sample_prose(800, 3));
  for (int size : {16, 50, 200})
    for (int overlap : {0, size / 3}) chunk_and_check(doc, {ChunkUnit::Tokens, size, overlap}, bytes_counter);
}

TEST(RagChunker, ChunksEndAtParagraphsThenSentencesAndNeverInsideWords) {
  const std::string para1 = "First paragraph has one sentence. It has a second sentence too.";
  const std::string para2 = "Second paragraph starts here and goes on for a while. Then it ends.";
  const ExtractedDocument doc = text_doc(para1 + "\n\n" + para2 + "\n");
  // Room for the first paragraph and half of the second: the cut is at the paragraph.
  const auto chunks = chunk_and_check(doc, {ChunkUnit::Characters, 100, 0});
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].text, para1);
  EXPECT_EQ(chunks[1].text, para2);

  // Less room: cut at a sentence end, and each chunk starts and ends on whole words.
  const auto small = chunk_and_check(doc, {ChunkUnit::Characters, 40, 0});
  EXPECT_EQ(small[0].text, "First paragraph has one sentence.");
  const std::string text = document_text(doc);
  for (const Chunk& c : small) {
    EXPECT_TRUE(c.char_start == 0 || is_space(text[c.char_start - 1])) << c.text;
    EXPECT_TRUE(c.char_end == static_cast<int64_t>(text.size()) || is_space(text[c.char_end])) << c.text;
  }
}

TEST(RagChunker, OverlapStartsAtASentenceWhenOneIsInReach) {
  const ExtractedDocument doc =
      text_doc("Alpha beta gamma delta epsilon. Zeta eta theta. Iota kappa lambda mu nu xi omicron pi rho sigma.");
  const auto chunks = chunk_and_check(doc, {ChunkUnit::Characters, 50, 20});
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].text, "Alpha beta gamma delta epsilon. Zeta eta theta.");
  EXPECT_EQ(chunks[1].text.substr(0, 17), "Zeta eta theta. I");  // the last sentence again (16 characters)
}

TEST(RagChunker, AWordLongerThanAChunkIsCutAtCodePoints) {
  std::string blob;
  for (int i = 0; i < 100; ++i) blob += "ü";
  const ExtractedDocument doc = text_doc("short start " + blob + " short end");
  const auto chunks = chunk_and_check(doc, {ChunkUnit::Characters, 30, 5});
  std::string joined;
  for (const Chunk& c : chunks) EXPECT_LE(utf8::count_code_points(c.text), 30u);
  EXPECT_GE(chunks.size(), 4u);
}

TEST(RagChunker, CjkTextWithoutSpacesSplitsAtFullStops) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += "これは日本語の文です。";  // 10 code points each
  const auto chunks = chunk_and_check(text_doc(text), {ChunkUnit::Characters, 35, 0});
  for (const Chunk& c : chunks) EXPECT_TRUE(c.text.ends_with("。")) << c.text;
}

TEST(RagChunker, MarkdownHeadingPathsAndSectionsAreKept) {
  const std::string md =
      "Preamble text before any heading.\n\n"
      "# Guide\n\n"
      "## Install\n\nRun the installer. It asks nothing.\n\n"
      "### On Debian\n\nUse apt.\n\n"
      "```sh\n# not a heading\napt-get install x\n```\n\n"
      "## Usage\n\nStart it.\n\n"
      "Setext Title\n============\n\nUnder setext.\n";
  const ExtractedDocument doc = text_doc(md, DocumentFormat::Markdown);
  const auto chunks = chunk_and_check(doc, {ChunkUnit::Tokens, 256, 32});
  std::vector<std::pair<std::string, std::string>> got;
  for (const Chunk& c : chunks) got.emplace_back(c.heading_path, c.text);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"", "Preamble text before any heading."},
      {"Guide > Install", "# Guide\n\n## Install\n\nRun the installer. It asks nothing."},
      {"Guide > Install > On Debian", "### On Debian\n\nUse apt.\n\n```sh\n# not a heading\napt-get install x\n```"},
      {"Guide > Usage", "## Usage\n\nStart it."},
      {"Setext Title", "Setext Title\n============\n\nUnder setext."},
  };
  EXPECT_EQ(got, want);
}

TEST(RagChunker, ChunksCrossingAPageBreakCarryThePageRange) {
  ExtractedDocument doc;
  doc.format = DocumentFormat::Pdf;
  doc.pages = {{1, "one two three"}, {2, "four five"}, {4, "six seven eight nine ten"}};
  EXPECT_EQ(document_text(doc), "one two three\n\nfour five\n\nsix seven eight nine ten");
  const auto whole = chunk_and_check(doc, {ChunkUnit::Characters, 1000, 0});
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].page_start, 1);
  EXPECT_EQ(whole[0].page_end, 4);
  const auto parts = chunk_and_check(doc, {ChunkUnit::Characters, 24, 0});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "one two three\n\nfour five");
  EXPECT_EQ(parts[0].page_start, 1);
  EXPECT_EQ(parts[0].page_end, 2);
  EXPECT_EQ(parts[1].text, "six seven eight nine ten");
  EXPECT_EQ(parts[1].page_start, 4);
  EXPECT_EQ(parts[1].page_end, 4);
}

TEST(RagChunker, EmptyDocumentGivesNoChunks) {
  EXPECT_TRUE(chunk_document(ExtractedDocument{}, {}, {}).empty());
  EXPECT_TRUE(chunk_document(text_doc(" \n\n "), {}, {}).empty());
}

TEST(RagChunkerManuals, NoEmptyChunksOverAllRManuals) {
  PG_REQUIRE_R_MANUALS();
  size_t total_chunks = 0;
  for (const std::string& path : test::r_manual_pdfs()) {
    const std::vector<uint8_t> bytes = test::read_bytes(path);
    auto doc = extract_document(bytes, path, {});
    ASSERT_TRUE(doc) << doc.error();
    const std::string text = document_text(*doc);
    const auto chunks = chunk_document(*doc, {}, {});
    ASSERT_FALSE(chunks.empty()) << path;
    for (const Chunk& c : chunks) {
      ASSERT_FALSE(c.text.empty()) << path;
      ASSERT_NE(c.text.find_first_not_of(" \n\t"), std::string::npos) << path;
      ASSERT_LE(estimate_tokens(c.text), 256u) << path;
      ASSERT_EQ(text.compare(c.char_start, c.char_end - c.char_start, c.text), 0) << path;
      ASSERT_GE(c.page_start, 1);
      ASSERT_LE(c.page_end, doc->page_count);
    }
    total_chunks += chunks.size();
  }
  EXPECT_GT(total_chunks, 1000u);
}

}  // namespace
}  // namespace pg::rag
