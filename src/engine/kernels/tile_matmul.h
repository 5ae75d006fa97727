// Internal to engine/kernels: the one driver of the decoded-tile matrix products
// (tile_layout.h), shared by the AMX path (amx_matmul_amx.cpp: tile products)
// and the AVX-512 VNNI path (vnni_tiles_vbmi.cpp: VPDPBUSD products). It
// quantizes the activations with the reference quantizer's bytes, lays them out
// 16 tokens per tile, splits the weight rows in 16-row groups across the
// threads, decodes each group once into a per-thread buffer (the weights stay
// in the mmapped file, never repacked in memory) and hands every (group, token
// tile) pair to the backend's product. What it must never do: read a weight
// byte outside the matrix, write outside y / scratch, or let the token count or
// thread count change any output's operations.
//
// Included by the backends' files, built with AVX-512 + VBMI flags (AMX, VNNI)
// or AVX2 flags (avx2_tiles_avx2.cpp); everything here has internal linkage, so
// each instruction-set file gets its own copy.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/kernels.h"
#include "engine/kernels/row_dot.h"
#include "engine/kernels/tile_layout.h"
#include "engine/kernels/work_split.h"
#include "engine/quant/blocks.h"
#include "engine/quant/quant.h"

namespace pg::kernels::detail {
namespace {

using namespace tiles;

// Below this many weight bytes x tokens, waking the pool costs more than the work.
constexpr uint64_t kMinWorkForThreads = 64 * 1024;
constexpr uint64_t kAlign = 64;

inline uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }
inline uint8_t* aligned(std::vector<uint8_t>& v, uint64_t bytes) {
  v.resize(static_cast<size_t>(bytes + kAlign));
  const auto address = reinterpret_cast<uintptr_t>(v.data());
  return v.data() + (round_up(address, kAlign) - address);
}

// ---- Packed activations: one region per token tile.
//   INT8: per scale block b, block/4 lines of 64 bytes (4 bytes per token:
//   token t's values 4i..4i+3 at line i, bytes 4t..4t+3), then da[b][16] and
//   sa[b][16] as floats. A backend that multiplies unsigned activations gets
//   every byte with its sign bit flipped (value + 128).
//   BF16: per 32-value block, 16 lines of 64 bytes (one bf16 pair per token).

struct Int8TileLayout {
  int64_t blocks, packs;
  int block;
  uint64_t da_offset, sa_offset, bytes;
};
inline Int8TileLayout int8_tile_layout(int64_t cols, int block) {
  Int8TileLayout l{};
  l.blocks = cols / block;
  l.packs = (cols + kPackLine - 1) / kPackLine;
  l.block = block;
  // Room for both tile forms: blocks * 16 * block bytes (several tokens) and
  // packs * 1024 (one token).
  l.da_offset = static_cast<uint64_t>(l.packs) * kPackBytes;
  l.sa_offset = l.da_offset + static_cast<uint64_t>(l.blocks) * 16 * sizeof(float);
  l.bytes = round_up(l.sa_offset + static_cast<uint64_t>(l.blocks) * 16 * sizeof(float), kAlign);
  return l;
}

struct ActivationBlock {
  const int8_t* values;
  float scale, sum;  // da and sa = da * sum of the values
};

inline ActivationBlock activation_block(GgmlType type, const uint8_t* row, int64_t b, int block) {
  switch (type) {
    case GgmlType::Q8_0: {
      const auto& y = reinterpret_cast<const quant::BlockQ8_0*>(row)[b];
      return {y.qs, _cvtsh_ss(y.d), 0.0f};
    }
    case GgmlType::Q8_1: {
      const auto& y = reinterpret_cast<const quant::BlockQ8_1*>(row)[b];
      return {y.qs, _cvtsh_ss(y.d), _cvtsh_ss(y.s)};
    }
    default: {  // Q8_K
      const int64_t per_super = quant::kQK_K / block;
      const auto& y = reinterpret_cast<const quant::BlockQ8_K*>(row)[b / per_super];
      const int j = static_cast<int>(b % per_super);
      const int sum = block == 32 ? y.bsums[2 * j] + y.bsums[2 * j + 1] : y.bsums[j];
      return {y.qs + j * block, y.d, y.d * static_cast<float>(sum)};
    }
  }
}

inline void pack_int8_tile(GgmlType type, const Int8TileLayout& l, const uint8_t* rows, uint64_t row_bytes,
                           int tokens, bool flip_signs, uint8_t* out) {
  if (tokens < kTokensPerTile) std::memset(out, 0, l.bytes);
  auto* da = reinterpret_cast<float*>(out + l.da_offset);
  auto* sa = reinterpret_cast<float*>(out + l.sa_offset);
  const int b_rows = l.block / 4;
  const uint32_t flip = flip_signs ? 0x80808080u : 0u;
  for (int t = 0; t < tokens; ++t) {
    const uint8_t* row = rows + t * row_bytes;
    for (int64_t b = 0; b < l.blocks; ++b) {
      const ActivationBlock a = activation_block(type, row, b, l.block);
      uint8_t* tile = out + b * 16 * l.block + 4 * t;
      for (int i = 0; i < b_rows; ++i) {
        uint32_t four;
        std::memcpy(&four, a.values + 4 * i, 4);
        four ^= flip;
        std::memcpy(tile + 64 * i, &four, 4);
      }
      da[b * 16 + t] = a.scale;
      sa[b * 16 + t] = a.sum;
    }
  }
}

constexpr uint64_t kBf16TileBytes = 1024;  // one B tile per 32-value block
inline uint64_t bf16_tile_bytes(int64_t blocks) { return static_cast<uint64_t>(blocks) * kBf16TileBytes; }

inline void pack_bf16_tile(const Bf16Weights& format, int64_t cols, int64_t blocks, const uint8_t* rows,
                           uint64_t row_bytes, int tokens, uint16_t* decoded, uint8_t* out) {
  if (tokens < kTokensPerTile) std::memset(out, 0, bf16_tile_bytes(blocks));
  for (int t = 0; t < tokens; ++t) {
    format.decode_row(rows + t * row_bytes, cols, decoded, kBf16Block);
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t* tile = out + b * kBf16TileBytes + 4 * t;
      for (int i = 0; i < kBf16Block / 2; ++i) std::memcpy(tile + 64 * i, decoded + b * kBf16Block + 2 * i, 4);
    }
  }
}

