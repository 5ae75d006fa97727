// Fuzz target: the HTTP request head scanner (server/request_head.h).
// Input: two control bytes (where to split, which limits), then the bytes a
// connection received. Checks, beyond memory safety: a complete head's
// head_bytes lies within the input and the limits, its field count and request
// line within theirs; and the scan is consistent as bytes arrive: the prefix
// before the split either is incomplete or has the whole input's verdict (the
// same head when complete), a prefix holding a whole complete head gives that
// head, and a whole input that is incomplete has an incomplete prefix.
// Must never accept a head the limits refuse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/request_head.h"

namespace {

using pg::server::HeadLimits;
using pg::server::HeadScan;
using pg::server::HeadState;

bool same(const HeadScan& a, const HeadScan& b) {
  if (a.state != b.state) return false;
  if (a.state != HeadState::complete) return true;
  const auto& x = a.head;
  const auto& y = b.head;
  return x.method == y.method && x.target == y.target && x.version == y.version && x.fields == y.fields &&
         x.head_bytes == y.head_bytes && x.content_length == y.content_length && x.chunked == y.chunked &&
         x.keep_alive == y.keep_alive;
}

void check_complete(const HeadScan& s, size_t input_size, const HeadLimits& limits) {
  if (s.state != HeadState::complete) return;
  const auto& h = s.head;
  if (h.head_bytes == 0 || h.head_bytes > input_size || h.head_bytes > limits.max_head_bytes) std::abort();
  if (h.fields.size() > limits.max_header_count) std::abort();
  if (h.method.size() + h.target.size() + h.version.size() + 2 > limits.max_line_bytes) std::abort();
  if (h.chunked && h.content_length) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  HeadLimits limits;
  if (data[1] & 0x80) {  // small limits, so that the fuzzer reaches their edges
    limits.max_line_bytes = 1 + (data[1] & 0x3f) * 2;
    limits.max_head_bytes = 1 + (data[1] & 0x3f) * 9;
    limits.max_header_count = data[1] & 7;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = bytes.empty() ? 0 : data[0] * bytes.size() / 255;

  const HeadScan whole = pg::server::scan_request_head(bytes, limits);
  const HeadScan prefix = pg::server::scan_request_head(bytes.substr(0, split), limits);
  check_complete(whole, bytes.size(), limits);
  check_complete(prefix, split, limits);
  (void)pg::server::head_refusal_status(whole.state);

  if (whole.state == HeadState::incomplete && prefix.state != HeadState::incomplete) std::abort();
  if (prefix.state != HeadState::incomplete && !same(prefix, whole)) std::abort();
  if (whole.state == HeadState::complete) {
    if (split >= whole.head.head_bytes && !same(prefix, whole)) std::abort();
    if (split < whole.head.head_bytes && prefix.state != HeadState::incomplete) std::abort();
  }
  return 0;
}
