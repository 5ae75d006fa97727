// playground synth: random-weight models are byte-for-byte reproducible, load
// and run in our engine, copy a real vocabulary when asked, reject bad shapes
// clearly, and the built-in shapes have their real models' parameter counts.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/gguf/gguf.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "models/synth.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir() { return test::temp_dir("pg_synth"); }
using test::cleanup;
using test::slurp;

SynthOptions small(const std::string& type = "F16") {
  SynthOptions o;
  o.shape.name = "custom";
  o.shape.dim = 64;
  o.shape.layers = 2;
  o.shape.heads = 4;
  o.shape.kv_heads = 2;
  o.shape.ffn = 128;
  o.shape.vocab = 1000;
  o.shape.ctx = 256;
  o.type = type;
  o.threads = 2;
  return o;
}

void expect_runs(const std::string& path, const std::string& prompt) {
  auto model = LlamaModel::load(path);
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  InferenceSession session(**model, pool);
  auto ids = (*model)->tokenizer().encode(prompt, true, true);
  ASSERT_GE(ids.size(), 2u);
  ASSERT_TRUE(session.eval(ids).is_ok());
  float max_abs = 0;
  for (float v : session.last_logits()) {
    ASSERT_TRUE(std::isfinite(v));
    max_abs = std::max(max_abs, std::fabs(v));
  }
  EXPECT_GT(max_abs, 0.01f) << "logits are all about zero: weights too small";
  EXPECT_LT(max_abs, 100.0f) << "logits explode: weights too large";
}

TEST(SynthModel, SameOptionsGiveTheSameBytesAndASeedChangesThem) {
  const fs::path dir = temp_dir() / "det";
  fs::create_directories(dir);
  SynthOptions a = small(), b = small();
  b.threads = 1;  // thread count must not matter
  ASSERT_TRUE(synthesize_model((dir / "a.gguf").string(), a));
  ASSERT_TRUE(synthesize_model((dir / "b.gguf").string(), b));
  const auto bytes = slurp(dir / "a.gguf");
  EXPECT_TRUE(bytes == slurp(dir / "b.gguf"));
  SynthOptions c = small();
  c.seed = 2;
  ASSERT_TRUE(synthesize_model((dir / "c.gguf").string(), c));
  EXPECT_EQ(bytes.size(), fs::file_size(dir / "c.gguf"));
  EXPECT_FALSE(bytes == slurp(dir / "c.gguf"));
  cleanup(dir);
}

TEST(SynthModel, LoadsAndRunsInEveryWeightType) {
  const fs::path dir = temp_dir() / "run";
  fs::create_directories(dir);
  for (const char* type : {"F16", "F32", "BF16", "Q8_0", "Q4_0"}) {
    const fs::path out = dir / (std::string(type) + ".gguf");
    auto r = synthesize_model(out.string(), small(type));
    ASSERT_TRUE(r) << type << ": " << r.error();
    EXPECT_EQ(r->output_bytes, fs::file_size(out));
    auto f = gguf::GgufFile::open(out.string());
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ((*f)->get_int("llama.embedding_length"), 64);
    EXPECT_EQ((*f)->get_int("llama.attention.head_count_kv"), 2);
    EXPECT_EQ((*f)->find_tensor("blk.1.attn_norm.weight")->type, GgmlType::F32);
    SCOPED_TRACE(type);
    expect_runs(out.string(), "hello world");
  }
  cleanup(dir);
}

TEST(SynthModel, WeightsHaveTheIntendedScale) {
  const fs::path dir = temp_dir() / "scale";
  fs::create_directories(dir);
  SynthOptions o = small("F32");
  ASSERT_TRUE(synthesize_model((dir / "m.gguf").string(), o));
  auto f = gguf::GgufFile::open((dir / "m.gguf").string());
  ASSERT_TRUE(f);
  auto stats = [&](const char* name, uint64_t fan_in) {
    const gguf::TensorInfo* t = (*f)->find_tensor(name);
    const float* v = reinterpret_cast<const float*>(t->data);
    double sum = 0, sq = 0;
    for (uint64_t i = 0; i < t->n_elements; ++i) sum += v[i], sq += double(v[i]) * v[i];
    const double mean = sum / double(t->n_elements), sd = std::sqrt(sq / double(t->n_elements) - mean * mean);
    EXPECT_NEAR(sd * std::sqrt(double(fan_in)), 1.0, 0.05) << name;
    EXPECT_NEAR(mean, 0.0, 0.01) << name;
  };
  stats("blk.0.attn_q.weight", 64);
  stats("blk.1.ffn_down.weight", 128);
  stats("token_embd.weight", 64);
  const gguf::TensorInfo* norm = (*f)->find_tensor("output_norm.weight");
  EXPECT_EQ(reinterpret_cast<const float*>(norm->data)[17], 1.0f);
  cleanup(dir);
}

TEST(SynthModel, VocabFromCopiesTheTokenizer) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir() / "vocab";
  fs::create_directories(dir);
  const std::string src = test::shared_path("testdata/gguf/stories260K.gguf");
  SynthOptions o = small();
  o.vocab_from = src;
  ASSERT_TRUE(synthesize_model((dir / "m.gguf").string(), o));
  auto ours = LlamaModel::load((dir / "m.gguf").string());
  auto theirs = LlamaModel::load(src);
  ASSERT_TRUE(ours) << ours.error();
  ASSERT_TRUE(theirs) << theirs.error();
  EXPECT_EQ((*ours)->config().n_vocab, 512);
  for (const char* text : {"Once upon a time, Lily saw a big red ball.", "The little dog ran!"}) {
    EXPECT_EQ((*ours)->tokenizer().encode(text, true, true), (*theirs)->tokenizer().encode(text, true, true)) << text;
  }
  expect_runs((dir / "m.gguf").string(), "Once upon a time");
  cleanup(dir);
}

