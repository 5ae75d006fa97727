// Retrieval quality on a corpus nobody here wrote: the system's man pages
// (/usr/share/man/man1/*.1.gz). Each page's NAME-line description ("ls - list
// directory contents" gives "list directory contents") is a query; the NAME
// section is removed from the indexed text; a query is answered when one of
// the top 5 chunks comes from its page. Prints recall@5 of BM25, and of dense
// and hybrid retrieval with an embedding model, and asserts floors. Skips
// when fewer than 100 pages are installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

#include "../engine/model/bert_test_util.h"
#include "quality_embed.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "rag/retriever.h"
#include "rag/vector_index_set.h"
#include "rag_store_fixture.h"
#include "store/data_dir.h"

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

// The man-page corpus indexed into one collection: each page a document of
// word chunks; `embed` (optional) gives every chunk its vector.
struct ManCorpus {
  Collection collection;
  std::vector<std::pair<ManPage, int64_t>> pages;  // page, document id
  double index_seconds = 0;
};

struct Recall {
  size_t found = 0, found_at_1 = 0, queries = 0;
  double ms_per_query = 0;
  double at5() const { return queries ? double(found) / double(queries) : 0; }
  double at1() const { return queries ? double(found_at_1) / double(queries) : 0; }
};

class RagQuality : public test::RagStoreFixture {
 protected:
  using EmbedFn = std::function<std::vector<std::vector<float>>(const std::vector<std::string>&)>;

  void build_corpus(size_t max_pages, const std::string& model, int dim, const EmbedFn& embed, ManCorpus& corpus) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(kManDir, ec))
      if (e.is_regular_file() && !e.is_symlink() && e.path().string().ends_with(".1.gz")) files.push_back(e.path());
    if (files.size() < 100) GTEST_SKIP() << "fewer than 100 man pages in " << kManDir;
    std::sort(files.begin(), files.end());

    const auto started = std::chrono::steady_clock::now();
    corpus.collection = make_collection("man1", model, dim);
    if (embed) indexes_ = std::make_unique<VectorIndexSet>(*store_, vectors_dir());
    std::set<std::string> seen;
    const size_t stride = std::max<size_t>(1, files.size() / (max_pages * 2));
    for (size_t i = 0; i < files.size() && corpus.pages.size() < max_pages; i += stride) {
      ManPage page;
      page.name = files[i].filename().string();
      if (!parse_man(read_gzip(files[i]), page)) continue;
      std::string key = page.description;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      if (!seen.insert(key).second) continue;  // the same description on two pages: ambiguous query
      std::vector<NewChunk> chunks = word_chunks(page.body);
      if (chunks.empty()) continue;
      DocumentRecord d = make_document(corpus.collection.id, page.name);
      if (embed) {
        std::vector<std::string> texts;
        for (const NewChunk& c : chunks) texts.push_back(c.text);
        std::vector<std::vector<float>> vectors = embed(texts);
        ASSERT_EQ(vectors.size(), chunks.size()) << page.name;
        for (size_t k = 0; k < chunks.size(); ++k) chunks[k].embedding = std::move(vectors[k]);
        auto r = indexes_->replace_chunks(d.id, chunks);
        ASSERT_TRUE(r) << page.name << ": " << r.error();
      } else {
        auto r = store_->replace_chunks(d.id, chunks);
        ASSERT_TRUE(r) << page.name << ": " << r.error();
      }
      corpus.pages.emplace_back(std::move(page), d.id);
    }
    ASSERT_GE(corpus.pages.size(), 100u);
    corpus.index_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  // recall@5 of one mode over every page's description.
  Recall measure(const ManCorpus& corpus, RetrievalMode mode, const EmbedFn& embed) {
    Retriever retriever(*store_, indexes_.get());
    Recall r;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& [page, doc_id] : corpus.pages) {
      RetrievalQuery q;
      q.text = page.description;
      q.mode = mode;
      q.top_k = 5;
      if (mode != RetrievalMode::Bm25) q.embedding = embed({page.description}).at(0);
      auto hits = retriever.retrieve(corpus.collection.id, q);
      EXPECT_TRUE(hits) << page.name << ": " << hits.error();
      if (!hits) return r;
      ++r.queries;
      for (size_t i = 0; i < hits->size(); ++i)
        if ((*hits)[i].document.id == doc_id) {
          ++r.found;
          r.found_at_1 += i == 0;
          break;
        }
    }
    r.ms_per_query = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
                     double(std::max<size_t>(1, r.queries));
    return r;
  }

  // The file names of each query's top k BM25 hits.
  // Each page's top k by BM25: document names and scores, and the time per query.
  struct TopLists {
    std::vector<std::vector<std::string>> names;
    std::vector<std::vector<double>> scores;
    double ms_per_query = 0;
  };
  TopLists bm25_top(const ManCorpus& corpus, int k) {
    Retriever retriever(*store_, nullptr);
    TopLists out;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& [page, doc_id] : corpus.pages) {
      RetrievalQuery q;
      q.text = page.description;
      q.top_k = k;
      auto hits = retriever.retrieve(corpus.collection.id, q);
      EXPECT_TRUE(hits) << page.name << ": " << hits.error();
      out.names.emplace_back();
      out.scores.emplace_back();
      if (hits)
        for (const RetrievalHit& h : *hits) {
          out.names.back().push_back(h.document.file_name);
          out.scores.back().push_back(h.bm25_score.value_or(0));
        }
    }
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    out.ms_per_query = corpus.pages.empty() ? 0 : took.count() / double(corpus.pages.size());
    return out;
  }

  std::unique_ptr<VectorIndexSet> indexes_;
};

