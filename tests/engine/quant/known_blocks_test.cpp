// Dequantizes hand-built blocks of every type and compares with values derived
// here from the documented GGML layouts (not from the code under test): a
// placement helper per type puts chosen levels where the layout says, and the
// expected floats follow from the type's formula. Scales are powers of two and
// levels small integers, so every expected value is exact. A few literal values
// computed by hand guard against the helper and the code sharing a mistake.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/quant/quant.h"

namespace {

using pg::GgmlType;
using namespace pg::quant;

constexpr uint16_t kHalfOne = 0x3C00, kHalfTwo = 0x4000, kHalfHalf = 0x3800, kHalfQuarter = 0x3400;
constexpr uint16_t kHalfMinusOne = 0xBC00;
constexpr int8_t kIq4Table[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

template <typename Block>
std::vector<float> dequantize_blocks(GgmlType type, const std::vector<Block>& blocks, int per_block) {
  std::vector<float> out(blocks.size() * per_block, -999.0f);
  dequantize_row(type, blocks.data(), out.data(), static_cast<int64_t>(out.size()));
  return out;
}

void expect_all_equal(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "element " << i;
}

TEST(QuantKnownBlocks, F16AndBf16AndF32) {
  const uint16_t halves[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x3555};
  std::vector<float> got(6);
  dequantize_row(GgmlType::F16, halves, got.data(), 6);
  expect_all_equal(got, {1.0f, -2.0f, 65504.0f, 5.9604644775390625e-08f, -0.0f, 0.333251953125f});
  const uint16_t bf16s[] = {0x3F80, 0xC0A0, 0x4049, 0x0000};
  std::vector<float> got_bf(4);
  dequantize_row(GgmlType::BF16, bf16s, got_bf.data(), 4);
  expect_all_equal(got_bf, {1.0f, -5.0f, 3.140625f, 0.0f});
  const float f32s[] = {1.5f, -7.25f};
  std::vector<float> got_f(2);
  dequantize_row(GgmlType::F32, f32s, got_f.data(), 2);
  expect_all_equal(got_f, {1.5f, -7.25f});
}

TEST(QuantKnownBlocks, Q8_0) {
  std::vector<BlockQ8_0> blocks(2);
  std::vector<float> want;
  for (int b = 0; b < 2; ++b) {
    blocks[b].d = b == 0 ? kHalfHalf : kHalfMinusOne;
    for (int j = 0; j < 32; ++j) {
      blocks[b].qs[j] = static_cast<int8_t>(b == 0 ? j - 16 : 127 - 8 * j);
      want.push_back(blocks[b].qs[j] * (b == 0 ? 0.5f : -1.0f));
    }
  }
  blocks[1].qs[31] = -128;
  want[63] = 128.0f;
  const auto got = dequantize_blocks(GgmlType::Q8_0, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -8.0f);
  EXPECT_EQ(got[33], -119.0f);  // q = 127 - 8 = 119, d = -1
}

TEST(QuantKnownBlocks, Q8_1) {
  std::vector<BlockQ8_1> blocks(1);
  blocks[0].d = kHalfQuarter;
  blocks[0].s = 0x7C00;  // s only feeds dot products; dequantization ignores it
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    blocks[0].qs[j] = static_cast<int8_t>(3 * j - 40);
    want.push_back((3 * j - 40) * 0.25f);
  }
  expect_all_equal(dequantize_blocks(GgmlType::Q8_1, blocks, 32), want);
}

// Legacy 4/5-bit types: element j < 16 is the low nibble of qs[j], element j >= 16
// the high nibble of qs[j - 16]; the 5th bit of element j is bit j of qh (little endian).
template <typename Block>
void place_nibbles(Block& block, const int* levels) {
  for (int j = 0; j < 16; ++j) {
    block.qs[j] = static_cast<uint8_t>((levels[j] & 0xF) | ((levels[j + 16] & 0xF) << 4));
  }
}

template <typename Block>
void place_fifth_bits(Block& block, const int* levels) {
  uint32_t qh = 0;
  for (int j = 0; j < 32; ++j) qh |= static_cast<uint32_t>((levels[j] >> 4) & 1) << j;
  for (int k = 0; k < 4; ++k) block.qh[k] = static_cast<uint8_t>(qh >> (8 * k));
}

TEST(QuantKnownBlocks, Q4_0) {
  std::vector<BlockQ4_0> blocks(1);
  blocks[0].d = kHalfTwo;
  int levels[32];
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    levels[j] = (j * 7 + 3) % 16;
    want.push_back((levels[j] - 8) * 2.0f);
  }
  place_nibbles(blocks[0], levels);
  const auto got = dequantize_blocks(GgmlType::Q4_0, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -10.0f);   // level 3
  EXPECT_EQ(got[16], -10.0f);  // (16*7+3)%16 = 3
  EXPECT_EQ(got[17], 4.0f);    // (17*7+3)%16 = 122%16 = 10 -> (10-8)*2
}

