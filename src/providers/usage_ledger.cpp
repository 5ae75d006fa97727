// Usage counters; see usage_ledger.h.
#include "providers/usage_ledger.h"

namespace pg::providers {

void UsageLedger::record(const std::string& user, const std::string& provider, int64_t tokens_in, int64_t tokens_out,
                         bool failed) {
  std::lock_guard lock(mu_);
  UsageCounters& c = counters_[{user, provider}];
  ++c.requests;
  if (failed) ++c.failures;
  if (tokens_in > 0) c.tokens_in += static_cast<uint64_t>(tokens_in);
  if (tokens_out > 0) c.tokens_out += static_cast<uint64_t>(tokens_out);
}

std::map<std::pair<std::string, std::string>, UsageCounters> UsageLedger::snapshot() const {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace pg::providers
