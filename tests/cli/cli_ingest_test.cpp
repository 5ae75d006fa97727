// `playground ingest` and `playground ask` as a user runs them: a directory
// ingested recursively (bad files refused alone, exit code 1), re-running adds
// only what is new, answers cite the right document; and an ingestion killed
// with SIGKILL half-way resumes at the next run with no chunk lost or
// duplicated (compared with an uninterrupted run over the same files).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/database.h"
#include "test_process.h"

extern char** environ;

namespace pg::test {
namespace {
namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Deterministic prose: `words` words drawn from a small vocabulary, with sentences and paragraphs.
std::string prose(int seed, int words) {
  static const char* vocab[] = {"river", "stone", "garden", "lamp", "window", "harbor", "engine", "paper",
                                "silver", "forest", "cloud", "market", "bridge", "candle", "letter", "valley"};
  std::string out;
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
  for (int i = 0; i < words; ++i) {
    x = x * 1664525u + 1013904223u;
    out += vocab[(x >> 16) % 16];
    out += (i % 12 == 11) ? ".\n" : " ";
    if (i % 96 == 95) out += "\n";
  }
  return out + "\n";
}

std::string ingest_args(const fs::path& data, const std::string& more) {
  return "ingest --data-dir " + shell_quote(data.string()) + " " + more;
}

// document file name -> its chunk count, plus the total rows of chunks and of the FTS index.
struct Counts {
  std::map<std::string, int64_t> per_document;
  int64_t chunk_rows = 0;
  int64_t distinct_positions = 0;
};

Counts read_counts(const fs::path& data) {
  Counts c;
  auto db = store::Database::open((data / "playground.db").string());
  EXPECT_TRUE(db) << db.error();
  if (!db) return c;
  auto st = (*db)->prepare(
      "SELECT d.file_name, count(c.id) FROM documents d LEFT JOIN chunks c ON c.document_id = d.id "
      "WHERE d.status = 'indexed' GROUP BY d.id");
  while (st && *st->step()) c.per_document[st->text(0)] = st->int64(1);
  auto total = (*db)->prepare("SELECT count(*), count(DISTINCT document_id || ':' || chunk_index) FROM chunks");
  if (total && *total->step()) {
    c.chunk_rows = total->int64(0);
    c.distinct_positions = total->int64(1);
  }
  return c;
}

TEST(CliIngest, DirectoryIngestThenAskWithCitations) {
  const fs::path root = temp_dir("pg_cli_ingest") / "basic";
  fs::remove_all(root);
  const fs::path docs = root / "docs", data = root / "data";
  write_file(docs / "notes.txt", "Meeting notes.\n\nThe observatory telescope budget is forty thousand euros.\n");
  write_file(docs / "sub" / "guide.md", "# Guide\n\n## Pests\n\nSlugs eat lettuce; copper tape keeps them away.\n");
  write_file(docs / "sub" / "photo.txt", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 24) + std::string(200, '\0'));
  write_file(docs / "ignored.bin", "not a document extension");

  auto first = run_playground(ingest_args(data, shell_quote(docs.string()) + " --collection notes --tag q3"));
  EXPECT_EQ(first.exit_code, 1) << first.err;  // photo.txt is refused
  EXPECT_NE(first.err.find("refused: photo.txt"), std::string::npos) << first.err;
  EXPECT_NE(first.out.find("2 files indexed, 0 failed, 1 refused"), std::string::npos) << first.out;

  auto again = run_playground(ingest_args(data, shell_quote((docs / "notes.txt").string()) + " --collection notes"));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("1 already there"), std::string::npos) << again.out;

  auto ask = run_playground("ask --data-dir " + shell_quote(data.string()) +
                            " --collection notes -n 8 --seed 1 --json 'telescope budget euros'");
  ASSERT_EQ(ask.exit_code, 0) << ask.err;
  const auto answer = nlohmann::json::parse(ask.out, nullptr, false);
  ASSERT_FALSE(answer.is_discarded()) << ask.out;
  ASSERT_FALSE(answer["sources"].empty());
  EXPECT_EQ(answer["sources"][0]["document"], "notes.txt");
  EXPECT_EQ(answer["retrieval"]["mode"], "bm25");

