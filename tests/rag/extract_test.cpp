// Text and Markdown extraction and format sniffing (src/rag/extract.cpp,
// text_decode.cpp, markdown.cpp): encodings (Latin-1, UTF-16 with and without
// BOM, UTF-8 with BOM, CRLF) end as the same UTF-8; binary content named .txt,
// empty and whitespace-only files and oversized files are clear errors; the
// format comes from the content, the name only tells Markdown from text.
// Files are written to and read back from a temp dir, as uploads would be.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "rag/extract.h"
#include "rag/text_decode.h"
#include "r_manuals.h"
#include "test_process.h"

namespace pg::rag {
namespace {

namespace fs = std::filesystem;

class RagExtractText : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = pg::test::temp_dir("pg_rag_extract") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes the bytes to a file and extracts what is read back.
  Result<ExtractedDocument> extract(const std::string& name, const std::string& bytes, const ExtractLimits& limits = {}) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const std::vector<uint8_t> back = test::read_bytes(path.string());
    return extract_document(back, name, limits);
  }

  fs::path dir_;
};

// "Café déjà vu — naïve" and friends in UTF-8.
const std::string kFrench =
    "Le café est déjà prêt. Où est la clé ? Une idée naïve, à peine esquissée, "
    "mais très appréciée par l'élève français qui étudie à Genève.\n";

std::string to_latin1(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
    } else {  // two-byte sequences only (Latin-1 range)
      out += static_cast<char>(((b & 0x1F) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F));
    }
  }
  return out;
}

std::string to_utf16(const std::string& ascii_or_latin1_utf8, bool little_endian, bool bom) {
  std::string out;
  auto put = [&](uint16_t u) {
    out += static_cast<char>(little_endian ? (u & 0xFF) : (u >> 8));
    out += static_cast<char>(little_endian ? (u >> 8) : (u & 0xFF));
  };
  if (bom) put(0xFEFF);
  for (unsigned char c : to_latin1(ascii_or_latin1_utf8)) put(c);
  return out;
}

TEST_F(RagExtractText, Latin1TextBecomesUtf8) {
  std::string text;
  for (int i = 0; i < 6; ++i) text += kFrench;
  auto doc = extract("latin1.txt", to_latin1(text));
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->format, DocumentFormat::Text);
  ASSERT_EQ(doc->pages.size(), 1u);
  EXPECT_EQ(doc->pages[0].number, 1);
  EXPECT_EQ(doc->pages[0].text, text);
  EXPECT_NE(doc->source_encoding, "UTF-8");
}

TEST_F(RagExtractText, Utf16WithBomsAndWithoutBecomeUtf8) {
  const std::string text = "Plain line one.\nZweite Zeile mit Umlauten: äöü ß.\n";
  struct Case {
    bool le, bom;
    const char* encoding;
  };
  for (Case c : {Case{true, true, "UTF-16LE"}, Case{false, true, "UTF-16BE"}, Case{true, false, "UTF-16LE"}}) {
    auto doc = extract("utf16.txt", to_utf16(text, c.le, c.bom));
    ASSERT_TRUE(doc) << doc.error();
    EXPECT_EQ(doc->source_encoding, c.encoding);
    EXPECT_EQ(doc->pages[0].text, text) << c.encoding;
  }
}

TEST_F(RagExtractText, Utf8BomAndCrlfAreNormalized) {
  auto doc = extract("win.txt", "\xEF\xBB\xBFline one\r\nline two\rline three\r\n");
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->source_encoding, "UTF-8");
  EXPECT_EQ(doc->pages[0].text, "line one\nline two\nline three\n");
}

TEST_F(RagExtractText, Windows1252QuotesAreReadAsSuch) {
  // 0x93/0x94 are curly quotes in Windows-1252 (invisible controls in ISO-8859-1).
  std::string text;
  for (int i = 0; i < 20; ++i) text += "He said \x93hello\x94 and left \x96 quickly. ";
  auto doc = extract("quotes.txt", text);
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_NE(doc->pages[0].text.find("He said \u201Chello\u201D and left \u2013 quickly."), std::string::npos)
      << doc->pages[0].text.substr(0, 80) << " (" << doc->source_encoding << ")";
}

TEST_F(RagExtractText, BinaryNamedTxtIsRejected) {
  std::mt19937 rng(42);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  auto doc = extract("notes.txt", bytes);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), "notes.txt: binary content (not PDF, text or Markdown)");

  // An ELF header followed by text-like bytes still has NULs.
  auto elf = extract("program.md", std::string("\x7F" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16) + "hello world");
  ASSERT_FALSE(elf);
  EXPECT_EQ(elf.error(), "program.md: binary content (not PDF, text or Markdown)");
}

TEST_F(RagExtractText, EmptyWhitespaceAndOversizedFilesAreErrors) {
  auto empty = extract("empty.txt", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), "empty.txt: empty file");

  auto blank = extract("blank.md", " \n\t\r\n  ");
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error(), "blank.md: no text (only whitespace)");

  ExtractLimits limits;
  limits.max_bytes = 100;
  auto big = extract("big.txt", std::string(101, 'a'), limits);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), "big.txt: 101 bytes is over the size limit of 100 bytes");
}

