// Times one reply through the decode loop, step by step; see decode_loop_bench.h.
// The loop is driven the way a scheduler slot drives it (the pending token is
// evaluated outside, then after_eval() chooses the next), so every cost the
// loop has is in the figures and nothing else is. Never prints.
#include "bench/decode_loop_bench.h"

#include <chrono>
#include <span>

namespace pg::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

double DecodeLoopTiming::tokens_per_second() const {
  const double s = eval_seconds + choose_seconds;
  return s > 0 ? static_cast<double>(timed_tokens) / s : 0.0;
}

double DecodeLoopTiming::choose_ms_per_token() const {
  return timed_tokens > 0 ? choose_seconds * 1e3 / static_cast<double>(timed_tokens) : 0.0;
}

double DecodeLoopTiming::eval_ms_per_token() const {
  return timed_tokens > 0 ? eval_seconds * 1e3 / static_cast<double>(timed_tokens) : 0.0;
}

DecodeRequest decode_loop_request(std::vector<TokenId> prompt, int n_gen, uint32_t seed,
                                  std::shared_ptr<const grammar::Grammar> grammar) {
  DecodeRequest r;
  r.prompt_ids = std::move(prompt);
  r.max_tokens = n_gen;
  r.sampling = SamplerParams{};  // llama.cpp's defaults: T 0.8, top-k 40, top-p 0.95, min-p 0.05
  r.sampling.seed = seed;
  r.ignore_eos = grammar == nullptr;
  r.grammar = std::move(grammar);
  return r;
}

Result<DecodeLoopTiming> time_decode_loop(InferenceSession& session, const DecodeRequest& request) {
  if (Status s = check_decode_request(request); !s) return s;
  if (session.position() != 0) return Error{"bench: the decode loop needs an empty session"};
  const auto& prompt = request.prompt_ids;
  const size_t head = prompt.size() - 1;
  if (head > 0) {
    if (Status s = session.eval(std::span<const TokenId>(prompt.data(), head)); !s)
      return Error{"bench: prompt eval failed: " + s.message()};
  }
  DecodeLoop loop(session, request, head, {});
  DecodeLoopTiming t;
  const auto first = Clock::now();
  if (Status s = loop.step(1); !s) return Error{"bench: prompt eval failed: " + s.message()};
  t.first_step_seconds = seconds_between(first, Clock::now());
  while (loop.ready_to_decode()) {
    const size_t before = loop.result().tokens.size();
    const TokenId next[1] = {loop.pending_token()};
    const auto t0 = Clock::now();
    if (Status s = session.eval_generated(next); !s) return Error{"bench: generation eval failed: " + s.message()};
    const auto t1 = Clock::now();
    loop.after_eval();
    const auto t2 = Clock::now();
    if (loop.result().tokens.size() == before) break;  // ended without a token
    t.eval_seconds += seconds_between(t0, t1);
    t.choose_seconds += seconds_between(t1, t2);
    ++t.timed_tokens;
  }
  const DecodeResult& result = loop.result();
  t.generated = static_cast<int64_t>(result.tokens.size());
  t.finish = finish_reason_name(result.finish);
  t.text = result.text;
  return t;
}

}  // namespace pg::bench
