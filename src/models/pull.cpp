// Pull orchestration; see pull.h.
#include "models/pull.h"

#include <filesystem>

#include "models/download.h"
#include "models/hf_hub.h"
#include "models/ollama_registry.h"
#include "util/sha256.h"

namespace pg::models {
namespace fs = std::filesystem;

namespace {

enum class Source { Hub, Ollama };

// Which planner takes a reference, and the reference as that planner reads it.
Result<std::pair<Source, std::string>> route_reference(const std::string& reference) {
  if (reference.empty() || reference.size() > 400) return Error{"a model reference must be 1-400 characters"};
  if (is_hf_reference(reference)) return std::pair(Source::Hub, reference);
  if (is_ollama_reference(reference)) return std::pair(Source::Ollama, reference);
  if (reference.find("://") != std::string::npos)
    return Error{"'" + reference + "': pull takes hf.co/OWNER/REPO[:QUANT], hf.co/OWNER/REPO/FILE.gguf or ollama.com/library/NAME[:TAG]"};
  if (reference.find('/') != std::string::npos) return std::pair(Source::Hub, "hf.co/" + reference);
  return std::pair(Source::Ollama, "ollama:" + reference);
}

}  // namespace

Status check_pull_reference(const std::string& reference) {
  auto routed = route_reference(reference);
  if (!routed) return Status::error(routed.error());
  // The parsers take the reference as typed too (their prefixes are optional),
  // so the error quotes what the user wrote, not the routed form.
  if (routed->first == Source::Hub) return parse_hf_reference(reference).status();
  return parse_ollama_reference(reference).status();
}

Result<PullPlan> plan_pull(const std::string& reference, const SourceEndpoints& endpoints) {
  auto routed = route_reference(reference);
  if (!routed) return Error{routed.error()};
  return routed->first == Source::Hub ? plan_hf_pull(routed->second, endpoints)
                                      : plan_ollama_pull(routed->second, endpoints);
}

Result<RegistryEntry> execute_pull(const PullPlan& plan, ModelRegistry& registry, const PullOptions& options) {
  std::error_code ec;
  fs::create_directories(registry.partial_dir(), ec);
  if (ec) return Error{"cannot create " + registry.partial_dir() + ": " + ec.message()};
  // Free disk for what is still missing, before the first byte.
  uint64_t missing = 0;
  for (const PlannedFile& f : plan.files) {
    const fs::path dest = fs::path(registry.models_dir()) / f.file_name;
    if (fs::exists(dest, ec)) continue;
    const uint64_t have = fs::exists(partial_file_path(registry.partial_dir(), dest.string()), ec)
                              ? fs::file_size(partial_file_path(registry.partial_dir(), dest.string()), ec)
                              : 0;
    if (f.size > have) missing += f.size - have;
  }
  const auto space = fs::space(registry.models_dir(), ec);
  if (!ec && missing > 0 && space.available < missing + (64u << 20))
    return Error{"not enough free disk space in " + registry.models_dir() + " to pull " + plan.reference + ": " +
                 std::to_string(missing) + " bytes needed (plus 64 MiB to spare), " + std::to_string(space.available) +
                 " available"};

  PullProgress progress;
  progress.file_count = static_cast<int>(plan.files.size());
  progress.total = plan.total_bytes();
  uint64_t finished_bytes = 0;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const PlannedFile& f = plan.files[i];
    const fs::path dest = fs::path(registry.models_dir()) / f.file_name;
    progress.file = f.file_name;
    progress.file_index = static_cast<int>(i + 1);
    // A file already in place is kept when its size and sha256 say it is the same one.
    if (fs::exists(dest, ec) && (f.size == 0 || fs::file_size(dest, ec) == f.size)) {
      progress.status = "verifying";
      if (options.on_progress) options.on_progress(progress);
      auto digest = sha256_of_file(dest.string(), options.cancel);
      if (digest && (f.sha256.empty() || *digest == f.sha256)) {
        finished_bytes += fs::file_size(dest, ec);
        continue;
      }
    }
    DownloadRequest req;
    req.url = f.url;
    req.dest_path = dest.string();
    req.partial_dir = registry.partial_dir();
    req.expected_sha256 = f.sha256;
    req.expected_size = f.size;
    req.bearer = plan.bearer;
    req.max_attempts = options.max_attempts;
    req.first_backoff = options.first_backoff;
    req.cancel = options.cancel;
    req.on_notice = options.on_notice;
    req.on_progress = [&](const DownloadProgress& p) {
      progress.status = "downloading";
      progress.completed = finished_bytes + p.done;
      if (progress.total < progress.completed) progress.total = finished_bytes + p.total;
      progress.bytes_per_second = p.bytes_per_second;
      progress.eta_seconds = p.bytes_per_second > 0 && progress.total >= progress.completed
                                 ? (progress.total - progress.completed) / p.bytes_per_second
                                 : -1;
      if (options.on_progress) options.on_progress(progress);
    };
    auto done = download_file(req);
    if (!done) return done.status();
    finished_bytes += done->size;
  }
  for (const std::string& alias : plan.aliases)
    if (auto s = registry.set_alias(alias, plan.model_name); !s) return s;
  nlohmann::json source = plan.source;
  source["pulled_at"] = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto s = registry.record_source(plan.model_name, source); !s) return s;
  auto entry = registry.find(plan.model_name, true);
  if (!entry) return Error{"pulled " + plan.reference + " but " + plan.model_name + " is not listed in " + registry.models_dir()};
  progress.status = "success";
  progress.completed = progress.total = entry->size_bytes;
  progress.eta_seconds = 0;
  if (options.on_progress) options.on_progress(progress);
  return *entry;
}

Result<RegistryEntry> pull_model(const std::string& reference, ModelRegistry& registry, const PullOptions& options) {
  auto plan = plan_pull(reference, options.endpoints);
  if (!plan) return plan.status();
  return execute_pull(*plan, registry, options);
}

}  // namespace pg::models
