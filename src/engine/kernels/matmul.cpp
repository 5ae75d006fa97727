// matmul (weights x activations) on the chosen kernel path, its scalar reference
// and the embedding row lookup. Converts activations to the weight type's
// vec_dot_type, then gives each thread a contiguous range of output rows, so
// every output is computed by exactly one thread with the same instructions
// whatever the thread count. Never writes outside y / scratch, never trusts
// the matrix description before validate_weight_matrix has checked it.
// Prompts (several tokens) go through token-tile kernels that decode each
// weight block once per kTileTokens tokens and give the same bits as the
// single-token kernel, so tiling and thread count never change an output.
#include <algorithm>
#include <cstring>
#include <limits>
#include <span>
#include <string>

#include "engine/kernels/kernels.h"
#include "engine/kernels/amx.h"
#include "engine/kernels/avx2_tiles.h"
#include "engine/kernels/vnni_tiles.h"
#include "engine/kernels/row_dot.h"
#include "engine/kernels/work_split.h"
#include "engine/kernels/row_dot_more.h"
#include "engine/quant/quant.h"

namespace pg::kernels {
namespace {

using detail::kTileTokens;
using detail::RowDotFn;
using detail::RowDotTokensFn;

// Below these sizes waking the pool costs more than the work; running on the
// caller alone gives the same bits (each output's computation is fixed).
constexpr uint64_t kMinWeightBytesForThreads = 64 * 1024;
constexpr int64_t kMinElementsForThreadedConversion = 16 * 1024;
// Rows multiplied by one token tile before the next tile: the tile's
// activations stay in L1 while these rows' weights stay in L2.
constexpr int64_t kRowsPerChunk = 18;  // three blocks of kBlockRows

using detail::Range;
using detail::split_range;

std::string describe(const WeightMatrix& w) {
  return std::string(ggml_type_name(w.type)) + " matrix " + std::to_string(w.rows) + "x" + std::to_string(w.cols);
}

RowDotFn row_dot_for(KernelPath path, GgmlType type, const quant::TypeOps& reference) {
  RowDotFn fn = nullptr;
  switch (path) {
    case KernelPath::Avx512:
    case KernelPath::Avx512Decode:
    case KernelPath::Avx512Tiles:
    case KernelPath::Amx:
      fn = detail::avx512_row_dot(type);
      if (fn == nullptr) fn = detail::avx2_row_dot(type, cpu_features().avx_vnni);
      if (fn == nullptr) fn = detail::avx2_row_dot_more(type, cpu_features().avx_vnni);
      break;
    case KernelPath::Avx2Vnni:
    case KernelPath::Avx2VnniTiles:
      fn = detail::avx2_row_dot(type, true);
      if (fn == nullptr) fn = detail::avx2_row_dot_more(type, true);
      break;
    case KernelPath::Avx2:
    case KernelPath::Avx2Tiles:
      fn = detail::avx2_row_dot(type, false);
      if (fn == nullptr) fn = detail::avx2_row_dot_more(type, false);
      break;
    case KernelPath::Scalar: break;
  }
  return fn != nullptr ? fn : reference.vec_dot;
}

// The token-tile twin of row_dot_for's kernel on `path` (same instruction set
// family), or nullptr when there is none.
RowDotTokensFn row_dot_tokens_for(KernelPath path, GgmlType type) {
  switch (path) {
    case KernelPath::Avx512:
    case KernelPath::Avx512Decode:
    case KernelPath::Avx512Tiles:
    case KernelPath::Amx:
      if (detail::avx512_row_dot(type) != nullptr) return detail::avx512_row_dot_tokens(type);
      return detail::avx2_row_dot_tokens(type, cpu_features().avx_vnni);
    case KernelPath::Avx2Vnni:
    case KernelPath::Avx2VnniTiles: return detail::avx2_row_dot_tokens(type, true);
    case KernelPath::Avx2:
    case KernelPath::Avx2Tiles: return detail::avx2_row_dot_tokens(type, false);
    case KernelPath::Scalar: break;
  }
  return nullptr;
}

const detail::PackedKernel* packed_kernel_for(KernelPath path, GgmlType type) {
  if (uses_avx2_rows(path)) {
    return detail::avx2_packed_kernel(type, path == KernelPath::Avx2Vnni || path == KernelPath::Avx2VnniTiles);
  }
  if (!uses_avx512_rows(path)) return nullptr;
  const detail::PackedKernel* kernel = detail::avx512_packed_kernel(type);
  if (kernel == nullptr) kernel = detail::avx512_packed_k_kernel(type);
  return kernel != nullptr ? kernel : detail::avx512_packed_f16_kernel(type);
}

// The activation quantizer of `path`: a SIMD twin of the reference where one
// exists (byte-identical to it), else the reference itself.
detail::QuantizeRowFn activation_quantizer(KernelPath path, GgmlType activation_type) {
  if (uses_avx512_rows(path)) {
    if (detail::QuantizeRowFn fn = detail::avx512_quantize_row(activation_type)) return fn;
  }
  if (uses_avx2_rows(path)) {
    if (detail::QuantizeRowFn fn = detail::avx2_quantize_row(activation_type)) return fn;
  }
  return quant::reference_ops(activation_type)->quantize_row;
}

// True when `path` is an AVX2 tiles path and its tiles multiply `type`.
bool avx2_tiles_take(KernelPath path, GgmlType type) {
  return (path == KernelPath::Avx2Tiles || path == KernelPath::Avx2VnniTiles) && detail::avx2_tiles_have_kernel(type);
}

void fill_nan(float* out, int64_t count) {
  if (out == nullptr || count <= 0) return;
  std::fill(out, out + count, std::numeric_limits<float>::quiet_NaN());
}

}  // namespace

Status validate_weight_matrix(const WeightMatrix& w) {
  const quant::TypeOps* ops = quant::reference_ops(w.type);
  if (ops == nullptr || ops->vec_dot == nullptr || ops->dequantize_row == nullptr) {
    return Status::error("weight type " + std::string(ggml_type_name(w.type)) + " (id " +
                         std::to_string(static_cast<uint32_t>(w.type)) + ") cannot be multiplied");
  }
  const quant::TypeOps* activation_ops = quant::reference_ops(ops->vec_dot_type);
  if (activation_ops == nullptr || activation_ops->quantize_row == nullptr) {
    return Status::error("weight type " + std::string(ggml_type_name(w.type)) + " has no activation conversion");
  }
  if (w.rows < 0 || w.cols <= 0) return Status::error(describe(w) + ": rows must be >= 0 and cols > 0");
  const auto packed = ggml_row_bytes(w.type, static_cast<uint64_t>(w.cols));
  const auto activation_packed = ggml_row_bytes(ops->vec_dot_type, static_cast<uint64_t>(w.cols));
  if (!packed || !activation_packed) {
    return Status::error(describe(w) + ": cols is not a multiple of the block size");
  }
  if (w.row_bytes < *packed) {
    return Status::error(describe(w) + ": row_bytes " + std::to_string(w.row_bytes) + " is smaller than a row (" +
                         std::to_string(*packed) + " bytes)");
  }
  if (w.rows > 0 && w.data == nullptr) return Status::error(describe(w) + ": no data");
  if (w.rows > 0 && w.row_bytes > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(w.rows)) {
    return Status::error(describe(w) + ": rows x row_bytes overflows");
  }
  return Status::ok();
}

bool has_simd_kernel(KernelPath path, GgmlType type) {
  if (path == KernelPath::Scalar || !kernel_path_supported(path)) return false;
  const quant::TypeOps* ops = quant::reference_ops(type);
  if (ops == nullptr || ops->vec_dot == nullptr) return false;
  if (path == KernelPath::Amx && detail::amx_has_kernel(type)) return true;
  if (path == KernelPath::Avx512Tiles && detail::vnni_tiles_have_kernel(type)) return true;
  if (path == KernelPath::Avx512Decode && detail::vnni_twin_has_kernel(type)) return true;
  if (avx2_tiles_take(path, type)) return true;
  return packed_kernel_for(path, type) != nullptr || row_dot_for(path, type, *ops) != ops->vec_dot;
}

namespace {

// One matrix product made ready to run: its row kernels, and its
// activations converted to the kernel's format (in scratch owned by the caller).
struct Product {
  const WeightMatrix* w = nullptr;
  float* y = nullptr;
  int64_t n_tokens = 0;
  RowDotFn dot = nullptr;
  RowDotTokensFn dot_tokens = nullptr;
  detail::RowsDotTokensFn dot_block = nullptr;
  const detail::PackedKernel* packed = nullptr;
  GgmlType activation_type = GgmlType::F32;
  uint64_t activation_row_bytes = 0, activation_stride = 0;
  const float* x = nullptr;
  const uint8_t* activations = nullptr;
};

// The checks every product passes before it is prepared.
Status check_product(KernelPath path, const WeightMatrix& w, const float* x, int64_t n_tokens, const float* y) {
  if (Status status = validate_weight_matrix(w); !status) return status;
  if (n_tokens < 0) return Status::error(describe(w) + ": negative token count " + std::to_string(n_tokens));
  if (n_tokens == 0 || w.rows == 0) return Status::ok();
  if (x == nullptr || y == nullptr) return Status::error(describe(w) + ": null activation or output pointer");
  const quant::TypeOps& ops = *quant::reference_ops(w.type);
  const uint64_t activation_row_bytes = *ggml_row_bytes(ops.vec_dot_type, static_cast<uint64_t>(w.cols));
  uint64_t stride = activation_row_bytes;
  if (const detail::PackedKernel* packed = packed_kernel_for(path, w.type))
    stride = std::max(stride, packed->packed_bytes(w.cols));
  if (static_cast<uint64_t>(n_tokens) > std::numeric_limits<size_t>::max() / 4 / stride) {
    return Status::error(describe(w) + ": " + std::to_string(n_tokens) + " tokens overflow the scratch size");
  }
  return Status::ok();
}

// The kernels `path` uses for w (validated by check_product).
Product plan_product(KernelPath path, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y) {
  const quant::TypeOps& ops = *quant::reference_ops(w.type);
  Product p;
  p.w = &w;
  p.x = x;
  p.y = y;
  p.n_tokens = n_tokens;
  p.dot = row_dot_for(path, w.type, ops);
  p.dot_tokens = row_dot_tokens_for(path, w.type);
  p.packed = packed_kernel_for(path, w.type);
  p.activation_type = ops.vec_dot_type;
  p.activation_row_bytes = *ggml_row_bytes(ops.vec_dot_type, static_cast<uint64_t>(w.cols));
  p.activation_stride = p.activation_row_bytes;
  if (p.packed != nullptr) {
    p.activation_stride = p.packed->packed_bytes(w.cols);
    p.dot = p.packed->dot;
    p.dot_tokens = p.packed->dot_tokens;
    p.dot_block = p.packed->dot_block;
  }
  if (ops.vec_dot_type == GgmlType::F32 && p.packed == nullptr) p.activations = reinterpret_cast<const uint8_t*>(x);
  return p;
}

// True when p's activations are already in place (F32 products read x itself).
bool needs_conversion(const Product& p) { return p.activations == nullptr; }

// Converts tokens [begin, end) of p's activations into `converted` (rows of
// activation_row_bytes) and, for a packed kernel, `packed_rows`.
void convert_tokens(KernelPath path, const Product& p, uint8_t* converted, uint8_t* packed_rows, int64_t begin,
                    int64_t end) {
  const detail::QuantizeRowFn quantize_row = activation_quantizer(path, p.activation_type);
  const int64_t cols = p.w->cols;
  for (int64_t t = begin; t < end; ++t) {
    quantize_row(p.x + t * cols, converted + t * p.activation_row_bytes, cols);
    if (p.packed != nullptr)
      p.packed->pack(cols, converted + t * p.activation_row_bytes, packed_rows + t * p.activation_stride);
  }
}

// Output rows [begin, end) of p for every token: token tiles first, then the
// remaining tokens one by one; each output's instructions depend on neither
// the range nor the thread.
void multiply_rows(const Product& p, int64_t begin, int64_t end) {
  const WeightMatrix& w = *p.w;
  const auto* weights = static_cast<const uint8_t*>(w.data);
  const int64_t rows = w.rows, cols = w.cols;
  for (int64_t chunk = begin; chunk < end; chunk += kRowsPerChunk) {
    const int64_t chunk_end = std::min(end, chunk + kRowsPerChunk);
    int64_t t = 0;
    if (p.dot_tokens != nullptr) {
      for (; t + kTileTokens <= p.n_tokens; t += kTileTokens) {
        int64_t r = chunk;
        if (p.dot_block != nullptr) {
          for (; r + detail::kBlockRows <= chunk_end; r += detail::kBlockRows) {
            float out[detail::kBlockRows * kTileTokens];
            p.dot_block(cols, weights + static_cast<uint64_t>(r) * w.row_bytes, w.row_bytes,
                        p.activations + t * p.activation_stride, p.activation_stride, out);
            for (int i = 0; i < detail::kBlockRows; ++i)
              for (int k = 0; k < kTileTokens; ++k) p.y[(t + k) * rows + r + i] = out[i * kTileTokens + k];
          }
        }
        for (; r < chunk_end; ++r) {
          float out[kTileTokens];
          p.dot_tokens(cols, weights + static_cast<uint64_t>(r) * w.row_bytes,
                       p.activations + t * p.activation_stride, p.activation_stride, out);
          for (int k = 0; k < kTileTokens; ++k) p.y[(t + k) * rows + r] = out[k];
        }
      }
    }
    for (; t < p.n_tokens; ++t) {
      for (int64_t r = chunk; r < chunk_end; ++r) {
        p.y[t * rows + r] =
            p.dot(cols, weights + static_cast<uint64_t>(r) * w.row_bytes, p.activations + t * p.activation_stride);
      }
    }
  }
}

}  // namespace

Status matmul_with_path(KernelPath path, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                        ThreadPool& pool, Scratch& scratch) {
  const MatmulJob job{&w, x, n_tokens, y};
  return matmul_many_with_path(path, std::span<const MatmulJob>(&job, 1), pool, scratch);
}

Status matmul_many_with_path(KernelPath path, std::span<const MatmulJob> jobs, ThreadPool& pool, Scratch& scratch) {
  if (!kernel_path_supported(path)) {
    return Status::error("kernel path " + std::string(kernel_path_name(path)) + " is not supported by this CPU");
  }
  for (const MatmulJob& job : jobs) {
    if (job.w == nullptr) return Status::error("matmul: null weight matrix");
    if (Status s = check_product(path, *job.w, job.x, job.n_tokens, job.y); !s) return s;
  }
  // Decoded-tile products (AMX, AVX-512 VNNI tiles, AVX2 tiles) run one matrix at a time.
  std::vector<Product> products;
  products.reserve(jobs.size());
  // A few tokens on the AVX-512 tile paths where the tiles have a twin: the
  // twin, all such products in one dispatch (scratch.one_token lists them).
  std::vector<MatmulJob>& twin_jobs = scratch.one_token;
  twin_jobs.clear();
  const bool avx512_tiles = path == KernelPath::Amx || path == KernelPath::Avx512Tiles || path == KernelPath::Avx512Decode;
  for (const MatmulJob& job : jobs) {
    if (job.n_tokens == 0 || job.w->rows == 0) continue;
    const bool twin = avx512_tiles && detail::vnni_twin_has_kernel(job.w->type);
    if (twin && job.n_tokens <= detail::kTwinMaxTokens) {
      twin_jobs.push_back(job);
      continue;
    }
    if (twin && path == KernelPath::Avx512Decode) {  // a large decode batch: the tiles the twin equals
      detail::vnni_tiles_matmul(*job.w, job.x, job.n_tokens, job.y, pool, scratch);
      continue;
    }
    if (path == KernelPath::Amx && detail::amx_has_kernel(job.w->type)) {
      detail::amx_matmul(*job.w, job.x, job.n_tokens, job.y, pool, scratch);
      continue;
    }
    if (path == KernelPath::Avx512Tiles && detail::vnni_tiles_have_kernel(job.w->type)) {
      detail::vnni_tiles_matmul(*job.w, job.x, job.n_tokens, job.y, pool, scratch);
      continue;
    }
    if (avx2_tiles_take(path, job.w->type)) {
      detail::avx2_tiles_matmul(path == KernelPath::Avx2VnniTiles, *job.w, job.x, job.n_tokens, job.y, pool, scratch);
      continue;
    }
    products.push_back(plan_product(path, *job.w, job.x, job.n_tokens, job.y));
  }
  if (!twin_jobs.empty()) detail::vnni_twin_matmul(twin_jobs, pool, scratch);
  if (products.empty()) return Status::ok();

  // Activations: one conversion per distinct input (products that read the
  // same x in the same format share it), laid out one after another.
  std::vector<uint64_t>& offsets = scratch.offsets;  // converted, packed offset per product
  offsets.assign(products.size() * 2, 0);
  uint64_t converted_bytes = 0, packed_bytes = 0;
  int64_t converted_values = 0;
  for (size_t i = 0; i < products.size(); ++i) {
    Product& p = products[i];
    if (!needs_conversion(p)) continue;
    size_t same = i;
    for (size_t j = 0; j < i; ++j) {
      const Product& q = products[j];
      if (needs_conversion(q) && q.x == p.x && q.n_tokens == p.n_tokens && q.w->cols == p.w->cols &&
          q.activation_type == p.activation_type && q.packed == p.packed) {
        same = j;
        break;
      }
    }
    if (same != i) {
      offsets[2 * i] = offsets[2 * same];
      offsets[2 * i + 1] = offsets[2 * same + 1] | (uint64_t{1} << 63);  // marks a shared conversion
      continue;
    }
    offsets[2 * i] = converted_bytes;
    offsets[2 * i + 1] = packed_bytes;
    converted_bytes += static_cast<uint64_t>(p.n_tokens) * p.activation_row_bytes;
    if (p.packed != nullptr) packed_bytes += static_cast<uint64_t>(p.n_tokens) * p.activation_stride;
    converted_values += p.n_tokens * p.w->cols;
  }
  scratch.activations.resize(static_cast<size_t>(converted_bytes));
  scratch.packed.resize(static_cast<size_t>(packed_bytes));
  auto converted_at = [&](size_t i) { return scratch.activations.data() + offsets[2 * i]; };
  auto packed_at = [&](size_t i) { return scratch.packed.data() + (offsets[2 * i + 1] & ~(uint64_t{1} << 63)); };
  auto convert = [&](int index, int parts) {
    for (size_t i = 0; i < products.size(); ++i) {
      const Product& p = products[i];
      if (!needs_conversion(p) || (offsets[2 * i + 1] >> 63) != 0) continue;
      const Range tokens = split_range(p.n_tokens, index, parts);
      convert_tokens(path, p, converted_at(i), packed_at(i), tokens.begin, tokens.end);
    }
  };
  if (converted_values > 0) {
    const bool single_token = std::all_of(products.begin(), products.end(), [](const Product& p) { return p.n_tokens == 1; });
    if (single_token || converted_values < kMinElementsForThreadedConversion) convert(0, 1);
    else pool.run([&convert](int index, int parts) { convert(index, parts); });
  }
  uint64_t total_bytes = 0;
  int64_t total_rows = 0, max_tokens = 1;
  for (size_t i = 0; i < products.size(); ++i) {
    Product& p = products[i];
    if (needs_conversion(p)) p.activations = p.packed != nullptr ? packed_at(i) : converted_at(i);
    total_rows += p.w->rows;
    total_bytes += static_cast<uint64_t>(p.w->rows) * p.w->row_bytes;  // validated: no overflow
    max_tokens = std::max(max_tokens, p.n_tokens);
  }

  // The rows of all products as one range, split across the threads.
  auto multiply = [&](int index, int parts) {
    const Range range = split_range(total_rows, index, parts);
    int64_t first = 0;
    for (const Product& p : products) {
      const int64_t begin = std::max(range.begin, first), end = std::min(range.end, first + p.w->rows);
      if (begin < end) multiply_rows(p, begin - first, end - first);
      first += p.w->rows;
    }
  };
  // The one-reference wrapper fits std::function's inline buffer: no allocation per call.
  if (total_bytes >= kMinWeightBytesForThreads / static_cast<uint64_t>(max_tokens)) {
    pool.run([&multiply](int index, int parts) { multiply(index, parts); });
  } else {
    multiply(0, 1);
  }
  return Status::ok();
}

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            Scratch& scratch) {
  if (!matmul_with_path(best_kernel_path(), w, x, n_tokens, y, pool, scratch)) {
    if (w.rows > 0 && n_tokens > 0) fill_nan(y, w.rows * n_tokens);
  }
}

