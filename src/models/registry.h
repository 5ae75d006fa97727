// The models directory as a catalogue: every *.gguf file in it (split sets
// "-00001-of-0000N" as one model named by the first part) with metadata read
// from the file header (architecture, parameters, quantization, context
// length, chat template), its sha256 (computed once, cached by file name,
// size and modification time), its aliases ("mistral:7b-instruct-q4_K_M"),
// where it was pulled from, and the default model. The aliases, sources, the
// default and the sha256 cache live in one small JSON manifest
// (<models_dir>/.playground-models.json), changed under a file lock so a CLI
// and a server can share the directory. Downloads in progress live in
// <models_dir>/.partial and are never listed. Never loads weights; never
// touches files outside models_dir.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace pg::models {

struct RegistryEntry {
  std::string name;    // file stem (of the first part for split sets)
  std::string path;    // the first (or only) file
  std::vector<std::string> parts;  // every file of a split set, in order; just `path` otherwise
  uint64_t size_bytes = 0;         // all parts
  int64_t modified_unix = 0;
  std::vector<std::string> aliases;
  bool is_default = false;
  bool builtin = false;  // the built-in demo model (models/model_resolver.h), not a file of models_dir
  std::string sha256;  // of the first part; "" until computed (list(true) computes it)
  nlohmann::json source;  // {"type":"hf"|"ollama","ref":...,...}; null for files put there by hand
  // From the header (empty/0 when the file does not parse; `error` says why).
  std::string architecture, general_name, quantization;
  uint64_t parameters = 0;
  int64_t context_length = 0;
  bool has_chat_template = false;
  std::string error;
};

class ModelRegistry {
 public:
  explicit ModelRegistry(std::string models_dir);

  const std::string& models_dir() const { return dir_; }
  std::string partial_dir() const;  // <models_dir>/.partial

  // Every model, by name. with_sha256 computes (and caches) missing digests;
  // with_metadata false skips reading the headers (names, files, aliases only).
  std::vector<RegistryEntry> list(bool with_sha256 = false, const std::atomic<bool>* stop = nullptr,
                                  bool with_metadata = true) const;
  // A model by name, alias or name + ":latest"; nullopt when unknown.
  std::optional<RegistryEntry> find(const std::string& name_or_alias, bool with_sha256 = false) const;
  // The file stem a name or alias stands for (without checking metadata).
  std::optional<std::string> resolve(const std::string& name_or_alias) const;

  Status set_alias(const std::string& alias, const std::string& name);
  Status remove_alias(const std::string& alias);
  Status set_default(const std::string& name);  // "" clears
  std::string default_name() const;             // "" when none set
  Status record_source(const std::string& name, const nlohmann::json& source);
  // Deletes the model's files, its aliases, source and cached digest. Returns the removed paths.
  Result<std::vector<std::string>> remove(const std::string& name_or_alias);

  // Aliases must be 1-200 printable characters without '/', '\\' or spaces.
  static bool valid_alias(const std::string& alias);
  // A file stem that may be used as a model name (no path parts, no leading dot).
  static bool valid_name(const std::string& name);

 private:
  nlohmann::json read_manifest() const;
  Status update_manifest(const std::function<void(nlohmann::json&)>& change) const;
  std::vector<RegistryEntry> scan() const;

  std::string dir_;
};

// An entry for a single GGUF file outside any models directory (the built-in
// demo model): size, header metadata, its sha256 when asked (not cached).
RegistryEntry describe_entry(const std::string& name, const std::string& path, bool with_sha256);

// Splits "name-00001-of-00003" into ("name", 1, 3); nullopt when not a split part.
struct SplitPart {
  std::string base;
  int index = 0, count = 0;
};
std::optional<SplitPart> parse_split_name(const std::string& stem);

}  // namespace pg::models
