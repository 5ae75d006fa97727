// The interface through which sampling is restricted to some tokens (a
// grammar, see engine/grammar/token_constraint.h): the sampler asks about
// candidates best-first and only as far as it needs, so a costly check runs
// on few tokens. Knows nothing of grammars; never owns sampler state.
#pragma once

#include <cstdint>

namespace pg {

class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  // A cheap necessary condition, asked of every token: false means allows(id) is false.
  virtual bool may_allow(int32_t id) const = 0;
  // Whether the token may be sampled now (the exact check).
  virtual bool allows(int32_t id) = 0;
};

}  // namespace pg
