// Incoming files to documents and a job; see ingest_submit.h.
#include "rag/ingest_submit.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "rag/extract.h"
#include "rag/file_name.h"
#include "store/data_dir.h"
#include "util/sha256.h"

namespace pg::rag {
namespace fs = std::filesystem;

namespace {

constexpr size_t kSniffBytes = 64 * 1024;

std::vector<uint8_t> read_prefix(const std::string& path, size_t n) {
  std::vector<uint8_t> bytes(n);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// Copies or renames `from` to `to` (rename falls back to copy across file systems).
Status keep_file(const std::string& from, const std::string& to, bool move) {
  std::error_code ec;
  if (move) {
    fs::rename(from, to, ec);
    if (!ec) return Status::ok();
  }
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::error("cannot store " + to + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
  return Status::ok();
}

}  // namespace

std::string document_file_path(const std::string& documents_dir, int64_t document_id) {
  return documents_dir + "/" + std::to_string(document_id);
}

Result<SubmitOutcome> submit_files(CollectionStore& collections, IngestJobStore& jobs,
                                   const std::string& documents_dir, const Collection& collection,
                                   const std::vector<IncomingFile>& files, const SubmitOptions& options,
                                   const std::string& job_id) {
  if (Status s = store::ensure_private_dir(documents_dir); !s) return Error{s.message()};

  SubmitOutcome out;
  std::vector<NewIngestFile> job_files;
  std::map<std::string, std::string> digests_here;  // within this submission: digest -> file name
  for (const IncomingFile& in : files) {
    auto name = sanitize_file_name(in.file_name);
    const std::string shown = name ? *name : in.file_name;
    // Names the file once: our own messages get it here, those of extract.h already carry it.
    auto refuse_named = [&](std::string code, std::string message) {
      out.refused.push_back({shown, std::move(code), std::move(message)});
    };
    auto refuse = [&](std::string code, const std::string& message) { refuse_named(std::move(code), shown + ": " + message); };
    if (!name) {
      refuse("bad_name", name.error());
      continue;
    }
    std::error_code ec;
    const uint64_t size = fs::file_size(in.path, ec);
    if (ec) {
      refuse("storage_error", "cannot read it: " + ec.message());
      continue;
    }
    if (in.too_large || size > options.max_file_bytes) {
      refuse("file_too_large", "larger than the " + std::to_string(options.max_file_bytes) + "-byte cap (max_upload_bytes)");
      continue;
    }
    if (size == 0) {
      refuse("empty_file", "the file is empty");
      continue;
    }
    const std::vector<uint8_t> prefix = read_prefix(in.path, kSniffBytes);
    auto format = sniff_format(prefix, *name);
    if (!format) {
      refuse_named("unsupported_type", format.error());
      continue;
    }
    // A text file with nothing but whitespace could never be indexed: refused now, not failed in every retry.
    if (*format != DocumentFormat::Pdf) {
      const std::vector<uint8_t> bytes = read_prefix(in.path, static_cast<size_t>(size));
      if (Status s = check_has_text(bytes, *name); !s) {
        if (s.reason() == "no_text") refuse("no_text", s.message());
        else refuse_named("unsupported_type", s.message());
        continue;
      }
    }
    auto digest = sha256_of_file(in.path);
    if (!digest) {
      refuse("storage_error", digest.error());
      continue;
    }
    auto same = collections.find_documents_by_sha256(collection.id, *digest);
    if (!same) return Error{same.error()};
    if (!same->empty()) {
      refuse("duplicate", "the same file is already in collection '" + collection.name + "' as document " +
                              std::to_string(same->front().id) + " (" + same->front().file_name + ")");
      continue;
    }
    if (auto it = digests_here.find(*digest); it != digests_here.end()) {
      refuse("duplicate", "the same file is in this upload twice (also as " + it->second + ")");
      continue;
    }
    NewDocument fields;
    fields.file_name = *name;
    fields.format = std::string(format_name(*format));
    fields.size_bytes = static_cast<int64_t>(size);
    fields.sha256 = *digest;
    fields.tags = options.tags;
    fields.metadata = options.metadata;
    auto doc = collections.add_document(collection.id, fields);
    if (!doc) return Error{doc.error()};
    if (Status s = keep_file(in.path, document_file_path(documents_dir, doc->id), in.move); !s) {
      (void)collections.delete_document(doc->id);
      refuse("storage_error", s.message());
      continue;
    }
    digests_here[*digest] = *name;
    job_files.push_back({doc->id, *name, static_cast<int64_t>(size)});
    out.documents.push_back(std::move(*doc));
  }
  if (job_files.empty()) return out;
  auto job = jobs.create(job_id, collection.id, "upload", job_files);  // its label() is the file's name
  if (!job) return Error{job.error()};
  out.job = std::move(*job);
  return out;
}

Result<IngestJob> submit_reindex(CollectionStore& collections, IngestJobStore& jobs, const Collection& collection,
                                 const std::vector<DocumentRecord>& documents, const std::string& job_id) {
  std::vector<NewIngestFile> job_files;
  for (const DocumentRecord& d : documents) {
    if (Status s = collections.set_document_status(d.id, "pending"); !s)
      return Error{s.message()};
    job_files.push_back({d.id, d.file_name, d.size_bytes});
  }
  return jobs.create(job_id, collection.id, "reindex", job_files);
}

}  // namespace pg::rag
