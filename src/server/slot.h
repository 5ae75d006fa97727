// One slot of a scheduler: an InferenceSession (its KV cache), the tokens that
// cache holds, and the state of the job it runs. A step is one prompt chunk or
// one decoded token, so a scheduler can interleave slots. The decoding follows
// engine/generate's loop exactly (same sampler feeding, stop handling and
// flushing), so a slot's text equals `playground run`'s for the same request.
// Only the scheduler thread may call its non-const members.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/inference_session.h"
#include "engine/sampler/stop_matcher.h"
#include "server/generation_job.h"

namespace pg::server {

class Slot {
 public:
  using FinishedFn = std::function<void(const GenerationJob&, const GenerationOutcome&)>;

  Slot(int index, const LlamaModel& model, ThreadPool& pool, SessionOptions options, FinishedFn on_finished);

  int index() const { return index_; }
  bool busy() const { return active_ != nullptr; }
  const GenerationJob* job() const { return active_ ? active_->job.get() : nullptr; }
  int64_t context_size() const { return session_.context_size(); }
  // Tokens whose keys/values the cache holds (kept after a job for prefix reuse).
  int64_t cached_tokens() const { return static_cast<int64_t>(cached_.size()); }
  bool in_prompt() const;
  int64_t generated_tokens() const;

  // Prompt tokens already in this slot's cache.
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
  bool ready_to_decode() const { return active_ && active_->generating && active_->pending >= 0; }
  InferenceSession& session() { return session_; }
  TokenId pending_token() const { return active_ ? active_->pending : -1; }
  // After the pending token was evaluated in a batch. Returns true when the job ended.
  bool after_decode();
  // Ends the running job early with this finish reason ("cancelled", "timeout").
  void abort(const std::string& finish_reason);

 private:
  struct Active {
    std::shared_ptr<GenerationJob> job;
    size_t prompt_done = 0;
    std::optional<Sampler> sampler;
    std::optional<StreamDecoder> decoder;
    std::optional<StopMatcher> stops;
    int64_t step = 0;
    TokenId pending = -1;  // sampled, not yet evaluated
    Clock::time_point start, generation_start;
    bool generating = false;
    GenerationOutcome out;
  };

  bool sample_next();
  bool finish(FinishReason reason);
  void end(std::string finish_reason);
  void emit(const std::string& text);
  void fail_and_reset(const std::string& message);

  const int index_;
  InferenceSession session_;
  FinishedFn on_finished_;
  std::vector<TokenId> cached_;
  std::vector<float> masked_logits_;
  std::unique_ptr<Active> active_;
};

}  // namespace pg::server
