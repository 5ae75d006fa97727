// Reference ops of the unquantized types F32, F16 and BF16: conversion rows and
// the dot products GGML's scalar path computes (float products summed in double).
// One template per operation over the element's conversions to and from float.
// Never approximates: conversions are the bit-exact ones of fp16.h.
#include <cstring>
#include <type_traits>

#include "engine/quant/fp16.h"
#include "engine/quant/type_families.h"
#include "engine/tensor/type_table.h"

namespace pg::quant::detail {
namespace {

struct F32Element {
  using Storage = float;
  static constexpr GgmlType kType = GgmlType::F32;
  static float to_float(float f) { return f; }
  static float from_float(float f) { return f; }
};

struct F16Element {
  using Storage = uint16_t;
  static constexpr GgmlType kType = GgmlType::F16;
  static float to_float(uint16_t h) { return fp16_to_fp32(h); }
  static uint16_t from_float(float f) { return fp32_to_fp16(f); }
};

struct BF16Element {
  using Storage = uint16_t;
  static constexpr GgmlType kType = GgmlType::BF16;
  static float to_float(uint16_t h) { return bf16_to_fp32(h); }
  static uint16_t from_float(float f) { return fp32_to_bf16(f); }
};

// F32 rows are copied bytewise, so every bit pattern (NaN payloads too) survives.
template <typename Element>
void dequantize_row(const void* src, float* dst, int64_t n) {
  if constexpr (std::is_same_v<typename Element::Storage, float>) {
    if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  } else {
    const auto* s = static_cast<const typename Element::Storage*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = Element::to_float(s[i]);
  }
}

template <typename Element>
void quantize_row(const float* src, void* dst, int64_t n) {
  if constexpr (std::is_same_v<typename Element::Storage, float>) {
    if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  } else {
    auto* d = static_cast<typename Element::Storage*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = Element::from_float(src[i]);
  }
}

template <typename Element>
float vec_dot(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const typename Element::Storage*>(weight_row);
  const auto* a = static_cast<const typename Element::Storage*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Element::to_float(w[i]) * Element::to_float(a[i]));
  return static_cast<float>(sum);
}

template <typename Element>
constexpr TypeEntry<TypeOps> ops_entry() {
  return {Element::kType, {dequantize_row<Element>, quantize_row<Element>, Element::kType, vec_dot<Element>,
                           quantize_row<Element>}};
}

constexpr TypeEntry<TypeOps> kPlainOps[] = {ops_entry<F32Element>(), ops_entry<F16Element>(), ops_entry<BF16Element>()};

}  // namespace

const TypeOps* plain_type_ops(GgmlType type) { return find_type_entry(kPlainOps, type); }

}  // namespace pg::quant::detail
