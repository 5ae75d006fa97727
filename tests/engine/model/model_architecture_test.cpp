// Architectures and hostile model files, on small synthetic models: Qwen2's QKV
// bias and NeoX RoPE, untied outputs, and clear errors for missing tensors,
// wrong shapes, unknown architectures and types we cannot compute.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "synthetic_model.h"

namespace pg {
namespace {

Result<std::unique_ptr<LlamaModel>> load(const test::SynthSpec& spec) {
  auto bytes = test::make_synthetic_model(spec);
  if (bytes.empty()) return Error{"writer refused the synthetic model"};
  auto file = gguf::GgufFile::from_bytes(std::move(bytes));
  if (!file) return file.status();
  return LlamaModel::from_file(std::move(*file));
}

std::vector<float> last_logits(const LlamaModel& m, const std::vector<int32_t>& ids) {
  ThreadPool pool(2);
  InferenceSession s(m, pool);
  EXPECT_TRUE(s.eval(ids).is_ok());
  return {s.last_logits().begin(), s.last_logits().end()};
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

const std::vector<int32_t> kIds = {1, 260, 100, 261, 262, 50, 7};

TEST(ModelArchitecture, Qwen2ZeroBiasEqualsNoBiasAndBiasMatters) {
  test::SynthSpec spec;
  spec.arch = "qwen2";
  auto plain = load(spec);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ((*plain)->config().rope_style, RopeStyle::NeoX);
  spec.qkv_bias = true;
  spec.bias_scale = 0.0f;
  auto zero_bias = load(spec);
  ASSERT_TRUE(zero_bias) << zero_bias.error();
  spec.bias_scale = 0.5f;
  auto biased = load(spec);
  ASSERT_TRUE(biased) << biased.error();
  // Same seed: the bias tensors draw from the stream, so compare zero-bias with
  // a model built the same way; different weights otherwise would make this moot.
  const auto a = last_logits(**zero_bias, kIds);
  const auto b = last_logits(**biased, kIds);
  EXPECT_GT(max_diff(a, b), 1e-3);
  for (float f : b) EXPECT_TRUE(std::isfinite(f));
}

TEST(ModelArchitecture, RopeStyleFollowsArchitecture) {
  test::SynthSpec spec;
  auto llama = load(spec);
  spec.arch = "qwen2";
  auto qwen = load(spec);
  ASSERT_TRUE(llama && qwen);
  EXPECT_EQ((*llama)->config().rope_style, RopeStyle::Normal);
  // Identical weights, different pairing of rotated dimensions: different logits.
  EXPECT_GT(max_diff(last_logits(**llama, kIds), last_logits(**qwen, kIds)), 1e-4);
  // With one token (position 0) RoPE is the identity, so both agree.
  EXPECT_LT(max_diff(last_logits(**llama, {1}), last_logits(**qwen, {1})), 1e-5);
}

TEST(ModelArchitecture, UntiedOutputAndF16WeightsRun) {
  test::SynthSpec spec;
  spec.tied_output = false;
  spec.type = GgmlType::F16;
  auto m = load(spec);
  ASSERT_TRUE(m) << m.error();
  EXPECT_NE((*m)->output().data, (*m)->token_embedding().data);
  for (float f : last_logits(**m, kIds)) EXPECT_TRUE(std::isfinite(f));
}

TEST(ModelArchitectureCorrupt, MissingTensorIsNamed) {
  test::SynthSpec spec;
  spec.omit = {"blk.1.ffn_up.weight"};
  auto m = load(spec);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("blk.1.ffn_up.weight"), std::string::npos) << m.error();
}

TEST(ModelArchitectureCorrupt, MissingOutputNormIsNamed) {
  test::SynthSpec spec;
  spec.omit = {"output_norm.weight"};
  auto m = load(spec);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("output_norm.weight"), std::string::npos) << m.error();
}

TEST(ModelArchitectureCorrupt, UnknownArchitectureAndBadHyperParameters) {
  test::SynthSpec spec;
  spec.arch = "mamba";
  auto m = load(spec);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("mamba"), std::string::npos) << m.error();
  // The message lists what is supported.
  for (const char* arch : {"llama", "qwen3", "gemma2", "gemma3", "phi3", "mistral3", "olmo2", "granite"})
    EXPECT_NE(m.error().find(arch), std::string::npos) << arch << ": " << m.error();

  test::SynthSpec bad_heads;
  bad_heads.n_head = 4;
  bad_heads.n_head_kv = 3;  // not a divisor
  auto h = load(bad_heads);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().find("head_count"), std::string::npos) << h.error();
}

TEST(ModelArchitectureCorrupt, ShapeMismatchIsReported) {
  // A model whose K projection is as wide as Q while the metadata says 2 KV heads.
  test::SynthSpec spec;
  spec.n_head_kv = 4;
  auto bytes = test::make_synthetic_model(spec);
  auto file = gguf::GgufFile::from_bytes(bytes);
  ASSERT_TRUE(file);
  gguf::GgufWriter w;
  for (const auto& [k, v] : (*file)->metadata()) w.set(k, v);
  w.set("llama.attention.head_count_kv", gguf::Value::u32(2));
  for (const auto& t : (*file)->tensors())
    ASSERT_TRUE(w.add_tensor(t.name, t.type, t.dims, std::vector<uint8_t>(t.data, t.data + t.n_bytes)));
  auto out = w.to_bytes();
  ASSERT_TRUE(out);
  auto f2 = gguf::GgufFile::from_bytes(std::move(*out));
  ASSERT_TRUE(f2);
  auto m = LlamaModel::from_file(std::move(*f2));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("attn_k.weight"), std::string::npos) << m.error();
  EXPECT_NE(m.error().find("expected"), std::string::npos) << m.error();
}

