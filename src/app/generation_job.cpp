// Event hand-over between a scheduler and a handler; see generation_job.h.
#include "app/generation_job.h"

namespace pg::app {

double GenerationOutcome::prompt_tokens_per_second() const {
  const double evaluated = static_cast<double>(stats.prompt_tokens - cached_prompt_tokens);
  return stats.prompt_seconds > 0 ? evaluated / stats.prompt_seconds : 0.0;
}

GenerationJob::GenerationJob(std::string id, std::string model, GenerationParams params, Clock::duration timeout)
    : id_(std::move(id)),
      model_(std::move(model)),
      params_(std::move(params)),
      submitted_at_(Clock::now()),
      deadline_(submitted_at_ + timeout) {}

std::optional<JobEvent> GenerationJob::next_event(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait, [&] { return !events_.empty(); })) return std::nullopt;
  JobEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

void GenerationJob::cancel(CancelReason why) {
  CancelReason expected = CancelReason::None;
  cancel_.compare_exchange_strong(expected, why, std::memory_order_acq_rel);
}

bool GenerationJob::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

void GenerationJob::push(JobEvent event, bool last) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = last;
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void GenerationJob::push_text(std::string text, std::vector<TokenLogprob> logprobs) {
  if (text.empty()) return;
  JobEvent e;
  e.kind = JobEvent::Kind::Text;
  e.text = std::move(text);
  e.logprobs = std::move(logprobs);
  push(std::move(e), false);
}

void GenerationJob::finish(GenerationOutcome outcome) {
  JobEvent e;
  e.kind = JobEvent::Kind::Done;
  e.outcome = std::move(outcome);
  push(std::move(e), true);
}

void GenerationJob::fail(Status error) {
  JobEvent e;
  e.kind = JobEvent::Kind::Failed;
  e.error = std::move(error);
  push(std::move(e), true);
}

}  // namespace pg::app
