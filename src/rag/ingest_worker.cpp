// Carries out ingestion jobs; see ingest_worker.h.
#include "rag/ingest_worker.h"

#include <cstdio>
#include <random>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "rag/chunker.h"
#include "rag/extract.h"
#include "rag/file_name.h"
#include "rag/ingest_submit.h"

namespace pg::rag {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::vector<uint8_t>> read_kept_file(const std::string& path, uint64_t cap) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error{"the document's file " + path + " is missing: " + ec.message()};
  if (size > cap) return Error{"larger than the " + std::to_string(cap) + "-byte cap"};
  std::vector<uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) return Error{"cannot read " + path};
  return bytes;
}

ChunkingOptions chunking_of(const Collection& c) {
  ChunkingOptions o;
  o.unit = c.chunking.unit == "characters" ? ChunkUnit::Characters : ChunkUnit::Tokens;
  o.size = c.chunking.size;
  o.overlap = c.chunking.overlap;
  return o;
}

}  // namespace

Result<FileOutcome> ingest_file(const IngestServices& s, const IngestFile& file, const std::atomic<bool>& stop,
                                const std::function<void(const IngestProgress&)>& on_progress) {
  IngestProgress progress;
  progress.job_id = file.job_id;
  progress.file_id = file.id;
  progress.file_name = file.file_name;
  auto report = [&](const char* stage) {
    progress.stage = stage;
    if (on_progress) on_progress(progress);
  };

  auto doc = s.collections->get_document(file.document_id);
  if (!doc) return Error{doc.error()};
  auto collection = s.collections->get_collection(doc->collection_id);
  if (!collection) return Error{collection.error()};
  auto fail = [&](const std::string& message) -> Result<FileOutcome> {
    (void)s.collections->set_document_status(doc->id, "failed", message);
    return Error{message};
  };

  report("reading");
  auto bytes = read_kept_file(document_file_path(s.documents_dir, doc->id), s.limits.max_bytes);
  if (!bytes) return fail(doc->file_name + ": " + bytes.error());
  if (Status st = s.collections->set_document_status(doc->id, "indexing"); !st)
    return Error{st.message()};

  report("extracting");
  auto extracted = extract_document(*bytes, doc->file_name, s.limits);
  if (!extracted) return fail(extracted.error());
  progress.pages = extracted->page_count;
  if (stop.load()) return Error{"stopped"};

  std::shared_ptr<Embedder> embedder;
  if (!collection->embedding_model.empty()) {
    auto e = s.embedder_for(collection->embedding_model);
    if (!e) return fail("embedding model '" + collection->embedding_model + "': " + e.error());
    embedder = std::move(*e);
  }

  report("chunking");
  TokenCounter counter;
  if (embedder) counter = [&](std::string_view t) { return embedder->count_tokens(t); };
  const std::vector<Chunk> chunks = chunk_document(*extracted, chunking_of(*collection), counter);
  progress.chunks_total = static_cast<int64_t>(chunks.size());

  std::vector<NewChunk> rows;
  rows.reserve(chunks.size());
  for (const Chunk& c : chunks)
    rows.push_back({c.index, c.text, c.page_start, c.page_end, c.heading_path, c.char_start, c.char_end,
                    c.token_count, {}});
  if (embedder) {
    report("embedding");
    const size_t batch = static_cast<size_t>(std::max(1, s.embed_batch));
    for (size_t first = 0; first < rows.size(); first += batch) {
      if (stop.load()) return Error{"stopped"};
      std::vector<std::string> texts;
      for (size_t i = first; i < std::min(rows.size(), first + batch); ++i) texts.push_back(rows[i].text);
      auto vectors = embedder->embed(texts);
      if (!vectors) return fail("embedding chunks " + std::to_string(first) + "..: " + vectors.error());
      if (vectors->size() != texts.size()) return fail("the embedding model returned a wrong number of vectors");
      for (size_t i = 0; i < texts.size(); ++i) rows[first + i].embedding = std::move((*vectors)[i]);
      progress.chunks_embedded = static_cast<int64_t>(first + texts.size());
      report("embedding");
    }
  }
  if (stop.load()) return Error{"stopped"};

  report("indexing");
  // One transaction in SQLite, then the collection's vector index follows.
  if (auto replaced = s.vectors->replace_chunks(doc->id, rows); !replaced) return fail(replaced.error());
  std::string warnings;
  for (const std::string& w : extracted->warnings) warnings += (warnings.empty() ? "" : "; ") + w;
  if (Status st = s.collections->set_document_status(doc->id, "indexed", "", extracted->title, extracted->page_count);
      !st)
    return Error{st.message()};
  return FileOutcome{progress.pages, static_cast<int64_t>(rows.size()), warnings};
}

IngestWorker::IngestWorker(IngestServices services) : services_(std::move(services)) {
  if (services_.worker_id.empty()) {
    std::random_device rd;
    char buf[24];
    std::snprintf(buf, sizeof buf, "worker-%08x%08x", rd(), rd());
    services_.worker_id = buf;
  }
}

IngestWorker::~IngestWorker() { stop(); }

