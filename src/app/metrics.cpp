// Prometheus text rendering; see metrics.h.
#include "app/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace pg::app {
namespace {

const std::vector<double> kTtftBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
const std::vector<double> kSpeedBounds = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void write_histogram(std::ostringstream& o, const std::string& name, const std::string& labels,
                     const std::vector<double>& bounds, const std::vector<uint64_t>& counts, double sum,
                     uint64_t count) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    o << name << "_bucket{" << labels << ",le=\"" << num(bounds[i]) << "\"} " << cumulative << "\n";
  }
  o << name << "_bucket{" << labels << ",le=\"+Inf\"} " << count << "\n";
  o << name << "_sum{" << labels << "} " << num(sum) << "\n";
  o << name << "_count{" << labels << "} " << count << "\n";
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  if (counts.empty()) counts.assign(bounds.size() + 1, 0);
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

Metrics::ModelCounters& Metrics::counters_for(const std::string& model) {
  auto [it, inserted] = models_.try_emplace(model);
  if (inserted) {
    it->second.ttft.bounds = kTtftBounds;
    it->second.ttft.counts.assign(kTtftBounds.size() + 1, 0);
    it->second.tokens_per_second.bounds = kSpeedBounds;
    it->second.tokens_per_second.counts.assign(kSpeedBounds.size() + 1, 0);
  }
  return it->second;
}

void Metrics::record_request(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
  auto& d = durations_[route];
  d.first += seconds;
  ++d.second;
}

void Metrics::record_generation(const std::string& model, const GenerationOutcome& o) {
  std::lock_guard lock(mu_);
  ModelCounters& c = counters_for(model);
  c.prompt_tokens += static_cast<uint64_t>(std::max<int64_t>(0, o.stats.prompt_tokens));
  c.cached_prompt_tokens += static_cast<uint64_t>(std::max<int64_t>(0, o.cached_prompt_tokens));
  c.generated_tokens += static_cast<uint64_t>(std::max<int64_t>(0, o.stats.generated_tokens));
  ++c.finished[o.finish_reason];
  if (o.first_token_seconds >= 0) c.ttft.observe(o.first_token_seconds);
  if (o.stats.generated_tokens > 1 && o.stats.generation_seconds > 0)
    c.tokens_per_second.observe(o.stats.generation_tokens_per_second());
}

std::string Metrics::render(const std::vector<ModelGauges>& models) const {
  std::lock_guard lock(mu_);
  std::ostringstream o;
  o << "# HELP playground_http_requests_total HTTP requests by method, route and status.\n"
       "# TYPE playground_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    o << "playground_http_requests_total{method=\"" << label(method) << "\",route=\"" << label(route)
      << "\",status=\"" << status << "\"} " << n << "\n";
  }
  o << "# HELP playground_http_request_duration_seconds Time to answer requests, streams included.\n"
       "# TYPE playground_http_request_duration_seconds summary\n";
  for (const auto& [route, d] : durations_) {
    o << "playground_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} " << num(d.first) << "\n";
    o << "playground_http_request_duration_seconds_count{route=\"" << label(route) << "\"} " << d.second << "\n";
  }
  o << "# HELP playground_models_loaded Models loaded in memory.\n# TYPE playground_models_loaded gauge\n"
    << "playground_models_loaded " << models.size() << "\n";
  o << "# HELP playground_slots Parallel sequences per model.\n# TYPE playground_slots gauge\n";
  for (const auto& m : models) o << "playground_slots{model=\"" << label(m.model) << "\"} " << m.slots << "\n";
  o << "# HELP playground_active_slots Slots running a generation.\n# TYPE playground_active_slots gauge\n";
  for (const auto& m : models)
    o << "playground_active_slots{model=\"" << label(m.model) << "\"} " << m.active_slots << "\n";
  o << "# HELP playground_queue_depth Requests waiting for a slot.\n# TYPE playground_queue_depth gauge\n";
  for (const auto& m : models) o << "playground_queue_depth{model=\"" << label(m.model) << "\"} " << m.queued << "\n";
  o << "# HELP playground_model_weight_bytes Bytes of model weights.\n# TYPE playground_model_weight_bytes gauge\n";
  for (const auto& m : models)
    o << "playground_model_weight_bytes{model=\"" << label(m.model) << "\"} " << m.weight_bytes << "\n";

  o << "# HELP playground_prompt_tokens_total Prompt tokens of finished generations (cached ones included).\n"
       "# TYPE playground_prompt_tokens_total counter\n";
  for (const auto& [model, c] : models_)
    o << "playground_prompt_tokens_total{model=\"" << label(model) << "\"} " << c.prompt_tokens << "\n";
  o << "# HELP playground_prompt_tokens_cached_total Prompt tokens reused from a slot's KV cache.\n"
       "# TYPE playground_prompt_tokens_cached_total counter\n";
  for (const auto& [model, c] : models_)
    o << "playground_prompt_tokens_cached_total{model=\"" << label(model) << "\"} " << c.cached_prompt_tokens << "\n";
  o << "# HELP playground_generated_tokens_total Generated tokens.\n"
       "# TYPE playground_generated_tokens_total counter\n";
  for (const auto& [model, c] : models_)
    o << "playground_generated_tokens_total{model=\"" << label(model) << "\"} " << c.generated_tokens << "\n";
  o << "# HELP playground_generations_total Finished generations by finish reason.\n"
       "# TYPE playground_generations_total counter\n";
  for (const auto& [model, c] : models_)
    for (const auto& [reason, n] : c.finished)
      o << "playground_generations_total{model=\"" << label(model) << "\",finish_reason=\"" << label(reason)
        << "\"} " << n << "\n";
  o << "# HELP playground_time_to_first_token_seconds From arrival to the first sampled token.\n"
       "# TYPE playground_time_to_first_token_seconds histogram\n";
  for (const auto& [model, c] : models_)
    write_histogram(o, "playground_time_to_first_token_seconds", "model=\"" + label(model) + "\"", c.ttft.bounds,
                    c.ttft.counts, c.ttft.sum, c.ttft.count);
  o << "# HELP playground_generation_tokens_per_second Decode speed of each generation.\n"
       "# TYPE playground_generation_tokens_per_second histogram\n";
  for (const auto& [model, c] : models_)
    write_histogram(o, "playground_generation_tokens_per_second", "model=\"" + label(model) + "\"",
                    c.tokens_per_second.bounds, c.tokens_per_second.counts, c.tokens_per_second.sum,
                    c.tokens_per_second.count);
  o << "# HELP playground_process_resident_memory_bytes Resident memory of the server process.\n"
       "# TYPE playground_process_resident_memory_bytes gauge\n"
    << "playground_process_resident_memory_bytes " << process_resident_bytes() << "\n";
  return o.str();
}

uint64_t process_resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  const long page = ::sysconf(_SC_PAGESIZE);
  return resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

}  // namespace pg::app
