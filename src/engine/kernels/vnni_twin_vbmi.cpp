// The tiles' twin: the AVX-512 decoded-tile product (vnni_tiles.h) for 1 to
// kTwinMaxTokens tokens of a Q4_0 or Q8_0 matrix, with every output
// bit-identical to the same token's output in a token tile
// (vnni_tiles_vbmi.cpp, and so the AMX tiles). That is what lets generation
// use the tiles' arithmetic: one stream alone takes the twin, and a decode
// batch of streams (one token each) takes the twin or the tiles, while each
// stream keeps its single-stream text.
//
// Rows in lanes: for a group of 16 weight rows, read straight from the file
// (never repacked), one VPDPBUSD per row (or pair of rows) and token
// multiplies each 64-value line of weights (as unsigned bytes: value + bias)
// with the token's values; a transposed reduction then gives each 32-value
// block's integer sum of the 16 rows in the 16 lanes of one register, exact,
// minus bias x the block's activation sum. The float steps that follow are
// the tiles' own (s = da * dw, acc += c * s), lane by lane in the same block
// order, so the bits match. The weights of a line are loaded and decoded once
// for all the tokens.
// What it must never do: read a weight byte outside the matrix, write outside
// y / scratch, or let the thread count or token count change an output's
// operations. Built with AVX-512 + VBMI flags: nothing here may run before
// kernel_path_supported(Avx512Tiles).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "engine/kernels/tile_matmul.h"
#include "engine/kernels/vnni_tiles.h"

namespace pg::kernels::detail {
namespace {

constexpr int kBlock = 32;  // both types' blocks, and their Q8_0 activations'

// How the token's values sit: side by side (Q8_0), or (Q4_0) per pair of
// blocks b0, b1 a line [b0 0..15 | b1 0..15 | b0 0..15 | b1 0..15] for the low
// nibbles, then the same with values 16..31 for the high ones.
enum class ValueOrder { Natural, Q4Pairs };

// One token's activations as the products read them: the int8 values (zero
// past the last block), and per block the tiles' scale da and `bias` x the
// sum of the block's values (the weights enter the products as value + bias).
struct TokenActivations {
  const int8_t* values = nullptr;
  const float* da = nullptr;
  const int32_t* flip = nullptr;
};

struct TokenLayout {
  int64_t blocks;
  uint64_t da_offset, flip_offset, bytes;
};
TokenLayout token_layout(int64_t cols, ValueOrder order) {
  TokenLayout l{};
  l.blocks = cols / kBlock;
  const uint64_t packs = static_cast<uint64_t>((cols + kPackLine - 1) / kPackLine);
  l.da_offset = packs * kPackLine * (order == ValueOrder::Q4Pairs ? 2 : 1);
  l.flip_offset = l.da_offset + static_cast<uint64_t>(l.blocks) * sizeof(float);
  l.bytes = round_up(l.flip_offset + static_cast<uint64_t>(l.blocks) * sizeof(int32_t), kAlign);
  return l;
}

TokenActivations prepare_token(const uint8_t* quantized, int bias, ValueOrder order, const TokenLayout& l,
                               uint8_t* out) {
  auto* values = reinterpret_cast<int8_t*>(out);
  auto* da = reinterpret_cast<float*>(out + l.da_offset);
  auto* flip = reinterpret_cast<int32_t*>(out + l.flip_offset);
  std::memset(values, 0, l.da_offset);
  for (int64_t b = 0; b < l.blocks; ++b) {
    const ActivationBlock a = activation_block(GgmlType::Q8_0, quantized, b, kBlock);
    if (order == ValueOrder::Natural) {
      std::memcpy(values + b * kBlock, a.values, kBlock);
    } else {
      int8_t* line = values + (b / 2) * 2 * kPackLine + (b % 2) * 16;
      for (int half = 0; half < 2; ++half) {
        std::memcpy(line + half * kPackLine, a.values + 16 * half, 16);
        std::memcpy(line + half * kPackLine + 32, a.values + 16 * half, 16);
      }
    }
    int32_t sum = 0;
    for (int j = 0; j < kBlock; ++j) sum += a.values[j];
    da[b] = a.scale;
    flip[b] = bias * sum;
  }
  return {values, da, flip};
}

// chunk[c] lane r = the sum of lanes 4c .. 4c+3 of p[r] (one 128-bit chunk of
// row r), for the 16 registers p: two rounds of in-chunk unpacks and adds,
// then a 4 x 4 transpose of the chunks.
inline void chunk_sums(const __m512i (&p)[16], __m512i (&chunk)[4]) {
  __m512i pairs[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    pairs[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(p[2 * i], p[2 * i + 1]),
                                _mm512_unpackhi_epi32(p[2 * i], p[2 * i + 1]));
  }
  __m512i quads[4];  // quads[i] chunk c lane j: row 4i+j's chunk-c sum
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    quads[i] = _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[2 * i], pairs[2 * i + 1]),
                                _mm512_unpackhi_epi64(pairs[2 * i], pairs[2 * i + 1]));
  }
  const __m512i low01 = _mm512_shuffle_i32x4(quads[0], quads[1], _MM_SHUFFLE(1, 0, 1, 0));
  const __m512i high01 = _mm512_shuffle_i32x4(quads[0], quads[1], _MM_SHUFFLE(3, 2, 3, 2));
  const __m512i low23 = _mm512_shuffle_i32x4(quads[2], quads[3], _MM_SHUFFLE(1, 0, 1, 0));
  const __m512i high23 = _mm512_shuffle_i32x4(quads[2], quads[3], _MM_SHUFFLE(3, 2, 3, 2));
  chunk[0] = _mm512_shuffle_i32x4(low01, low23, _MM_SHUFFLE(2, 0, 2, 0));
  chunk[1] = _mm512_shuffle_i32x4(low01, low23, _MM_SHUFFLE(3, 1, 3, 1));
  chunk[2] = _mm512_shuffle_i32x4(high01, high23, _MM_SHUFFLE(2, 0, 2, 0));
  chunk[3] = _mm512_shuffle_i32x4(high01, high23, _MM_SHUFFLE(3, 1, 3, 1));
}

