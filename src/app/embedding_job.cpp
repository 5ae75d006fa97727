// Embedding hand-over between a scheduler and a handler; see embedding_job.h.
#include "app/embedding_job.h"

namespace pg::app {

EmbeddingJob::EmbeddingJob(std::vector<std::vector<TokenId>> inputs, Clock::duration timeout)
    : inputs_(std::move(inputs)), deadline_(Clock::now() + timeout) {}

size_t EmbeddingJob::next_input() const {
  std::lock_guard lock(mu_);
  return out_.vectors.size();
}

void EmbeddingJob::add_vector(std::vector<float> v, double seconds) {
  {
    std::lock_guard lock(mu_);
    if (!out_.error.is_ok()) return;
    out_.vectors.push_back(std::move(v));
    out_.seconds += seconds;
  }
  cv_.notify_all();
}

void EmbeddingJob::fail(Status error) {
  {
    std::lock_guard lock(mu_);
    if (!out_.error.is_ok()) return;
    out_.error = std::move(error);
  }
  cv_.notify_all();
}

bool EmbeddingJob::done() const {
  std::lock_guard lock(mu_);
  return !out_.error.is_ok() || out_.vectors.size() == inputs_.size();
}

EmbeddingOutcome EmbeddingJob::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !out_.error.is_ok() || out_.vectors.size() == inputs_.size(); });
  return out_;
}

}  // namespace pg::app
