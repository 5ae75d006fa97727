// Embedding hand-over between a scheduler and a handler; see embedding_job.h.
#include "server/embedding_job.h"

namespace pg::server {

EmbeddingJob::EmbeddingJob(std::vector<std::vector<TokenId>> inputs, Clock::duration timeout)
    : inputs_(std::move(inputs)), deadline_(Clock::now() + timeout) {}

size_t EmbeddingJob::next_input() const {
  std::lock_guard lock(mu_);
  return out_.vectors.size();
}

void EmbeddingJob::add_vector(std::vector<float> v, double seconds) {
  {
    std::lock_guard lock(mu_);
    if (out_.status != 0) return;
    out_.vectors.push_back(std::move(v));
    out_.seconds += seconds;
  }
  cv_.notify_all();
}

void EmbeddingJob::fail(int status, std::string code, std::string message) {
  {
    std::lock_guard lock(mu_);
    if (out_.status != 0) return;
    out_.status = status;
    out_.code = std::move(code);
    out_.message = std::move(message);
  }
  cv_.notify_all();
}

bool EmbeddingJob::done() const {
  std::lock_guard lock(mu_);
  return out_.status != 0 || out_.vectors.size() == inputs_.size();
}

EmbeddingOutcome EmbeddingJob::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return out_.status != 0 || out_.vectors.size() == inputs_.size(); });
  return out_;
}

}  // namespace pg::server
