// Maps a GGML type to its reference ops by asking each type family in turn.
// Holds no state; never computes on data itself.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/quant/quant.h"
#include "engine/quant/type_families.h"

namespace pg::quant {

const TypeOps* reference_ops(GgmlType type) {
  if (const TypeOps* ops = detail::plain_type_ops(type)) return ops;
  if (const TypeOps* ops = detail::legacy_quant_ops(type)) return ops;
  if (const TypeOps* ops = detail::k_quant_ops(type)) return ops;
  if (const TypeOps* ops = detail::iq4_ops(type)) return ops;
  if (const TypeOps* ops = detail::mxfp4_ops(type)) return ops;
  return nullptr;
}

bool supports_compute(GgmlType type) {
  const TypeOps* ops = reference_ops(type);
  if (ops == nullptr || ops->dequantize_row == nullptr || ops->vec_dot == nullptr) return false;
  const TypeOps* activation_ops = reference_ops(ops->vec_dot_type);
  return activation_ops != nullptr && activation_ops->quantize_row != nullptr;
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  const TypeOps* ops = reference_ops(type);
  if (ops == nullptr || ops->dequantize_row == nullptr) {
    // Documented contract: callers check supports_compute() first.
    std::fprintf(stderr, "pg::quant::dequantize_row: tensor type %s (id %u) is not supported\n",
                 std::string(ggml_type_name(type)).c_str(), static_cast<unsigned>(type));
    std::abort();
  }
  ops->dequantize_row(src, dst, n);
}

}  // namespace pg::quant
