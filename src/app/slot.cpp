// One slot driving the engine's decode loop; see slot.h.
#include "app/slot.h"

#include <algorithm>

namespace pg::app {
namespace {
double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

Slot::Slot(int index, const LlamaModel& model, ThreadPool& pool, SessionOptions options, FinishedFn on_finished)
    : index_(index), session_(model, pool, options), on_finished_(std::move(on_finished)) {}

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
  // A sliding-window model may not keep a prefix its rings have moved past.
  keep = static_cast<size_t>(session_.truncate(static_cast<int64_t>(keep)));
  cached_.resize(keep);

  active_ = std::make_unique<Active>();
  active_->job = std::move(job);
  active_->start = Clock::now();
  active_->cached_prompt_tokens = static_cast<int64_t>(keep);
  GenerationJob& j = *active_->job;
  Active* a = active_.get();
  active_->loop.emplace(session_, j.params(), keep, [&j, a](std::string_view text) {
    // The log-probabilities of the tokens since the last piece go with it.
    std::vector<TokenLogprob> logprobs;
    const auto& all = a->loop->result().logprobs;
    if (a->logprobs_sent < all.size()) logprobs.assign(all.begin() + static_cast<long>(a->logprobs_sent), all.end());
    a->logprobs_sent = all.size();
    j.push_text(std::string(text), std::move(logprobs));
    return true;
  });
}

bool Slot::step(int64_t prompt_chunk) {
  if (!active_) return true;
  if (Status s = active_->loop->step(prompt_chunk); !s) {
    fail_and_reset(s);
    return true;
  }
  return end_if_done();
}

bool Slot::after_decode() {
  active_->loop->after_eval();
  return end_if_done();
}

bool Slot::end_if_done() {
  if (!active_->loop->done()) return false;
  end(finish_reason_name(active_->loop->result().finish));
  return true;
}

void Slot::abort(const std::string& finish_reason) {
  if (!active_) return;
  active_->loop->cancel();
  end(finish_reason);
}

void Slot::end(std::string finish_reason) {
  Active& a = *active_;
  cached_ = a.loop->evaluated_tokens();
  GenerationOutcome out;
  static_cast<DecodeResult&>(out) = a.loop->take_result();
  out.finish_reason = std::move(finish_reason);
  out.slot = index_;
  out.cached_prompt_tokens = a.cached_prompt_tokens;
  out.queue_seconds = seconds_between(a.job->submitted_at(), a.start);
  if (auto first = a.loop->first_token_at()) out.first_token_seconds = seconds_between(a.job->submitted_at(), *first);
  std::shared_ptr<GenerationJob> job = std::move(a.job);
  active_.reset();
  if (on_finished_) on_finished_(*job, out);
  job->finish(std::move(out));
}

void Slot::fail_and_reset(const Status& error) {
  std::shared_ptr<GenerationJob> job = std::move(active_->job);
  active_.reset();
  // The cache may no longer match cached_; start from nothing next time.
  session_.truncate(0);
  cached_.clear();
  job->fail(Status::internal("generation failed: " + error.message(), "generation_failed"));
}

}  // namespace pg::app
