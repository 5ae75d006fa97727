// Size arithmetic for one GGUF tensor: validates a type id and dims and gives the
// element and byte counts, with every multiplication overflow-checked. Shared by
// the reader and the writer so both accept exactly the same shapes. It never
// looks at tensor data.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/gguf/checked_math.h"
#include "engine/tensor/ggml_type.h"
#include "util/result.h"

namespace pg::gguf {

struct TensorLayout {
  GgmlType type = GgmlType::F32;
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

// Checks: type id known; 1..kMaxTensorDims dims; every dim > 0; the element
// count fits in int64; dims[0] is a multiple of the type's block size; the byte
// count fits in uint64. Error text names the offending field and value but not
// the tensor (the caller adds that).
Result<TensorLayout> tensor_layout(uint32_t type_id, const std::vector<uint64_t>& dims);

}  // namespace pg::gguf
