// Multipart parts to temporary files; see upload_receiver.h.
#include "server/upload_receiver.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "store/data_dir.h"

namespace pg::server {
namespace {
constexpr size_t kMaxFieldBytes = 64 * 1024;
constexpr size_t kMaxFields = 64;
}  // namespace

UploadReceiver::UploadReceiver(UploadLimits limits) : limits_(std::move(limits)) {}

UploadReceiver::~UploadReceiver() {
  if (file_) std::fclose(file_);
  for (const UploadedFile& f : upload_.files) {
    std::error_code ec;
    if (!f.temp_path.empty()) std::filesystem::remove(f.temp_path, ec);
  }
}

bool UploadReceiver::fail(int status, std::string code, std::string message) {
  if (error_message_.empty()) {
    error_status_ = status;
    error_code_ = std::move(code);
    error_message_ = std::move(message);
  }
  return false;
}

ApiError UploadReceiver::error(bool reader_ok) const {
  if (!error_message_.empty()) return ApiError(error_status_, error_code_, error_message_);
  (void)reader_ok;
  return ApiError(400, "bad_request", "the multipart body could not be read (malformed or cut off)");
}

bool UploadReceiver::begin_part(const httplib::MultipartFormData& part) {
  end_part();
  if (part.filename.empty()) {
    if (upload_.fields.size() >= kMaxFields) return fail(400, "bad_request", "too many form fields (at most 64)");
    field_ = part.name;
    in_field_ = true;
    upload_.fields[field_].clear();
    return true;
  }
  if (upload_.files.size() >= limits_.max_files)
    return fail(400, "too_many_files",
                "too many files in one upload (at most " + std::to_string(limits_.max_files) + ")");
  if (Status s = store::ensure_private_dir(limits_.temp_dir); !s) return fail(500, "storage_error", s.message());
  std::string path = limits_.temp_dir + "/upload-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return fail(500, "storage_error", "cannot create a temporary file in " + limits_.temp_dir);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return fail(500, "storage_error", "cannot open a temporary file in " + limits_.temp_dir);
  }
  UploadedFile f;
  f.field = part.name;
  f.file_name = part.filename;
  f.content_type = part.content_type;
  f.temp_path = std::move(path);
  upload_.files.push_back(std::move(f));
  return true;
}

bool UploadReceiver::append(const char* data, size_t n) {
  total_ += n;
  if (total_ > limits_.max_request_bytes)
    return fail(413, "body_too_large",
                "the upload is larger than max_upload_total_bytes (" + std::to_string(limits_.max_request_bytes) +
                    " bytes)");
  if (in_field_) {
    std::string& v = upload_.fields[field_];
    if (v.size() + n > kMaxFieldBytes) return fail(400, "bad_request", "form field '" + field_ + "' is over 64 KiB");
    v.append(data, n);
    return true;
  }
  if (!file_) return true;
  UploadedFile& f = upload_.files.back();
  if (f.too_large) return true;  // the rest of this part is read and dropped
  if (f.size_bytes + n > limits_.max_file_bytes) {
    f.too_large = true;
    return true;
  }
  if (std::fwrite(data, 1, n, file_) != n)
    return fail(507, "storage_full", "cannot write the upload to " + limits_.temp_dir + " (disk full?)");
  f.size_bytes += n;
  return true;
}

void UploadReceiver::end_part() {
  if (file_) {
    if (std::fclose(file_) != 0) fail(507, "storage_full", "cannot write the upload to " + limits_.temp_dir);
    file_ = nullptr;
  }
  in_field_ = false;
}

}  // namespace pg::server