// A synthetic llama file rewritten with extra metadata and extra tensors.
Result<std::unique_ptr<LlamaModel>> load_rewritten(const test::SynthSpec& spec,
                                                   const std::vector<std::pair<std::string, gguf::Value>>& metadata,
                                                   const std::vector<std::string>& extra_vectors = {}) {
  auto file = gguf::GgufFile::from_bytes(test::make_synthetic_model(spec));
  if (!file) return file.status();
  gguf::GgufWriter w;
  for (const auto& [k, v] : (*file)->metadata()) w.set(k, v);
  for (const auto& [k, v] : metadata) w.set(k, v);
  for (const auto& t : (*file)->tensors())
    if (!w.add_tensor(t.name, t.type, t.dims, std::vector<uint8_t>(t.data, t.data + t.n_bytes)))
      return Error{"writer refused " + t.name};
  for (const std::string& name : extra_vectors)
    if (!w.add_tensor(name, GgmlType::F32, {4}, std::vector<uint8_t>(16, 0))) return Error{"writer refused " + name};
  auto out = w.to_bytes();
  if (!out) return Error{"writer refused the file"};
  auto f = gguf::GgufFile::from_bytes(std::move(*out));
  if (!f) return f.status();
  return LlamaModel::from_file(std::move(*f));
}

TEST(ModelArchitecture, VisionTensorsAreLeftAloneWithANotice) {
  auto plain = load_rewritten(test::SynthSpec{}, {});
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_TRUE((*plain)->notices().empty());
  auto m = load_rewritten(test::SynthSpec{}, {}, {"v.blk.0.attn_q.bias", "mm.input_norm.weight"});
  ASSERT_TRUE(m) << m.error();
  ASSERT_EQ((*m)->notices().size(), 1u);
  EXPECT_NE((*m)->notices()[0].find("2 vision tensors"), std::string::npos) << (*m)->notices()[0];
  EXPECT_EQ(last_logits(**m, kIds), last_logits(**plain, kIds));
}

TEST(ModelArchitectureCorrupt, HostileRopeAndWindowKeysAreRefusedClearly) {
  using V = gguf::Value;
  struct Case { std::vector<std::pair<std::string, V>> md; const char* expect; };
  const std::vector<Case> cases = {
      {{{"llama.rope.scaling.type", V::str("dynamic-ntk")}}, "rope.scaling.type"},
      {{{"llama.rope.scaling.factor", V::f32(-2.0f)}}, "scaling factor"},
      {{{"llama.rope.freq_base", V::f32(0.0f)}}, "freq_base"},
      {{{"llama.rope.scaling.type", V::str("yarn")}, {"llama.rope.scaling.factor", V::f32(4.0f)},
        {"llama.rope.scaling.original_context_length", V::u32(0)}},
       "original_context_length"},
      {{{"llama.expert_count", V::u32(8)}}, "expert_used_count"},
      {{{"llama.expert_count", V::u32(8)}, {"llama.expert_used_count", V::u32(9)}}, "expert_used_count"},
      {{{"llama.expert_count", V::u32(8)}, {"llama.expert_used_count", V::u32(2)}}, "ffn_gate_inp.weight"},
      {{{"llama.expert_count", V::u32(100000)}, {"llama.expert_used_count", V::u32(2)}}, "expert_count"},
  };
  for (const Case& c : cases) {
    auto m = load_rewritten(test::SynthSpec{}, c.md);
    ASSERT_FALSE(m) << c.expect;
    EXPECT_NE(m.error().find(c.expect), std::string::npos) << m.error();
  }
  // Gemma 2 with a zero window, Granite without its logit scale.
  test::SynthSpec gemma;
  gemma.arch = "gemma2";
  auto g = load_rewritten(gemma, {{"gemma2.attention.sliding_window", V::u32(0)}});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().find("sliding_window"), std::string::npos) << g.error();
  test::SynthSpec granite;
  granite.arch = "granite";
  auto gr = load_rewritten(granite, {});
  ASSERT_FALSE(gr);
  EXPECT_NE(gr.error().find("logit_scale"), std::string::npos) << gr.error();
}

// YaRN on a llama file: loads, runs, and changes the logits only past the
// first position (at position 0 every rotation is the identity... up to the
// magnitude factor, which scales q and k alike).
TEST(ModelArchitecture, YarnScalingLoadsAndChangesLongerPrompts) {
  using V = gguf::Value;
  auto plain = load_rewritten(test::SynthSpec{}, {});
  auto yarn = load_rewritten(test::SynthSpec{}, {{"llama.rope.scaling.type", V::str("yarn")},
                                                 {"llama.rope.scaling.factor", V::f32(4.0f)},
                                                 {"llama.rope.scaling.original_context_length", V::u32(16)}});
  ASSERT_TRUE(plain && yarn) << yarn.error();
  EXPECT_EQ((*yarn)->config().rope_scaling, RopeScalingType::Yarn);
  EXPECT_FLOAT_EQ((*yarn)->config().rope_freq_scale, 0.25f);
  EXPECT_GT(max_diff(last_logits(**plain, kIds), last_logits(**yarn, kIds)), 1e-4);
  for (float f : last_logits(**yarn, kIds)) EXPECT_TRUE(std::isfinite(f));
}

}  // namespace
}  // namespace pg