// The F16 scale at the start of a block in each lane's row (`offsets`: the
// lanes' row offsets from `block`), as floats; lanes outside `present` get 0.
inline __m512 block_scales(const uint8_t* block, __m512i offsets, __mmask16 present) {
  const __m512i words = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), present, offsets, block, 1);
  return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words));
}

// Keeps the weights a thread will read next on their way into L2: the groups
// one thread computes are contiguous in the file, so one cursor runs a whole
// group (all 16 rows of a group are read from its first line on) plus
// kPrefetchLeadBeyondGroup bytes ahead of the line being multiplied, a few
// lines per step: 16 rows read side by side are too many short streams for
// the hardware prefetcher.
struct StreamPrefetch {
  const char* next = nullptr;
  const char* end = nullptr;
  static constexpr int kMaxLinesPerStep = 24;
  // Prefetches up to `target` (bounded by the stream's end).
  void up_to(const char* target) {
    if (target > end) target = end;
    for (int i = 0; i < kMaxLinesPerStep && next < target; ++i, next += 64) _mm_prefetch(next, _MM_HINT_T1);
  }
};
constexpr uint64_t kPrefetchLeadBeyondGroup = 4096;

// Where the cursor should be after step k of `steps` over the group of
// `group_bytes` bytes starting at `group`.
inline const char* prefetch_target(const uint8_t* group, uint64_t group_bytes, int64_t k, int64_t steps) {
  return reinterpret_cast<const char*>(group) + group_bytes + kPrefetchLeadBeyondGroup +
         group_bytes * static_cast<uint64_t>(k + 1) / static_cast<uint64_t>(steps);
}

