// The scheduler of one loaded model: N slots (each its own InferenceSession,
// sampler and RNG), a bounded queue and one thread that runs rounds over all
// active slots — a prompt chunk per prompting slot, then one decode step for
// all generating slots together in a single batched forward pass (continuous
// batching: the weights are read once per round, not once per stream) — so
// concurrent streams progress together and a new prompt never stalls the
// others for more than one chunk. A new job
// goes to the free slot whose KV cache shares the longest prefix with its
// prompt. Cancellation and the per-request deadline are checked before every
// step. Embedding jobs share the queue; one of their inputs runs per round on
// a separate session. Only its thread touches the slots and the model's pool.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/model/llama_model.h"
#include "app/embedding_job.h"
#include "app/generation_job.h"
#include "app/slot.h"
#include "models/kv_cache_choice.h"

namespace pg::app {

struct SchedulerOptions {
  int slots = 4;                // parallel sequences
  int queue_size = 16;          // jobs that may wait for a slot
  int64_t n_ctx = 0;            // per slot; 0: the model's training context (at most 4096)
  int64_t prompt_chunk = 256;   // prompt tokens evaluated per step
  // Every session's KV cache types; the loader has checked them against the
  // model's heads (models::check_kv_cache_types) before building a scheduler.
  models::KvCacheTypes cache_types;
};

enum class SubmitResult { Accepted, QueueFull, ShuttingDown };

struct SlotStatus {
  int index = 0;
  std::string state;   // "idle", "prompt" or "generating"
  std::string job_id;  // empty when idle
  int64_t cached_tokens = 0;
  int64_t generated_tokens = 0;
};

struct SchedulerStatus {
  int slots = 0;
  int active = 0;
  int queued = 0;
  int queue_capacity = 0;
  std::vector<SlotStatus> slot_status;
};

class Scheduler {
 public:
  // Called on the scheduler thread when a job ends normally or is stopped (not on failures).
  using FinishedFn = Slot::FinishedFn;

  Scheduler(const LlamaModel& model, ThreadPool& pool, SchedulerOptions options, FinishedFn on_finished = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  int64_t context_size() const { return n_ctx_; }
  const SchedulerOptions& options() const { return options_; }

  SubmitResult submit(std::shared_ptr<GenerationJob> job);
  // Embeddings wait in the same bounded queue; one input is computed per round.
  SubmitResult submit_embedding(std::shared_ptr<EmbeddingJob> job);
  // Ends every queued and running job with finish reason "cancelled" and stops
  // the thread; later submissions are refused. Idempotent.
  void shutdown();
  SchedulerStatus status() const;
  // True when no job is queued or running.
  bool idle() const;

 private:
  void run();
  // Decodes the pending token of every slot in `decoding` in one batched
  // forward pass and samples each slot's next token; returns how many jobs ended.
  int decode_step(const std::vector<Slot*>& decoding);
  void admit_queued();  // with mu_ held
  void publish_status();  // with mu_ held
  void embed_one(EmbeddingJob& job);  // scheduler thread, mu_ not held

  const SchedulerOptions options_;
  const LlamaModel& model_;
  ThreadPool& pool_;
  int64_t n_ctx_ = 0;
  std::unique_ptr<InferenceSession> embed_session_;  // made on the first embedding request
  std::vector<std::unique_ptr<Slot>> slots_;  // touched by the thread only (and the constructor)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GenerationJob>> queue_;
  std::deque<std::shared_ptr<EmbeddingJob>> embed_queue_;
  bool stopping_ = false;
  int active_ = 0;
  std::vector<SlotStatus> status_;
  std::mutex shutdown_mu_;  // one shutdown joins the thread at a time
  std::thread thread_;
};

}  // namespace pg::app
