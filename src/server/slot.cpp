// One slot's step machine; see slot.h. Mirrors engine/generate/generator.cpp
// step for step: prompt -> sampler fed with every prompt token -> sample,
// stop on end of generation / stop sequence / max tokens / full context.
#include "server/slot.h"

#include <algorithm>
#include <limits>
#include <span>

namespace pg::server {
namespace {
double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

Slot::Slot(int index, const LlamaModel& model, ThreadPool& pool, SessionOptions options, FinishedFn on_finished)
    : index_(index), session_(model, pool, options), on_finished_(std::move(on_finished)) {}

bool Slot::in_prompt() const { return active_ && !active_->generating; }

int64_t Slot::generated_tokens() const { return active_ ? active_->out.stats.generated_tokens : 0; }

size_t Slot::common_prefix(const std::vector<TokenId>& prompt) const {
  const size_t n = std::min(prompt.size(), cached_.size());
  size_t i = 0;
  while (i < n && prompt[i] == cached_[i]) ++i;
  return i;
}

void Slot::start(std::shared_ptr<GenerationJob> job) {
  const auto& prompt = job->params().prompt_ids;
  size_t keep = common_prefix(prompt);
  if (keep >= prompt.size()) keep = prompt.empty() ? 0 : prompt.size() - 1;
  session_.truncate(static_cast<int64_t>(keep));
  cached_.resize(keep);

  active_ = std::make_unique<Active>();
  active_->job = std::move(job);
  active_->prompt_done = keep;
  active_->start = Clock::now();
  active_->out.slot = index_;
  active_->out.cached_prompt_tokens = static_cast<int64_t>(keep);
  active_->out.stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  active_->out.queue_seconds = seconds_between(active_->job->submitted_at(), active_->start);
}

bool Slot::step(int64_t prompt_chunk) {
  if (!active_) return true;
  Active& a = *active_;
  const GenerationParams& p = a.job->params();
  if (!a.generating) {
    const size_t remaining = p.prompt_ids.size() - a.prompt_done;
    const size_t n = std::min(remaining, static_cast<size_t>(std::max<int64_t>(prompt_chunk, 1)));
    const std::span<const TokenId> chunk(p.prompt_ids.data() + a.prompt_done, n);
    if (Status s = session_.eval(chunk); !s) {
      fail_and_reset(s.message());
      return true;
    }
    cached_.insert(cached_.end(), chunk.begin(), chunk.end());
    a.prompt_done += n;
    if (a.prompt_done < p.prompt_ids.size()) return false;

    const LlamaModel& model = session_.model();
    const Tokenizer& tok = model.tokenizer();
    a.out.stats.prompt_seconds = seconds_between(a.start, Clock::now());
    a.sampler.emplace(p.sampling, static_cast<int32_t>(model.config().n_vocab));
    for (TokenId id : p.prompt_ids) a.sampler->accept(id);
    a.out.seed = a.sampler->seed_used();
    // Text after a prompt that has more than BOS continues that prompt's words.
    bool prompt_has_text = false;
    for (TokenId id : p.prompt_ids) prompt_has_text |= id != tok.bos_id();
    a.decoder.emplace(tok, !prompt_has_text);
    a.stops.emplace(p.stop);
    a.generating = true;
    a.generation_start = Clock::now();
    return sample_next();
  }
  const TokenId next[1] = {a.pending};
  if (Status s = session_.eval_generated(next); !s) {
    fail_and_reset(s.message());
    return true;
  }
  return after_decode();
}

bool Slot::after_decode() {
  cached_.push_back(active_->pending);
  return sample_next();
}

bool Slot::sample_next() {
  Active& a = *active_;
  const GenerationParams& p = a.job->params();
  const Tokenizer& tok = session_.model().tokenizer();
  std::span<const float> logits = session_.last_logits();
  if (p.ignore_eos) {
    masked_logits_.assign(logits.begin(), logits.end());
    for (TokenId id : tok.end_of_generation_ids())
      if (id >= 0 && static_cast<size_t>(id) < masked_logits_.size())
        masked_logits_[static_cast<size_t>(id)] = -std::numeric_limits<float>::infinity();
    logits = masked_logits_;
  }
  const TokenId id = a.sampler->sample(logits);
  if (a.step == 0) {
    const auto now = Clock::now();
    a.out.stats.time_to_first_token = seconds_between(a.start, now);
    a.out.first_token_seconds = seconds_between(a.job->submitted_at(), now);
  }
  if (id < 0 || (!p.ignore_eos && tok.is_end_of_generation(id))) return finish(FinishReason::EndOfGeneration);
  a.sampler->accept(id);
  a.out.tokens.push_back(id);
  ++a.out.stats.generated_tokens;
  StopMatch piece = a.stops->push(a.decoder->push(id));
  emit(piece.emit);
  if (piece.stopped) return finish(FinishReason::StopSequence);
  ++a.step;
  if (a.step >= p.max_tokens) return finish(FinishReason::MaxTokens);
  if (session_.position() >= session_.context_size()) return finish(FinishReason::ContextFull);
  a.pending = id;
  return false;
}

void Slot::emit(const std::string& text) {
  if (text.empty()) return;
  active_->out.text += text;
  active_->job->push_text(text);
}

bool Slot::finish(FinishReason reason) {
  Active& a = *active_;
  if (reason != FinishReason::StopSequence) {
    StopMatch tail = a.stops->push(a.decoder->flush());
    emit(tail.emit);
    if (tail.stopped) {
      reason = FinishReason::StopSequence;
    } else {
      emit(a.stops->flush());
    }
  }
  end(finish_reason_name(reason));
  return true;
}

void Slot::abort(const std::string& finish_reason) {
  if (active_) end(finish_reason);
}

void Slot::end(std::string finish_reason) {
  Active& a = *active_;
  if (a.generating) a.out.stats.generation_seconds = seconds_between(a.generation_start, Clock::now());
  a.out.finish_reason = std::move(finish_reason);
  std::shared_ptr<GenerationJob> job = std::move(a.job);
  GenerationOutcome out = std::move(a.out);
  active_.reset();
  if (on_finished_) on_finished_(*job, out);
  job->finish(std::move(out));
}

void Slot::fail_and_reset(const std::string& message) {
  std::shared_ptr<GenerationJob> job = std::move(active_->job);
  active_.reset();
  // The cache may no longer match cached_; start from nothing next time.
  session_.truncate(0);
  cached_.clear();
  job->fail(500, "generation_failed", "generation failed: " + message);
}

}  // namespace pg::server
