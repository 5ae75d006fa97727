// Generation timed through the engine's real decode loop (DecodeLoop: sampling
// with llama.cpp's default chain, streaming, stop checks and, when a grammar
// is given, token masking), one forward pass and one token choice at a time,
// so the two costs are timed apart. `playground bench --grammar/--json-schema`
// runs it with and without the grammar to show what masking costs. Only
// measures; never prints, never changes the model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/generate/decode_loop.h"
#include "engine/grammar/gbnf.h"
#include "engine/model/inference_session.h"
#include "util/result.h"

namespace pg::bench {

// The text every decode-loop run starts from (after BOS); bench/grammar_bench.sh
// gives llama.cpp the same one.
inline constexpr const char* kDecodeLoopPrompt = "Here is a JSON object with a list of short notes:";

// One reply generated through the decode loop.
struct DecodeLoopTiming {
  int64_t generated = 0;       // tokens the reply has
  int64_t timed_tokens = 0;    // tokens sampled in the timed steps (all but the first; see time_decode_loops_in_turn)
  double eval_seconds = 0;     // forward passes of the timed steps
  double choose_seconds = 0;   // token choice of the timed steps (sampler, mask, matcher, detokenizer, stops)
  double first_step_seconds = 0;  // last prompt token + setting up the loop (and its grammar) + the first choice
  std::string finish;          // "stop" (end of generation: the grammar is complete) or "length"
  std::string text;
  double tokens_per_second() const;
  double choose_ms_per_token() const;
  double eval_ms_per_token() const;
};

// Generates one reply to `request` (its prompt must have at least one token
// and fit the session's context) in `session`, which must be empty. The
// prompt but its last token is evaluated untimed; then the first step (last
// prompt token, first choice) is timed alone and the remaining steps with
// forward pass and choice apart. A final step that ends the reply without a
// token (the grammar is complete) is not counted.
Result<DecodeLoopTiming> time_decode_loop(InferenceSession& session, const DecodeRequest& request);

// Two replies, each in its own empty session, taking turns step by step (a
// step of one, then a step of the other, until both end), so a change of
// machine load during the run hits both alike. Each is timed as above, but
// only over the turns when both were still generating: once one has ended
// (a constrained reply usually ends first) the other runs to its end
// untimed, so both rates cover the same stretch of time.
Result<std::pair<DecodeLoopTiming, DecodeLoopTiming>> time_decode_loops_in_turn(InferenceSession& session_a,
                                                                               const DecodeRequest& request_a,
                                                                               InferenceSession& session_b,
                                                                               const DecodeRequest& request_b);

// The request both runs of a comparison use: `prompt`, at most `n_gen` tokens,
// llama.cpp's default sampling (temperature 0.8, top-k 40, top-p 0.95,
// min-p 0.05) from `seed`. Without a grammar end-of-generation is ignored, so
// the reply has exactly n_gen tokens; with one, the reply ends when the
// grammar is complete (as llama.cpp's would).
DecodeRequest decode_loop_request(std::vector<TokenId> prompt, int n_gen, uint32_t seed,
                                  std::shared_ptr<const grammar::Grammar> grammar);

}  // namespace pg::bench
