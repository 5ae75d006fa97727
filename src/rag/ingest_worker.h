// The background worker that carries out ingestion jobs: one file at a time,
// oldest job first — read the kept file, extract, chunk, embed (in batches,
// when the collection has an embedding model), then commit the document's
// chunks in one transaction and update the vector index. Progress of the file
// in hand is readable at any time; a cancelled job stops within one embedding
// batch. Stopping the worker leaves the file in hand 'running' in the job
// store, so the next start (recover_interrupted) does it again from the
// beginning: nothing is lost or duplicated. Owns no data: it is given the
// stores, the vector indexes and how to find an embedder. Files are claimed
// with a lease (IngestJobStore::claim_next), so workers of several instances
// on one PostgreSQL database share the jobs without doing a file twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rag/collection_store.h"
#include "rag/document.h"
#include "rag/embedder.h"
#include "rag/ingest_jobs.h"
#include "rag/vector_index_set.h"

namespace pg::rag {

// The embedder of a collection's embedding model (an error when it cannot be loaded).
using EmbedderLookup = std::function<Result<std::shared_ptr<Embedder>>(const std::string& model)>;

struct IngestServices {
  CollectionStore* collections = nullptr;
  IngestJobStore* jobs = nullptr;
  VectorIndexSet* vectors = nullptr;
  std::string documents_dir;  // the kept uploads; shared by instances on one PostgreSQL database
  // Names this worker's claims on files (unique per process); its leases last
  // lease_seconds and are renewed while it works, so another instance takes a
  // file over only after this one stopped renewing (it died).
  std::string worker_id;
  int64_t lease_seconds = 30;
  ExtractLimits limits;
  EmbedderLookup embedder_for;
  int embed_batch = 16;  // chunks per embedding call
};

struct IngestProgress {
  std::string job_id;
  int64_t file_id = 0;
  std::string file_name;
  std::string stage;  // reading, extracting, chunking, embedding, indexing
  int64_t pages = 0;
  int64_t chunks_total = 0;
  int64_t chunks_embedded = 0;
};

struct FileOutcome {
  int64_t pages = 0;
  int64_t chunks = 0;
  std::string warnings;
};

// One file of a job, start to finish. `stop` ends it early with an error.
Result<FileOutcome> ingest_file(const IngestServices& services, const IngestFile& file, const std::atomic<bool>& stop,
                                const std::function<void(const IngestProgress&)>& on_progress);

class IngestWorker {
 public:
  explicit IngestWorker(IngestServices services);
  ~IngestWorker();
  IngestWorker(const IngestWorker&) = delete;
  IngestWorker& operator=(const IngestWorker&) = delete;

  // Returns interrupted files to pending, then works in a background thread.
  Status start();
  // Ends the background thread; the file in hand is left to be redone at the next start.
  void stop();
  // New work was queued.
  void wake();
  // Cancels a job (its pending files, and the file in hand within one batch).
  Result<bool> cancel(const std::string& job_id);
  std::optional<IngestProgress> current() const;

  // For `playground ingest`: works in the calling thread until no file is pending.
  Status drain(const std::function<void(const IngestProgress&)>& on_progress,
               const std::function<void(const IngestFile&, const Status&)>& on_file_done);

 private:
  // Works on the next pending file; false when there was none.
  Result<bool> work_once(const std::function<void(const IngestProgress&)>& on_progress,
                         const std::function<void(const IngestFile&, const Status&)>& on_file_done);
  void run();
  void open_indexes();

  IngestServices services_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<bool> stop_file_{false};  // the file in hand must stop (cancel or shutdown)
  bool shutting_down_ = false;
  std::optional<IngestProgress> current_;
};

}  // namespace pg::rag