// Q4_0 straight from the file, two rows per register: one two-source byte
// permute puts rows r and r + 8 in the low and high 256 bits as
// [block 2k's 16 nibble bytes | block 2k+1's]; the low nibbles and the high
// nibbles each take one VPDPBUSD against a token's values in the same order
// (ValueOrder::Q4Pairs), so each 128-bit chunk holds one (row, block) sum. The
// lanes of the results are the rows in the order 0-3, 8-11, 4-7, 12-15 (the
// scales are gathered in that order too) until the final store. The nibbles
// are decoded once for the kTokens tokens; each token's steps are the same
// whatever kTokens is.
// kFull: all 16 rows exist (row r at rows + r * row_bytes); otherwise rows
// past the matrix repeat its last row (their lanes are never stored).
template <int kTokens, bool kFull>
void q4_0_group_rows(const WeightMatrix& w, int64_t row0, int count, StreamPrefetch& prefetch,
                     const TokenActivations* a, __m512* out) {
  constexpr uint64_t kBlockBytes = sizeof(quant::BlockQ4_0);
  const auto* rows = static_cast<const uint8_t*>(w.data) + static_cast<uint64_t>(row0) * w.row_bytes;
  const int64_t blocks = w.cols / 32, packs = (blocks + 1) / 2;
  const uint64_t group_bytes = static_cast<uint64_t>(count) * w.row_bytes;
  const int last = count - 1;
  const uint8_t* low_rows[8];
  const uint8_t* high_rows[8];
  for (int r = 0; r < 8; ++r) {
    low_rows[r] = rows + static_cast<uint64_t>(std::min(r, last)) * w.row_bytes;
    high_rows[r] = rows + static_cast<uint64_t>(std::min(r + 8, last)) * w.row_bytes;
  }
  const __m512i lane_rows = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  const __mmask16 present = _mm512_cmplt_epi32_mask(lane_rows, _mm512_set1_epi32(count));
  const __m512i offsets = _mm512_mullo_epi32(lane_rows, _mm512_set1_epi32(static_cast<int>(w.row_bytes)));
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  alignas(64) uint8_t select[64];  // [low row: b0.qs | b1.qs | high row: b0.qs | b1.qs]
  for (int i = 0; i < 64; ++i) {
    select[i] = static_cast<uint8_t>((i < 32 ? 0 : 64) + (i % 32 < 16 ? 2 : 20 - 16) + i % 32);
  }
  const __m512i pick = _mm512_load_si512(select);
  const uint64_t length = static_cast<uint64_t>(blocks) * kBlockBytes;
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t k = 0; k < packs; ++k) {
    prefetch.up_to(prefetch_target(rows, group_bytes, k, packs));
    const uint64_t at = static_cast<uint64_t>(k) * 2 * kBlockBytes;
    const uint64_t available = length - at;
    const __mmask64 readable = available >= 64 ? ~__mmask64{0} : (__mmask64{1} << available) - 1;
    __m512i lo[8], hi[8];
    const uint8_t* low_row_at = rows + at;
    const uint8_t* high_row_at = rows + 8 * w.row_bytes + at;
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      const uint8_t* low = kFull ? low_row_at : low_rows[r] + at;
      const uint8_t* high = kFull ? high_row_at : high_rows[r] + at;
      low_row_at += w.row_bytes;
      high_row_at += w.row_bytes;
      const __m512i low_row = _mm512_maskz_loadu_epi8(readable, low);
      const __m512i high_row = _mm512_maskz_loadu_epi8(readable, high);
      // A missing second block reads as zero bytes (or not at all): its activations are zero.
      const __m512i v = _mm512_permutex2var_epi8(low_row, pick, high_row);
      lo[r] = _mm512_and_si512(v, low4);
      hi[r] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
    }
    const int in_pack = 2 * k + 1 < blocks ? 2 : 1;
    __m512 dw[2];
    for (int j = 0; j < in_pack; ++j) dw[j] = block_scales(rows + at + j * kBlockBytes, offsets, present);
