// Small synthetic GGUF files for the model-management tests, made once per
// test program with `playground synth`'s code and kept in memory. Tests only.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "models/synth.h"

namespace pg::test {

// The bytes of a custom llama model: dim 256 and 2 layers at F16 is about 3.6 MB.
inline const std::string& synthetic_gguf(int64_t dim = 256, int64_t layers = 2, uint64_t seed = 1,
                                         const std::string& type = "F16") {
  static std::mutex mu;
  static std::map<std::string, std::string> made;
  const std::string key = std::to_string(dim) + "/" + std::to_string(layers) + "/" + std::to_string(seed) + "/" + type;
  std::lock_guard lock(mu);
  if (auto it = made.find(key); it != made.end()) return it->second;
  SynthOptions o;
  o.shape.name = "custom";
  o.shape.dim = dim;
  o.shape.layers = layers;
  o.shape.heads = 4;
  o.shape.kv_heads = 4;
  o.shape.ffn = dim * 2;
  o.shape.vocab = 1000;
  o.shape.ctx = 512;
  o.type = type;
  o.seed = seed;
  o.threads = 1;
  const auto path = std::filesystem::temp_directory_path() /
                    ("pg_synth_" + std::to_string(::getpid()) + "_" + std::to_string(made.size()) + ".gguf");
  auto r = synthesize_model(path.string(), o);
  EXPECT_TRUE(r) << (r ? "" : r.error());
  std::ifstream in(path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  return made[key] = std::move(bytes);
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace pg::test