// Streams the next group's weights into L2 while this group's products run, a
// few lines per block so the memory stays busy without bursts.
struct NextGroupPrefetch {
  const char* next = nullptr;
  const char* end = nullptr;
  int lines_per_step = 0;
  void step() {
    for (int i = 0; i < lines_per_step && next < end; ++i, next += 64) _mm_prefetch(next, _MM_HINT_T1);
  }
};

// What a backend's product of one decoded 16-row INT8 group with one token
// tile reads: the values q (tile_layout.h), the scales dw and min terms mw
// ([block][16 rows]), the per-block column terms (-128 x the sum of a block's
// values, [block][16 rows]; null unless the backend flips the activation signs)
// and the token tile.
struct Int8Group {
  const int8_t* q;
  const float* dw;
  const float* mw;
  const int32_t* flip_terms;
  int max_abs;           // the decoder's bound on |q| (Int8Weights::max_abs)
  GgmlType activation;   // the activations' format (Int8Weights::activation)
};

// Writes a group's results into y (token-major: y[t * rows + r]).
inline void write_tokens(const float (*out)[16], int64_t rows, int64_t row0, int count, int64_t t0, int tokens,
                         float* y) {
  for (int t = 0; t < tokens; ++t) {
    float* dst = y + (t0 + t) * rows + row0;
    for (int r = 0; r < count; ++r) dst[r] = out[r][t];
  }
}