#pragma GCC unroll 1
    for (int t = 0; t < kTokens; ++t) {
      const __m512i a_low = _mm512_load_si512(a[t].values + k * 2 * kPackLine);
      const __m512i a_high = _mm512_load_si512(a[t].values + k * 2 * kPackLine + kPackLine);
      __m512i p[8];
#pragma GCC unroll 8
      for (int r = 0; r < 8; ++r) {
        p[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo[r], a_low), hi[r], a_high);
      }
      // p[r] chunks: (row r, block 2k), (r, 2k+1), (r+8, 2k), (r+8, 2k+1).
      __m512i pairs[4];
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) {
        pairs[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(p[2 * i], p[2 * i + 1]),
                                    _mm512_unpackhi_epi32(p[2 * i], p[2 * i + 1]));
      }
      const __m512i quad0 =
          _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[0], pairs[1]), _mm512_unpackhi_epi64(pairs[0], pairs[1]));
      const __m512i quad1 =
          _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[2], pairs[3]), _mm512_unpackhi_epi64(pairs[2], pairs[3]));
      // quad0 chunks: rows 0-3 block 2k, rows 0-3 block 2k+1, rows 8-11 2k, 8-11 2k+1; quad1 the same for 4-7, 12-15.
      const __m512i sums[2] = {_mm512_shuffle_i32x4(quad0, quad1, _MM_SHUFFLE(2, 0, 2, 0)),
                               _mm512_shuffle_i32x4(quad0, quad1, _MM_SHUFFLE(3, 1, 3, 1))};
      for (int j = 0; j < in_pack; ++j) {
        const int64_t b = 2 * k + j;
        const __m512i c = _mm512_sub_epi32(sums[j], _mm512_set1_epi32(a[t].flip[b]));
        // The tiles' float steps (vnni_tiles_vbmi.cpp int8_tokens), in their order.
        const __m512 s = _mm512_mul_ps(_mm512_set1_ps(a[t].da[b]), dw[j]);
        acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), s, acc[t]);
      }
    }
  }
  // Lanes back in row order (chunks 1 and 2 swap).
  for (int t = 0; t < kTokens; ++t) out[t] = _mm512_shuffle_f32x4(acc[t], acc[t], _MM_SHUFFLE(3, 1, 2, 0));
}

template <int kTokens>
void q4_0_group_product(const WeightMatrix& w, int64_t row0, int count, StreamPrefetch& prefetch,
                        const TokenActivations* a, __m512* out) {
  if (count == kGroupRows) q4_0_group_rows<kTokens, true>(w, row0, count, prefetch, a, out);
  else q4_0_group_rows<kTokens, false>(w, row0, count, prefetch, a, out);
}

// Q8_0 straight from the file: each row's two blocks in one register (sign
// bits flipped: value + 128), one VPDPBUSD per row and token, then chunk_sums.
template <int kTokens, bool kFull>
void q8_0_group_rows(const WeightMatrix& w, int64_t row0, int count, StreamPrefetch& prefetch,
                     const TokenActivations* a, __m512* out) {
  constexpr uint64_t kBlockBytes = sizeof(quant::BlockQ8_0);
  const auto* rows = static_cast<const uint8_t*>(w.data) + static_cast<uint64_t>(row0) * w.row_bytes;
  const int64_t blocks = w.cols / kBlock, packs = (blocks + 1) / 2;
  const uint64_t group_bytes = static_cast<uint64_t>(count) * w.row_bytes;
  const int last = count - 1;
  const __mmask16 present = static_cast<__mmask16>((1u << count) - 1);
  const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(w.row_bytes)));
  const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t k = 0; k < packs; ++k) {
    prefetch.up_to(prefetch_target(rows, group_bytes, k, packs));
    const uint64_t at = static_cast<uint64_t>(k) * 2 * kBlockBytes;
    const int in_pack = 2 * k + 1 < blocks ? 2 : 1;
    __m512i q[16];
    const uint8_t* row_at = rows + at + 2;
#pragma GCC unroll 16
    for (int r = 0; r < 16; ++r) {
      // Rows past the matrix repeat the last row (their lanes are never stored).
      const uint8_t* block = kFull ? row_at : rows + static_cast<uint64_t>(std::min(r, last)) * w.row_bytes + at + 2;
      row_at += w.row_bytes;
      const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
      const __m256i second = in_pack == 2 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + kBlockBytes))
                                          : _mm256_setzero_si256();
      q[r] = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1), sign);
    }
    __m512 dw[2];
    for (int j = 0; j < in_pack; ++j) dw[j] = block_scales(rows + at + j * kBlockBytes, offsets, present);
