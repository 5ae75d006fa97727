// One embeddings request on its way through a model's scheduler: token
// sequences in, one unit-length vector per sequence out (or one error). The
// scheduler computes one input per round between generation steps, so
// embeddings never stall running streams for more than one input's forward
// pass. The HTTP handler waits for the result. Holds no engine state.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "app/generation_job.h"

namespace pg::app {

struct EmbeddingOutcome {
  std::vector<std::vector<float>> vectors;  // one per input, in order
  Status error;                             // ok, or why the job failed
  double seconds = 0;                       // compute time
};

class EmbeddingJob {
 public:
  EmbeddingJob(std::vector<std::vector<TokenId>> inputs, Clock::duration timeout);

  const std::vector<std::vector<TokenId>>& inputs() const { return inputs_; }
  Clock::time_point deadline() const { return deadline_; }

  // Scheduler side: the index of the next input to compute; then its vector.
  size_t next_input() const;
  void add_vector(std::vector<float> v, double seconds);
  void fail(Status error);
  bool done() const;

  // Handler side: blocks until every vector is there or the job failed.
  EmbeddingOutcome wait();

 private:
  const std::vector<std::vector<TokenId>> inputs_;
  const Clock::time_point deadline_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  EmbeddingOutcome out_;
};

}  // namespace pg::app
