// `playground ingest PATH… --collection NAME [--tag T]… [--embedding-model M]`:
// adds files (directories recursively: their .pdf, .txt, .md and .markdown
// files) to a collection of the data directory, creating the collection when
// missing, and indexes them in this process with a progress bar. Each file
// is refused or ingested alone; the exit code is 1 when any file failed.
// A job interrupted here (Ctrl-C, kill) is resumed by the next `ingest` or `serve`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "cli/commands.h"
#include "cli/local_rag.h"
#include "cli/progress_bar.h"
#include "rag/ingest_submit.h"

namespace pg::cli {
namespace fs = std::filesystem;

namespace {

const std::set<std::string> kDocumentExtensions = {".pdf", ".txt", ".md", ".markdown", ".text"};

// Paths as given (any type, checked by content later) and, for directories, their document files.
std::vector<rag::IncomingFile> collect_files(const std::vector<std::string>& paths, std::vector<std::string>& errors) {
  std::vector<rag::IncomingFile> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string ext = it->path().extension().string();
        for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (kDocumentExtensions.count(ext)) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      for (const fs::path& f : found) files.push_back({f.filename().string(), f.string(), false, false});
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back({fs::path(p).filename().string(), p, false, false});
    } else {
      errors.push_back(p + ": no such file or directory");
    }
  }
  return files;
}

}  // namespace

