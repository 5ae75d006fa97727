// SamplerParams::validate and Sampler::create: defaults, accepted edges, and a
// clear error naming the field and value for each out-of-range setting.
#include <gtest/gtest.h>

#include <limits>

#include "engine/sampler/sampler.h"

namespace pg {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(SamplerParams, DefaultsMatchLlamaCppAndAreValid) {
  SamplerParams p;
  EXPECT_FLOAT_EQ(p.temperature, 0.8f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_FLOAT_EQ(p.top_p, 0.95f);
  EXPECT_FLOAT_EQ(p.min_p, 0.05f);
  EXPECT_FLOAT_EQ(p.repeat_penalty, 1.0f);  // llama.cpp default: off
  EXPECT_EQ(p.repeat_last_n, 64);
  EXPECT_EQ(p.frequency_penalty, 0.0f);
  EXPECT_EQ(p.presence_penalty, 0.0f);
  EXPECT_EQ(p.seed, kRandomSeed);
  EXPECT_TRUE(p.validate().is_ok()) << p.validate().message();
}

TEST(SamplerParams, AcceptsRangeEdges) {
  SamplerParams p;
  p.temperature = 0;
  p.top_k = 0;
  p.top_p = 1;
  p.min_p = 0;
  p.repeat_last_n = -1;
  p.frequency_penalty = -2;
  p.presence_penalty = 2;
  EXPECT_TRUE(p.validate().is_ok()) << p.validate().message();
  p.min_p = 1;
  p.repeat_last_n = 0;
  p.top_p = 1e-6f;
  p.temperature = 100;
  EXPECT_TRUE(p.validate().is_ok()) << p.validate().message();
}

struct BadCase {
  const char* field;
  void (*spoil)(SamplerParams&);
  const char* value_text;
};

TEST(SamplerParams, RejectsOutOfRangeValuesNamingFieldAndValue) {
  const BadCase cases[] = {
      {"temperature", [](SamplerParams& p) { p.temperature = -0.5f; }, "-0.5"},
      {"temperature", [](SamplerParams& p) { p.temperature = kNaN; }, "nan"},
      {"temperature", [](SamplerParams& p) { p.temperature = kInf; }, "inf"},
      {"top_k", [](SamplerParams& p) { p.top_k = -1; }, "-1"},
      {"top_p", [](SamplerParams& p) { p.top_p = 0.0f; }, "0"},
      {"top_p", [](SamplerParams& p) { p.top_p = 1.5f; }, "1.5"},
      {"top_p", [](SamplerParams& p) { p.top_p = kNaN; }, "nan"},
      {"min_p", [](SamplerParams& p) { p.min_p = -0.25f; }, "-0.25"},
      {"min_p", [](SamplerParams& p) { p.min_p = 1.25f; }, "1.25"},
      {"min_p", [](SamplerParams& p) { p.min_p = kNaN; }, "nan"},
      {"repeat_penalty", [](SamplerParams& p) { p.repeat_penalty = 0.0f; }, "0"},
      {"repeat_penalty", [](SamplerParams& p) { p.repeat_penalty = -1.0f; }, "-1"},
      {"repeat_penalty", [](SamplerParams& p) { p.repeat_penalty = kNaN; }, "nan"},
      {"repeat_penalty", [](SamplerParams& p) { p.repeat_penalty = kInf; }, "inf"},
      {"repeat_last_n", [](SamplerParams& p) { p.repeat_last_n = -2; }, "-2"},
      {"frequency_penalty", [](SamplerParams& p) { p.frequency_penalty = 2.5f; }, "2.5"},
      {"frequency_penalty", [](SamplerParams& p) { p.frequency_penalty = kNaN; }, "nan"},
      {"presence_penalty", [](SamplerParams& p) { p.presence_penalty = -3.0f; }, "-3"},
      {"presence_penalty", [](SamplerParams& p) { p.presence_penalty = -kInf; }, "-inf"},
  };
  for (const BadCase& c : cases) {
    SamplerParams p;
    c.spoil(p);
    const Status s = p.validate();
    ASSERT_FALSE(s.is_ok()) << c.field << " = " << c.value_text << " was accepted";
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.value_text), std::string::npos) << s.message();
  }
}

TEST(SamplerParams, CreateRejectsBadParamsAndVocabularySizes) {
  SamplerParams bad;
  bad.top_p = 2.0f;
  auto r = Sampler::create(bad, 100);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.error().find("top_p"), std::string::npos) << r.error();

  for (int32_t vocab : {0, -5, Sampler::kMaxVocab + 1}) {
    auto v = Sampler::create(SamplerParams{}, vocab);
    ASSERT_FALSE(v.is_ok()) << vocab;
    EXPECT_NE(v.error().find(std::to_string(vocab)), std::string::npos) << v.error();
  }
  auto ok = Sampler::create(SamplerParams{}, 32000);
  ASSERT_TRUE(ok.is_ok()) << ok.error();
  EXPECT_EQ(ok->vocab_size(), 32000);
}

}  // namespace
}  // namespace pg