Status IngestWorker::start() {
  auto recovered = services_.jobs->recover_interrupted();
  if (!recovered) return Status::error(recovered.error());
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void IngestWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    shutting_down_ = true;
  }
  stop_file_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IngestWorker::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<bool> IngestWorker::cancel(const std::string& job_id) {
  auto cancelled = services_.jobs->cancel(job_id);
  if (!cancelled || !*cancelled) return cancelled;
  int64_t in_hand = 0;  // the file the worker holds settles its document itself
  {
    std::lock_guard lock(mu_);
    if (current_ && current_->job_id == job_id) {
      stop_file_.store(true);
      in_hand = current_->file_id;
    }
  }
  // Its documents that will not be indexed now say so (a retry indexes them).
  auto job = services_.jobs->get(job_id);
  if (job && *job)
    for (const IngestFile& f : (*job)->files)
      if (f.status == "cancelled" && f.id != in_hand)
        (void)services_.collections->set_document_status(f.document_id, "failed",
                                                         "ingestion cancelled; retry the job to index it");
  return cancelled;
}

std::optional<IngestProgress> IngestWorker::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<bool> IngestWorker::work_once(const std::function<void(const IngestProgress&)>& on_progress,
                                     const std::function<void(const IngestFile&, const Status&)>& on_file_done) {
  auto next = services_.jobs->claim_next(services_.worker_id, services_.lease_seconds);
  if (!next) return Error{next.error()};
  if (!*next) return false;
  const IngestFile file = **next;
  auto last_renewal = Clock::now();
  {
    std::lock_guard lock(mu_);
    current_ = IngestProgress{file.job_id, file.id, file.file_name, "reading", 0, 0, 0};
    stop_file_.store(shutting_down_);
  }
  const auto started = Clock::now();
  auto outcome = ingest_file(services_, file, stop_file_, [&](const IngestProgress& p) {
    {
      std::lock_guard lock(mu_);
      current_ = p;
    }
    // Renew the lease well before it runs out (progress comes at least every embedding batch and page).
    if (Clock::now() - last_renewal > std::chrono::seconds(std::max<int64_t>(1, services_.lease_seconds / 3))) {
      last_renewal = Clock::now();
      (void)services_.jobs->renew_lease(file.id, services_.worker_id, services_.lease_seconds);
    }
    if (on_progress) on_progress(p);
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  bool shutting_down = false;
  {
    std::lock_guard lock(mu_);
    current_.reset();
    shutting_down = shutting_down_;
  }
  Status result = outcome ? Status::ok() : Status::error(outcome.error());
  if (outcome) {
    if (Status s = services_.jobs->finish_file(file.id, outcome->pages, outcome->chunks, seconds, outcome->warnings); !s)
      return Error{s.message()};
  } else if (shutting_down && stop_file_.load()) {
    // Left 'running': redone from the start by the next start().
  } else if (stop_file_.load()) {
    // Cancelled: the job store has already marked the file; its document says so.
    (void)services_.collections->set_document_status(file.document_id, "failed",
                                                     "ingestion cancelled; retry the job to index it");
  } else if (Status s = services_.jobs->fail_file(file.id, outcome.error()); !s) {
    return Error{s.message()};
  }
  if (on_file_done) on_file_done(file, result);
  return true;
}

void IngestWorker::open_indexes() {
  // Opening an index may rebuild it from SQLite (minutes for a large
  // collection): done here, before any query needs it, not in a request.
  auto collections = services_.collections->list_collections();
  if (!collections) return;
  for (const Collection& c : *collections) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (c.has_embeddings()) (void)services_.vectors->index(c.id);
  }
}

void IngestWorker::run() {
  open_indexes();
  auto last_save = Clock::now();
  bool unsaved = false;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto worked = work_once(nullptr, nullptr);
    const bool did_work = worked && *worked;
    unsaved = unsaved || did_work;
    // Index files are written when the worker goes idle, and at least every
    // 30 s while it works; what is not yet written is recovered from SQLite.
    if (unsaved && (!did_work || Clock::now() - last_save > std::chrono::seconds(30))) {
      (void)services_.vectors->save_all();
      last_save = Clock::now();
      unsaved = false;
    }
    std::unique_lock lock(mu_);
    if (stopping_) break;
    if (!did_work) {
      // Idle (or the database failed): wait for new work, checking again now and then.
      cv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_ || woken_; });
      woken_ = false;
    }
  }
  if (unsaved) (void)services_.vectors->save_all();
}

Status IngestWorker::drain(const std::function<void(const IngestProgress&)>& on_progress,
                           const std::function<void(const IngestFile&, const Status&)>& on_file_done) {
  auto recovered = services_.jobs->recover_interrupted();
  if (!recovered) return Status::error(recovered.error());
  while (true) {
    auto worked = work_once(on_progress, on_file_done);
    if (!worked) return Status::error(worked.error());
    if (!*worked) return services_.vectors->save_all();
    std::lock_guard lock(mu_);
    if (shutting_down_) return Status::error("stopped");
  }
}

}  // namespace pg::rag
