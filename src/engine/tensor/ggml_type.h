// Tensor element types as numbered by GGML/GGUF, and their storage geometry.
// This file only describes layouts (block size, bytes per block); it never
// computes on data. Arithmetic lives in engine/quant (reference) and
// engine/kernels (fast paths).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pg {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
  // 4 and 5 were Q4_2/Q4_3, removed from GGML.
  Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21,
  IQ2_S = 22, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
  IQ1_M = 29, BF16 = 30,
  // 31-33 were Q4_0_4_4 etc. (removed), 34 TQ1_0, 35 TQ2_0, 39 MXFP4.
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct GgmlTypeInfo {
  GgmlType type;
  std::string_view name;   // as llama.cpp prints it, e.g. "Q4_K"
  uint32_t block_size;     // elements per block (1 for plain types)
  uint32_t block_bytes;    // bytes per block
};

// Layout of a known type id, or nullopt for an id GGUF does not define.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id);
std::string_view ggml_type_name(GgmlType type);

// Bytes taken by a row of n elements; nullopt if n is not a multiple of the
// block size or the type is unknown.
std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n);

}  // namespace pg
