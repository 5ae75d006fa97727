// What the model-listing routes say about a GGUF file: architecture,
// parameter count, dominant weight type, context length, chat template and
// the scalar metadata. Reads metadata only; never loads weights.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg::models {

struct ModelDetails {
  std::string architecture;   // general.architecture
  std::string general_name;   // general.name ("" if none)
  std::string quantization;   // the weight type holding most bytes, e.g. "Q4_K", "F32"
  uint64_t parameters = 0;
  int64_t context_length = 0;  // {arch}.context_length
  int64_t embedding_length = 0;
  int64_t block_count = 0;
  std::string chat_template;  // tokenizer.chat_template ("" if none)
  nlohmann::json metadata;    // scalar metadata keys (arrays left out: vocabularies are huge)
};

ModelDetails describe_gguf(const gguf::GgufFile& file);
// Opens the file (metadata only) and describes it.
Result<ModelDetails> describe_gguf_file(const std::string& path);
// "260K", "1.1B", "7.2B": Ollama's parameter_size style.
std::string format_parameter_count(uint64_t n);

}  // namespace pg::models
