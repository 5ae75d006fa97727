// The decode loop's steps; see decode_loop.h. The order of every step is
// fixed (sampler fed with every prompt token, sample, end-of-generation check,
// accept, stream through the stop matcher, max tokens, full context) because
// seeds replay token for token on it.
#include "engine/generate/decode_loop.h"

#include <algorithm>
#include <limits>
#include <span>
#include <utility>

namespace pg {
namespace {
double seconds_between(DecodeLoop::Clock::time_point a, DecodeLoop::Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::EndOfGeneration:
    case FinishReason::StopSequence: return "stop";
    case FinishReason::MaxTokens:
    case FinishReason::ContextFull: return "length";
    case FinishReason::Cancelled: return "cancelled";
  }
  return "unknown";
}

double GenerationStats::prompt_tokens_per_second() const {
  return prompt_seconds > 0 ? static_cast<double>(prompt_tokens) / prompt_seconds : 0.0;
}
double GenerationStats::generation_tokens_per_second() const {
  return generation_seconds > 0 ? static_cast<double>(generated_tokens) / generation_seconds : 0.0;
}

Status check_decode_request(const DecodeRequest& request) {
  if (request.prompt_ids.empty()) return Status::invalid_argument("the prompt has no tokens");
  if (request.top_logprobs > kMaxTopLogprobs)
    return Status::invalid_argument("top_logprobs must be at most " + std::to_string(kMaxTopLogprobs));
  if (request.grammar) {
    if (auto m = grammar::GrammarMatcher::create(*request.grammar); !m) return m.status();
  }
  return request.sampling.validate();
}

DecodeLoop::DecodeLoop(InferenceSession& session, const DecodeRequest& request, size_t cached, TextCallback on_text)
    : session_(session), request_(request), on_text_(std::move(on_text)), prompt_done_(cached) {
  result_.stats.prompt_tokens = static_cast<int64_t>(request.prompt_ids.size());
}

Status DecodeLoop::step(int64_t prompt_chunk) {
  if (done_) return Status::ok();
  if (!generating_) {
    const auto& prompt = request_.prompt_ids;
    const size_t n = std::min(prompt.size() - prompt_done_, static_cast<size_t>(std::max<int64_t>(prompt_chunk, 1)));
    if (Status s = session_.eval(std::span<const TokenId>(prompt.data() + prompt_done_, n)); !s) {
      done_ = true;
      return s;
    }
    prompt_done_ += n;
    if (prompt_done_ < prompt.size()) return Status::ok();
    begin_generation();
    return Status::ok();
  }
  const TokenId next[1] = {pending_};
  if (Status s = session_.eval_generated(next); !s) {
    done_ = true;
    return s;
  }
  after_eval();
  return Status::ok();
}

void DecodeLoop::begin_generation() {
  const LlamaModel& model = session_.model();
  const Tokenizer& tok = model.tokenizer();
  result_.stats.prompt_seconds = seconds_between(start_, Clock::now());
  sampler_.emplace(request_.sampling, static_cast<int32_t>(model.config().n_vocab));
  for (TokenId id : request_.prompt_ids) sampler_->accept(id);
  result_.seed = sampler_->seed_used();
  // Text after a prompt that has more than BOS continues that prompt's words.
  bool prompt_has_text = false;
  for (TokenId id : request_.prompt_ids) prompt_has_text |= id != tok.bos_id();
  decoder_.emplace(tok, !prompt_has_text, request_.render_special);
  stops_.emplace(request_.stop);
  if (request_.grammar) {
    const bool strip_space = !prompt_has_text && tok.add_space_prefix();
    auto constraint = grammar::TokenConstraint::create(request_.grammar, tok.pieces(request_.render_special),
                                                       tok.end_of_generation_ids(), strip_space);
    if (constraint) {  // check_decode_request refused grammars that cannot be matched
      constraint_.emplace(std::move(*constraint));
      constraint_active_ = request_.grammar_triggers.empty();
      if (!request_.reasoning_close.empty())
        reasoning_ = request_.prompt_opens_reasoning ? Reasoning::Inside : Reasoning::Undecided;
    }
  }
  generating_ = true;
  generation_start_ = Clock::now();
  if (request_.max_tokens == 0) return finish(FinishReason::MaxTokens);
  sample_next();
}

void DecodeLoop::after_eval() {
  ++evaluated_generated_;
  pending_ = -1;
  sample_next();
}

void DecodeLoop::sample_next() {
  const Tokenizer& tok = session_.model().tokenizer();
  std::span<const float> logits = session_.last_logits();
  if (request_.ignore_eos) {
    masked_logits_.assign(logits.begin(), logits.end());
    for (TokenId id : tok.end_of_generation_ids())
      if (id >= 0 && static_cast<size_t>(id) < masked_logits_.size())
        masked_logits_[static_cast<size_t>(id)] = -std::numeric_limits<float>::infinity();
    logits = masked_logits_;
  }
  if (constraint_active_ && constraint_->finished()) return finish(FinishReason::EndOfGeneration);
  const TokenId id = sample_token(logits);
  if (request_.top_logprobs >= 0 && id >= 0 && !tok.is_end_of_generation(id))
    result_.logprobs.push_back(token_logprob(session_.last_logits(), id, request_.top_logprobs));
  if (!first_token_at_) {
    first_token_at_ = Clock::now();
    result_.stats.time_to_first_token = seconds_between(start_, *first_token_at_);
  }
  // Nothing the grammar allows fits in the tokens left: the reply is cut short, as at max_tokens.
  if (id < 0 && constraint_active_ && !constraint_->can_end()) return finish(FinishReason::MaxTokens);
  if (id < 0 || (!request_.ignore_eos && tok.is_end_of_generation(id))) return finish(FinishReason::EndOfGeneration);
  sampler_->accept(id);
  result_.tokens.push_back(id);
  ++result_.stats.generated_tokens;
  if (constraint_active_) constraint_->accept_token(id);
  std::string text = decoder_->push(id);
  if (constraint_ && !constraint_active_) watch_triggers(text);
  StopMatch piece = stops_->push(std::move(text));
  emit(piece.emit);
  if (piece.stopped) return finish(FinishReason::StopSequence);
  if (cancelled_) return finish(FinishReason::Cancelled);
  if (request_.max_tokens >= 0 && result_.stats.generated_tokens >= request_.max_tokens)
    return finish(FinishReason::MaxTokens);
  if (session_.position() >= session_.context_size()) return finish(FinishReason::ContextFull);
  pending_ = id;
}

TokenId DecodeLoop::sample_token(std::span<const float> logits) {
  if (!constraint_active_) return sampler_->sample(logits);
  // Tokens left for this reply, this one included: max_tokens and the context both bound it.
  int64_t left = session_.context_size() - session_.position();
  if (request_.max_tokens >= 0) left = std::min(left, request_.max_tokens - result_.stats.generated_tokens);
  constraint_->begin_step(left);
  return sampler_->sample(logits, *constraint_);
}

// Lazy constraint: once a trigger appears, the grammar holds for the text
// after it (already generated text after the trigger is fed at once; if it
// does not fit, the reply goes on unconstrained).
std::string DecodeLoop::outside_reasoning(const std::string& piece) {
  if (reasoning_ == Reasoning::Settled) return piece;
  reasoning_text_ += piece;
  if (reasoning_ == Reasoning::Undecided) {
    const size_t start = reasoning_text_.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) return {};
    const std::string_view text = std::string_view(reasoning_text_).substr(start);
    const std::string_view open = request_.reasoning_open;
    if (text.size() < open.size() && open.substr(0, text.size()) == text) return {};  // may still become the tag
    if (open.empty() || text.substr(0, open.size()) != open) {
      reasoning_ = Reasoning::Settled;
      return std::exchange(reasoning_text_, {});
    }
    reasoning_ = Reasoning::Inside;
    reasoning_text_.erase(0, start + open.size());
  }
  const size_t close = reasoning_text_.find(request_.reasoning_close);
  if (close == std::string::npos) {
    // Keep only what could be the start of the closing tag.
    const size_t keep = request_.reasoning_close.size();
    if (reasoning_text_.size() > keep) reasoning_text_.erase(0, reasoning_text_.size() - keep);
    return {};
  }
  reasoning_ = Reasoning::Settled;
  std::string after = reasoning_text_.substr(close + request_.reasoning_close.size());
  reasoning_text_.clear();
  return after;
}