// -128 x the sum of each scale block's values, for rows [0, 16) of a decoded
// group (rows past the matrix are zero, so their terms are 0).
inline void compute_flip_terms(const int8_t* q, int64_t blocks, int block, int32_t* terms) {
  const int per_pack = kPackLine / block, qwords_per_block = block / 8;
  for (int64_t k = 0; k * per_pack < blocks; ++k) {
    for (int r = 0; r < kGroupRows; ++r) {
      // Sums of 8 unsigned (value + 128) bytes each.
      alignas(64) uint64_t sums[8];
      const int8_t* line = q + k * kPackBytes + r * kPackLine;
#if defined(__AVX512BW__)
      const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
      _mm512_store_si512(sums, _mm512_sad_epu8(_mm512_xor_si512(_mm512_load_si512(line), flip), _mm512_setzero_si512()));
#else
      const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
      for (int half = 0; half < 2; ++half) {
        const __m256i bytes = _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(line + 32 * half)), flip);
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 4 * half), _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
      }
#endif
      for (int j = 0; j < per_pack && k * per_pack + j < blocks; ++j) {
        int64_t unsigned_sum = 0;
        for (int i = 0; i < qwords_per_block; ++i) unsigned_sum += static_cast<int64_t>(sums[j * qwords_per_block + i]);
        const int64_t sum = unsigned_sum - 128 * block;
        terms[(k * per_pack + j) * kGroupRows + r] = static_cast<int32_t>(-128 * sum);
      }
    }
  }
}

