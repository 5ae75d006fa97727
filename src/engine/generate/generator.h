// `generate`: runs the decode loop (decode_loop.h) to its end on a session in
// one go, the whole prompt in one evaluation — what `playground run`, the
// tests and benchmarks use. Streams only complete UTF-8 text and never emits
// any part of a stop sequence. Owns no model state.
#pragma once

#include "engine/generate/decode_loop.h"

namespace pg {

Result<DecodeResult> generate(InferenceSession& session, const DecodeRequest& request,
                              const TextCallback& on_text = {});

}  // namespace pg
