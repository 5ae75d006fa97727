// Ollama registry planning: `ollama.com/library/NAME:TAG`,
// `ollama.com/NAMESPACE/NAME:TAG` or `ollama:NAME[:TAG]`. Reads the manifest
// (`/v2/NAMESPACE/NAME/manifests/TAG`), takes the layer of mediaType
// application/vnd.ollama.image.model as the GGUF blob
// (`/v2/NAMESPACE/NAME/blobs/sha256:...`, verified against its digest), and
// fetches the small template, system and params layers (each verified) so
// they are recorded with the model. Never downloads the model blob itself.
#pragma once

#include <string>

#include "models/pull_plan.h"
#include "util/result.h"

namespace pg::models {

bool is_ollama_reference(const std::string& ref);
// An Ollama reference taken apart (no network): [NAMESPACE/]NAME[:TAG],
// namespace "library" and tag "latest" when not given.
struct OllamaReference {
  std::string ns, name, tag;
};
Result<OllamaReference> parse_ollama_reference(const std::string& ref);
Result<PullPlan> plan_ollama_pull(const std::string& ref, const SourceEndpoints& endpoints);

}  // namespace pg::models
