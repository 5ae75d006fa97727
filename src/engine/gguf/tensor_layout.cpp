// Overflow-checked element and byte counts of a GGUF tensor. Pure arithmetic on
// the header fields; never touches tensor data.
#include "engine/gguf/tensor_layout.h"

#include <cstdint>
#include <limits>
#include <string>

#include "engine/gguf/gguf.h"

namespace pg::gguf {

Result<TensorLayout> tensor_layout(uint32_t type_id, const std::vector<uint64_t>& dims) {
  auto info = ggml_type_info(type_id);
  if (!info) return Error{"unknown tensor type id " + std::to_string(type_id)};
  if (dims.empty() || dims.size() > kMaxTensorDims) {
    return Error{"n_dims " + std::to_string(dims.size()) + " is not in 1.." +
                 std::to_string(kMaxTensorDims)};
  }
  uint64_t n_elements = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0) return Error{"dim[" + std::to_string(i) + "] is 0"};
    if (!checked_mul(n_elements, dims[i], &n_elements) ||
        n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error{"element count overflows (dim[" + std::to_string(i) + "] = " +
                   std::to_string(dims[i]) + ")"};
    }
  }
  if (dims[0] % info->block_size != 0) {
    return Error{"row length dim[0] = " + std::to_string(dims[0]) + " is not a multiple of the " +
                 std::string(info->name) + " block size " + std::to_string(info->block_size)};
  }
  // dims[0] / block_size * block_bytes can overflow before ggml_row_bytes sees it.
  uint64_t row_bytes = 0;
  if (!checked_mul(dims[0] / info->block_size, info->block_bytes, &row_bytes)) {
    return Error{"row size overflows (dim[0] = " + std::to_string(dims[0]) + ")"};
  }
  auto table_row_bytes = ggml_row_bytes(info->type, dims[0]);
  if (!table_row_bytes || *table_row_bytes != row_bytes) {
    return Error{"cannot size a row of " + std::to_string(dims[0]) + " " + std::string(info->name) +
                 " elements"};
  }
  uint64_t n_bytes = 0;
  if (!checked_mul(row_bytes, n_elements / dims[0], &n_bytes)) {
    return Error{"byte size overflows (" + std::to_string(n_elements) + " elements of " +
                 std::string(info->name) + ")"};
  }
  return TensorLayout{info->type, n_elements, n_bytes};
}

}  // namespace pg::gguf
