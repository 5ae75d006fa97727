// One resumable, verified file download: HTTP GET with redirects followed by
// hand, Range resume from a partial file kept in `partial_dir` (with a small
// JSON state file naming the URL, size and sha256 it belongs to, so a
// restart after a kill continues where it stopped), retries with exponential
// backoff on connection errors and 5xx/429, free-disk check before writing,
// cancel, and progress (bytes, speed, ETA). The file is moved to its final
// path only after its size and sha256 match; a mismatch deletes the partial
// file. Never leaves a half-written file at the final path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "util/result.h"

namespace pg::models {

struct DownloadProgress {
  std::string file;          // the final file's name
  uint64_t done = 0;         // bytes on disk
  uint64_t total = 0;        // 0: unknown
  double bytes_per_second = 0;
  double eta_seconds = -1;   // -1: unknown
};

struct DownloadRequest {
  std::string url;
  std::string dest_path;          // final path; its directory must exist
  std::string partial_dir;        // where <name>.part and <name>.part.json live
  std::string expected_sha256;    // lowercase hex; empty: taken from X-Linked-Etag / a sha256-shaped ETag
  uint64_t expected_size = 0;     // 0: from X-Linked-Size / Content-Length
  std::string bearer;             // Authorization token, sent only to the URL's own origin
  int max_attempts = 6;
  std::chrono::milliseconds first_backoff{500};  // doubled after each failed attempt
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const DownloadProgress&)> on_progress;  // at most ~10 times a second, and at the end
  std::function<void(const std::string&)> on_notice;         // retries and resumes, in words
};

struct DownloadOutcome {
  std::string sha256;
  uint64_t size = 0;
  uint64_t resumed_from = 0;  // bytes already on disk when this call started
  int attempts = 0;
};

Result<DownloadOutcome> download_file(const DownloadRequest& request);

// Paths of the partial file and its state for a final path.
std::string partial_file_path(const std::string& partial_dir, const std::string& dest_path);
// Removes a download's partial file and state (after a cancel).
void discard_partial(const std::string& partial_dir, const std::string& dest_path);

}  // namespace pg::models