void add_ingest_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("ingest", "Add PDF, text and Markdown files to a document collection and index them");
  struct Args {
    ConfigFlags config;
    std::vector<std::string> paths, tags;
    std::string collection, embedding_model, chunk_unit = "tokens";
    int chunk_size = 0, chunk_overlap = -1;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("paths", a->paths, "files and directories (recursively: *.pdf, *.txt, *.md)")->required();
  cmd->add_option("--collection", a->collection, "collection name (created when missing)")->required();
  cmd->add_option("--tag", a->tags, "tag for every file (repeatable)");
  cmd->add_option("--embedding-model", a->embedding_model,
                  "for a new collection: model that embeds chunks (none: BM25-only retrieval)");
  cmd->add_option("--chunk-unit", a->chunk_unit, "for a new collection: tokens or characters")
      ->check(CLI::IsMember({"tokens", "characters"}));
  cmd->add_option("--chunk-size", a->chunk_size, "for a new collection: chunk size (default 256 tokens, 1000 characters)")
      ->check(CLI::Range(16, 8192));
  cmd->add_option("--chunk-overlap", a->chunk_overlap, "for a new collection: overlap (default 32 tokens, 100 characters)")
      ->check(CLI::Range(0, 4096));
  add_config_flags(cmd, a->config);
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto config = load_config(a->config);
    if (!config) return (void)std::fprintf(stderr, "error: %s\n", config.error().c_str());
    auto local = open_local_core(*config);
    if (!local) return (void)std::fprintf(stderr, "error: %s\n", local.error().c_str());
    app::RagServices& rag = (*local)->rag();

    auto collection = rag.collections->find_collection(a->collection);
    if (!collection) {
      if (collection.code() != StatusCode::kNotFound)
        return (void)std::fprintf(stderr, "error: %s\n", collection.error().c_str());
      rag::ChunkingSettings chunking;
      chunking.unit = a->chunk_unit;
      const bool chars = a->chunk_unit == "characters";
      chunking.size = a->chunk_size > 0 ? a->chunk_size : (chars ? 1000 : 256);
      chunking.overlap = a->chunk_overlap >= 0 ? a->chunk_overlap : (chars ? 100 : 32);
      if (chunking.overlap * 2 >= chunking.size)
        return (void)std::fprintf(stderr, "error: --chunk-overlap must be less than half of --chunk-size\n");
      int dimension = 0;
      if (!a->embedding_model.empty()) {
        auto embedder = (*local)->embedder(a->embedding_model);
        if (!embedder)
          return (void)std::fprintf(stderr, "error: --embedding-model %s: %s\n", a->embedding_model.c_str(),
                                    embedder.error().c_str());
        dimension = (*embedder)->dimension();
      }
      rag::NewCollection fields;
      fields.name = a->collection;
      fields.embedding_model = a->embedding_model;
      fields.embedding_dim = dimension;
      fields.chunking = chunking;
      collection = rag.collections->create_collection(fields);
      if (!collection) return (void)std::fprintf(stderr, "error: %s\n", collection.error().c_str());
      std::fprintf(stderr, "created collection '%s'%s\n", a->collection.c_str(),
                   a->embedding_model.empty() ? " (BM25 retrieval only: no --embedding-model)" : "");
    } else if (!a->embedding_model.empty() && a->embedding_model != collection->embedding_model) {
      return (void)std::fprintf(stderr, "error: collection '%s' exists with embedding model '%s'\n",
                                a->collection.c_str(), collection->embedding_model.c_str());
    }

    std::vector<std::string> errors;
    const std::vector<rag::IncomingFile> files = collect_files(a->paths, errors);
    for (const std::string& e : errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    rag::SubmitOptions options;
    options.max_file_bytes = static_cast<uint64_t>(config->max_upload_bytes);
    options.tags = a->tags;
    auto submitted = rag::submit_files(*rag.collections, *rag.jobs, rag.documents_dir, *collection, files, options,
                                       (*local)->new_id("job-"));
    if (!submitted) return (void)std::fprintf(stderr, "error: %s\n", submitted.error().c_str());
    size_t refused = 0, skipped = 0;
    for (const rag::RefusedFile& f : submitted->refused) {
      // A file already in the collection is not an error: re-running ingest on a directory adds what is new.
      const bool duplicate = f.code == "duplicate";
      (duplicate ? skipped : refused)++;
      std::fprintf(stderr, "%s: %s\n", duplicate ? "skipped" : "refused", f.message.c_str());
    }

    // Works through every pending file of the data directory (this job, and any
    // job an earlier run left unfinished).
    ProgressBar bar;
    int64_t files_done = 0, failed = 0, pages = 0, chunks = 0;
    const int64_t total = submitted->job ? submitted->job->files_total() : 0;
    const auto started = std::chrono::steady_clock::now();
    Status drained = (*local)->rag().worker->drain(
        [&](const rag::IngestProgress& p) {
          std::string text = p.file_name + " (" + p.stage;
          if (p.chunks_total > 0 && p.stage == "embedding")
            text += " " + std::to_string(p.chunks_embedded) + "/" + std::to_string(p.chunks_total);
          bar.update(files_done, std::max(total, files_done + 1), text + ")");
        },
        [&](const rag::IngestFile& f, const Status& s) {
          ++files_done;
          if (!s) {
            ++failed;
            bar.println("failed: " + s.message());
            return;
          }
          auto job = rag.jobs->get(f.job_id);
          if (job && *job)
            for (const rag::IngestFile& row : (*job)->files)
              if (row.id == f.id) {
                pages += row.pages;
                chunks += row.chunks;
                std::string line = "indexed: " + row.file_name + " (" + std::to_string(row.pages) + " pages, " +
                                   std::to_string(row.chunks) + " chunks)";
                if (!row.warnings.empty()) line += " warning: " + row.warnings;
                bar.println(line);
              }
        });
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!drained) return (void)std::fprintf(stderr, "error: %s\n", drained.message().c_str());
    std::printf("%lld files indexed, %lld failed, %zu refused, %zu already there; %lld pages, %lld chunks in %.1f s "
                "(%.0f pages/s) into '%s'\n",
                static_cast<long long>(files_done - failed), static_cast<long long>(failed), refused, skipped,
                static_cast<long long>(pages), static_cast<long long>(chunks), seconds,
                seconds > 0 ? static_cast<double>(pages) / seconds : 0.0, collection->name.c_str());
    exit_code = (failed > 0 || refused > 0 || !errors.empty()) ? 1 : 0;
  });
}

}  // namespace pg::cli
