// Internal to engine/kernels: how the grouped-query value sums
// (attention_avx2.cpp, attention_avx512.cpp) split a KV head's query heads into
// blocks of 8, 4, 2 and 1 (a group of 7 is 4 + 2 + 1), so each block's lanes fit
// in registers. It only orders calls; it must never touch data itself.
// Internal linkage on purpose: each instruction-set file gets its own copy.
#pragma once

#include <cstdint>

namespace pg::kernels::detail {
namespace {

// Calls run.template operator()<kHeads>(h0) for consecutive blocks covering [0, heads).
template <typename Run>
inline void for_head_blocks(int64_t heads, Run&& run) {
  int64_t h0 = 0;
  for (; h0 + 8 <= heads; h0 += 8) run.template operator()<8>(h0);
  if (h0 + 4 <= heads) {
    run.template operator()<4>(h0);
    h0 += 4;
  }
  if (h0 + 2 <= heads) {
    run.template operator()<2>(h0);
    h0 += 2;
  }
  if (h0 < heads) run.template operator()<1>(h0);
}

}  // namespace
}  // namespace pg::kernels::detail
