// `playground quantize`: rewrites an F32/F16/BF16 GGUF model with its weight
// matrices in another type, choosing per-tensor types like llama.cpp's
// llama-quantize (see quant_recipe.h) and quantizing each row the way its files
// are made (quant::TypeOps::quantize_row_model), so the bytes match llama.cpp's.
// Streams tensor by tensor (bounded memory); rows are split over threads in a
// fixed way, so the output never depends on the thread count. Never leaves a
// partial output file; never modifies the input.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/tensor/ggml_type.h"
#include "util/result.h"

namespace pg {

struct QuantizeOptions {
  int threads = 0;  // <= 0: physical_core_count()
  // Called before tensor `index` (0-based) of `count` is written.
  std::function<void(size_t index, size_t count, const std::string& name, const std::string& type)> progress;
};

struct QuantizeReport {
  uint64_t input_bytes = 0;   // input file size
  uint64_t output_bytes = 0;  // output file size
  double seconds = 0;
  size_t tensors = 0;
  size_t quantized = 0;   // tensors whose type changed
  int fallbacks = 0;      // tensors given another type because of their row length
};

// `type_name` is a file type such as "Q4_K_M" or "q8_0" (see quant_file_type_names()).
Result<QuantizeReport> quantize_model(const std::string& in_path, const std::string& out_path,
                                      const std::string& type_name, const QuantizeOptions& options = {});

// Converts rows of floats to `type` (quantize_row_model for block types) in
// parallel on `pool`; rows are split into fixed contiguous ranges per thread.
// `n_per_row` must be a multiple of the type's block size. Fails on a type
// without a quantizer.
Status convert_rows(GgmlType type, const float* src, int64_t n_rows, int64_t n_per_row, uint8_t* dst,
                    ThreadPool& pool);
// Whether convert_rows has a quantizer for `type` in this build (MXFP4 only
// once its quantizer exists), so writers can refuse before creating a file.
bool can_convert_rows(GgmlType type);
// An error naming the first of `types` that convert_rows cannot produce; ok otherwise.
Status check_convertible(const std::vector<GgmlType>& types, const std::string& file_type);

}  // namespace pg
