// Retrieval quality on a corpus nobody here wrote: the system's man pages
// (/usr/share/man/man1/*.1.gz). Each page's NAME-line description ("ls - list
// directory contents" gives "list directory contents") is a query; the NAME
// section is removed from the indexed text; a query is answered when one of
// the top 5 BM25 chunks comes from its page. Prints recall@5 and asserts a
// floor. Skips when fewer than 100 pages are installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "rag/retriever.h"
#include "rag_store_fixture.h"

namespace pg::rag {
namespace {

namespace fs = std::filesystem;
constexpr const char* kManDir = "/usr/share/man/man1";
constexpr size_t kPages = 500;
constexpr size_t kWordsPerChunk = 120;
constexpr size_t kMaxPageBytes = 4 << 20;

std::string read_gzip(const fs::path& p) {
  const std::string cmd = "zcat -- " + ::pg::test::shell_quote(p.string()) + " 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return {};
  std::string out;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0 && out.size() < kMaxPageBytes) out.append(buf.data(), n);
  ::pclose(f);
  return out;
}

// Roff escapes out: fonts, sizes, special characters, comments.
std::string strip_escapes(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\') {
      out += line[i];
      continue;
    }
    if (++i >= line.size()) break;
    const char c = line[i];
    if (c == '"') break;  // comment to end of line
    if (c == '-' || c == 'e') out += c == '-' ? '-' : '\\';
    else if (c == ' ' || c == '~') out += ' ';
    else if (c == '(') i += 2, out += ' ';
    else if (c == '[') {
      while (i < line.size() && line[i] != ']') ++i;
      out += ' ';
    } else if (c == 'f' || c == '*' || c == 'n' || c == 'g') {
      if (i + 1 < line.size() && line[i + 1] == '(') i += 3;
      else if (i + 1 < line.size() && line[i + 1] == '[') {
        while (i < line.size() && line[i] != ']') ++i;
      } else
        i += 1;
    } else if (c == 's') {
      ++i;
      if (i < line.size() && (line[i] == '+' || line[i] == '-')) ++i;
      while (i + 1 < line.size() && std::isdigit(static_cast<unsigned char>(line[i + 1]))) ++i;
    }
    // anything else (\&, \%, \c, \|, \^ ...) produces nothing
  }
  return out;
}

struct ManPage {
  std::string name;
  std::string description;  // the query
  std::string body;         // text without the NAME section
};

// Text of a request line's arguments (".B foo" -> "foo"), "" for requests that carry no text.
std::string request_text(const std::string& line) {
  size_t i = 1;
  while (i < line.size() && line[i] == ' ') ++i;
  size_t j = i;
  while (j < line.size() && line[j] != ' ') ++j;
  const std::string macro = line.substr(i, j - i);
  static const std::set<std::string> with_text = {"B",  "I",  "BR", "IR", "RB", "BI", "IB", "RI", "SM", "SB", "SH",
                                                  "SS", "IP", "TP", "Nm", "Nd", "Ar", "Fl", "Cm", "Op", "Xr", "Pa",
                                                  "Sh", "Ss", "Em", "Sy", "Dq", "Qq", "It", "Li", "Ql", "Va", "Ev"};
  if (!with_text.count(macro)) return {};
  std::string rest = j < line.size() ? line.substr(j + 1) : "";
  rest.erase(std::remove(rest.begin(), rest.end(), '"'), rest.end());
  return rest;
}