TEST(QuantKnownBlocks, Q4_1) {
  std::vector<BlockQ4_1> blocks(1);
  blocks[0].d = kHalfHalf;
  blocks[0].m = kHalfMinusOne;
  int levels[32];
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    levels[j] = j < 16 ? j : 31 - j;
    want.push_back(levels[j] * 0.5f - 1.0f);
  }
  place_nibbles(blocks[0], levels);
  const auto got = dequantize_blocks(GgmlType::Q4_1, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[15], 6.5f);
  EXPECT_EQ(got[31], -1.0f);
}

TEST(QuantKnownBlocks, Q5_0) {
  std::vector<BlockQ5_0> blocks(1);
  blocks[0].d = kHalfOne;
  int levels[32];
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    levels[j] = (j * 11 + 5) % 32;
    want.push_back(static_cast<float>(levels[j] - 16));
  }
  place_nibbles(blocks[0], levels);
  place_fifth_bits(blocks[0], levels);
  const auto got = dequantize_blocks(GgmlType::Q5_0, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -11.0f);  // level 5
  EXPECT_EQ(got[2], 11.0f);   // level 27 (needs the 5th bit)
}

TEST(QuantKnownBlocks, Q5_0LiteralBytes) {
  // qh = {0x0F, 0, 0, 0xF0}: elements 0..3 and 28..31 have their 5th bit set.
  BlockQ5_0 block{};
  block.d = kHalfOne;
  block.qh[0] = 0x0F;
  block.qh[3] = 0xF0;
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<uint8_t>(j | (j << 4));
  float got[32];
  dequantize_row(GgmlType::Q5_0, &block, got, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(got[j], static_cast<float>(j + (j < 4 ? 16 : 0) - 16)) << j;
    EXPECT_EQ(got[j + 16], static_cast<float>(j + (j >= 12 ? 16 : 0) - 16)) << j;
  }
}

TEST(QuantKnownBlocks, Q5_1) {
  std::vector<BlockQ5_1> blocks(1);
  blocks[0].d = kHalfQuarter;
  blocks[0].m = kHalfOne;
  int levels[32];
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    levels[j] = 31 - j;
    want.push_back(levels[j] * 0.25f + 1.0f);
  }
  place_nibbles(blocks[0], levels);
  place_fifth_bits(blocks[0], levels);
  const auto got = dequantize_blocks(GgmlType::Q5_1, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], 8.75f);  // 31 * 0.25 + 1
}

// ---- K quants. Element i of a 256-element super-block:

// Q2_K/Q3_K low 2 bits: byte 32*(i/128) + i%32 of qs, bits 2*((i%128)/32).
void place_2bit(uint8_t* qs, int i, int level) {
  qs[32 * (i / 128) + i % 32] |= static_cast<uint8_t>((level & 3) << (2 * ((i % 128) / 32)));
}

TEST(QuantKnownBlocks, Q2_K) {
  std::vector<BlockQ2_K> blocks(1);
  BlockQ2_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfHalf;       // 0.5
  b.dmin = kHalfQuarter; // 0.25
  for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<uint8_t>((g % 16) | (((15 - g) % 16) << 4));
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 5 + i / 64) % 4;
    place_2bit(b.qs, i, level);
    const int g = i / 16;
    want.push_back(0.5f * (g % 16) * level - 0.25f * (15 - g));
  }
  const auto got = dequantize_blocks(GgmlType::Q2_K, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -3.75f);  // group 0: scale 0, min 15 -> -0.25*15
  EXPECT_EQ(got[255], 0.5f * 15 * ((255 * 5 + 3) % 4));  // group 15: scale 15, min 0
}

