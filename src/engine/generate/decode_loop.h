// The one decode loop of the engine, as a resumable step machine: prefill the
// prompt (in chunks of any size), then sample a token, append it, check the
// stops, evaluate it, and so on until end of generation, a stop sequence,
// max tokens, the full context or cancellation. `playground run` (generate())
// drives it in a loop; a scheduler slot drives it one step at a time and may
// evaluate the pending token of several loops in one batch. Streams only
// complete UTF-8 text and never any part of a stop sequence. It owns no model
// state: the session (KV cache) belongs to the caller. Never blocks, never
// throws (errors are Status).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/token_constraint.h"
#include "engine/model/inference_session.h"
#include "engine/sampler/sampler.h"
#include "engine/sampler/stop_matcher.h"
#include "engine/sampler/token_logprobs.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg {

struct DecodeRequest {
  std::vector<TokenId> prompt_ids;
  int64_t max_tokens = 128;  // < 0: until end of generation or the context is full
  SamplerParams sampling;
  std::vector<std::string> stop;  // stop sequences (not included in the output)
  bool ignore_eos = false;        // never end at an end-of-generation token
  // Constrained output: only tokens that keep the text inside `grammar`, from
  // the first token or, when `grammar_triggers` are given, once one of them
  // appears in the text (the grammar then matches what follows it). The
  // reply ends when the grammar is complete and nothing more can follow.
  std::shared_ptr<const grammar::Grammar> grammar;
  std::vector<std::string> grammar_triggers;
  bool grammar_trigger_at_start = false;  // a trigger counts only when nothing but whitespace precedes it
  // Triggers do not count inside a reasoning block: one the prompt opened
  // (reasoning_open empty) or one the reply starts with, up to reasoning_close.
  std::string reasoning_open, reasoning_close;
  bool prompt_opens_reasoning = false;
  bool render_special = false;  // control tokens' texts are part of the text (tool-call markers)
  int top_logprobs = -1;        // >= 0: record each token's log-probability and this many alternatives
};

enum class FinishReason { EndOfGeneration, StopSequence, MaxTokens, ContextFull, Cancelled };
const char* finish_reason_name(FinishReason r);  // "stop", "stop", "length", "length", "cancelled"

struct GenerationStats {
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_seconds = 0;        // prompt evaluation
  double generation_seconds = 0;    // all decode steps after the prompt
  double time_to_first_token = 0;   // from the start to the first sampled token
  double prompt_tokens_per_second() const;
  double generation_tokens_per_second() const;
};

struct DecodeResult {
  std::string text;
  std::vector<TokenId> tokens;
  std::vector<TokenLogprob> logprobs;  // one per token when top_logprobs >= 0
  FinishReason finish = FinishReason::MaxTokens;
  GenerationStats stats;
  uint64_t seed = 0;  // the seed actually used, to reproduce the reply
};

// Receives each newly complete piece of text; returning false cancels.
using TextCallback = std::function<bool(std::string_view text)>;

// What a request must satisfy before a loop runs it (a prompt, valid sampling).
Status check_decode_request(const DecodeRequest& request);

class DecodeLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // `session` already holds the first `cached` prompt tokens (prefix reuse;
  // fewer than the prompt's length, so the last prompt token is evaluated for
  // its logits). `request` must outlive the loop and pass check_decode_request.
  DecodeLoop(InferenceSession& session, const DecodeRequest& request, size_t cached, TextCallback on_text);

  bool done() const { return done_; }
  bool in_prompt() const { return !done_ && !generating_; }
  // A sampled token waits to be evaluated (by step() or by a batch, then after_eval()).
  bool ready_to_decode() const { return !done_ && generating_ && pending_ >= 0; }
  TokenId pending_token() const { return pending_; }
  // When the prompt was complete and the first token sampled (for queue-time figures).
  std::optional<Clock::time_point> first_token_at() const { return first_token_at_; }

  // In the prompt: evaluates up to prompt_chunk (>= 1) more prompt tokens and,
  // once the prompt is complete, samples the first token. Generating:
  // evaluates the pending token and samples the next. An evaluation error
  // ends the loop and is returned (the session's cache is then undefined).
  Status step(int64_t prompt_chunk);
  // The pending token was evaluated outside (a batch): samples the next.
  void after_eval();
  // Ends the loop now, without flushing held-back text.
  void cancel();

  const DecodeResult& result() const { return result_; }
  DecodeResult take_result() { return std::move(result_); }
  // The tokens the session's cache now holds beyond the reused prefix's start:
  // every evaluated prompt token, then every evaluated generated token.
  std::vector<TokenId> evaluated_tokens() const;

 private:
  void begin_generation();
  void sample_next();
  void finish(FinishReason reason);
  void emit(const std::string& text);
  TokenId sample_token(std::span<const float> logits);
  void watch_triggers(const std::string& piece);
  // The part of `piece` outside a leading reasoning block ("" while inside or undecided).
  std::string outside_reasoning(const std::string& piece);

  InferenceSession& session_;
  const DecodeRequest& request_;
  TextCallback on_text_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point generation_start_;
  std::optional<Clock::time_point> first_token_at_;
  size_t prompt_done_ = 0;
  bool generating_ = false;
  bool done_ = false;
  bool cancelled_ = false;  // the text callback asked to stop
  int64_t evaluated_generated_ = 0;
  TokenId pending_ = -1;
  std::optional<Sampler> sampler_;
  std::optional<StreamDecoder> decoder_;
  std::optional<StopMatcher> stops_;
  std::vector<float> masked_logits_;
  std::optional<grammar::TokenConstraint> constraint_;
  bool constraint_active_ = false;
  std::string trigger_window_;  // recent text, while waiting for a trigger
  bool only_blank_so_far_ = true;  // the text before the window is whitespace
  enum class Reasoning { Undecided, Inside, Settled } reasoning_ = Reasoning::Settled;
  std::string reasoning_text_;  // text while the reasoning block is undecided or open
  DecodeResult result_;
};

}  // namespace pg
