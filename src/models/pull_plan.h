// What one `pull` will fetch: the files (URL, final file name, sha256, size),
// the model name they make, the aliases to record and where they came from.
// Built from a reference by the Hugging Face Hub planner (hf_hub.h) or the
// Ollama registry planner (ollama_registry.h); executed by pull.h. Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/env_lookup.h"

namespace pg::models {

struct PlannedFile {
  std::string url;
  std::string file_name;  // inside models_dir; a plain name, checked by the planner
  std::string sha256;     // expected; "" when the source gives none (then taken from the download's headers)
  uint64_t size = 0;      // expected; 0 unknown
};

struct PullPlan {
  std::string reference;          // as the user wrote it
  std::string model_name;         // the file stem the model will be listed under
  std::vector<PlannedFile> files;
  std::vector<std::string> aliases;
  nlohmann::json source;          // recorded in the registry
  std::string bearer;             // token for the source's own host ("" none)
  uint64_t total_bytes() const {
    uint64_t n = 0;
    for (const auto& f : files) n += f.size;
    return n;
  }
};

// Where the planners look; defaults are the public services. Tests point them at loopback.
struct SourceEndpoints {
  std::string hf_endpoint = "https://huggingface.co";     // HF_ENDPOINT
  std::string hf_token;                                    // HF_TOKEN
  std::string ollama_registry = "https://registry.ollama.ai";  // PLAYGROUND_OLLAMA_REGISTRY
};
// The endpoints from the environment (HF_ENDPOINT, HF_TOKEN, PLAYGROUND_OLLAMA_REGISTRY).
SourceEndpoints endpoints_from(const EnvLookup& env);

}  // namespace pg::models
