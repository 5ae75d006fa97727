// One generation request on its way through a model's scheduler: validated
// parameters in, a stream of events out (text pieces, then exactly one Done or
// Failed). The scheduler thread produces the events and one consumer thread
// (an HTTP handler, or the CLI) consumes them; either side may cancel. Holds no engine state and
// never blocks the producer (the event queue is unbounded, a slow client
// only delays itself).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/generate/decode_loop.h"
#include "engine/sampler/sampler.h"
#include "engine/tokenizer/tokenizer.h"

namespace pg::app {

using Clock = std::chrono::steady_clock;

// What a slot's decode loop runs: prompt_ids non-empty and at most the
// context size, max_tokens >= 1 (generation also ends when the context is full).
using GenerationParams = DecodeRequest;

// Why a job was stopped from outside; the first reason given wins.
enum class CancelReason { None, Requested, Disconnected, Timeout, Shutdown };

// The decode loop's result (text, tokens, stats — prompt_tokens counts the
// whole prompt, cached part included — and the seed used) and what the
// scheduler adds.
struct GenerationOutcome : DecodeResult {
  std::string finish_reason;  // "stop", "length", "cancelled" or "timeout"
  int64_t cached_prompt_tokens = 0;  // prompt tokens reused from the slot's KV cache
  double queue_seconds = 0;          // from submission until a slot took the job
  double first_token_seconds = -1;   // from submission to the first sampled token; < 0: none
  int slot = -1;

  // Prompt tokens actually evaluated per second (the cached prefix costs nothing).
  double prompt_tokens_per_second() const;
};

struct JobEvent {
  enum class Kind { Text, Done, Failed };
  Kind kind = Kind::Text;
  std::string text;           // Text
  std::vector<TokenLogprob> logprobs;  // Text: the tokens' log-probabilities since the last piece (when asked for)
  GenerationOutcome outcome;  // Done
  Status error;               // Failed: what went wrong (never ok)
};

class GenerationJob {
 public:
  GenerationJob(std::string id, std::string model, GenerationParams params, Clock::duration timeout);

  const std::string& id() const { return id_; }
  const std::string& model() const { return model_; }
  // A remote job that fell back to another model: called by its handler before
  // it hands the job to anything that reads model() (see remote_generation.h).
  void rename_model(std::string model) { model_ = std::move(model); }
  const GenerationParams& params() const { return params_; }
  Clock::time_point submitted_at() const { return submitted_at_; }
  Clock::time_point deadline() const { return deadline_; }

  // Consumer: waits up to `wait` for the next event; nullopt when none came.
  std::optional<JobEvent> next_event(std::chrono::milliseconds wait);
  // Either side: asks the scheduler to stop the job within one step (idempotent).
  void cancel(CancelReason why);
  CancelReason cancel_reason() const { return cancel_.load(std::memory_order_acquire); }
  bool finished() const;

  // Producer (the scheduler thread). After finish() or fail() nothing more is accepted.
  void push_text(std::string text, std::vector<TokenLogprob> logprobs = {});
  void finish(GenerationOutcome outcome);
  void fail(Status error);

 private:
  void push(JobEvent event, bool last);

  const std::string id_;
  std::string model_;
  const GenerationParams params_;
  const Clock::time_point submitted_at_, deadline_;
  std::atomic<CancelReason> cancel_{CancelReason::None};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<JobEvent> events_;
  bool finished_ = false;
};

}  // namespace pg::app
