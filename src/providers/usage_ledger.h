// Token usage of remote providers per user and provider: requests, tokens in
// (prompt) and out (completion), as the providers reported them. In memory,
// since the server started; shown by /metrics and GET /api/v1/usage.
// Thread-safe; never holds request content.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace pg::providers {

struct UsageCounters {
  uint64_t requests = 0, failures = 0, tokens_in = 0, tokens_out = 0;
};

class UsageLedger {
 public:
  void record(const std::string& user, const std::string& provider, int64_t tokens_in, int64_t tokens_out, bool failed);
  // (user, provider) -> counters.
  std::map<std::pair<std::string, std::string>, UsageCounters> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, UsageCounters> counters_;
};

}  // namespace pg::providers
