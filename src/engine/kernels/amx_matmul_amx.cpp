// The AMX matrix product (amx.h): activations quantized by the reference
// quantizer and laid out as B tiles (16 tokens each), weights decoded 16 rows at
// a time into A tiles (amx_layout.h), products by TDPBSSD (quantized types, one
// int32 tile per scale block, then scaled in float) or TDPBF16PS (BF16, one
// product per block, accumulated in the tile over the whole row). F16 and F32
// weights never come here (amx_has_kernel is false for them).
// Every output is computed by one thread with a fixed sequence of operations
// that does not depend on how many tokens share its tile or how many threads
// run, so results are bit-identical for any batch and thread count.
// Built with AMX flags: nothing here may run before kernel_path_supported(Amx).
// Never reads a weight byte outside the matrix nor writes outside y / scratch.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/amx.h"
#include "engine/kernels/amx_layout.h"
#include "engine/kernels/row_dot.h"
#include "engine/kernels/work_split.h"
#include "engine/quant/blocks.h"
#include "engine/quant/quant.h"

namespace pg::kernels::detail {
namespace {

using namespace amx;

// Below this many weight bytes x tokens, waking the pool costs more than the work.
constexpr uint64_t kMinWorkForThreads = 64 * 1024;
constexpr uint64_t kAlign = 64;

uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }
uint8_t* aligned(std::vector<uint8_t>& v, uint64_t bytes) {
  v.resize(static_cast<size_t>(bytes + kAlign));
  const auto address = reinterpret_cast<uintptr_t>(v.data());
  return v.data() + (round_up(address, kAlign) - address);
}


// ---- Tile configuration. Tiles 0/1 hold results (C), 2/3 weights (A), 4/5
// activations (B); the pairs let consecutive blocks overlap.

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

class TileState {
 public:
  ~TileState() { _tile_release(); }
  // block: int8 values per scale block (16/32), or 0 for the BF16 family.
  void configure(int block, int tokens) {
    if (block == block_ && tokens == tokens_) return;
    TileConfig c;
    const int a_bytes = block == 0 ? 2 * kBf16Block : block;
    const int b_rows = block == 0 ? kBf16Block / 2 : block / 4;
    for (int i : {0, 1}) c.rows[i] = kGroupRows, c.colsb[i] = static_cast<uint16_t>(4 * tokens);
    for (int i : {2, 3}) c.rows[i] = kGroupRows, c.colsb[i] = static_cast<uint16_t>(a_bytes);
    for (int i : {4, 5}) c.rows[i] = static_cast<uint8_t>(b_rows), c.colsb[i] = static_cast<uint16_t>(4 * tokens);
    _tile_loadconfig(&c);
    block_ = block;
    tokens_ = tokens;
  }