void DecodeLoop::watch_triggers(const std::string& generated) {
  const std::string piece = outside_reasoning(generated);
  if (piece.empty()) return;
  trigger_window_ += piece;
  size_t longest = 0;
  auto blank = [](std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; };
  for (const std::string& t : request_.grammar_triggers) {
    const size_t at = trigger_window_.find(t);
    const bool counts = at != std::string::npos &&
                        (!request_.grammar_trigger_at_start ||
                         (only_blank_so_far_ && blank(std::string_view(trigger_window_).substr(0, at))));
    if (counts) {
      constraint_active_ = constraint_->accept_text(std::string_view(trigger_window_).substr(at + t.size()));
      if (!constraint_active_) constraint_.reset();
      trigger_window_.clear();
      return;
    }
    longest = std::max(longest, t.size());
  }
  // Keep only what could still be the start of a trigger.
  if (trigger_window_.size() > longest) {
    const size_t drop = trigger_window_.size() - longest;
    only_blank_so_far_ = only_blank_so_far_ && blank(std::string_view(trigger_window_).substr(0, drop));
    trigger_window_.erase(0, drop);
  }
}

void DecodeLoop::emit(const std::string& text) {
  if (text.empty() || cancelled_) return;
  result_.text += text;
  if (on_text_ && !on_text_(text)) cancelled_ = true;
}

void DecodeLoop::finish(FinishReason reason) {
  if (reason != FinishReason::StopSequence && reason != FinishReason::Cancelled) {
    StopMatch tail = stops_->push(decoder_->flush());
    emit(tail.emit);
    if (tail.stopped) {
      reason = FinishReason::StopSequence;
    } else {
      emit(stops_->flush());
    }
  }
  if (cancelled_) reason = FinishReason::Cancelled;
  result_.finish = reason;
  result_.stats.generation_seconds = seconds_between(generation_start_, Clock::now());
  pending_ = -1;
  done_ = true;
}

void DecodeLoop::cancel() {
  if (done_) return;
  if (generating_) result_.stats.generation_seconds = seconds_between(generation_start_, Clock::now());
  result_.finish = FinishReason::Cancelled;
  pending_ = -1;
  done_ = true;
}

std::vector<TokenId> DecodeLoop::evaluated_tokens() const {
  std::vector<TokenId> out(request_.prompt_ids.begin(), request_.prompt_ids.begin() + static_cast<long>(prompt_done_));
  out.insert(out.end(), result_.tokens.begin(), result_.tokens.begin() + evaluated_generated_);
  return out;
}

}  // namespace pg
