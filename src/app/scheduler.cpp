// Round-robin slot scheduler; see scheduler.h.
#include "app/scheduler.h"

#include <algorithm>

#include "engine/model/embedding.h"

namespace pg::app {
namespace {
// How often an idle scheduler looks at queued jobs' cancellation and deadlines.
constexpr auto kIdlePoll = std::chrono::milliseconds(20);

// What every session of a scheduler shares: its context and KV cache types.
SessionOptions session_options(const SchedulerOptions& options, int64_t n_ctx) {
  SessionOptions so;
  so.n_ctx = n_ctx;
  so.type_k = options.cache_types.k;
  so.type_v = options.cache_types.v;
  return so;
}

std::string reason_name(CancelReason why) {
  return why == CancelReason::Timeout ? "timeout" : "cancelled";
}
}  // namespace

Scheduler::Scheduler(const LlamaModel& model, ThreadPool& pool, SchedulerOptions options, FinishedFn on_finished)
    : options_(options), model_(model), pool_(pool) {
  SessionOptions so = session_options(options_, options_.n_ctx);
  // A step evaluates at most prompt_chunk prompt tokens: sliding-window rings
  // need room for no larger batch.
  so.max_batch = std::max<int64_t>(1, options_.prompt_chunk);
  const int n = std::max(1, options_.slots);
  for (int i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>(i, model, pool, so, on_finished));
  n_ctx_ = slots_.front()->context_size();
  {
    std::lock_guard lock(mu_);
    publish_status();
  }
  thread_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() { shutdown(); }

SubmitResult Scheduler::submit(std::shared_ptr<GenerationJob> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return SubmitResult::ShuttingDown;
    const int free_slots = static_cast<int>(slots_.size()) - active_;
    if (static_cast<int>(queue_.size() + embed_queue_.size()) >= options_.queue_size + std::max(0, free_slots))
      return SubmitResult::QueueFull;
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return SubmitResult::Accepted;
}

SubmitResult Scheduler::submit_embedding(std::shared_ptr<EmbeddingJob> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return SubmitResult::ShuttingDown;
    if (static_cast<int>(queue_.size() + embed_queue_.size()) >= options_.queue_size + 1)
      return SubmitResult::QueueFull;
    embed_queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return SubmitResult::Accepted;
}

void Scheduler::embed_one(EmbeddingJob& job) {
  if (Clock::now() >= job.deadline()) {
    job.fail(Status::unavailable("the embeddings request timed out (request_timeout)", "queue_timeout"));
    return;
  }
  if (!embed_session_) {
    const SessionOptions so = session_options(options_, n_ctx_);
    embed_session_ = std::make_unique<InferenceSession>(model_, pool_, so);
  }
  const auto start = Clock::now();
  const auto& tokens = job.inputs()[job.next_input()];
  auto v = sentence_embedding(*embed_session_, tokens);
  if (!v) {
    job.fail(Status::internal("embedding failed: " + v.error(), "embedding_failed"));
    return;
  }
  job.add_vector(std::move(*v), std::chrono::duration<double>(Clock::now() - start).count());
}

void Scheduler::shutdown() {
  std::lock_guard once(shutdown_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SchedulerStatus Scheduler::status() const {
  std::lock_guard lock(mu_);
  SchedulerStatus s;
  s.slots = static_cast<int>(slots_.size());
  s.active = active_;
  s.queued = static_cast<int>(queue_.size());
  s.queue_capacity = options_.queue_size;
  s.slot_status = status_;
  return s;
}

bool Scheduler::idle() const {
  std::lock_guard lock(mu_);
  return active_ == 0 && queue_.empty();
}

void Scheduler::admit_queued() {
  const auto now = Clock::now();
  for (auto it = queue_.begin(); it != queue_.end();) {
    GenerationJob& job = **it;
    const CancelReason why = job.cancel_reason();
    if (why != CancelReason::None) {
      GenerationOutcome out;
      out.finish_reason = reason_name(why);
      out.queue_seconds = std::chrono::duration<double>(now - job.submitted_at()).count();
      job.finish(std::move(out));
      it = queue_.erase(it);
    } else if (now >= job.deadline()) {
      job.fail(Status::unavailable("request timed out after waiting for a free slot of model '" + job.model() + "'", "queue_timeout"));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  while (!queue_.empty()) {
    const auto& prompt = queue_.front()->params().prompt_ids;
    Slot* best = nullptr;
    size_t best_common = 0;
    for (auto& slot : slots_) {
      if (slot->busy()) continue;
      const size_t common = slot->common_prefix(prompt);
      // Longest shared prefix; on a tie, the slot with the least cached (to keep others' caches).
      if (!best || common > best_common ||
          (common == best_common && slot->cached_tokens() < best->cached_tokens())) {
        best = slot.get();
        best_common = common;
      }
    }
    if (!best) break;
    best->start(std::move(queue_.front()));
    queue_.pop_front();
    ++active_;
  }
}

void Scheduler::publish_status() {
  status_.clear();
  for (const auto& slot : slots_) {
    SlotStatus s;
    s.index = slot->index();
    s.state = !slot->busy() ? "idle" : slot->in_prompt() ? "prompt" : "generating";
    if (const GenerationJob* job = slot->job()) s.job_id = job->id();
    s.cached_tokens = slot->cached_tokens();
    s.generated_tokens = slot->generated_tokens();
    status_.push_back(std::move(s));
  }
}

int Scheduler::decode_step(const std::vector<Slot*>& decoding) {
  if (decoding.empty()) return 0;
  int ended = 0;
  if (decoding.size() > 1) {
    std::vector<InferenceSession*> sessions;
    std::vector<TokenId> tokens;
    for (Slot* slot : decoding) {
      sessions.push_back(&slot->session());
      tokens.push_back(slot->pending_token());
    }
    // One forward pass for every generating slot: the weights are read once.
    if (InferenceSession::eval_generated_batch(sessions, tokens)) {
      for (Slot* slot : decoding) ended += slot->after_decode() ? 1 : 0;
      return ended;
    }
    // A slot that cannot take its token (its context is full) fails alone below.
  }
  for (Slot* slot : decoding) ended += slot->step(options_.prompt_chunk) ? 1 : 0;
  return ended;
}

void Scheduler::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) break;
    admit_queued();
    publish_status();
    std::shared_ptr<EmbeddingJob> embedding;
    if (!embed_queue_.empty()) {
      embedding = std::move(embed_queue_.front());
      embed_queue_.pop_front();
    }
    if (active_ == 0 && !embedding) {
      cv_.wait_for(lock, kIdlePoll);
      continue;
    }
    lock.unlock();
    if (embedding) {
      embed_one(*embedding);
      if (!embedding->done()) {
        std::lock_guard relock(mu_);
        embed_queue_.push_front(std::move(embedding));  // its next input in the next round
      }
    }
    int ended = 0;
    const auto now = Clock::now();
    std::vector<Slot*> decoding;  // generating slots: one batched decode step for all
    for (auto& slot : slots_) {
      if (!slot->busy()) continue;
      const GenerationJob& job = *slot->job();
      const CancelReason why = job.cancel_reason();
      bool done = false;
      if (why != CancelReason::None) {
        slot->abort(reason_name(why));
        done = true;
      } else if (now >= job.deadline()) {
        slot->abort("timeout");
        done = true;
      } else if (slot->ready_to_decode()) {
        decoding.push_back(slot.get());
      } else {
        done = slot->step(options_.prompt_chunk);
      }
      ended += done ? 1 : 0;
    }
    ended += decode_step(decoding);
    lock.lock();
    active_ -= ended;
  }
  // Shutdown: queued and running jobs end as cancelled so streams close cleanly.
  for (auto& job : embed_queue_) job->fail(Status::unavailable("the server is shutting down", "shutting_down"));
  embed_queue_.clear();
  for (auto& job : queue_) {
    GenerationOutcome out;
    out.finish_reason = "cancelled";
    job->finish(std::move(out));
  }
  queue_.clear();
  lock.unlock();
  for (auto& slot : slots_)
    if (slot->busy()) slot->abort("cancelled");
  lock.lock();
  active_ = 0;
  publish_status();
}

}  // namespace pg::app
