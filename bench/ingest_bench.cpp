// Ingestion speed of the BM25-only path without the database: extraction
// (MuPDF) plus chunking (default options, default token estimate) of every R
// manual PDF of Debian's r-doc-pdf, in pages per second on one thread. The
// files are read into memory first, so disk speed does not count. Never part
// of the test suite; the figure goes to docs/BENCHMARKS.md. Run:
//   nice -n 19 ./build/playground_kernel_bench --benchmark_filter=Ingest
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rag/chunker.h"
#include "rag/extract.h"

namespace {

struct ManualFile {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<ManualFile> load_r_manuals() {
  std::vector<ManualFile> files;
  for (const char* dir : {"/usr/share/R/doc/manual", "/usr/share/doc/r-doc-pdf/manual"}) {
    if (!std::filesystem::exists(std::string(dir) + "/R-intro.pdf")) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".pdf") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      files.push_back({entry.path().filename().string(),
                       {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}});
    }
    break;
  }
  std::sort(files.begin(), files.end(), [](const ManualFile& a, const ManualFile& b) { return a.name < b.name; });
  return files;
}

void BM_IngestRManuals(benchmark::State& state) {
  const std::vector<ManualFile> files = load_r_manuals();
  if (files.empty()) {
    state.SkipWithError("the R manuals (Debian package r-doc-pdf) are not installed");
    return;
  }
  int64_t pages = 0, chunks = 0, bytes = 0;
  for (auto _ : state) {
    for (const ManualFile& f : files) {
      auto doc = pg::rag::extract_document(f.bytes, f.name, {});
      if (!doc) {
        state.SkipWithError(doc.error().c_str());
        return;
      }
      const auto c = pg::rag::chunk_document(*doc, {}, {});
      benchmark::DoNotOptimize(c.data());
      pages += doc->page_count;
      chunks += static_cast<int64_t>(c.size());
      bytes += static_cast<int64_t>(f.bytes.size());
    }
  }
  state.counters["pages/s"] = benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsRate);
  state.counters["chunks/s"] = benchmark::Counter(static_cast<double>(chunks), benchmark::Counter::kIsRate);
  state.counters["pages"] = static_cast<double>(pages) / static_cast<double>(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_IngestRManuals)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);

// The chunker alone on the text of the largest manual, for both units.
void BM_ChunkRefman(benchmark::State& state) {
  const std::vector<ManualFile> files = load_r_manuals();
  auto it = std::find_if(files.begin(), files.end(), [](const ManualFile& f) { return f.name == "refman.pdf"; });
  if (it == files.end()) {
    state.SkipWithError("refman.pdf (Debian package r-doc-pdf) is not installed");
    return;
  }
  auto doc = pg::rag::extract_document(it->bytes, it->name, {});
  if (!doc) {
    state.SkipWithError(doc.error().c_str());
    return;
  }
  const auto unit = state.range(0) == 0 ? pg::rag::ChunkUnit::Tokens : pg::rag::ChunkUnit::Characters;
  const int size = unit == pg::rag::ChunkUnit::Tokens ? 256 : 1000;
  int64_t pages = 0;
  for (auto _ : state) {
    const auto c = pg::rag::chunk_document(*doc, {unit, size, size / 8}, {});
    benchmark::DoNotOptimize(c.data());
    pages += doc->page_count;
  }
  state.counters["pages/s"] = benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(pg::rag::document_text(*doc).size()) * state.iterations());
}
BENCHMARK(BM_ChunkRefman)->Arg(0)->Arg(1)->ArgName("chars")->Unit(benchmark::kMillisecond);

}  // namespace
