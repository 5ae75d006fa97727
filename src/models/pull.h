// Runs a pull: reference -> plan (Hub or Ollama registry) -> free-disk check
// -> each file downloaded, resumed and verified (download.h) -> aliases and
// source recorded in the registry. Progress for the whole pull (bytes of all
// files, speed, ETA) goes to one callback. A reference with "hf.co/" or
// "huggingface.co/" goes to the Hub, "ollama.com/" or "ollama:" to the
// Ollama registry; without a prefix, "OWNER/REPO[:QUANT]" means the Hub (LM
// Studio's habit) and "NAME[:TAG]" the Ollama library (Ollama's). Never
// lists a model before all its files are verified.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "models/pull_plan.h"
#include "models/registry.h"
#include "util/result.h"

namespace pg::models {

struct PullProgress {
  std::string status;        // "resolving", "downloading", "verifying", "success"
  std::string file;          // the file being fetched
  int file_index = 0, file_count = 0;  // 1-based
  uint64_t completed = 0, total = 0;   // bytes over all files
  double bytes_per_second = 0;
  double eta_seconds = -1;
};

struct PullOptions {
  SourceEndpoints endpoints;
  const std::atomic<bool>* cancel = nullptr;
  int max_attempts = 6;
  std::chrono::milliseconds first_backoff{500};
  std::function<void(const PullProgress&)> on_progress;
  std::function<void(const std::string&)> on_notice;
};

// Whether a reference is well formed, without asking its source: the error
// plan_pull would give for it, or ok.
Status check_pull_reference(const std::string& reference);
// The source a reference names, planned (talks to the source's API).
Result<PullPlan> plan_pull(const std::string& reference, const SourceEndpoints& endpoints);
// Downloads the plan's files into the registry's directory and records the model.
Result<RegistryEntry> execute_pull(const PullPlan& plan, ModelRegistry& registry, const PullOptions& options);
// plan_pull + execute_pull.
Result<RegistryEntry> pull_model(const std::string& reference, ModelRegistry& registry, const PullOptions& options);

}  // namespace pg::models
