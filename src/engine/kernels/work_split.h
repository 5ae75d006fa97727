// Internal to engine/kernels: how a loop of `total` items is cut between the
// threads of a pool. Contiguous, nearly equal pieces chosen by the thread's
// index alone, so which thread computes an output never depends on timing.
#pragma once

#include <algorithm>
#include <cstdint>

namespace pg::kernels::detail {

struct Range {
  int64_t begin, end;
};

// The index-th of `parts` contiguous, nearly equal pieces of [0, total).
inline Range split_range(int64_t total, int index, int parts) {
  const int64_t chunk = (total + parts - 1) / parts;
  const int64_t begin = std::min(total, chunk * index);
  return {begin, std::min(total, begin + chunk)};
}

}  // namespace pg::kernels::detail
