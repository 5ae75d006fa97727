// generate(): the decode loop driven to its end; see generator.h.
#include "engine/generate/generator.h"

#include <limits>

namespace pg {

Result<DecodeResult> generate(InferenceSession& session, const DecodeRequest& request, const TextCallback& on_text) {
  if (Status s = check_decode_request(request); !s) return s;
  DecodeLoop loop(session, request, 0, on_text);
  while (!loop.done())
    if (Status s = loop.step(std::numeric_limits<int64_t>::max()); !s) return s;
  return loop.take_result();
}

}  // namespace pg
