// KV caches of other types than F16 (llama.cpp's -ctk/-ctv): names, sizes and
// the head-size check; and how close the logits of tiny models of
// ../shared/testdata/arch stay with q8_0 and q4_0 caches, next to llama.cpp.
//
// tests/engine/model/data/kv-cache-llamacpp-logits.json holds, per model, 40
// prompts (the four of the arch references and 36 of random ids, 8 to 160
// tokens) with llama.cpp's distance of its quantized-cache logits (flash
// attention on, which llama.cpp needs for a quantized V cache) from its
// F16-cache logits (flash attention off, the arch references' setting):
// max |logit difference| at the last position; and mixtral's quantized-cache
// logits for five prompts. Made with llama.cpp 3f545becc through its llama.h
// (llama_decode of the whole prompt, n_ubatch 512, 2 threads); the program and
// its use are described in docs/BENCHMARKS.md, "KV cache types".
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/model/inference_session.h"
#include "engine/model/kv_cache_type.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

TEST(KvCacheType, NamesSizesAndTheHeadSizeCheck) {
  for (KvCacheType t : kv_cache_types()) EXPECT_EQ(kv_cache_type_from_name(kv_cache_type_name(t)), t);
  EXPECT_EQ(kv_cache_type_from_name("Q8_0"), KvCacheType::Q8_0);
  EXPECT_FALSE(kv_cache_type_from_name("q5_1"));
  EXPECT_FALSE(kv_cache_type_from_name(""));
  EXPECT_EQ(kv_cache_type_names(), "f16, f32, q8_0, q4_0");
  EXPECT_EQ(kv_cache_row_bytes(KvCacheType::F32, 64), 256u);
  EXPECT_EQ(kv_cache_row_bytes(KvCacheType::F16, 64), 128u);
  EXPECT_EQ(kv_cache_row_bytes(KvCacheType::Q8_0, 64), 68u);
  EXPECT_EQ(kv_cache_row_bytes(KvCacheType::Q4_0, 64), 36u);
  EXPECT_TRUE(check_kv_cache_type(KvCacheType::Q8_0, 128));
  EXPECT_TRUE(check_kv_cache_type(KvCacheType::F16, 48));
  const Status s = check_kv_cache_type(KvCacheType::Q4_0, 48);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.reason(), "invalid_cache_type");
  EXPECT_NE(s.message().find("48"), std::string::npos) << s.message();
}

nlohmann::json load_reference() {
  std::ifstream in(test::source_dir() + "/tests/engine/model/data/kv-cache-llamacpp-logits.json");
  return nlohmann::json::parse(in);
}

double max_abs_diff(std::span<const float> a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = std::fabs(static_cast<double>(a[i]) - b[i]);
    d = std::isnan(x) ? INFINITY : std::max(d, x);
  }
  return d;
}

std::vector<float> logits_with(const LlamaModel& m, ThreadPool& pool, KvCacheType type, const std::vector<int32_t>& ids,
                               std::optional<kernels::KernelPath> path = std::nullopt) {
  SessionOptions o;
  o.n_ctx = 512;
  o.type_k = o.type_v = type;
  o.kernel_path = path;
  InferenceSession s(m, pool, o);
  EXPECT_TRUE(s.eval(ids).is_ok());
  return std::vector<float>(s.last_logits().begin(), s.last_logits().end());
}