TEST_F(RagQuality, Bm25RecallAt5OnManPageDescriptions) {
  ManCorpus corpus;
  build_corpus(kPages, "", 0, {}, corpus);
  if (HasFatalFailure() || IsSkipped()) return;
  const Recall r = measure(corpus, RetrievalMode::Bm25, {});
  std::printf("man1 BM25: %zu pages (%lld chunks), recall@5 %.3f, recall@1 %.3f, %.2f ms/query, indexed in %.1f s\n",
              corpus.pages.size(), static_cast<long long>(count("SELECT count(*) FROM chunks")), r.at5(), r.at1(),
              r.ms_per_query, corpus.index_seconds);
  EXPECT_GE(r.at5(), 0.5);
}

// The same corpus and queries on SQLite (FTS5's bm25) and PostgreSQL (FTS5's
// terms in a tsvector, BM25 in SQL): each engine's recall@10 of the known
// answers, how much of SQLite's top 10 PostgreSQL's top 10 holds (the issue
// asks for at least 0.95), and how far the scores of the same hits differ.
// Skips without a PostgreSQL server.
TEST_F(RagQuality, PostgresFullTextAgreesWithSqlite) {
  constexpr size_t kPagesBoth = 300;
  ManCorpus lite;
  build_corpus(kPagesBoth, "", 0, {}, lite);
  if (HasFatalFailure() || IsSkipped()) return;
  const TopLists lite_top = bm25_top(lite, 10);
  PG_REQUIRE_POSTGRES(url);
  // The same fixture, now on a PostgreSQL database.
  store_.reset();
  auto pgdb = store::open_store("", url);
  ASSERT_TRUE(pgdb) << pgdb.error();
  db_ = std::move(*pgdb);
  store_ = std::make_unique<CollectionStore>(*db_);
  ManCorpus pg;
  build_corpus(kPagesBoth, "", 0, {}, pg);
  if (HasFatalFailure()) return;
  ASSERT_EQ(pg.pages.size(), lite.pages.size());
  const TopLists pg_top = bm25_top(pg, 10);
  size_t lite_found = 0, pg_found = 0, shared = 0, lite_total = 0, same_order = 0;
  double worst_score_difference = 0;
  for (size_t i = 0; i < lite.pages.size(); ++i) {
    const std::string& answer = lite.pages[i].first.name;
    const auto& a = lite_top.names[i];
    const auto& b = pg_top.names[i];
    lite_found += std::count(a.begin(), a.end(), answer) > 0;
    pg_found += std::count(b.begin(), b.end(), answer) > 0;
    std::set<std::string> in_a(a.begin(), a.end());
    for (const std::string& n : std::set<std::string>(b.begin(), b.end())) shared += in_a.count(n);
    lite_total += in_a.size();
    same_order += a == b;
    for (size_t k = 0; k < std::min(a.size(), b.size()); ++k)
      if (a[k] == b[k])
        worst_score_difference = std::max(worst_score_difference, std::abs(lite_top.scores[i][k] - pg_top.scores[i][k]) /
                                                                      std::max(1e-9, std::abs(lite_top.scores[i][k])));
  }
  const double n = double(lite.pages.size());
  const double agreement = lite_total ? double(shared) / double(lite_total) : 0.0;
  std::printf("man1, %zu pages: recall@10 SQLite %.3f, PostgreSQL %.3f; PostgreSQL's top 10 holds %.3f of SQLite's, "
              "in the same order for %.3f of the queries; largest relative score difference %.2g; "
              "%.2f ms/query SQLite, %.2f ms/query PostgreSQL\n",
              lite.pages.size(), lite_found / n, pg_found / n, agreement, same_order / n, worst_score_difference,
              lite_top.ms_per_query, pg_top.ms_per_query);
  EXPECT_GE(pg_found / n, 0.95 * (lite_found / n));
  EXPECT_GE(agreement, 0.95);
  EXPECT_LT(worst_score_difference, 1e-6);
}

