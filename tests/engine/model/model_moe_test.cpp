// Mixture-of-experts models: the router's choice and weights for each gating
// family, that a token never reads an expert it did not choose, the old
// one-tensor-per-expert Mixtral layout, and clear errors for hostile MoE
// metadata and tensors. Fidelity with llama.cpp is model_arch_fidelity_test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "engine/gguf/gguf.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "engine/model/moe_ffn.h"
#include "engine/quant/fp16.h"
#include "test_paths.h"

namespace pg {
namespace {

ModelConfig router_config(int64_t n, int64_t k, ExpertGating gating, bool norm) {
  ModelConfig c;
  c.n_expert = n;
  c.n_expert_used = k;
  c.expert_gating = gating;
  c.expert_weights_norm = norm;
  return c;
}

TEST(MoeRouting, SoftmaxTopKRenormalizedSumsToOneInDescendingOrder) {
  const ModelConfig c = router_config(8, 3, ExpertGating::Softmax, true);
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.5f, 0.3f, 3.0f, -0.5f, 0.0f};
  std::vector<ExpertChoice> out(3);
  route_token(c, logits.data(), out.data());
  EXPECT_EQ(out[0].expert, 5);
  EXPECT_EQ(out[1].expert, 1);
  EXPECT_EQ(out[2].expert, 3);
  // softmax then renormalization over the chosen = softmax over the chosen logits.
  const double z = std::exp(3.0) + std::exp(2.0) + std::exp(1.5);
  EXPECT_NEAR(out[0].weight, std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(out[1].weight, std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(out[0].weight + out[1].weight + out[2].weight, 1.0, 1e-6);
}

TEST(MoeRouting, SoftmaxWithoutNormKeepsTheFullSoftmaxWeights) {
  const ModelConfig c = router_config(4, 2, ExpertGating::Softmax, false);
  std::vector<float> logits = {1.0f, 0.0f, 2.0f, -1.0f};
  std::vector<ExpertChoice> out(2);
  route_token(c, logits.data(), out.data());
  const double z = std::exp(1.0) + 1.0 + std::exp(2.0) + std::exp(-1.0);
  EXPECT_EQ(out[0].expert, 2);
  EXPECT_NEAR(out[0].weight, std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(out[1].weight, std::exp(1.0) / z, 1e-6);
}

TEST(MoeRouting, GptOssSoftmaxOverTheChosenLogits) {
  const ModelConfig c = router_config(6, 2, ExpertGating::SoftmaxOfChosen, false);
  std::vector<float> logits = {-3.0f, 4.0f, 0.5f, 4.5f, -10.0f, 1.0f};
  std::vector<ExpertChoice> out(2);
  route_token(c, logits.data(), out.data());
  EXPECT_EQ(out[0].expert, 3);
  EXPECT_EQ(out[1].expert, 1);
  EXPECT_NEAR(out[0].weight, 1.0 / (1.0 + std::exp(-0.5)), 1e-6);
  EXPECT_NEAR(out[1].weight, 1.0 / (1.0 + std::exp(0.5)), 1e-6);
}

TEST(MoeRouting, SigmoidGatingTiesAndScale) {
  ModelConfig c = router_config(4, 2, ExpertGating::Sigmoid, false);
  c.expert_weights_scale = 2.5f;
  std::vector<float> logits = {0.0f, 1.0f, 1.0f, -2.0f};  // a tie: the lower id first
  std::vector<ExpertChoice> out(2);
  route_token(c, logits.data(), out.data());
  EXPECT_EQ(out[0].expert, 1);
  EXPECT_EQ(out[1].expert, 2);
  EXPECT_NEAR(out[0].weight, 2.5 / (1.0 + std::exp(-1.0)), 1e-6);
}

TEST(MoeRouting, NormalizationClampsATinySum) {
  const ModelConfig c = router_config(3, 1, ExpertGating::Sigmoid, true);
  std::vector<float> logits = {-30.0f, -40.0f, -50.0f};  // sigmoid ≈ 9e-14
  std::vector<ExpertChoice> out(1);
  route_token(c, logits.data(), out.data());
  EXPECT_EQ(out[0].expert, 0);
  EXPECT_NEAR(out[0].weight, (1.0 / (1.0 + std::exp(30.0))) / 6.103515625e-5, 1e-12);
}

// Rewrites a reference file, letting `edit` change any tensor's bytes and
// `keep` drop tensors; `extra` adds tensors after.
struct TensorOut {
  std::string name;
  GgmlType type;
  std::vector<uint64_t> dims;
  std::vector<uint8_t> bytes;
};
Result<std::unique_ptr<LlamaModel>> rewrite(
    const std::string& file, const std::function<void(TensorOut&)>& edit,
    const std::function<std::vector<TensorOut>(const TensorOut&)>& split = {},
    const std::vector<std::pair<std::string, gguf::Value>>& metadata = {}) {
  auto f = gguf::GgufFile::open(test::shared_path("testdata/arch/" + file));
  if (!f) return f.status();
  gguf::GgufWriter w;
  for (const auto& [k, v] : (*f)->metadata()) w.set(k, v);
  for (const auto& [k, v] : metadata) w.set(k, v);
  for (const auto& t : (*f)->tensors()) {
    TensorOut o{t.name, t.type, t.dims, std::vector<uint8_t>(t.data, t.data + t.n_bytes)};
    if (edit) edit(o);
    std::vector<TensorOut> parts = split ? split(o) : std::vector<TensorOut>{o};
    for (auto& p : parts)
      if (Status s = w.add_tensor(p.name, p.type, p.dims, std::move(p.bytes)); !s) return s;
  }
  auto out = w.to_bytes();
  if (!out) return out.status();
  auto g = gguf::GgufFile::from_bytes(std::move(*out));
  if (!g) return g.status();
  return LlamaModel::from_file(std::move(*g));
}

std::vector<float> logits_of(const LlamaModel& m, const std::vector<int32_t>& ids, int64_t max_batch = 512) {
  ThreadPool pool(2);
  InferenceSession s(m, pool, SessionOptions{.n_ctx = 256, .max_batch = max_batch});
  EXPECT_TRUE(s.eval(ids).is_ok());
  return {s.last_logits().begin(), s.last_logits().end()};
}

const std::vector<int32_t> kPrompt = {1, 300, 42, 77, 410, 19, 260, 261, 5, 88, 123};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The router bias of gpt-oss forces experts 0 and 1 on every token; experts
// 2..7 are then filled with NaN (never read: the logits stay those of the file
// with those experts zeroed, bit for bit), on the prompt and the decode path.
TEST(MoeExperts, UnchosenExpertsAreNeverRead) {
  PG_REQUIRE_SHARED();
  auto with_fill = [](uint16_t fill) {
    return [fill](TensorOut& t) {
      if (ends_with(t.name, "ffn_gate_inp.bias")) {
        std::vector<float> bias(8, 0.0f);
        bias[0] = 200.0f;
        bias[1] = 190.0f;
        std::memcpy(t.bytes.data(), bias.data(), 32);
      }
      if (ends_with(t.name, "_exps.weight")) {
        const size_t per_expert = t.bytes.size() / 8;
        uint16_t* v = reinterpret_cast<uint16_t*>(t.bytes.data() + 2 * per_expert);
        std::fill(v, v + 6 * per_expert / 2, fill);
      }
    };
  };
  auto nan_model = rewrite("gpt-oss-F16.gguf", with_fill(0x7e00));
  auto zero_model = rewrite("gpt-oss-F16.gguf", with_fill(0));
  ASSERT_TRUE(nan_model) << nan_model.error();
  ASSERT_TRUE(zero_model) << zero_model.error();
  const std::vector<float> want = logits_of(**zero_model, kPrompt);
  for (float v : want) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(logits_of(**nan_model, kPrompt), want);
  EXPECT_EQ(logits_of(**nan_model, kPrompt, 1), logits_of(**zero_model, kPrompt, 1));
}

// Old Mixtral files store each expert as its own 2-D tensor
// (blk.N.ffn_gate.E.weight); they compute exactly what the merged layout does.
TEST(MoeExperts, OneTensorPerExpertLayoutEqualsMergedTensors) {
  PG_REQUIRE_SHARED();
  auto split = [](const TensorOut& t) {
    std::vector<TensorOut> out;
    const std::string suffix = "_exps.weight";
    if (!ends_with(t.name, suffix)) return std::vector<TensorOut>{t};
    const std::string stem = t.name.substr(0, t.name.size() - suffix.size());  // blk.N.ffn_gate
    const size_t per = t.bytes.size() / t.dims[2];
    for (uint64_t e = 0; e < t.dims[2]; ++e)
      out.push_back({stem + "." + std::to_string(e) + ".weight", t.type, {t.dims[0], t.dims[1]},
                     std::vector<uint8_t>(t.bytes.begin() + e * per, t.bytes.begin() + (e + 1) * per)});
    return out;
  };
  auto merged = rewrite("mixtral-F16.gguf", {});
  auto legacy = rewrite("mixtral-F16.gguf", {}, split);
  ASSERT_TRUE(merged) << merged.error();
  ASSERT_TRUE(legacy) << legacy.error();
  EXPECT_EQ(logits_of(**legacy, kPrompt), logits_of(**merged, kPrompt));
}

TEST(MoeExpertsCorrupt, HostileExpertFilesAreRefusedClearly) {
  PG_REQUIRE_SHARED();
  using V = gguf::Value;
  // A missing or mis-shaped expert tensor, a missing router.
  auto drop_down = rewrite("qwen3moe-F16.gguf", {}, [](const TensorOut& t) {
    return t.name == "blk.1.ffn_down_exps.weight" ? std::vector<TensorOut>{} : std::vector<TensorOut>{t};
  });
  ASSERT_FALSE(drop_down);
  EXPECT_NE(drop_down.error().find("blk.1.ffn_down_exps.weight"), std::string::npos) << drop_down.error();
  auto wrong_count = rewrite("qwen3moe-F16.gguf", {}, {}, {{"qwen3moe.expert_count", V::u32(16)}});
  ASSERT_FALSE(wrong_count);
  EXPECT_NE(wrong_count.error().find("expected"), std::string::npos) << wrong_count.error();
  auto wrong_width = rewrite("qwen3moe-F16.gguf", {}, {}, {{"qwen3moe.expert_feed_forward_length", V::u32(64)}});
  ASSERT_FALSE(wrong_width);
  EXPECT_NE(wrong_width.error().find("ffn_gate_exps"), std::string::npos) << wrong_width.error();
  // Metadata: more experts used than exist, a MoE architecture without experts.
  auto too_many = rewrite("gpt-oss-F16.gguf", {}, {}, {{"gpt-oss.expert_used_count", V::u32(9)}});
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().find("expert_used_count"), std::string::npos) << too_many.error();
  auto no_experts = rewrite("qwen3moe-F16.gguf", {}, {}, {{"qwen3moe.expert_count", V::u32(0)}});
  ASSERT_FALSE(no_experts);
  EXPECT_NE(no_experts.error().find("expert_count"), std::string::npos) << no_experts.error();
  auto no_sinks = rewrite("gpt-oss-F16.gguf", {}, [](const TensorOut& t) {
    return t.name == "blk.0.attn_sinks.weight" ? std::vector<TensorOut>{} : std::vector<TensorOut>{t};
  });
  ASSERT_FALSE(no_sinks);
  EXPECT_NE(no_sinks.error().find("attn_sinks"), std::string::npos) << no_sinks.error();
}

// NaN or infinite router outputs (a hostile file's weights) must not crash or
// index outside the experts; the logits just become non-finite.
TEST(MoeExpertsCorrupt, NonFiniteRouterDoesNotCrash) {
  PG_REQUIRE_SHARED();
  auto m = rewrite("mixtral-F16.gguf", [](TensorOut& t) {
    if (t.name == "blk.0.ffn_gate_inp.weight") {
      float* v = reinterpret_cast<float*>(t.bytes.data());
      for (size_t i = 0; i < t.bytes.size() / 4; i += 3) v[i] = (i % 2) ? NAN : INFINITY;
    }
  });
  ASSERT_TRUE(m) << m.error();
  ThreadPool pool(2);
  InferenceSession s(**m, pool, SessionOptions{.n_ctx = 64});
  EXPECT_TRUE(s.eval(kPrompt).is_ok());
}

// What a generated token reads: 2 of 8 experts' share of the expert tensors
// (weights and biases) and one row of the untied embedding; all the rest.
TEST(MoeExperts, ActiveWeightBytesCountTheChosenExperts) {
  PG_REQUIRE_SHARED();
  for (const char* file : {"qwen3moe-F16.gguf", "gpt-oss-F16.gguf", "mixtral-F16.gguf"}) {
    auto m = LlamaModel::load(test::shared_path(std::string("testdata/arch/") + file));
    ASSERT_TRUE(m) << m.error();
    const ModelConfig& c = (*m)->config();
    uint64_t want = 0;
    const bool tied = (*m)->file().find_tensor("output.weight") == nullptr;
    for (const auto& t : (*m)->file().tensors()) {
      if (t.name.find("_exps.") != std::string::npos) want += t.n_bytes / 8 * 2;
      else if (t.name == "token_embd.weight" && !tied) want += t.n_bytes / static_cast<uint64_t>(c.n_vocab);
      else want += t.n_bytes;
    }
    EXPECT_EQ((*m)->active_weight_bytes(), want) << file;
    EXPECT_LT((*m)->active_weight_bytes(), (*m)->weight_bytes() / 2) << file;
  }
}

}  // namespace
}  // namespace pg