// Two engines whose inputs to the cache agree to float rounding (see
// ArchFidelity) still quantize a few values to different sides of a rounding
// step, which moves these random-weight models' logits by a few hundredths, or
// much more where it flips an expert choice. So the engines are compared the
// way the issue asks: each one's distance from its own F16-cache logits,
// averaged over 200 prompts of 5 models; ours within 1.25 times llama.cpp's
// (the spread of such means between two runs of different rounding). Every
// figure is printed, per model too (docs/BENCHMARKS.md, "KV cache types").
TEST(KvCacheFidelity, QuantizedCachesStayAsCloseToF16AsLlamaCppDoes) {
  PG_REQUIRE_SHARED();
  const nlohmann::json ref = load_reference();
  ThreadPool pool(2);
  double ours_sum[2] = {}, theirs_sum[2] = {};
  int cases = 0;
  for (const auto& [file, prompts] : ref["models"].items()) {
    auto model = LlamaModel::load(test::shared_path("testdata/arch/" + file));
    ASSERT_TRUE(model) << model.error();
    double ours[2] = {}, theirs[2] = {};
    for (const auto& c : prompts) {
      const std::vector<int32_t> ids = c["prompt_ids"];
      const std::vector<float> f16 = logits_with(**model, pool, KvCacheType::F16, ids);
      for (int k = 0; k < 2; ++k) {
        const char* name = k == 0 ? "q8_0" : "q4_0";
        ours[k] += max_abs_diff(logits_with(**model, pool, *kv_cache_type_from_name(name), ids), f16);
        theirs[k] += c[name].get<double>();
      }
    }
    const double n = static_cast<double>(prompts.size());
    std::printf("[ kv ] %-18s mean max|logit - F16-cache logit| over %zu prompts: q8_0 ours %.4f, llama.cpp %.4f; "
                "q4_0 ours %.4f, llama.cpp %.4f\n",
                file.c_str(), prompts.size(), ours[0] / n, theirs[0] / n, ours[1] / n, theirs[1] / n);
    for (int k = 0; k < 2; ++k) ours_sum[k] += ours[k], theirs_sum[k] += theirs[k];
    cases += static_cast<int>(prompts.size());
  }
  EXPECT_EQ(cases, 200);
  for (int k = 0; k < 2; ++k) {
    std::printf("[ kv ] all %d prompts, %s: ours %.4f, llama.cpp %.4f\n", cases, k == 0 ? "q8_0" : "q4_0",
                ours_sum[k] / cases, theirs_sum[k] / cases);
    EXPECT_LE(ours_sum[k] / cases, 1.25 * theirs_sum[k] / cases) << (k == 0 ? "q8_0" : "q4_0");
  }
}

// Where both engines feed the cache the same bits (mixtral's tiny model: its
// F16 logits agree with llama.cpp's to 1e-5), the quantized caches give
// llama.cpp's logits: the same block quantizers, the query quantized to Q8_0
// for the key products, the values dequantized, as GGML's flash attention.
TEST(KvCacheFidelity, SameInputsGiveLlamaCppsQuantizedCacheLogits) {
  PG_REQUIRE_SHARED();
  const nlohmann::json ref = load_reference();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/mixtral-F16.gguf"));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  for (const auto& c : ref["logits"]["mixtral-F16.gguf"])
    for (const char* name : {"q8_0", "q4_0"}) {
      const std::vector<float> want = c[name];
      EXPECT_LE(max_abs_diff(logits_with(**model, pool, *kv_cache_type_from_name(name), c["prompt_ids"]), want), 0.003)
          << name << ", " << c["prompt_ids"].size() << " tokens";
    }
}

// Every kernel path this CPU has (scalar, AVX2, AVX-512) computes the block
// products exactly; the rest differs by float rounding, which a rounding step
// of the cache may amplify: each path stays as close to its F16-cache logits
// as llama.cpp does, over qwen3's 40 prompts.
TEST(KvCacheQuantized, EveryKernelPathStaysAsCloseToF16) {
  PG_REQUIRE_SHARED();
  const nlohmann::json ref = load_reference();
  const nlohmann::json& prompts = ref["models"]["qwen3-F16.gguf"];
  auto model = LlamaModel::load(test::shared_path("testdata/arch/qwen3-F16.gguf"));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  double theirs = 0;
  for (const auto& c : prompts) theirs += c["q8_0"].get<double>();
  for (kernels::KernelPath path : kernels::supported_kernel_paths()) {
    double ours = 0;
    for (const auto& c : prompts) {
      const std::vector<int32_t> ids = c["prompt_ids"];
      ours += max_abs_diff(logits_with(**model, pool, KvCacheType::Q8_0, ids, path),
                           logits_with(**model, pool, KvCacheType::F16, ids, path));
    }
    EXPECT_LE(ours, 1.25 * theirs) << kernels::kernel_path_name(path);
  }
}

