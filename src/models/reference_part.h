// The check both pull planners (hf_hub.h, ollama_registry.h) make on each
// part of a model reference (owner, repository, namespace, name, tag): a plain
// name that is safe in a URL path and a file name. Pure; no I/O.
#pragma once

#include <cstddef>
#include <string>

namespace pg::models {

// 1..max_bytes letters, digits, '-', '_' and '.', not starting with '.' or '-'.
bool is_reference_part(const std::string& s, size_t max_bytes);

}  // namespace pg::models
