// fts_terms against SQLite's own FTS5 tokenizer `porter unicode61
// remove_diacritics 2`: the same texts are indexed by a real FTS5 table, and
// fts5vocab's 'instance' view gives each document's terms in order.
#include "rag/fts_terms.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/tokenizer/utf8.h"
#include "test_paths.h"

namespace pg::rag {
namespace {

namespace fs = std::filesystem;

// FTS5's terms of each text, in order.
std::vector<std::vector<std::string>> sqlite_terms(const std::vector<std::string>& texts) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  auto exec = [&](const char* sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  };
  exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61 remove_diacritics 2')");
  exec("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')");
  exec("BEGIN");
  sqlite3_stmt* ins = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "INSERT INTO t (rowid, x) VALUES (?, ?)", -1, &ins, nullptr), SQLITE_OK);
  for (size_t i = 0; i < texts.size(); ++i) {
    sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(i) + 1);
    sqlite3_bind_text(ins, 2, texts[i].data(), static_cast<int>(texts[i].size()), SQLITE_STATIC);
    EXPECT_EQ(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec("COMMIT");
  std::vector<std::vector<std::string>> out(texts.size());
  sqlite3_stmt* q = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT doc, term FROM v ORDER BY doc, offset", -1, &q, nullptr), SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW) {
    const auto doc = static_cast<size_t>(sqlite3_column_int64(q, 0));
    const auto* term = reinterpret_cast<const char*>(sqlite3_column_text(q, 1));
    out.at(doc - 1).emplace_back(term, static_cast<size_t>(sqlite3_column_bytes(q, 1)));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& t : v) s += (s.empty() ? "" : " ") + t;
  return s;
}

TEST(RagFtsTerms, PorterStemsLikeThePaperWithFts5sChoices) {
  const std::map<std::string, std::string> cases = {
      {"caresses", "caress"}, {"ponies", "poni"},       {"ties", "ti"},          {"cats", "cat"},
      {"feed", "feed"},       {"agreed", "agre"},       {"plastered", "plaster"}, {"bled", "bled"},
      {"motoring", "motor"},  {"sing", "sing"},         {"conflated", "conflat"}, {"troubled", "troubl"},
      {"sized", "size"},      {"hopping", "hop"},       {"falling", "fall"},     {"hissing", "hiss"},
      {"filing", "file"},     {"happy", "happi"},       {"sky", "sky"},          {"relational", "relat"},
      {"generalization", "gener"}, {"electricity", "electr"}, {"archaeology", "archaeolog"},
      {"sensibility", "sensibl"}, {"goodness", "good"}, {"ab", "ab"},            {"eed", "e"},
      {"sses", "sse"},        {"ies", "ie"},            {"yyying", "yy"},
      {std::string(70, 'a') + "ing", std::string(70, 'a') + "ing"},  // over 64 bytes: unchanged
  };
  for (const auto& [word, stem] : cases) EXPECT_EQ(porter_stem(word), stem) << word;
}

TEST(RagFtsTerms, Unicode61FoldsCaseAndDiacritics) {
  EXPECT_EQ(join(unicode61_tokens("Déjà vu, RÉSUMÉ! cafe\xcc\x81 Stra\xc3\x9f" "e v1.2 x_y")),
            "deja vu resume cafe straße v1 2 x y");
  EXPECT_EQ(join(unicode61_tokens("\xce\x86\xce\xb8\xce\xae\xce\xbd\xce\xb1")), "άθήνα");  // Greek keeps its accent
  EXPECT_TRUE(unicode61_tokens(" \xcc\x81 ").empty());  // a lone accent is no token
  EXPECT_TRUE(unicode61_tokens("\xff\xfe --- \x80").empty());
}

// English prose: the licence texts every Debian system has and this
// repository's documentation.
TEST(RagFtsTerms, SameTermsAsSqliteFts5OnEnglishText) {
  std::vector<std::string> texts;
  for (const fs::path& dir : {fs::path("/usr/share/common-licenses"), fs::path(test::source_dir()) / "docs"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) texts.push_back(read_file(e.path()));
  }
  if (texts.size() < 5) GTEST_SKIP() << "no licence texts or docs to tokenize";
  const auto expected = sqlite_terms(texts);
  size_t terms = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto mine = fts_terms(texts[i]);
    ASSERT_EQ(mine.size(), expected[i].size()) << "text " << i;
    for (size_t k = 0; k < mine.size(); ++k) ASSERT_EQ(mine[k], expected[i][k]) << "text " << i << " term " << k;
    terms += mine.size();
  }
  std::printf("%zu texts, %zu terms: all equal to FTS5's\n", texts.size(), terms);
  EXPECT_GT(terms, 50000u);
}

// Every code point of the Basic Multilingual Plane between two ASCII letters,
// alone and after an accented capital.
TEST(RagFtsTerms, SameTermsAsSqliteFts5ForEveryBmpCharacter) {
  std::vector<std::string> texts;
  std::vector<uint32_t> code_points;
  for (uint32_t cp = 0x80; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    texts.push_back("x" + utf8::encode(cp) + "yz \xc3\x89" + utf8::encode(cp) + "TE");
    code_points.push_back(cp);
  }
  const auto expected = sqlite_terms(texts);
  size_t differ = 0;
  std::string examples;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (fts_terms(texts[i]) == expected[i]) continue;
    if (++differ <= 8) {
      char cp[16];
      std::snprintf(cp, sizeof cp, " U+%04X", code_points[i]);
      examples += cp + std::string("(") + join(expected[i]) + " / " + join(fts_terms(texts[i])) + ")";
    }
  }
  std::printf("%zu of %zu BMP characters tokenized differently from FTS5:%s\n", differ, texts.size(),
              examples.c_str());
  // SQLite's Unicode tables are older than ours. The characters that differ
  // (592 of 63360 when written) were assigned or given a case mapping since
  // (FTS5 takes them for unassigned, which are token characters), plus
  // Cherokee, which case folding maps to upper case.
  EXPECT_LT(static_cast<double>(differ), 0.015 * static_cast<double>(texts.size()));
}

}  // namespace
}  // namespace pg::rag
