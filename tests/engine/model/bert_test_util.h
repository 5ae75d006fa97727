// Helpers of the BERT tests: a temporary directory, random-weight encoder
// GGUF files written by models/synth_bert.h into it, and a rewriter that
// copies a GGUF with tensors or metadata changed (to make hostile files).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "models/synth_bert.h"
#include "test_paths.h"

namespace pg::test {

class BertTempDir {
 public:
  BertTempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("pg-bert-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~BertTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string shared_bert_vocab() { return shared_path("testdata/vocab/bert-wordpiece.gguf"); }

// Writes shape `shape` (bert-tiny, nomic-tiny, minilm-l6, ...) as `type` into dir;
// an empty vocab_from uses the built-in vocabulary. Fails the test on error.
inline std::string write_synth_bert(const BertTempDir& dir, const std::string& shape, const std::string& type = "F32",
                                    const std::string& vocab_from = "",
                                    std::optional<PoolingType> pooling = std::nullopt, uint64_t seed = 1) {
  BertSynthOptions o;
  auto s = find_bert_synth_shape(shape);
  EXPECT_TRUE(s.has_value()) << shape;
  if (!s) return "";
  o.shape = *s;
  o.type = type;
  o.vocab_from = vocab_from;
  o.pooling = pooling;
  o.seed = seed;
  o.threads = 1;
  const std::string path = dir.file(shape + "-" + type + "-" + std::to_string(seed) +
                                    (pooling ? "-p" + std::to_string(static_cast<int>(*pooling)) : "") +
                                    (vocab_from.empty() ? "" : "-vocab") + ".gguf");
  auto r = synthesize_bert_model(path, o);
  EXPECT_TRUE(r) << r.error();
  return path;
}

// What a rewrite may change: a tensor's name/type/dims/bytes (return false to drop it).
struct TensorEdit {
  std::string name;
  GgmlType type;
  std::vector<uint64_t> dims;
  std::vector<uint8_t> data;
};

// Copies src to dst, passing every metadata value and tensor through the edits.
inline void rewrite_gguf(const std::string& src, const std::string& dst,
                         const std::function<bool(TensorEdit&)>& edit_tensor,
                         const std::function<void(gguf::GgufWriter&)>& edit_metadata = {}) {
  auto f = gguf::GgufFile::open(src);
  ASSERT_TRUE(f) << f.error();
  gguf::GgufWriter w;
  for (const auto& [key, value] : (*f)->metadata()) w.set(key, value);
  if (edit_metadata) edit_metadata(w);
  for (const auto& t : (*f)->tensors()) {
    TensorEdit e{t.name, t.type, t.dims, std::vector<uint8_t>(t.data, t.data + t.n_bytes)};
    if (edit_tensor && !edit_tensor(e)) continue;
    ASSERT_TRUE(w.add_tensor(e.name, e.type, e.dims, std::move(e.data))) << e.name;
  }
  ASSERT_TRUE(w.write(dst));
}

inline float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

inline double l2_norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

// The encoder a retrieval quality test measures with: PLAYGROUND_EMBED_MODEL
// when set (a trained BERT-family GGUF: the figures mean something), else a
// random-weight bert-tiny written to `dir` (it only exercises the path). path
// is "" when the file could not be written.
struct QualityEncoder {
  std::unique_ptr<BertTempDir> dir;
  std::string path;
  bool trained = false;
};
inline QualityEncoder quality_encoder() {
  QualityEncoder e;
  const char* env_model = std::getenv("PLAYGROUND_EMBED_MODEL");
  if (env_model && *env_model) {
    e.path = env_model;
    e.trained = true;
    return e;
  }
  e.dir = std::make_unique<BertTempDir>();
  e.path = write_synth_bert(*e.dir, "bert-tiny", "F32", shared_available() ? shared_bert_vocab() : "");
  return e;
}

}  // namespace pg::test