// The whole product. Backend provides:
//   static constexpr bool kFlipActivationSigns;   // activations as value + 128
//   static constexpr bool kBf16;                  // multiplies BF16 weights too
//   static const Int8Weights* int8_weights(GgmlType);  // its instruction set's decoders
//   struct ThreadState { void configure(int block, int tokens); };  (block 0: BF16)
//   static void int8_products(ThreadState&, const Int8Group&, bool has_min, const uint8_t* tile,
//                             const Int8TileLayout&, float (*out)[16], NextGroupPrefetch&);
//   static void bf16_products(ThreadState&, const uint16_t* w, const uint8_t* tile, int64_t blocks,
//                             float (*out)[16], NextGroupPrefetch&);
template <typename Backend>
void tile_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                 Scratch& scratch) {
  const Int8Weights* int8 = Backend::int8_weights(w.type);
  const Bf16Weights* bf16 = nullptr;
  if constexpr (Backend::kBf16) bf16 = bf16_weights(w.type);
  const GgmlType act_type = quant::reference_ops(w.type)->vec_dot_type;
  QuantizeRowFn quantize_row = nullptr;
#if defined(__AVX512F__)
  quantize_row = avx512_quantize_row(act_type);  // the reference's bytes, faster
#else
  quantize_row = avx2_quantize_row(act_type);
#endif
  if (quantize_row == nullptr) quantize_row = quant::reference_ops(act_type)->quantize_row;
  const int64_t cols = w.cols, rows = w.rows;
  const uint64_t act_row_bytes = *ggml_row_bytes(act_type, static_cast<uint64_t>(cols));
  const int64_t n_tiles = (n_tokens + kTokensPerTile - 1) / kTokensPerTile;

  // Activation tiles.
  const Int8TileLayout int8_layout = int8 != nullptr ? int8_tile_layout(cols, int8->block) : Int8TileLayout{};
  const int64_t bf16_blocks = (cols + kBf16Block - 1) / kBf16Block;
  const uint64_t tile_bytes = int8 != nullptr ? int8_layout.bytes : bf16_tile_bytes(bf16_blocks);
  // BF16 packing decodes each token row into bf16 blocks first: room for that per tile.
  const uint64_t decode_bytes = int8 != nullptr ? 0 : round_up(bf16_blocks * kBf16Block * sizeof(uint16_t), kAlign);
  uint8_t* converted = aligned(scratch.activations, n_tokens * act_row_bytes);
  const uint64_t tile_stride = tile_bytes + decode_bytes;
  uint8_t* tiles = aligned(scratch.packed, n_tiles * tile_stride);
  auto prepare = [&](int index, int parts) {
    const Range range = split_range(n_tiles, index, parts);
    for (int64_t p = range.begin; p < range.end; ++p) {
      const int64_t t0 = p * kTokensPerTile;
      const int tokens = static_cast<int>(std::min<int64_t>(kTokensPerTile, n_tokens - t0));
      for (int t = 0; t < tokens; ++t) {
        quantize_row(x + (t0 + t) * cols, converted + (t0 + t) * act_row_bytes, cols);
      }
      uint8_t* tile = tiles + p * tile_stride;
      if (int8 != nullptr) {
        pack_int8_tile(act_type, int8_layout, converted + t0 * act_row_bytes, act_row_bytes, tokens,
                       Backend::kFlipActivationSigns, tile);
      } else {
        pack_bf16_tile(*bf16, cols, bf16_blocks, converted + t0 * act_row_bytes, act_row_bytes, tokens,
                       reinterpret_cast<uint16_t*>(tile + tile_bytes), tile);
      }
    }
  };
  const bool threaded_prepare = n_tiles > 1 && static_cast<uint64_t>(n_tokens * cols) >= kMinWorkForThreads / 4;
  if (threaded_prepare) pool.run([&prepare](int index, int parts) { prepare(index, parts); });
  else prepare(0, 1);

  // Weight groups, decoded per thread.
  const int64_t groups = (rows + kGroupRows - 1) / kGroupRows;
  uint64_t group_bytes;
  // INT8: packs of 64 values per row, then dw, mw ([block][16] floats) and, for
  // a backend that flips the activation signs, the flip terms.
  const uint64_t q_bytes = static_cast<uint64_t>((cols + kPackLine - 1) / kPackLine) * kPackBytes;
  const uint64_t scale_floats = round_up(static_cast<uint64_t>(int8_layout.blocks) * kGroupRows, kAlign / 4);
  if (int8 != nullptr) {
    group_bytes = q_bytes + (Backend::kFlipActivationSigns ? 3 : 2) * scale_floats * sizeof(float);
  } else {
    // BF16: [block][16 rows][32 values] bf16.
    group_bytes = round_up(static_cast<uint64_t>(bf16_blocks) * kGroupRows * kBf16Block * sizeof(uint16_t), kAlign);
  }
  uint8_t* group_buffers = aligned(scratch.tiles, group_bytes * static_cast<uint64_t>(pool.size()));

  // Decodes group g into a thread's buffer: the rows' values, then the scales
  // and the zero rows past the matrix's end.
  struct GroupDecode {
    const uint8_t* rows = nullptr;
    int count = 0;
    uint8_t* buffer = nullptr;
  };
  const auto* weights = static_cast<const uint8_t*>(w.data);
  auto start_group = [&](int64_t g, uint8_t* buffer) {
    const int64_t row0 = g * kGroupRows;
    return GroupDecode{weights + static_cast<uint64_t>(row0) * w.row_bytes,
                       static_cast<int>(std::min<int64_t>(kGroupRows, rows - row0)), buffer};
  };
  auto int8_q = [&](uint8_t* buffer) { return reinterpret_cast<int8_t*>(buffer); };
  auto int8_dw = [&](uint8_t* buffer) { return reinterpret_cast<float*>(buffer + q_bytes); };
  auto int8_mw = [&](uint8_t* buffer) { return reinterpret_cast<float*>(buffer + q_bytes) + scale_floats; };
  auto int8_terms = [&](uint8_t* buffer) {
    return reinterpret_cast<int32_t*>(reinterpret_cast<float*>(buffer + q_bytes) + 2 * scale_floats);
  };
  auto int8_group = [&](uint8_t* buffer) {
    return Int8Group{int8_q(buffer), int8_dw(buffer), int8_mw(buffer),
                     Backend::kFlipActivationSigns ? int8_terms(buffer) : nullptr, int8->max_abs,
                     int8->activation};
  };
  auto bf16_w = [&](uint8_t* buffer) { return reinterpret_cast<uint16_t*>(buffer); };
  constexpr int64_t kBf16Stride = kGroupRows * kBf16Block;
  auto decode_values = [&](const GroupDecode& d) {
    if (int8 != nullptr && int8->decode_rows != nullptr) {
      int8->decode_rows(d.rows, w.row_bytes, 0, d.count, cols, int8_q(d.buffer));
    } else if (int8 != nullptr) {
      for (int r = 0; r < d.count; ++r) {
        int8->decode_row(d.rows + static_cast<uint64_t>(r) * w.row_bytes, cols, int8_q(d.buffer) + r * kPackLine,
                         int8_dw(d.buffer) + r, int8_mw(d.buffer) + r);
      }
    } else {
      for (int r = 0; r < d.count; ++r) {
        bf16->decode_row(d.rows + static_cast<uint64_t>(r) * w.row_bytes, cols, bf16_w(d.buffer) + r * kBf16Block,
                         kBf16Stride);
      }
    }
  };
  auto finish_group = [&](const GroupDecode& d) {
    if (int8 != nullptr) {
      int8_t* q = int8_q(d.buffer);
      float *dw = int8_dw(d.buffer), *mw = int8_mw(d.buffer);
      for (int r = d.count; r < kGroupRows; ++r) {
        for (int64_t k = 0; k < int8_layout.packs; ++k) std::memset(q + k * kPackBytes + r * kPackLine, 0, kPackLine);
      }
      if (int8->decode_scales != nullptr) {
        int8->decode_scales(d.rows, w.row_bytes, d.count, cols, dw, mw);
      } else {
        for (int r = d.count; r < kGroupRows; ++r) {
          for (int64_t b = 0; b < int8_layout.blocks; ++b) dw[b * kGroupRows + r] = mw[b * kGroupRows + r] = 0.0f;
        }
      }
      if (Backend::kFlipActivationSigns) compute_flip_terms(q, int8_layout.blocks, int8->block, int8_terms(d.buffer));
    } else {
      for (int r = d.count; r < kGroupRows; ++r) {
        for (int64_t b = 0; b < bf16_blocks; ++b) {
          std::memset(bf16_w(d.buffer) + b * kBf16Stride + r * kBf16Block, 0, kBf16Block * sizeof(uint16_t));
        }
      }
    }
  };

  auto compute = [&](int index, int parts) {
    const Range range = split_range(groups, index, parts);
    if (range.begin >= range.end) return;
    uint8_t* buffer = group_buffers + group_bytes * static_cast<uint64_t>(index);
    typename Backend::ThreadState state;
    alignas(64) float out[16][16];
    for (int64_t g = range.begin; g < range.end; ++g) {
      const GroupDecode d = start_group(g, buffer);
      decode_values(d);
      finish_group(d);
      NextGroupPrefetch prefetch;
      if (g + 1 < range.end) {
        prefetch.next = reinterpret_cast<const char*>(d.rows + kGroupRows * w.row_bytes);
        const int64_t next_rows = std::min<int64_t>(kGroupRows, rows - (g + 1) * kGroupRows);
        prefetch.end = prefetch.next + next_rows * w.row_bytes;
        const int64_t steps = n_tiles * (int8 != nullptr ? int8_layout.blocks : bf16_blocks);
        prefetch.lines_per_step = static_cast<int>((next_rows * w.row_bytes / 64 + steps - 1) / std::max<int64_t>(1, steps));
      }
      for (int64_t p = 0; p < n_tiles; ++p) {
        const int64_t t0 = p * kTokensPerTile;
        const int tokens = static_cast<int>(std::min<int64_t>(kTokensPerTile, n_tokens - t0));
        const uint8_t* tile = tiles + p * tile_stride;
        if (int8 != nullptr) {
          state.configure(int8->block, tokens);
          Backend::int8_products(state, int8_group(buffer), int8->has_min, tile, int8_layout, out, prefetch);
        } else {
          state.configure(0, tokens);
          Backend::bf16_products(state, bf16_w(buffer), tile, bf16_blocks, out, prefetch);
        }
        write_tokens(out, rows, g * kGroupRows, d.count, t0, tokens, y);
      }
    }
  };
  const uint64_t work = static_cast<uint64_t>(rows) * w.row_bytes * static_cast<uint64_t>(n_tokens);
  if (work >= kMinWorkForThreads && groups > 1) pool.run([&compute](int index, int parts) { compute(index, parts); });
  else compute(0, 1);
}

}  // namespace
}  // namespace pg::kernels::detail
