// Server metrics in Prometheus' text exposition format: HTTP requests by
// route and status, generations by finish reason, token counters, time to
// first token and generation speed histograms, plus gauges the caller passes
// at scrape time (queue depth, active slots, loaded models) and the process's
// resident memory. Thread-safe; holds counters only, never request data.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "app/generation_job.h"

namespace pg::app {

struct ModelGauges {
  std::string model;
  int slots = 0;
  int active_slots = 0;
  int queued = 0;
  uint64_t weight_bytes = 0;
};

class Metrics {
 public:
  void record_request(const std::string& method, const std::string& route, int status, double seconds);
  void record_generation(const std::string& model, const GenerationOutcome& outcome);
  std::string render(const std::vector<ModelGauges>& models) const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  // per bound, not cumulative; last = +Inf
    double sum = 0;
    uint64_t count = 0;
    void observe(double v);
  };
  struct ModelCounters {
    uint64_t prompt_tokens = 0, cached_prompt_tokens = 0, generated_tokens = 0;
    std::map<std::string, uint64_t> finished;  // by finish reason
    Histogram ttft, tokens_per_second;
  };
  ModelCounters& counters_for(const std::string& model);

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // method, route, status
  std::map<std::string, std::pair<double, uint64_t>> durations_;             // route -> sum, count
  std::map<std::string, ModelCounters> models_;
};

// Resident set size of this process in bytes (0 when unknown).
uint64_t process_resident_bytes();

}  // namespace pg::app
