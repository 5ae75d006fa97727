// How many weight bytes a decoder reads per generated token, from its tensor
// list alone (names, byte sizes, GGML dims): every tensor, except that the
// experts of a mixture-of-experts layer count n_expert_used of n_expert, and
// the token embedding counts one row unless it is also the output (tied).
// One implementation for the engine's bench figure and the model manager's
// memory estimate. Pure: never opens a file or touches tensor data.
#pragma once

#include <cstdint>
#include <string_view>

namespace pg {

// A merged expert tensor (`blk.N.ffn_up_exps.weight`, its bias) or one expert's
// own tensor in the old Mixtral layout (`blk.N.ffn_up.E.weight`).
bool is_expert_tensor(std::string_view name);

// Tensors: any range of items with `name`, `n_bytes` and `dims` (GGML order).
template <typename Tensors>
uint64_t active_weight_bytes(const Tensors& tensors, int64_t n_expert, int64_t n_expert_used) {
  bool tied = true;
  for (const auto& t : tensors)
    if (t.name == "output.weight") tied = false;
  uint64_t n = 0;
  for (const auto& t : tensors) {
    if (t.name == "token_embd.weight" && !tied && t.dims.size() >= 2 && t.dims[1] > 0) {
      n += t.n_bytes / t.dims[1];
    } else if (n_expert > 0 && is_expert_tensor(t.name)) {
      n += t.n_bytes / static_cast<uint64_t>(n_expert) * static_cast<uint64_t>(n_expert_used);
    } else {
      n += t.n_bytes;
    }
  }
  return n;
}

}  // namespace pg
