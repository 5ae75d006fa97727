// Which type each tensor of a model gets when it is quantized to a file type
// (Q4_K_M, Q8_0, ...): the rules of llama.cpp's llama-quantize without an
// importance matrix (1-D tensors and norms kept, output/embedding handling, the
// _S/_M/_L mixes raising attn_v/ffn_down/attn_output for some layers, block-size
// fallbacks, the mixture-of-experts rules, MXFP4_MOE's MXFP4 experts with Q8_0
// elsewhere). Pure decisions on names and shapes; never touches tensor data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor/ggml_type.h"
#include "util/result.h"

namespace pg {

// A file type the quantizer can produce.
struct QuantFileType {
  std::string_view name;      // e.g. "Q4_K_M" or "MXFP4_MOE"
  uint32_t llama_ftype;       // llama.cpp's LLAMA_FTYPE_* value (general.file_type)
  GgmlType default_type;      // the type most weight matrices get
};

// Case-insensitive lookup ("q4_k_m" works); nullopt for an unknown name.
std::optional<QuantFileType> find_quant_file_type(std::string_view name);
// All supported names, in a stable order (for help and error messages).
std::vector<std::string_view> quant_file_type_names();

struct RecipeTensor {
  std::string name;
  GgmlType type = GgmlType::F32;  // the input type
  std::vector<uint64_t> dims;
};

struct RecipeModel {
  std::string arch;        // general.architecture
  int64_t n_layer = 0;     // <arch>.block_count
  int64_t n_head = 0;      // <arch>.attention.head_count
  int64_t n_head_kv = 0;   // <arch>.attention.head_count_kv
  int64_t n_expert = 0;    // <arch>.expert_count (0 when absent)
};

// llama.cpp's order for tensors in a quantized file: tensors outside blocks
// first, then by block number, each group by name. Returns indices into `tensors`.
std::vector<size_t> llama_tensor_order(const std::vector<RecipeTensor>& tensors);

struct TensorPlan {
  std::vector<GgmlType> types;  // one per input tensor, same order as the input
  int n_fallback = 0;           // tensors whose row length forced another type
};

// Target types for `tensors`, which must already be in llama_tensor_order
// (the per-layer counters of the mixes depend on it). Fails when a tensor has
// no usable type (e.g. an odd row length with no fallback).
Result<TensorPlan> plan_tensor_types(const QuantFileType& ftype, const RecipeModel& model,
                                     const std::vector<RecipeTensor>& tensors);

// Whether llama-quantize would quantize this tensor at all (2-D or more weight
// matrices other than norms and a few small special tensors).
bool tensor_is_quantizable(const RecipeTensor& tensor);

}  // namespace pg