#pragma GCC unroll 1
    for (int t = 0; t < kTokens; ++t) {
      const __m512i av = _mm512_load_si512(a[t].values + k * kPackLine);
      __m512i p[16];
#pragma GCC unroll 16
      for (int r = 0; r < 16; ++r) p[r] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[r], av);
      __m512i chunk[4];
      chunk_sums(p, chunk);
      for (int j = 0; j < in_pack; ++j) {
        const int64_t b = 2 * k + j;
        const __m512i c =
            _mm512_sub_epi32(_mm512_add_epi32(chunk[2 * j], chunk[2 * j + 1]), _mm512_set1_epi32(a[t].flip[b]));
        // The tiles' float steps (vnni_tiles_vbmi.cpp int8_tokens), in their order.
        const __m512 s = _mm512_mul_ps(_mm512_set1_ps(a[t].da[b]), dw[j]);
        acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), s, acc[t]);
      }
    }
  }
  for (int t = 0; t < kTokens; ++t) out[t] = acc[t];
}

template <int kTokens>
void q8_0_group_product(const WeightMatrix& w, int64_t row0, int count, StreamPrefetch& prefetch,
                        const TokenActivations* a, __m512* out) {
  if (count == kGroupRows) q8_0_group_rows<kTokens, true>(w, row0, count, prefetch, a, out);
  else q8_0_group_rows<kTokens, false>(w, row0, count, prefetch, a, out);
}

using GroupProductFn = void (*)(const WeightMatrix&, int64_t, int, StreamPrefetch&, const TokenActivations*, __m512*);

// The product of kTokens tokens for a type, as a function pointer.
template <int... kCounts>
struct ProductTable {
  static constexpr GroupProductFn q4_0[] = {q4_0_group_product<kCounts>...};
  static constexpr GroupProductFn q8_0[] = {q8_0_group_product<kCounts>...};
};
using Products = ProductTable<1, 2, 3, 4, 5, 6, 7, 8>;
static_assert(std::size(Products::q4_0) == kTwinMaxTokens);

struct TokenJob {
  const MatmulJob* job;
  GroupProductFn product;
  int bias;  // what the products add to each weight value to make it unsigned
  ValueOrder order;
  const TokenActivations* activations;  // n_tokens of them
  int64_t groups;
};

TokenJob token_job(const MatmulJob& job) {
  const bool q4 = job.w->type == GgmlType::Q4_0;
  const size_t n = static_cast<size_t>(job.n_tokens - 1);
  return {&job, q4 ? Products::q4_0[n] : Products::q8_0[n], q4 ? 8 : 128,
          q4 ? ValueOrder::Q4Pairs : ValueOrder::Natural, nullptr, (job.w->rows + kGroupRows - 1) / kGroupRows};
}

}  // namespace

bool vnni_twin_has_kernel(GgmlType type) { return type == GgmlType::Q4_0 || type == GgmlType::Q8_0; }