 private:
  int block_ = -1, tokens_ = -1;
};

// ---- Packed activations: one region per token tile.
//   INT8: per scale block b, its B tile (block/4 rows of 64 bytes: 4 bytes per
//   token), then da[b][16] and sa[b][16] as floats.
//   BF16: per 32-value block, its B tile (16 rows of 64 bytes: one bf16 pair
//   per token).

struct Int8TileLayout {
  int64_t blocks, packs;
  int block;
  uint64_t da_offset, sa_offset, bytes;
};
Int8TileLayout int8_tile_layout(int64_t cols, int block) {
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

ActivationBlock activation_block(GgmlType type, const uint8_t* row, int64_t b, int block) {
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

void pack_int8_tile(GgmlType type, const Int8TileLayout& l, const uint8_t* rows, uint64_t row_bytes, int tokens,
                    uint8_t* out) {
  if (tokens < kTokensPerTile) std::memset(out, 0, l.bytes);
  auto* da = reinterpret_cast<float*>(out + l.da_offset);
  auto* sa = reinterpret_cast<float*>(out + l.sa_offset);
  const int b_rows = l.block / 4;
  for (int t = 0; t < tokens; ++t) {
    const uint8_t* row = rows + t * row_bytes;
    for (int64_t b = 0; b < l.blocks; ++b) {
      const ActivationBlock a = activation_block(type, row, b, l.block);
      uint8_t* tile = out + b * 16 * l.block + 4 * t;
      for (int i = 0; i < b_rows; ++i) std::memcpy(tile + 64 * i, a.values + 4 * i, 4);
      da[b * 16 + t] = a.scale;
      sa[b * 16 + t] = a.sum;
    }
  }
}

constexpr uint64_t kBf16TileBytes = 1024;  // one B tile per 32-value block
uint64_t bf16_tile_bytes(int64_t blocks) { return static_cast<uint64_t>(blocks) * kBf16TileBytes; }

void pack_bf16_tile(const Bf16Weights& format, int64_t cols, int64_t blocks, const uint8_t* rows, uint64_t row_bytes,
                    int tokens, uint16_t* decoded, uint8_t* out) {
  if (tokens < kTokensPerTile) std::memset(out, 0, bf16_tile_bytes(blocks));
  for (int t = 0; t < tokens; ++t) {
    format.decode_row(rows + t * row_bytes, cols, decoded, kBf16Block);
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t* tile = out + b * kBf16TileBytes + 4 * t;
      for (int i = 0; i < kBf16Block / 2; ++i) std::memcpy(tile + 64 * i, decoded + b * kBf16Block + 2 * i, 4);
    }
  }
}

// Streams the next group's weights into L2 while this group's tile products
// run, a few lines per block so the memory stays busy without bursts.
struct NextGroupPrefetch {
  const char* next = nullptr;
  const char* end = nullptr;
  int lines_per_step = 0;
  void step() {
    for (int i = 0; i < lines_per_step && next < end; ++i, next += 64) _mm_prefetch(next, _MM_HINT_T1);
  }
};

// ---- INT8 tile products of one decoded 16-row group with one token tile.

// C is 16 rows x `tokens` columns; acc[r] holds row r's tokens. Each output
// gets the same operations whatever the number of tokens in its tile.
template <bool kMin>
inline void tokens_step(__m512 (&acc)[16], const int32_t (*c)[16], const float* dw, const float* mw, const float* da,
                        const float* sa) {
  const __m512 da_v = _mm512_load_ps(da);
  const __m512 sa_v = kMin ? _mm512_load_ps(sa) : _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) {
    const __m512 s = _mm512_mul_ps(da_v, _mm512_set1_ps(dw[r]));
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c[r])), s, acc[r]);
    if (kMin) acc[r] = _mm512_fmadd_ps(sa_v, _mm512_set1_ps(mw[r]), acc[r]);
  }
}

template <bool kMin>
void int8_tokens(const int8_t* q, const float* dw, const float* mw, const uint8_t* tile, const Int8TileLayout& l,
                 float (*out)[16], NextGroupPrefetch& prefetch) {
  const auto* da = reinterpret_cast<const float*>(tile + l.da_offset);
  const auto* sa = reinterpret_cast<const float*>(tile + l.sa_offset);
  const int64_t step = 16 * l.block;
  alignas(64) int32_t c0[16][16], c1[16][16];
  __m512 acc[16];
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) acc[r] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= l.blocks; b += 2) {
    prefetch.step();
    prefetch.step();
    _tile_loadd(2, q + pack_offset(b, l.block), kPackLine);
    _tile_loadd(4, tile + b * step, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 2, 4);
    _tile_loadd(3, q + pack_offset(b + 1, l.block), kPackLine);
    _tile_loadd(5, tile + (b + 1) * step, 64);
    _tile_zero(1);
    _tile_dpbssd(1, 3, 5);
    _tile_stored(0, c0, 64);
    _tile_stored(1, c1, 64);
    tokens_step<kMin>(acc, c0, dw + 16 * b, mw + 16 * b, da + 16 * b, sa + 16 * b);
    tokens_step<kMin>(acc, c1, dw + 16 * (b + 1), mw + 16 * (b + 1), da + 16 * (b + 1), sa + 16 * (b + 1));
  }
  if (b < l.blocks) {
    _tile_loadd(2, q + pack_offset(b, l.block), kPackLine);
    _tile_loadd(4, tile + b * step, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 2, 4);
    _tile_stored(0, c0, 64);
    tokens_step<kMin>(acc, c0, dw + 16 * b, mw + 16 * b, da + 16 * b, sa + 16 * b);
  }
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(out[r], acc[r]);
}