bool parse_man(const std::string& source, ManPage& page) {
  std::istringstream in(source);
  std::string line;
  bool in_name = false, mdoc = false, saw_name = false;
  std::string name_text;
  while (std::getline(in, line)) {
    if (line.rfind(".so ", 0) == 0) return false;  // a redirect to another page
    const bool request = !line.empty() && (line[0] == '.' || line[0] == '\'');
    if (request) {
      std::string upper = line.substr(0, 12);
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      const bool section = upper.rfind(".SH", 0) == 0;
      if (section) {
        mdoc = mdoc || line.rfind(".Sh", 0) == 0;
        in_name = upper.find("NAME") != std::string::npos && !saw_name;
        saw_name = saw_name || in_name;
        if (in_name) continue;
      }
      if (in_name) {
        if (line.rfind(".Nd ", 0) == 0) page.description = strip_escapes(line.substr(4));
        else if (line.rfind(".Nm", 0) == 0) name_text += " " + strip_escapes(request_text(line));
        continue;
      }
      page.body += strip_escapes(request_text(line)) + "\n";
      continue;
    }
    if (in_name) {
      name_text += " " + strip_escapes(line);
      continue;
    }
    page.body += strip_escapes(line) + "\n";
  }
  if (!mdoc && page.description.empty()) {
    const size_t dash = name_text.find(" - ");
    if (dash == std::string::npos) return false;
    page.description = name_text.substr(dash + 3);
  }
  // Trim; a description of fewer than two words is not a usable query.
  page.description.erase(0, page.description.find_first_not_of(" \t"));
  page.description.erase(page.description.find_last_not_of(" \t.") + 1);
  return std::count(page.description.begin(), page.description.end(), ' ') >= 1 && !page.body.empty();
}

std::vector<NewChunk> word_chunks(const std::string& body) {
  std::istringstream words(body);
  std::vector<NewChunk> chunks;
  std::string word, text;
  size_t count = 0;
  auto flush = [&] {
    if (text.empty()) return;
    NewChunk c;
    c.index = static_cast<int>(chunks.size());
    c.text = text;
    c.char_end = static_cast<int64_t>(text.size());
    c.token_count = static_cast<int>(count);
    chunks.push_back(std::move(c));
    text.clear();
    count = 0;
  };
  while (words >> word) {
    if (!text.empty()) text += ' ';
    text += word;
    if (++count == kWordsPerChunk) flush();
  }
  flush();
  return chunks;
}

class RagQuality : public test::RagStoreFixture {};

TEST_F(RagQuality, Bm25RecallAt5OnManPageDescriptions) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kManDir, ec))
    if (e.is_regular_file() && !e.is_symlink() && e.path().string().ends_with(".1.gz")) files.push_back(e.path());
  if (files.size() < 100) GTEST_SKIP() << "fewer than 100 man pages in " << kManDir;
  std::sort(files.begin(), files.end());

  const auto started = std::chrono::steady_clock::now();
  Collection c = make_collection("man1");
  std::vector<std::pair<ManPage, int64_t>> pages;  // page, document id
  std::set<std::string> seen;
  const size_t stride = std::max<size_t>(1, files.size() / (kPages * 2));
  for (size_t i = 0; i < files.size() && pages.size() < kPages; i += stride) {
    ManPage page;
    page.name = files[i].filename().string();
    if (!parse_man(read_gzip(files[i]), page)) continue;
    std::string key = page.description;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (!seen.insert(key).second) continue;  // the same description on two pages: ambiguous query
    std::vector<NewChunk> chunks = word_chunks(page.body);
    if (chunks.empty()) continue;
    DocumentRecord d = make_document(c.id, page.name);
    auto r = store_->replace_chunks(d.id, chunks);
    ASSERT_TRUE(r) << page.name << ": " << r.error();
    pages.emplace_back(std::move(page), d.id);
  }
  ASSERT_GE(pages.size(), 100u);
  const double index_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  Retriever retriever(*store_, nullptr);
  size_t found = 0, found_at_1 = 0;
  const auto query_start = std::chrono::steady_clock::now();
  for (const auto& [page, doc_id] : pages) {
    RetrievalQuery q;
    q.text = page.description;
    q.top_k = 5;
    auto hits = retriever.retrieve(c.id, q);
    ASSERT_TRUE(hits) << page.name << ": " << hits.error();
    for (size_t i = 0; i < hits->size(); ++i)
      if ((*hits)[i].document.id == doc_id) {
        ++found;
        found_at_1 += i == 0;
        break;
      }
  }
  const double query_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - query_start).count() /
      double(pages.size());
  const double recall = double(found) / double(pages.size());
  std::printf("man1 BM25: %zu pages (%lld chunks), recall@5 %.3f, recall@1 %.3f, %.2f ms/query, indexed in %.1f s\n",
              pages.size(), static_cast<long long>(count("SELECT count(*) FROM chunks")), recall,
              double(found_at_1) / double(pages.size()), query_ms, index_seconds);
  EXPECT_GE(recall, 0.5);
}

}  // namespace
}  // namespace pg::rag
