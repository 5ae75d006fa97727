// Reference ops of the unquantized types F32, F16 and BF16: conversion rows and
// the dot products GGML's scalar path computes (float products summed in double).
// Never approximates: conversions are the bit-exact ones of fp16.h.
#include <cstring>

#include "engine/quant/fp16.h"
#include "engine/quant/type_families.h"

namespace pg::quant::detail {
namespace {

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void quantize_row_f32(const float* src, void* dst, int64_t n) {
  if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const float*>(weight_row);
  const auto* a = static_cast<const float*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i] * a[i]);
  return static_cast<float>(sum);
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}

void quantize_row_f16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
}

float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(w[i]) * fp16_to_fp32(a[i]));
  return static_cast<float>(sum);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
}

void quantize_row_bf16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
}

float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(w[i]) * bf16_to_fp32(a[i]));
  return static_cast<float>(sum);
}

constexpr TypeOps kF32{dequantize_row_f32, quantize_row_f32, GgmlType::F32, vec_dot_f32, quantize_row_f32};
constexpr TypeOps kF16{dequantize_row_f16, quantize_row_f16, GgmlType::F16, vec_dot_f16, quantize_row_f16};
constexpr TypeOps kBF16{dequantize_row_bf16, quantize_row_bf16, GgmlType::BF16, vec_dot_bf16,
                        quantize_row_bf16};

}  // namespace

const TypeOps* plain_type_ops(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return &kF32;
    case GgmlType::F16: return &kF16;
    case GgmlType::BF16: return &kBF16;
    default: return nullptr;
  }
}

}  // namespace pg::quant::detail