void matmul_reference(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y) {
  if (!validate_weight_matrix(w) || x == nullptr || y == nullptr) {
    if (w.rows > 0 && n_tokens > 0) fill_nan(y, w.rows * n_tokens);
    return;
  }
  if (n_tokens <= 0 || w.rows == 0) return;
  const quant::TypeOps& ops = *quant::reference_ops(w.type);
  const quant::TypeOps& activation_ops = *quant::reference_ops(ops.vec_dot_type);
  std::vector<uint8_t> converted(*ggml_row_bytes(ops.vec_dot_type, static_cast<uint64_t>(w.cols)));
  const auto* weights = static_cast<const uint8_t*>(w.data);
  for (int64_t t = 0; t < n_tokens; ++t) {
    activation_ops.quantize_row(x + t * w.cols, converted.data(), w.cols);
    for (int64_t r = 0; r < w.rows; ++r) {
      y[t * w.rows + r] = ops.vec_dot(w.cols, weights + static_cast<uint64_t>(r) * w.row_bytes, converted.data());
    }
  }
}

void get_row(const WeightMatrix& w, int64_t row, float* out) {
  if (out == nullptr) return;
  if (!validate_weight_matrix(w) || row < 0 || row >= w.rows) {
    if (w.cols > 0) fill_nan(out, w.cols);
    return;
  }
  quant::reference_ops(w.type)->dequantize_row(static_cast<const uint8_t*>(w.data) + static_cast<uint64_t>(row) * w.row_bytes,
                                               out, w.cols);
}

}  // namespace pg::kernels
