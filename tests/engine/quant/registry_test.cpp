// Checks which types the reference registry serves and their GGML vec_dot types.
#include <gtest/gtest.h>

#include "engine/quant/quant.h"

namespace {

using pg::GgmlType;
using pg::quant::reference_ops;
using pg::quant::supports_compute;

TEST(QuantRegistry, WeightTypesHaveFullOpsAndGgmlVecDotTypes) {
  const std::pair<GgmlType, GgmlType> expected[] = {
      {GgmlType::F32, GgmlType::F32},     {GgmlType::F16, GgmlType::F16},     {GgmlType::BF16, GgmlType::BF16},
      {GgmlType::Q4_0, GgmlType::Q8_0},   {GgmlType::Q4_1, GgmlType::Q8_1},   {GgmlType::Q5_0, GgmlType::Q8_0},
      {GgmlType::Q5_1, GgmlType::Q8_1},   {GgmlType::Q8_0, GgmlType::Q8_0},   {GgmlType::Q2_K, GgmlType::Q8_K},
      {GgmlType::Q3_K, GgmlType::Q8_K},   {GgmlType::Q4_K, GgmlType::Q8_K},   {GgmlType::Q5_K, GgmlType::Q8_K},
      {GgmlType::Q6_K, GgmlType::Q8_K},   {GgmlType::IQ4_NL, GgmlType::Q8_0}, {GgmlType::IQ4_XS, GgmlType::Q8_K},
      {GgmlType::MXFP4, GgmlType::Q8_0},
  };
  for (const auto& [type, dot_type] : expected) {
    const auto* ops = reference_ops(type);
    ASSERT_NE(ops, nullptr) << pg::ggml_type_name(type);
    EXPECT_NE(ops->dequantize_row, nullptr) << pg::ggml_type_name(type);
    EXPECT_NE(ops->quantize_row, nullptr) << pg::ggml_type_name(type);
    EXPECT_NE(ops->quantize_row_model, nullptr) << pg::ggml_type_name(type);
    EXPECT_NE(ops->vec_dot, nullptr) << pg::ggml_type_name(type);
    EXPECT_EQ(ops->vec_dot_type, dot_type) << pg::ggml_type_name(type);
    EXPECT_TRUE(supports_compute(type)) << pg::ggml_type_name(type);
  }
}

TEST(QuantRegistry, ActivationFormatsQuantizeButAreNotWeights) {
  for (GgmlType type : {GgmlType::Q8_1, GgmlType::Q8_K}) {
    const auto* ops = reference_ops(type);
    ASSERT_NE(ops, nullptr);
    EXPECT_NE(ops->quantize_row, nullptr);
    EXPECT_NE(ops->dequantize_row, nullptr);
    EXPECT_EQ(ops->vec_dot, nullptr);
    EXPECT_FALSE(supports_compute(type));
  }
}

TEST(QuantRegistry, UnsupportedTypesHaveNoOps) {
  for (GgmlType type : {GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ3_XXS, GgmlType::IQ1_S, GgmlType::IQ3_S,
                        GgmlType::IQ2_S, GgmlType::IQ1_M, GgmlType::I8, GgmlType::I32, GgmlType::F64,
                        GgmlType::TQ1_0, GgmlType::TQ2_0, static_cast<GgmlType>(4),
                        static_cast<GgmlType>(1000)}) {
    EXPECT_EQ(reference_ops(type), nullptr) << static_cast<int>(type);
    EXPECT_FALSE(supports_compute(type)) << static_cast<int>(type);
  }
}

}  // namespace