  auto plain = run_playground("ask --data-dir " + shell_quote(data.string()) + " --collection notes -n 4 'copper tape'");
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("Sources:\n  [1] guide.md, page 1 (Guide > Pests)"), std::string::npos) << plain.out;

  // Chunks that do not fit the demo model's context are listed with their reasons.
  std::string lighthouse;
  for (int i = 0; i < 12; ++i) lighthouse += "The lighthouse keeper logs the lamp, the weather and every passing ship. ";
  write_file(docs / "keeper1.txt", lighthouse + "\n");
  write_file(docs / "keeper2.txt", "Keeper two. " + lighthouse + "\n");
  write_file(docs / "keeper3.txt", "Keeper three. " + lighthouse + "\n");
  ASSERT_EQ(run_playground(ingest_args(data, shell_quote(docs.string()) + " --collection keepers")).exit_code, 1);
  auto crowded =
      run_playground("ask --data-dir " + shell_quote(data.string()) + " --collection keepers -n 200 'lighthouse keeper'");
  EXPECT_EQ(crowded.exit_code, 0) << crowded.err;
  EXPECT_NE(crowded.out.find("[1] keeper"), std::string::npos) << crowded.out;
  EXPECT_NE(crowded.out.find("[cut to fit]"), std::string::npos) << crowded.out;
  const size_t left_out = crowded.out.find("Left out (2):\n  keeper");
  ASSERT_NE(left_out, std::string::npos) << crowded.out;
  EXPECT_NE(crowded.out.find(": budget — ", left_out), std::string::npos) << crowded.out;

  auto missing = run_playground("ask --data-dir " + shell_quote(data.string()) + " --collection nope 'q'");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing.err;
  cleanup(root);
}

// A whitespace-only file is refused by `ingest` with a clear message naming it
// once (not queued to fail later); a binary file's message names it once too.
TEST(CliIngest, BlankAndBinaryFilesAreRefusedNamingTheFileOnce) {
  const fs::path root = temp_dir("pg_cli_ingest") / "blank";
  fs::remove_all(root);
  const fs::path docs = root / "docs", data = root / "data";
  write_file(docs / "blank.txt", "  \n\t\n   \n");
  write_file(docs / "fake.pdf", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 24) + std::string(200, '\0'));
  write_file(docs / "real.txt", "The lighthouse keeper counts ships.\n");
  auto r = run_playground(ingest_args(data, shell_quote(docs.string()) + " --collection c"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("refused: blank.txt: no text to index (only whitespace)\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused: fake.pdf: binary content"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("fake.pdf: fake.pdf"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("1 files indexed, 0 failed, 2 refused"), std::string::npos) << r.out;
  cleanup(root);
}

TEST(CliIngest, KilledIngestionResumesWithoutLosingOrDuplicatingChunks) {
  const fs::path root = temp_dir("pg_cli_ingest") / "resume";
  fs::remove_all(root);
  const fs::path docs = root / "docs";
  for (int i = 0; i < 30; ++i) write_file(docs / ("doc" + std::to_string(1000 + i) + ".txt"), prose(i, 1000));
  // Embedding every chunk with the demo model makes ingestion slow enough to kill half-way.
  const std::string args = shell_quote(docs.string()) + " --collection c --embedding-model stories260K -t 1";

  const fs::path reference = root / "reference";
  auto clean = run_playground(ingest_args(reference, args));
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const Counts expected = read_counts(reference);
  ASSERT_EQ(expected.per_document.size(), 30u);

  const fs::path data = root / "data";
  const std::string binary = binary_path(), data_dir = data.string(), docs_dir = docs.string();
  std::vector<std::string> argv_s = {binary, "ingest", "--data-dir", data_dir, docs_dir, "--collection", "c",
                                     "--embedding-model", "stories260K", "-t", "1"};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const std::string err_path = (root / "killed-run.err").string();
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  // Kill it once some documents are done and others are not (within two
  // minutes: a loaded machine can take long to get there).
  bool killed_half_way = false, exited_early = false;
  int status = 0;
  for (int i = 0; i < 24000 && !killed_half_way; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited_early = true;
      break;
    }
    if (!fs::exists(data / "playground.db")) continue;
    auto db = store::Database::open((data / "playground.db").string());
    if (!db) continue;
    auto st = (*db)->prepare("SELECT sum(status = 'done'), sum(status = 'pending') FROM ingest_job_files");
    if (!st) continue;
    auto row = st->step();
    if (!row || !*row || st->is_null(0)) continue;
    if (st->int64(0) >= 3 && st->int64(1) >= 3) {
      ::kill(pid, SIGKILL);
      killed_half_way = true;
    }
  }
  if (!exited_early) ::waitpid(pid, &status, 0);
  std::ifstream err_file(err_path);
  const std::string err_text((std::istreambuf_iterator<char>(err_file)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(killed_half_way) << "ingestion ended before it could be killed half-way; its stderr: " << err_text;
  EXPECT_TRUE(WIFSIGNALED(status));

  auto resumed = run_playground(ingest_args(data, args));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  const Counts got = read_counts(data);
  EXPECT_EQ(got.per_document, expected.per_document);
  EXPECT_EQ(got.chunk_rows, expected.chunk_rows);
  EXPECT_EQ(got.distinct_positions, got.chunk_rows);

  // The vector index holds every chunk once: dense search still works and the server reopens it.
  auto ask = run_playground("ask --data-dir " + shell_quote(data.string()) +
                            " --collection c --mode dense -k 3 -n 2 --json 'river stone garden'");
  EXPECT_EQ(ask.exit_code, 0) << ask.err;
  cleanup(root);
}

}  // namespace
}  // namespace pg::test
