// Times one reply through the decode loop, step by step; see decode_loop_bench.h.
// The loop is driven the way a scheduler slot drives it (the pending token is
// evaluated outside, then after_eval() chooses the next), so every cost the
// loop has is in the figures and nothing else is. Never prints.
#include "bench/decode_loop_bench.h"

#include <chrono>
#include <optional>
#include <span>
#include <utility>

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

namespace {

// One reply being timed: its loop and figures, advanced one step at a time so
// two replies can take turns (load changes then hit both alike).
class TimedLoop {
 public:
  TimedLoop(InferenceSession& session, const DecodeRequest& request) : session_(session), request_(request) {}

  // Evaluates the prompt but its last token (untimed), then times the first step.
  Status start() {
    if (Status s = check_decode_request(request_); !s) return s;
    if (session_.position() != 0) return Status::error("bench: the decode loop needs an empty session");
    const auto& prompt = request_.prompt_ids;
    const size_t head = prompt.size() - 1;
    if (head > 0) {
      if (Status s = session_.eval(std::span<const TokenId>(prompt.data(), head)); !s)
        return Status::error("bench: prompt eval failed: " + s.message());
    }
    loop_.emplace(session_, request_, head, TextCallback{});
    const auto first = Clock::now();
    if (Status s = loop_->step(1); !s) return Status::error("bench: prompt eval failed: " + s.message());
    timing_.first_step_seconds = seconds_between(first, Clock::now());
    return Status::ok();
  }

  bool running() const { return loop_ && loop_->ready_to_decode(); }

  // One step: the pending token's forward pass, then the next choice; added
  // to the figures when `timed`.
  Status step(bool timed = true) {
    const size_t before = loop_->result().tokens.size();
    const TokenId next[1] = {loop_->pending_token()};
    const auto t0 = Clock::now();
    if (Status s = session_.eval_generated(next); !s)
      return Status::error("bench: generation eval failed: " + s.message());
    const auto t1 = Clock::now();
    loop_->after_eval();
    const auto t2 = Clock::now();
    // A step that ends the reply without a token is not counted.
    if (!timed || loop_->result().tokens.size() == before) return Status::ok();
    timing_.eval_seconds += seconds_between(t0, t1);
    timing_.choose_seconds += seconds_between(t1, t2);
    ++timing_.timed_tokens;
    return Status::ok();
  }

  DecodeLoopTiming finish() {
    const DecodeResult& result = loop_->result();
    timing_.generated = static_cast<int64_t>(result.tokens.size());
    timing_.finish = finish_reason_name(result.finish);
    timing_.text = result.text;
    return timing_;
  }

 private:
  InferenceSession& session_;
  const DecodeRequest& request_;
  std::optional<DecodeLoop> loop_;
  DecodeLoopTiming timing_;
};

}  // namespace

Result<DecodeLoopTiming> time_decode_loop(InferenceSession& session, const DecodeRequest& request) {
  TimedLoop loop(session, request);
  if (Status s = loop.start(); !s) return s;
  while (loop.running())
    if (Status s = loop.step(); !s) return s;
  return loop.finish();
}

Result<std::pair<DecodeLoopTiming, DecodeLoopTiming>> time_decode_loops_in_turn(InferenceSession& session_a,
                                                                               const DecodeRequest& request_a,
                                                                               InferenceSession& session_b,
                                                                               const DecodeRequest& request_b) {
  if (&session_a == &session_b) return Error{"bench: replies taking turns need a session each"};
  TimedLoop a(session_a, request_a), b(session_b, request_b);
  if (Status s = a.start(); !s) return s;
  if (Status s = b.start(); !s) return s;
  while (a.running() || b.running()) {
    const bool both = a.running() && b.running();  // only turns of both count
    if (a.running())
      if (Status s = a.step(both); !s) return s;
    if (b.running())
      if (Status s = b.step(both); !s) return s;
  }
  return std::pair<DecodeLoopTiming, DecodeLoopTiming>(a.finish(), b.finish());
}

}  // namespace pg::bench
