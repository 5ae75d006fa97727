// What ingestion and retrieval need of an embedding model: its name, the
// vector size, its own token count of a text (chunk sizes are measured in the
// embedding model's tokens) and a batch of texts in, one unit-length vector per
// text out. Implemented over the server's models (our engine's encoder and
// decoder models; remote providers later). Never caches, never truncates
// silently: a text longer than max_tokens() is the caller's to split.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace pg::rag {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual const std::string& model_name() const = 0;
  virtual int dimension() const = 0;
  // The most tokens one text may have (the model's context).
  virtual int max_tokens() const = 0;
  virtual size_t count_tokens(std::string_view text) const = 0;
  virtual Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) = 0;
};

}  // namespace pg::rag
