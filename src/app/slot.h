// One slot of a scheduler: an InferenceSession (its KV cache), the tokens that
// cache holds, and the job it runs through the engine's one decode loop
// (engine/generate/decode_loop.h) one step at a time, so a scheduler can
// interleave slots — the same loop `playground run` drives, so a slot's text
// equals run's for the same request. Only the scheduler thread may call its
// non-const members.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/generation_job.h"
#include "engine/generate/decode_loop.h"
#include "engine/model/inference_session.h"

namespace pg::app {

class Slot {
 public:
  using FinishedFn = std::function<void(const GenerationJob&, const GenerationOutcome&)>;

  Slot(int index, const LlamaModel& model, ThreadPool& pool, SessionOptions options, FinishedFn on_finished);

  int index() const { return index_; }
  bool busy() const { return active_ != nullptr; }
  const GenerationJob* job() const { return active_ ? active_->job.get() : nullptr; }
  int64_t context_size() const { return session_.context_size(); }
  // Tokens whose keys/values the cache holds (kept after a job for prefix reuse).
  int64_t cached_tokens() const { return session_.position(); }
  bool in_prompt() const { return active_ && active_->loop->in_prompt(); }
  int64_t generated_tokens() const { return active_ ? active_->loop->result().stats.generated_tokens : 0; }

  // Prompt tokens already in this slot's cache (between jobs).
  size_t common_prefix(const std::vector<TokenId>& prompt) const;

  // Takes a job: keeps the cached prefix it shares with the prompt (at least one
  // prompt token is always evaluated, for its logits) and forgets the rest.
  void start(std::shared_ptr<GenerationJob> job);
  // Evaluates up to prompt_chunk prompt tokens, or decodes one token.
  // Returns true when the job ended (the slot is free again).
  bool step(int64_t prompt_chunk);

  // Continuous batching: a generating slot's pending token can be evaluated
  // together with other slots' (InferenceSession::eval_generated_batch), then
  // after_decode() samples the next one exactly as step() would have.
  bool ready_to_decode() const { return active_ && active_->loop->ready_to_decode(); }
  InferenceSession& session() { return session_; }
  TokenId pending_token() const { return active_ ? active_->loop->pending_token() : -1; }
  // After the pending token was evaluated in a batch. Returns true when the job ended.
  bool after_decode();
  // Ends the running job early with this finish reason ("cancelled", "timeout").
  void abort(const std::string& finish_reason);

 private:
  struct Active {
    std::shared_ptr<GenerationJob> job;
    std::optional<DecodeLoop> loop;
    Clock::time_point start;
    int64_t cached_prompt_tokens = 0;
    size_t logprobs_sent = 0;  // the loop's logprobs already pushed with text
  };

  bool end_if_done();
  void end(std::string finish_reason);
  void fail_and_reset(const Status& error);

  const int index_;
  InferenceSession session_;
  FinishedFn on_finished_;
  std::vector<TokenId> cached_;  // what the cache holds between jobs
  std::unique_ptr<Active> active_;
};

}  // namespace pg::app
