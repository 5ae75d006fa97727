// Turns incoming files (an upload's temporary files, or paths given to
// `playground ingest`) into documents of a collection and one durable
// ingestion job: each file is checked alone — name sanitized, size capped,
// type sniffed from its content, a text file of nothing but whitespace and
// duplicates (same SHA-256 in the collection) refused — and kept in the documents directory under its document id. A
// file refused here is reported with its reason; the others go on. Never
// extracts or indexes: the ingest worker does that from the job.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rag/collection_store.h"
#include "rag/ingest_jobs.h"
#include "util/result.h"

namespace pg::rag {

struct IncomingFile {
  std::string file_name;  // as given by the client or the command line (sanitized here)
  std::string path;       // where its bytes are now
  bool move = false;      // true: rename into the documents directory (an upload's temp file); false: copy
  bool too_large = false; // already known to be over the cap (an upload cut it off)
};

struct RefusedFile {
  std::string file_name;
  std::string code;     // file_too_large, empty_file, no_text, unsupported_type, duplicate, storage_error, bad_name
  // Names the file once ("fake.pdf: binary content (not PDF, text or Markdown)").
  std::string message;
};

struct SubmitOptions {
  uint64_t max_file_bytes = uint64_t{100} << 20;
  std::vector<std::string> tags;
  std::map<std::string, std::string> metadata;
};

struct SubmitOutcome {
  std::optional<IngestJob> job;         // none when every file was refused
  std::vector<DocumentRecord> documents;
  std::vector<RefusedFile> refused;
};

// Where a document's original bytes are kept.
std::string document_file_path(const std::string& documents_dir, int64_t document_id);

Result<SubmitOutcome> submit_files(CollectionStore& collections, IngestJobStore& jobs,
                                   const std::string& documents_dir, const Collection& collection,
                                   const std::vector<IncomingFile>& files, const SubmitOptions& options,
                                   const std::string& job_id);

// A job that indexes the given documents again from their kept files.
Result<IngestJob> submit_reindex(CollectionStore& collections, IngestJobStore& jobs, const Collection& collection,
                                 const std::vector<DocumentRecord>& documents, const std::string& job_id);

}  // namespace pg::rag
