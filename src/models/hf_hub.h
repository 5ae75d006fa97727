// Hugging Face Hub planning: `hf.co/OWNER/REPO[:QUANT]` or
// `hf.co/OWNER/REPO/PATH/FILE.gguf` (also huggingface.co/...). Lists the
// repository through `/api/models/OWNER/REPO/tree/main?recursive=true` (file
// sizes and LFS sha256), picks the quantization (the one asked for, else
// Q4_K_M when present, else the first of a preference list), takes every part
// of a split GGUF, and points each file at `/OWNER/REPO/resolve/main/PATH`.
// Also the Hub's model search, GGUF only. Sends HF_TOKEN only to the Hub.
// Never downloads model files itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/pull_plan.h"
#include "util/result.h"

namespace pg::models {

// True for references the Hub planner takes ("hf.co/...", "huggingface.co/...").
bool is_hf_reference(const std::string& ref);

// A Hub reference taken apart (no network): OWNER/REPO with an optional
// quantization (upper case, "" for none) or a .gguf file path in the repository.
struct HfReference {
  std::string owner, repo, quant, file_path;
};
Result<HfReference> parse_hf_reference(const std::string& ref);
Result<PullPlan> plan_hf_pull(const std::string& ref, const SourceEndpoints& endpoints);
// The quantization label in a GGUF file name ("Q4_K_M", "IQ4_XS", "F16", "BF16"), upper case; "" if none.
std::string quant_label(const std::string& file_name);
// Hub search: up to `limit` GGUF repositories matching `query`, as
// [{"id","downloads","likes","updated_at","pull"}].
Result<nlohmann::json> search_hf(const std::string& query, int limit, const SourceEndpoints& endpoints);

}  // namespace pg::models