// Q3_K 6-bit group scales: low 4 bits in the low (g < 8) or high (g >= 8) nibble
// of byte g % 8, high 2 bits in byte 8 + g % 4 at bit 2*(g/4).
void place_q3_k_scale(uint8_t* scales, int g, int value) {
  scales[g % 8] |= static_cast<uint8_t>((value & 0xF) << (g < 8 ? 0 : 4));
  scales[8 + g % 4] |= static_cast<uint8_t>(((value >> 4) & 3) << (2 * (g / 4)));
}

TEST(QuantKnownBlocks, Q3_K) {
  std::vector<BlockQ3_K> blocks(1);
  BlockQ3_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfHalf;
  int group_scale[16];
  for (int g = 0; g < 16; ++g) {
    group_scale[g] = (g * 9 + 7) % 64;  // stored 0..63, means value - 32
    place_q3_k_scale(b.scales, g, group_scale[g]);
  }
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 3 + i / 32) % 8;  // 0..7, means level - 4
    place_2bit(b.qs, i, level & 3);
    if (level & 4) b.hmask[i % 32] |= static_cast<uint8_t>(1u << (i / 32));
    want.push_back(0.5f * (group_scale[i / 16] - 32) * (level - 4));
  }
  const auto got = dequantize_blocks(GgmlType::Q3_K, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], 0.5f * (7 - 32) * -4);  // level 0, scale 7 -> 50
}

TEST(QuantKnownBlocks, Q3_KLiteralScales) {
  // All 12 scale bytes 0xFF: every group scale is 63 (value 31); hmask all set, qs 0 -> level 0 -> q = 0.
  // With qs all 0xFF (q=3) and hmask 0 (minus 4): value = d * 31 * (3 - 4).
  BlockQ3_K b;
  std::memset(&b, 0, sizeof b);
  std::memset(b.scales, 0xFF, sizeof b.scales);
  std::memset(b.qs, 0xFF, sizeof b.qs);
  b.d = kHalfOne;
  float got[256];
  dequantize_row(GgmlType::Q3_K, &b, got, 256);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(got[i], -31.0f) << i;
}

// Q4_K/Q5_K: group j of 32 has a 6-bit scale and min. j < 4: scales[j] and
// scales[j+4] low 6 bits; j >= 4: low nibbles in scales[j+4], high 2 bits in the
// top bits of scales[j-4] (scale) and scales[j] (min).
void place_scale_min(uint8_t* packed, int j, int scale, int min) {
  if (j < 4) {
    packed[j] |= static_cast<uint8_t>(scale & 63);
    packed[j + 4] |= static_cast<uint8_t>(min & 63);
  } else {
    packed[j + 4] |= static_cast<uint8_t>((scale & 0xF) | ((min & 0xF) << 4));
    packed[j - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
    packed[j] |= static_cast<uint8_t>((min >> 4) << 6);
  }
}

// 4-bit level of element i: byte 32*(i/64) + i%32 of qs, low nibble if i%64 < 32.
void place_4bit(uint8_t* qs, int i, int level) {
  qs[32 * (i / 64) + i % 32] |= static_cast<uint8_t>((level & 0xF) << ((i % 64) < 32 ? 0 : 4));
}

TEST(QuantKnownBlocks, Q4_K) {
  std::vector<BlockQ4_K> blocks(1);
  BlockQ4_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfHalf;
  b.dmin = kHalfTwo;
  int scale[8], min[8];
  for (int j = 0; j < 8; ++j) {
    scale[j] = (j * 13 + 40) % 64;
    min[j] = (j * 29 + 3) % 64;
    place_scale_min(b.scales, j, scale[j], min[j]);
  }
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 7 + i / 16) % 16;
    place_4bit(b.qs, i, level);
    want.push_back(0.5f * scale[i / 32] * level - 2.0f * min[i / 32]);
  }
  const auto got = dequantize_blocks(GgmlType::Q4_K, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -6.0f);  // level 0, min 3 -> -2*3
}

