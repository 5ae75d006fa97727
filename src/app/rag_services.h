// The documents part of the application core: the collection store, the ingestion jobs,
// the vector indexes, the ingest worker and where documents and uploads are
// kept — opened by app::Core and owned by it. Holds no HTTP objects.
#pragma once

#include <memory>
#include <string>

#include "rag/collection_store.h"
#include "rag/embedder.h"
#include "rag/ingest_jobs.h"
#include "rag/ingest_worker.h"
#include "rag/vector_index_set.h"

namespace pg::app {

struct RagServices {
  rag::CollectionStore* collections = nullptr;
  rag::IngestJobStore* jobs = nullptr;
  rag::VectorIndexSet* vectors = nullptr;
  rag::IngestWorker* worker = nullptr;
  std::string documents_dir;  // <data_dir>/documents: each document's original file
  std::string uploads_dir;    // <data_dir>/uploads: uploads being received
};

}  // namespace pg::app
