// Table of GGML type layouts (block sizes and bytes per block, from the GGML spec).
#include "engine/tensor/ggml_type.h"

#include <array>

namespace pg {
namespace {

constexpr uint32_t kQK_K = 256;  // super-block size of the K and IQ quants

constexpr std::array<GgmlTypeInfo, 33> kTypes = {{
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::Q8_1, "Q8_1", 32, 2 + 2 + 32},
    {GgmlType::Q2_K, "Q2_K", kQK_K, kQK_K / 16 + kQK_K / 4 + 2 + 2},
    {GgmlType::Q3_K, "Q3_K", kQK_K, kQK_K / 8 + kQK_K / 4 + 12 + 2},
    {GgmlType::Q4_K, "Q4_K", kQK_K, 2 + 2 + 12 + kQK_K / 2},
    {GgmlType::Q5_K, "Q5_K", kQK_K, 2 + 2 + 12 + kQK_K / 8 + kQK_K / 2},
    {GgmlType::Q6_K, "Q6_K", kQK_K, kQK_K / 2 + kQK_K / 4 + kQK_K / 16 + 2},
    {GgmlType::Q8_K, "Q8_K", kQK_K, 4 + kQK_K + kQK_K / 16 * 2},
    {GgmlType::IQ2_XXS, "IQ2_XXS", kQK_K, 2 + kQK_K / 8 * 2},
    {GgmlType::IQ2_XS, "IQ2_XS", kQK_K, 2 + kQK_K / 8 * 2 + kQK_K / 32},
    {GgmlType::IQ3_XXS, "IQ3_XXS", kQK_K, 2 + 3 * (kQK_K / 8)},
    {GgmlType::IQ1_S, "IQ1_S", kQK_K, 2 + kQK_K / 8 + kQK_K / 16},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {GgmlType::IQ3_S, "IQ3_S", kQK_K, 2 + kQK_K / 4 + kQK_K / 8 + kQK_K / 32 + 4},
    {GgmlType::IQ2_S, "IQ2_S", kQK_K, 2 + kQK_K / 4 + kQK_K / 16},
    {GgmlType::IQ4_XS, "IQ4_XS", kQK_K, 2 + 2 + kQK_K / 64 + kQK_K / 2},
    {GgmlType::I8, "I8", 1, 1},
    {GgmlType::I16, "I16", 1, 2},
    {GgmlType::I32, "I32", 1, 4},
    {GgmlType::I64, "I64", 1, 8},
    {GgmlType::F64, "F64", 1, 8},
    {GgmlType::IQ1_M, "IQ1_M", kQK_K, kQK_K / 8 + kQK_K / 16 + kQK_K / 32},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::TQ1_0, "TQ1_0", kQK_K, (kQK_K - 4 * kQK_K / 64) / 5 + kQK_K / 64 + 2},
    {GgmlType::TQ2_0, "TQ2_0", kQK_K, 2 + kQK_K / 4},
    {GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
    {GgmlType::F32, "", 0, 0},  // sentinel, never matched (block_size 0)
}};

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id) {
  for (const auto& t : kTypes) {
    if (t.block_size != 0 && static_cast<uint32_t>(t.type) == type_id) return t;
  }
  return std::nullopt;
}

std::string_view ggml_type_name(GgmlType type) {
  auto info = ggml_type_info(static_cast<uint32_t>(type));
  return info ? info->name : std::string_view("unknown");
}

std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n) {
  auto info = ggml_type_info(static_cast<uint32_t>(type));
  if (!info || n % info->block_size != 0) return std::nullopt;
  return n / info->block_size * info->block_bytes;
}

}  // namespace pg