// Dense and hybrid against BM25 on the same corpus. With a real embedding
// model (PLAYGROUND_EMBED_MODEL=path/to/all-MiniLM-L6-v2.gguf, or any BERT-family
// GGUF) the bar is asserted: hybrid recall@5 at least BM25's. Without
// one, a random-weight bert-tiny exercises the same path (its vectors carry no
// meaning, so only the fusion's guarantees are asserted: every hybrid hit
// comes from one of the two lists, and BM25's certain answers survive).
TEST_F(RagQuality, HybridAgainstBm25WithAnEmbeddingModel) {
  const ::pg::test::QualityEncoder encoder = ::pg::test::quality_encoder();
  const bool real_model = encoder.trained;
  const std::string& path = encoder.path;
  ASSERT_FALSE(path.empty());
  auto model = BertModel::load(path);
  ASSERT_TRUE(model) << path << ": " << model.error();
  ThreadPool pool(2);
  const BertModel& m = **model;
  const EmbedFn embed = ::pg::test::embed_with(m, pool);

  ManCorpus corpus;
  build_corpus(real_model ? kPages : 150, fs::path(path).stem().string(), m.n_embd(), embed, corpus);
  if (HasFatalFailure() || IsSkipped()) return;
  const Recall bm25 = measure(corpus, RetrievalMode::Bm25, embed);
  const Recall dense = measure(corpus, RetrievalMode::Dense, embed);
  const Recall hybrid = measure(corpus, RetrievalMode::Hybrid, embed);
  std::printf("man1 with %s (%s): %zu pages, recall@5 BM25 %.3f, dense %.3f, hybrid %.3f; "
              "recall@1 BM25 %.3f, dense %.3f, hybrid %.3f; indexed and embedded in %.1f s\n",
              fs::path(path).filename().c_str(), real_model ? "PLAYGROUND_EMBED_MODEL" : "random weights",
              corpus.pages.size(), bm25.at5(), dense.at5(), hybrid.at5(), bm25.at1(), dense.at1(), hybrid.at1(),
              corpus.index_seconds);
  ASSERT_EQ(dense.queries, corpus.pages.size());
  ASSERT_EQ(hybrid.queries, corpus.pages.size());
  if (real_model) {
    EXPECT_GE(hybrid.at5(), bm25.at5()) << "hybrid retrieval lost answers BM25 found";
    return;
  }
  // Random vectors: reciprocal rank fusion of a meaningful list with noise
  // still keeps most of BM25's answers, and BM25's first hits rank high.
  EXPECT_GE(hybrid.at5(), 0.5 * bm25.at5());
  Retriever retriever(*store_, indexes_.get());
  for (const auto& [page, doc_id] : corpus.pages) {
    RetrievalQuery q;
    q.text = page.description;
    q.embedding = embed({page.description}).at(0);
    q.mode = RetrievalMode::Hybrid;
    q.top_k = 5;
    auto hits = retriever.retrieve(corpus.collection.id, q);
    ASSERT_TRUE(hits) << hits.error();
    for (const RetrievalHit& h : *hits)
      EXPECT_TRUE(h.bm25_rank.has_value() || h.dense_rank.has_value()) << page.name;
  }
}

}  // namespace
}  // namespace pg::rag