// A prompt evaluated at once, in chunks, and token by token past the sliding
// window (the ring wraps) gives the same logits with a q4_0 cache; sequences
// decoded side by side give exactly what each gives alone.
TEST(KvCacheQuantized, ChunksRingsAndBatchedDecodeKeepTheirResults) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/gpt-oss-F16.gguf"));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const nlohmann::json ref = load_reference();
  std::vector<int32_t> ids;  // the longest prompt: 160 tokens, 20 windows of 8
  for (const auto& c : ref["models"]["gpt-oss-F16.gguf"])
    if (c["prompt_ids"].size() > ids.size()) ids = c["prompt_ids"].get<std::vector<int32_t>>();
  ASSERT_GE(ids.size(), 160u);
  SessionOptions o;
  o.n_ctx = 512;
  o.max_batch = 16;
  o.type_k = KvCacheType::Q8_0;
  o.type_v = KvCacheType::Q4_0;
  InferenceSession whole(**model, pool, o), chunked(**model, pool, o);
  ASSERT_TRUE(whole.eval(ids).is_ok());
  for (size_t at = 0; at < ids.size(); at += 7) {
    const size_t n = std::min<size_t>(7, ids.size() - at);
    ASSERT_TRUE(chunked.eval(std::span<const int32_t>(ids.data() + at, n)).is_ok());
  }
  EXPECT_EQ(std::vector<float>(whole.last_logits().begin(), whole.last_logits().end()),
            std::vector<float>(chunked.last_logits().begin(), chunked.last_logits().end()));

  // Two sequences decoded together, then each alone.
  InferenceSession a(**model, pool, o), b(**model, pool, o), a_alone(**model, pool, o), b_alone(**model, pool, o);
  const std::span<const int32_t> pa(ids.data(), 40), pb(ids.data() + 40, 25);
  for (auto [s, p] : {std::pair{&a, pa}, std::pair{&b, pb}, std::pair{&a_alone, pa}, std::pair{&b_alone, pb}})
    ASSERT_TRUE(s->eval(p).is_ok());
  for (int step = 0; step < 12; ++step) {
    const int32_t next[2] = {ids[100 + step], ids[130 + step]};
    InferenceSession* both[2] = {&a, &b};
    ASSERT_TRUE(InferenceSession::eval_generated_batch(both, next).is_ok());
    ASSERT_TRUE(a_alone.eval_generated(std::span<const int32_t>(&next[0], 1)).is_ok());
    ASSERT_TRUE(b_alone.eval_generated(std::span<const int32_t>(&next[1], 1)).is_ok());
    EXPECT_EQ(std::vector<float>(a.last_logits().begin(), a.last_logits().end()),
              std::vector<float>(a_alone.last_logits().begin(), a_alone.last_logits().end()))
        << "step " << step;
    EXPECT_EQ(std::vector<float>(b.last_logits().begin(), b.last_logits().end()),
              std::vector<float>(b_alone.last_logits().begin(), b_alone.last_logits().end()))
        << "step " << step;
  }
}

// The cache takes what its types say: q8_0 34 bytes and q4_0 18 bytes per 32
// values, against F16's 64; a type the heads cannot take falls back to F16.
TEST(KvCacheQuantized, CacheBytesFollowTheTypes) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/qwen3-F16.gguf"));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  auto bytes = [&](KvCacheType k, KvCacheType v) {
    SessionOptions o;
    o.n_ctx = 256;
    o.type_k = k;
    o.type_v = v;
    return InferenceSession(**model, pool, o).kv_cache_bytes();
  };
  const uint64_t f16 = bytes(KvCacheType::F16, KvCacheType::F16);
  EXPECT_EQ(bytes(KvCacheType::Q8_0, KvCacheType::Q8_0) * 64, f16 * 34);
  EXPECT_EQ(bytes(KvCacheType::Q4_0, KvCacheType::Q4_0) * 64, f16 * 18);
  EXPECT_EQ(bytes(KvCacheType::F32, KvCacheType::Q8_0) * 128, f16 * (128 + 34));

  auto demo = LlamaModel::load(test::source_dir() + "/models/demo/stories260K.gguf");
  ASSERT_TRUE(demo) << demo.error();
  ASSERT_FALSE(check_kv_cache_type(KvCacheType::Q8_0, (*demo)->config().head_dim));  // heads of 8 values
  SessionOptions o;
  o.type_k = o.type_v = KvCacheType::Q8_0;
  InferenceSession fallback(**demo, pool, o), f16_session(**demo, pool, SessionOptions{});
  EXPECT_EQ(fallback.kv_cache_bytes(), f16_session.kv_cache_bytes());
}

}  // namespace
}  // namespace pg