// ---- BF16 tile products: C accumulates one TDPBF16PS per block across the
// whole row.

void bf16_products(const uint16_t* w, const uint8_t* tile, int64_t blocks, float (*out)[16],
                   NextGroupPrefetch& prefetch) {
  constexpr int64_t kRowsBlock = kGroupRows * kBf16Block;  // bf16 values per decoded block
  _tile_zero(0);
  for (int64_t b = 0; b < blocks; ++b) {
    prefetch.step();
    _tile_loadd(2, w + b * kRowsBlock, 64);
    _tile_loadd(4, tile + b * kBf16TileBytes, 64);
    _tile_dpbf16ps(0, 2, 4);
  }
  _tile_stored(0, out, 64);
}

// ---- Writing a group's results into y (token-major: y[t * rows + r]).

void write_tokens(const float (*out)[16], int64_t rows, int64_t row0, int count, int64_t t0, int tokens, float* y) {
  for (int t = 0; t < tokens; ++t) {
    float* dst = y + (t0 + t) * rows + row0;
    for (int r = 0; r < count; ++r) dst[r] = out[r][t];
  }
}

}  // namespace

bool amx_has_kernel(GgmlType type) { return amx::int8_weights(type) != nullptr || amx::bf16_weights(type) != nullptr; }

void amx_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                Scratch& scratch) {
  const Int8Weights* int8 = int8_weights(w.type);
  const Bf16Weights* bf16 = bf16_weights(w.type);
  const GgmlType act_type = quant::reference_ops(w.type)->vec_dot_type;
  QuantizeRowFn quantize_row = avx512_quantize_row(act_type);
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
        pack_int8_tile(act_type, int8_layout, converted + t0 * act_row_bytes, act_row_bytes, tokens, tile);
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
  // INT8: packs of 64 values per row, then dw and mw ([block][16] floats).
  const uint64_t q_bytes = static_cast<uint64_t>((cols + kPackLine - 1) / kPackLine) * kPackBytes;
  const uint64_t scale_floats = round_up(static_cast<uint64_t>(int8_layout.blocks) * kGroupRows, kAlign / 4);
  if (int8 != nullptr) {
    group_bytes = q_bytes + 2 * scale_floats * sizeof(float);
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
    TileState tiles_state;
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
          tiles_state.configure(int8->block, tokens);
          if (int8->has_min) int8_tokens<true>(int8_q(buffer), int8_dw(buffer), int8_mw(buffer), tile, int8_layout, out, prefetch);
          else int8_tokens<false>(int8_q(buffer), int8_dw(buffer), int8_mw(buffer), tile, int8_layout, out, prefetch);
        } else {
          tiles_state.configure(0, tokens);
          bf16_products(bf16_w(buffer), tile, bf16_blocks, out, prefetch);
        }
        write_tokens(out, rows, g * kGroupRows, d.count, t0, tokens, y);
      }
    }
  };
  const uint64_t work = static_cast<uint64_t>(rows) * w.row_bytes * static_cast<uint64_t>(n_tokens);
  if (work >= kMinWorkForThreads && groups > 1) pool.run([&compute](int index, int parts) { compute(index, parts); });
  else compute(0, 1);
}

}  // namespace pg::kernels::detail
