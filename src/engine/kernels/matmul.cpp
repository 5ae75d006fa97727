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
#include <string>

#include "engine/kernels/kernels.h"
#include "engine/kernels/amx.h"
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
constexpr int64_t kRowsPerChunk = 16;

using detail::Range;
using detail::split_range;

std::string describe(const WeightMatrix& w) {
  return std::string(ggml_type_name(w.type)) + " matrix " + std::to_string(w.rows) + "x" + std::to_string(w.cols);
}

RowDotFn row_dot_for(KernelPath path, GgmlType type, const quant::TypeOps& reference) {
  RowDotFn fn = nullptr;
  switch (path) {
    case KernelPath::Avx512:
    case KernelPath::Amx:
      fn = detail::avx512_row_dot(type);
      if (fn == nullptr) fn = detail::avx2_row_dot(type, cpu_features().avx_vnni);
      if (fn == nullptr) fn = detail::avx2_row_dot_more(type, cpu_features().avx_vnni);
      break;
    case KernelPath::Avx2Vnni:
      fn = detail::avx2_row_dot(type, true);
      if (fn == nullptr) fn = detail::avx2_row_dot_more(type, true);
      break;
    case KernelPath::Avx2:
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
    case KernelPath::Amx:
      if (detail::avx512_row_dot(type) != nullptr) return detail::avx512_row_dot_tokens(type);
      return detail::avx2_row_dot_tokens(type, cpu_features().avx_vnni);
    case KernelPath::Avx2Vnni: return detail::avx2_row_dot_tokens(type, true);
    case KernelPath::Avx2: return detail::avx2_row_dot_tokens(type, false);
    case KernelPath::Scalar: break;
  }
  return nullptr;
}

const detail::PackedKernel* packed_kernel_for(KernelPath path, GgmlType type) {
  if (path != KernelPath::Avx512 && path != KernelPath::Amx) return nullptr;
  const detail::PackedKernel* kernel = detail::avx512_packed_kernel(type);
  if (kernel == nullptr) kernel = detail::avx512_packed_k_kernel(type);
  return kernel != nullptr ? kernel : detail::avx512_packed_f16_kernel(type);
}

// The activation quantizer of `path`: a SIMD twin of the reference where one
// exists (byte-identical to it), else the reference itself.
detail::QuantizeRowFn activation_quantizer(KernelPath path, GgmlType activation_type) {
  if (path == KernelPath::Avx512 || path == KernelPath::Amx) {
    if (detail::QuantizeRowFn fn = detail::avx512_quantize_row(activation_type)) return fn;
  }
  return quant::reference_ops(activation_type)->quantize_row;
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
  return packed_kernel_for(path, type) != nullptr || row_dot_for(path, type, *ops) != ops->vec_dot;
}

Status matmul_with_path(KernelPath path, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                        ThreadPool& pool, Scratch& scratch) {
  if (!kernel_path_supported(path)) {
    return Status::error("kernel path " + std::string(kernel_path_name(path)) + " is not supported by this CPU");
  }
  if (Status status = validate_weight_matrix(w); !status) return status;
  if (n_tokens < 0) return Status::error(describe(w) + ": negative token count " + std::to_string(n_tokens));
  if (n_tokens == 0 || w.rows == 0) return Status::ok();
  if (x == nullptr || y == nullptr) return Status::error(describe(w) + ": null activation or output pointer");

  const quant::TypeOps& ops = *quant::reference_ops(w.type);
  const int64_t cols = w.cols;
  const uint64_t activation_row_bytes = *ggml_row_bytes(ops.vec_dot_type, static_cast<uint64_t>(cols));
  if (static_cast<uint64_t>(n_tokens) > std::numeric_limits<size_t>::max() / activation_row_bytes) {
    return Status::error(describe(w) + ": " + std::to_string(n_tokens) + " tokens overflow the scratch size");
  }

  if (path == KernelPath::Amx && detail::amx_has_kernel(w.type)) {
    detail::amx_matmul(w, x, n_tokens, y, pool, scratch);
    return Status::ok();
  }

  RowDotFn dot = row_dot_for(path, w.type, ops);
  RowDotTokensFn dot_tokens = row_dot_tokens_for(path, w.type);
  const detail::PackedKernel* packed = packed_kernel_for(path, w.type);
  uint64_t activation_stride = activation_row_bytes;
  if (packed != nullptr) {
    activation_stride = packed->packed_bytes(cols);
    dot = packed->dot;
    dot_tokens = packed->dot_tokens;
    if (static_cast<uint64_t>(n_tokens) > std::numeric_limits<size_t>::max() / activation_stride) {
      return Status::error(describe(w) + ": " + std::to_string(n_tokens) + " tokens overflow the scratch size");
    }
  }

  const uint8_t* activations = nullptr;
  if (ops.vec_dot_type == GgmlType::F32 && packed == nullptr) {
    activations = reinterpret_cast<const uint8_t*>(x);  // already in the dot product's format
  } else {
    scratch.activations.resize(static_cast<size_t>(n_tokens * activation_row_bytes));
    if (packed != nullptr) scratch.packed.resize(static_cast<size_t>(n_tokens * activation_stride));
    uint8_t* converted = scratch.activations.data();
    const detail::QuantizeRowFn quantize_row = activation_quantizer(path, ops.vec_dot_type);
    uint8_t* packed_rows = scratch.packed.data();
    auto convert = [&](int index, int parts) {
      const Range tokens = split_range(n_tokens, index, parts);
      for (int64_t t = tokens.begin; t < tokens.end; ++t) {
        quantize_row(x + t * cols, converted + t * activation_row_bytes, cols);
        if (packed != nullptr) {
          packed->pack(cols, converted + t * activation_row_bytes, packed_rows + t * activation_stride);
        }
      }
    };
    if (n_tokens == 1 || n_tokens * cols < kMinElementsForThreadedConversion) convert(0, 1);
    else pool.run([&convert](int index, int parts) { convert(index, parts); });
    activations = packed != nullptr ? packed_rows : converted;
  }

  const auto* weights = static_cast<const uint8_t*>(w.data);
  const int64_t rows = w.rows;
  auto multiply_rows = [&](int index, int parts) {
    const Range range = split_range(rows, index, parts);
    for (int64_t chunk = range.begin; chunk < range.end; chunk += kRowsPerChunk) {
      const int64_t chunk_end = std::min(range.end, chunk + kRowsPerChunk);
      int64_t t = 0;
      if (dot_tokens != nullptr) {
        for (; t + kTileTokens <= n_tokens; t += kTileTokens) {
          for (int64_t r = chunk; r < chunk_end; ++r) {
            float out[kTileTokens];
            dot_tokens(cols, weights + static_cast<uint64_t>(r) * w.row_bytes, activations + t * activation_stride,
                       activation_stride, out);
            for (int k = 0; k < kTileTokens; ++k) y[(t + k) * rows + r] = out[k];
          }
        }
      }
      for (; t < n_tokens; ++t) {
        for (int64_t r = chunk; r < chunk_end; ++r) {
          y[t * rows + r] = dot(cols, weights + static_cast<uint64_t>(r) * w.row_bytes, activations + t * activation_stride);
        }
      }
    }
  };
  const uint64_t matrix_bytes = static_cast<uint64_t>(rows) * w.row_bytes;  // validated: no overflow
  // The one-reference wrapper fits std::function's inline buffer: no allocation per call.
  if (matrix_bytes >= kMinWeightBytesForThreads / static_cast<uint64_t>(n_tokens)) {
    pool.run([&multiply_rows](int index, int parts) { multiply_rows(index, parts); });
  } else {
    multiply_rows(0, 1);
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