TEST(QuantKnownBlocks, Q5_K) {
  std::vector<BlockQ5_K> blocks(1);
  BlockQ5_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfQuarter;
  b.dmin = kHalfOne;
  int scale[8], min[8];
  for (int j = 0; j < 8; ++j) {
    scale[j] = 63 - j * 5;
    min[j] = (j * 17) % 64;
    place_scale_min(b.scales, j, scale[j], min[j]);
  }
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 11 + 1) % 32;
    place_4bit(b.qs, i, level & 0xF);
    if (level & 16) b.qh[i % 32] |= static_cast<uint8_t>(1u << (i / 32));  // 5th bit: qh[i%32] bit i/32
    want.push_back(0.25f * scale[i / 32] * level - 1.0f * min[i / 32]);
  }
  const auto got = dequantize_blocks(GgmlType::Q5_K, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[1], 0.25f * 63 * 12);  // level 12, min 0
}

// Q6_K element i (half h = i/128, p = i%128, quarter k = p/32, l = p%32): low 4
// bits in ql[64h + l + 32*(k%2)] (low nibble for k < 2), high 2 bits in
// qh[32h + l] at bit 2k; group scale scales[i/16].
void place_6bit(BlockQ6_K& b, int i, int level) {
  const int h = i / 128, p = i % 128, k = p / 32, l = p % 32;
  b.ql[64 * h + l + 32 * (k % 2)] |= static_cast<uint8_t>((level & 0xF) << (k < 2 ? 0 : 4));
  b.qh[32 * h + l] |= static_cast<uint8_t>(((level >> 4) & 3) << (2 * k));
}

TEST(QuantKnownBlocks, Q6_K) {
  std::vector<BlockQ6_K> blocks(1);
  BlockQ6_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfQuarter;
  for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<int8_t>(g * 17 - 128);
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 13 + i / 8) % 64;  // means level - 32
    place_6bit(b, i, level);
    want.push_back(0.25f * b.scales[i / 16] * (level - 32));
  }
  const auto got = dequantize_blocks(GgmlType::Q6_K, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], 0.25f * -128 * -32);  // 1024
}

TEST(QuantKnownBlocks, Q8_K) {
  std::vector<BlockQ8_K> blocks(1);
  BlockQ8_K& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = -0.125f;
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    b.qs[i] = static_cast<int8_t>(i - 128);
    want.push_back(-0.125f * (i - 128));
  }
  expect_all_equal(dequantize_blocks(GgmlType::Q8_K, blocks, 256), want);
}

TEST(QuantKnownBlocks, IQ4_NL) {
  std::vector<BlockIQ4_NL> blocks(1);
  blocks[0].d = kHalfHalf;
  int levels[32];
  std::vector<float> want;
  for (int j = 0; j < 32; ++j) {
    levels[j] = (j * 5 + 2) % 16;
    want.push_back(0.5f * kIq4Table[levels[j]]);
  }
  place_nibbles(blocks[0], levels);
  const auto got = dequantize_blocks(GgmlType::IQ4_NL, blocks, 32);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], -41.5f);  // table[2] = -83
}

TEST(QuantKnownBlocks, IQ4_XS) {
  std::vector<BlockIQ4_XS> blocks(1);
  BlockIQ4_XS& b = blocks[0];
  std::memset(&b, 0, sizeof b);
  b.d = kHalfQuarter;
  int group_scale[8];
  uint16_t scales_h = 0;
  for (int g = 0; g < 8; ++g) {
    group_scale[g] = (g * 23 + 9) % 64;  // stored 0..63, means value - 32
    b.scales_l[g / 2] |= static_cast<uint8_t>((group_scale[g] & 0xF) << (4 * (g % 2)));
    scales_h |= static_cast<uint16_t>((group_scale[g] >> 4) << (2 * g));
  }
  b.scales_h = scales_h;
  std::vector<float> want;
  for (int i = 0; i < 256; ++i) {
    const int level = (i * 3 + i / 32) % 16;
    const int g = i / 32, j = i % 32;
    b.qs[16 * g + j % 16] |= static_cast<uint8_t>(level << (j < 16 ? 0 : 4));
    want.push_back(0.25f * (group_scale[g] - 32) * kIq4Table[level]);
  }
  const auto got = dequantize_blocks(GgmlType::IQ4_XS, blocks, 256);
  expect_all_equal(got, want);
  EXPECT_EQ(got[0], 0.25f * (9 - 32) * -127);
}

}  // namespace