void vnni_twin_matmul(std::span<const MatmulJob> jobs, ThreadPool& pool, Scratch& scratch) {
  // Activations: quantized to Q8_0 with the reference's bytes, then laid out
  // per job and token (jobs reading the same x the same way share the layout).
  std::vector<TokenJob> work;
  work.reserve(jobs.size());
  uint64_t quantized_bytes = 0, layout_bytes = 0;
  size_t token_count = 0;
  std::vector<uint64_t>& offsets = scratch.offsets;
  offsets.assign(jobs.size() * 2, 0);
  for (size_t i = 0; i < jobs.size(); ++i) {
    work.push_back(token_job(jobs[i]));
    const WeightMatrix& w = *jobs[i].w;
    const uint64_t n = static_cast<uint64_t>(jobs[i].n_tokens);
    offsets[2 * i] = quantized_bytes;
    offsets[2 * i + 1] = layout_bytes;
    quantized_bytes += n * round_up(*ggml_row_bytes(GgmlType::Q8_0, static_cast<uint64_t>(w.cols)), kAlign);
    layout_bytes += n * token_layout(w.cols, work[i].order).bytes;
    token_count += static_cast<size_t>(n);
  }
  uint8_t* quantized = aligned(scratch.activations, quantized_bytes);
  uint8_t* laid_out = aligned(scratch.packed, layout_bytes);
  std::vector<TokenActivations> activations(token_count);
  QuantizeRowFn quantize_row = avx512_quantize_row(GgmlType::Q8_0);
  if (quantize_row == nullptr) quantize_row = quant::reference_ops(GgmlType::Q8_0)->quantize_row;
  int64_t total_groups = 0;
  uint64_t total_bytes = 0;
  size_t next_token = 0;
  for (size_t i = 0; i < work.size(); ++i) {
    const MatmulJob& job = jobs[i];
    const WeightMatrix& w = *job.w;
    size_t same = i;
    for (size_t j = 0; j < i; ++j) {
      if (jobs[j].x == job.x && jobs[j].n_tokens == job.n_tokens && jobs[j].w->cols == w.cols &&
          work[j].bias == work[i].bias && work[j].order == work[i].order) {
        same = j;
        break;
      }
    }
    if (same != i) {
      work[i].activations = work[same].activations;
    } else {
      const TokenLayout l = token_layout(w.cols, work[i].order);
      const uint64_t row_bytes = round_up(*ggml_row_bytes(GgmlType::Q8_0, static_cast<uint64_t>(w.cols)), kAlign);
      TokenActivations* mine = activations.data() + next_token;
      for (int64_t t = 0; t < job.n_tokens; ++t) {
        uint8_t* row = quantized + offsets[2 * i] + static_cast<uint64_t>(t) * row_bytes;
        quantize_row(job.x + t * w.cols, row, w.cols);
        mine[t] = prepare_token(row, work[i].bias, work[i].order, l,
                                laid_out + offsets[2 * i + 1] + static_cast<uint64_t>(t) * l.bytes);
      }
      work[i].activations = mine;
      next_token += static_cast<size_t>(job.n_tokens);
    }
    total_groups += work[i].groups;
    total_bytes += static_cast<uint64_t>(w.rows) * w.row_bytes;
  }

  // The groups of all jobs as one range, split across the threads.
  auto compute = [&](int index, int parts) {
    const Range range = split_range(total_groups, index, parts);
    int64_t first = 0;
    for (const TokenJob& t : work) {
      const int64_t begin = std::max(range.begin, first), end = std::min(range.end, first + t.groups);
      const WeightMatrix& w = *t.job->w;
      StreamPrefetch prefetch;
      if (begin < end) {
        const auto* base = static_cast<const char*>(w.data);
        prefetch.next = base + static_cast<uint64_t>(begin - first) * kGroupRows * w.row_bytes;
        prefetch.end = base + static_cast<uint64_t>(std::min(w.rows, (end - first) * kGroupRows)) * w.row_bytes;
      }
      for (int64_t g = begin - first; g < end - first; ++g) {
        const int64_t row0 = g * kGroupRows;
        const int count = static_cast<int>(std::min<int64_t>(kGroupRows, w.rows - row0));
        __m512 out[kTwinMaxTokens];
        t.product(w, row0, count, prefetch, t.activations, out);
        for (int64_t k = 0; k < t.job->n_tokens; ++k) {
          _mm512_mask_storeu_ps(t.job->y + k * w.rows + row0, static_cast<__mmask16>((1u << count) - 1), out[k]);
        }
      }
      first += t.groups;
    }
  };
  if (total_bytes * token_count / jobs.size() >= kMinWorkForThreads && total_groups > 1) {
    pool.run([&compute](int index, int parts) { compute(index, parts); });
  } else {
    compute(0, 1);
  }
}

}  // namespace pg::kernels::detail
