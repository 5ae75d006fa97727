// Receives the parts of a multipart/form-data upload as MultipartParser streams them:
// file parts go to temporary files (never into memory) within the per-file
// and per-request caps, other fields are kept as short strings. Owns the
// temporary files: those still at their temporary path are deleted when it
// is destroyed (a handler that keeps a file moves it first).
#pragma once

#include <cstdio>
#include <string>

#include <httplib.h>

#include "server/api_error.h"
#include "server/http_util.h"

namespace pg::server {

class UploadReceiver {
 public:
  explicit UploadReceiver(UploadLimits limits);
  ~UploadReceiver();
  UploadReceiver(const UploadReceiver&) = delete;
  UploadReceiver& operator=(const UploadReceiver&) = delete;

  bool begin_part(const httplib::MultipartFormData& part);
  bool append(const char* data, size_t n);
  void end_part();

  bool failed() const { return !error_message_.empty(); }
  // What went wrong: a cap, the disk, or (reader_ok false) the request itself.
  ApiError error(bool reader_ok) const;
  Upload& upload() { return upload_; }

 private:
  UploadLimits limits_;
  Upload upload_;
  std::FILE* file_ = nullptr;  // the open file part, if any
  std::string field_;          // the open non-file field, if any
  bool in_field_ = false;
  uint64_t total_ = 0;
  int error_status_ = 0;
  std::string error_code_, error_message_;

  bool fail(int status, std::string code, std::string message);
};

}  // namespace pg::server
