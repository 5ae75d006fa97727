// Writes a GGUF v3 file whose tensor data is produced one piece at a time, so a
// model far larger than memory can be written (synthesized or quantized
// tensor by tensor). The header (metadata and tensor infos with final offsets)
// is written first from declared types and dims; data then follows in
// declaration order. Output appears at the target path only when finish()
// succeeds (temporary file + fsync + rename); never leaves a partial file there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tensor/ggml_type.h"
#include "util/result.h"

namespace pg {

struct StreamTensorSpec {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<uint64_t> dims;  // GGML order: dims[0] is the row length
};

class GgufStreamWriter {
 public:
  using Metadata = std::vector<std::pair<std::string, gguf::Value>>;

  // Validates metadata and tensor specs, checks that the target's file system
  // has room for the whole file, creates the temporary file and writes the header.
  static Result<std::unique_ptr<GgufStreamWriter>> create(const std::string& path, const Metadata& metadata,
                                                          const std::vector<StreamTensorSpec>& tensors);
  // Bytes the complete file will take (header + aligned data).
  static Result<uint64_t> file_size(const Metadata& metadata, const std::vector<StreamTensorSpec>& tensors);

  ~GgufStreamWriter();  // removes the temporary file unless finish() succeeded
  GgufStreamWriter(const GgufStreamWriter&) = delete;
  GgufStreamWriter& operator=(const GgufStreamWriter&) = delete;

  // Appends data to the current tensor; a piece may not cross into the next
  // tensor. When a tensor is complete, its padding is written and the next begins.
  Status append(const void* data, uint64_t n_bytes);
  // Index of the tensor the next append() fills (== tensor count when all are done).
  size_t current_tensor() const { return current_; }
  uint64_t tensor_bytes(size_t i) const { return sizes_[i]; }
  // Requires every tensor complete; syncs and renames into place.
  Status finish();

 private:
  GgufStreamWriter() = default;
  Status write_bytes(const void* data, uint64_t n);

  std::string path_, tmp_path_;
  int fd_ = -1;
  bool done_ = false;
  uint64_t alignment_ = gguf::kDefaultAlignment;
  std::vector<std::string> names_;
  std::vector<uint64_t> sizes_;
  size_t current_ = 0;
  uint64_t filled_ = 0;  // bytes of the current tensor written so far
};

}  // namespace pg