TEST(SynthModel, BuiltInVocabularyTokenizesText) {
  const fs::path dir = temp_dir() / "builtin";
  fs::create_directories(dir);
  ASSERT_TRUE(synthesize_model((dir / "m.gguf").string(), small()));
  auto model = LlamaModel::load((dir / "m.gguf").string());
  ASSERT_TRUE(model) << model.error();
  EXPECT_EQ((*model)->config().n_vocab, 1000);
  const auto ids = (*model)->tokenizer().encode("ab cd", false, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_LE(ids.size(), 4u) << "word pieces of two letters exist in the built-in vocabulary";
  EXPECT_EQ((*model)->tokenizer().decode(ids), "ab cd");
  cleanup(dir);
}

TEST(SynthModel, BadShapesAndOptionsFailClearlyWithoutOutput) {
  const fs::path dir = temp_dir() / "bad";
  fs::create_directories(dir);
  const std::string out = (dir / "m.gguf").string();
  auto expect_error = [&](SynthOptions o, const std::string& fragment) {
    auto r = synthesize_model(out, o);
    ASSERT_FALSE(r) << fragment;
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  SynthOptions o = small();
  o.shape.heads = 5;
  expect_error(o, "--heads 5 does not divide --dim 64");
  o = small();
  o.shape.kv_heads = 3;
  expect_error(o, "--kv-heads 3 does not divide --heads 4");
  o = small();
  o.shape.layers = 0;
  expect_error(o, "--layers 0");
  o = small();
  o.type = "Q7_7";
  expect_error(o, "unknown --type 'Q7_7'");
  o = small("Q4_K_M");  // dim 64 fits no 256-element block; Q4_K falls back to Q5_0
  ASSERT_TRUE(synthesize_model(out, o));
  fs::remove(out);
  o = small();
  o.vocab_from = (dir / "missing.gguf").string();
  expect_error(o, "missing.gguf");
  EXPECT_FALSE(find_synth_shape("llama-13b"));
  EXPECT_TRUE(fs::is_empty(dir)) << "a failed synth left files in " << dir;
  cleanup(dir);
}

TEST(SynthModel, CliWritesTheSameFileAndRejectsBadShapes) {
  const fs::path dir = temp_dir() / "cli";
  fs::create_directories(dir);
  const fs::path out = dir / "m.gguf";
  auto run = [&](const std::string& args) {
    std::string cmd(1, '\'');
    cmd.append(test::binary_path()).append("' synth ").append(args).append(" '").append(out.string());
    cmd.append("' >/dev/null 2>&1");
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_NE(run("--shape llama-13b"), 0);
  EXPECT_NE(run("--dim 64 --layers 2 --heads 4 --kv-heads 3 --ffn 128"), 0);
  EXPECT_NE(run("--dim 64 --layers 2"), 0);
  EXPECT_FALSE(fs::exists(out));
  ASSERT_EQ(run("--dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --vocab 1000 --ctx 256 --threads 2"), 0);
  ASSERT_TRUE(synthesize_model((dir / "api.gguf").string(), small()));
  EXPECT_TRUE(slurp(out) == slurp(dir / "api.gguf")) << "the CLI and the API make the same file";
  cleanup(dir);
}

TEST(SynthModel, ShapeTableMatchesTheRealModels) {
  auto tiny = find_synth_shape("tinyllama-1.1b");
  ASSERT_TRUE(tiny);
  EXPECT_TRUE(validate_synth_shape(*tiny));
  EXPECT_NEAR(static_cast<double>(synth_parameter_count(*tiny)), 1.1e9, 0.02e9);
  EXPECT_NEAR(static_cast<double>(synth_parameter_count(*find_synth_shape("llama-7b"))), 6.74e9, 0.01e9);
  EXPECT_NEAR(static_cast<double>(synth_parameter_count(*find_synth_shape("mistral-7b"))), 7.24e9, 0.01e9);
  EXPECT_NEAR(static_cast<double>(synth_parameter_count(*find_synth_shape("llama3-8b"))), 8.03e9, 0.01e9);
  EXPECT_NEAR(static_cast<double>(synth_parameter_count(*find_synth_shape("qwen2-0.5b"))), 0.494e9, 0.002e9);
  for (const SynthShape& s : synth_shapes()) EXPECT_TRUE(validate_synth_shape(s)) << s.name;
  auto specs = synth_tensor_specs(*find_synth_shape("qwen2-0.5b"));
  bool has_bias = false, has_output = false;
  for (const auto& t : specs) {
    has_bias |= t.name == "blk.0.attn_q.bias";
    has_output |= t.name == "output.weight";
  }
  EXPECT_TRUE(has_bias);
  EXPECT_FALSE(has_output) << "Qwen2-0.5B ties its output to the embedding";
  // A 7B-shape F16 file's size is known up front (for the free-space check).
  auto l7 = find_synth_shape("llama-7b");
  std::vector<StreamTensorSpec> typed = synth_tensor_specs(*l7);
  for (auto& t : typed)
    if (t.dims.size() > 1) t.type = GgmlType::F16;
  auto size = GgufStreamWriter::file_size({}, typed);
  ASSERT_TRUE(size);
  EXPECT_NEAR(static_cast<double>(*size), 13.48e9, 0.05e9);
}

}  // namespace
}  // namespace pg