TEST_F(RagExtractText, StrayControlCharactersAreDroppedWithAWarning) {
  auto doc = extract("esc.txt", "colored \x1B[31mred\x1B[0m text\n");
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->pages[0].text, "colored [31mred[0m text\n");
  ASSERT_EQ(doc->warnings.size(), 1u);
  EXPECT_EQ(doc->warnings[0], "esc.txt: 2 control characters removed");
}

TEST_F(RagExtractText, MarkdownTitleIsTheFirstHeading) {
  auto doc = extract("guide.md", "Intro line.\n\n# The Guide #\n\nText.\n\n## Part\n");
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(doc->format, DocumentFormat::Markdown);
  EXPECT_EQ(doc->title, "The Guide");
  EXPECT_EQ(doc->pages[0].text, "Intro line.\n\n# The Guide #\n\nText.\n\n## Part\n");

  std::string endless = "# ";
  for (int i = 0; i < 1000; ++i) endless += "Ü";
  auto long_title = extract("long.md", endless + "\n");
  ASSERT_TRUE(long_title) << long_title.error();
  EXPECT_EQ(long_title->title.size(), 512u);  // 256 "Ü", cut between characters
}

TEST(RagExtractSniff, FormatComesFromContentAndNameOnlyPicksMarkdown) {
  auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  const std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";
  EXPECT_EQ(*sniff_format(bytes(pdf), "report.txt"), DocumentFormat::Pdf);  // a PDF named .txt is still a PDF
  EXPECT_EQ(*sniff_format(bytes("junk before\n" + pdf), "x"), DocumentFormat::Pdf);
  EXPECT_EQ(*sniff_format(bytes("# Title\n"), "a.md"), DocumentFormat::Markdown);
  EXPECT_EQ(*sniff_format(bytes("# Title\n"), "a.MARKDOWN"), DocumentFormat::Markdown);
  EXPECT_EQ(*sniff_format(bytes("# Title\n\n## Two\n\nSee [x](y).\n"), "a.txt"), DocumentFormat::Text);
  EXPECT_EQ(*sniff_format(bytes("# Title\n\n## Two\n\nSee [x](y).\n"), "README"), DocumentFormat::Markdown);
  EXPECT_EQ(*sniff_format(bytes("# just a comment\nkey = value\n"), "config"), DocumentFormat::Text);
  // A text about PDF headers, named as text, stays text.
  EXPECT_EQ(*sniff_format(bytes("A PDF starts with %PDF-1.7 and a comment.\n"), "notes.md"), DocumentFormat::Markdown);
  auto empty = sniff_format({}, "e.pdf");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), "e.pdf: empty file");
}

TEST(RagExtractSniff, LargeUtf8FileCutInsideACharacterStillSniffsAsText) {
  std::string text;
  while (text.size() < 70000) text += "Grüße aus Köln. ";
  // The 64 KiB sniffing window ends inside some "ü" or "ö": not an error.
  for (size_t shift = 0; shift < 3; ++shift) {
    const std::string s = std::string(shift, 'x') + text;
    auto format = sniff_format(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()), "koeln");
    ASSERT_TRUE(format) << format.error();
    EXPECT_EQ(*format, DocumentFormat::Text);
  }
}

TEST(RagExtractFileName, HostileNamesBecomeSafeBaseNames) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"../../etc/passwd", "passwd"},
      {"..\\..\\windows\\system32\\cmd.exe", "cmd.exe"},
      {"/abs/path/report.pdf", "report.pdf"},
      {"..", "document"},
      {"...", "document"},
      {"", "document"},
      {"/", "document"},
      {"dir/", "dir"},
      {".bashrc", "bashrc"},
      {std::string("a\0b.txt", 7), "ab.txt"},
      {"line\nbreak\r.md", "linebreak.md"},
      {"  spaced.txt  ", "spaced.txt"},
      {"evil\u202Etxt.exe", "eviltxt.exe"},  // a right-to-left override would show "exe.txt"
      {"zero\u200Bwidth.md", "zerowidth.md"},
      {"caf\xE9.txt", "café.txt"},  // Latin-1 bytes, not UTF-8
      {"日本語.pdf", "日本語.pdf"},
  };
  for (const Case& c : cases) {
    auto name = sanitize_file_name(c.in);
    ASSERT_TRUE(name) << name.error();
    EXPECT_EQ(*name, c.out) << "input of " << c.in.size() << " bytes";
  }
}

TEST(RagExtractFileName, LongNamesAreCutAtACharacterKeepingTheExtension) {
  std::string stem;
  for (int i = 0; i < 200; ++i) stem += "é";  // 400 bytes
  auto name = sanitize_file_name(stem + ".pdf");
  ASSERT_TRUE(name);
  EXPECT_LE(name->size(), kMaxFileNameBytes);
  EXPECT_TRUE(name->ends_with(".pdf"));
  EXPECT_EQ(name->size(), 254u);  // 125 "é" (250 bytes) + ".pdf": 251 bytes would split an "é"
  auto huge = sanitize_file_name(std::string(5000, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error(), "file name of 5000 bytes is too long (at most 4096)");
}

}  // namespace
}  // namespace pg::rag
