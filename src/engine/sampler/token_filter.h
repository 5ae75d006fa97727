// The interface through which sampling is restricted to some tokens (a
// grammar, see engine/grammar/token_constraint.h): the sampler asks about
// candidates best-first and only as far as it needs, so a costly check runs
// on few tokens. Knows nothing of grammars; never owns sampler state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace pg {

class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  // A cheap necessary condition, asked of every token: false means allows(id) is false.
  virtual bool may_allow(int32_t id) const = 0;
  // Whether the token may be sampled now (the exact check).
  virtual bool allows(int32_t id) = 0;
  // The quick check over a whole step: writes, in id order, every id in
  // [0, logits.size()) whose logit is not -inf and that may_allow() passes
  // to `out` (room for logits.size() ids) and returns their count. This loop
  // is the reference; a filter may override it with a faster one that gives
  // the same ids.
  virtual size_t may_allow_all(std::span<const float> logits, int32_t* out) const {
    size_t count = 0;
    for (size_t i = 0; i < logits.size(); ++i)
      if (logits[i] != -std::numeric_limits<float>::infinity() && may_allow(static_cast<int32_t>(i)))
        out[count++] = static_cast<int32_t>(i);
    return count;
  }
};

}  // namespace pg
