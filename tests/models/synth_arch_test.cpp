// playground synth's newer families (qwen3, gemma2, gemma3, phi3, mistral3,
// olmo2, granite): the built-in shapes have their real models' parameter
// counts, tensors carry llama.cpp's names and dims, files carry exactly the
// {arch}.* keys the converter writes, quantized files keep norms F32, Phi-3's
// vocabulary passes llama.cpp's name rule, and shapes an arch cannot load are
// refused clearly. Files written here are small: the real widths are checked
// on tensor lists, the files come from shrunk shapes (or a real shape with one
// block and a tiny vocabulary). Never needs our engine to run these archs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "engine/gguf/gguf.h"
#include "models/synth.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;
using Dims = std::vector<uint64_t>;

std::map<std::string, Dims> dims_of(const SynthShape& s) {
  std::map<std::string, Dims> m;
  for (const StreamTensorSpec& t : synth_tensor_specs(s)) m[t.name] = t.dims;
  return m;
}

SynthShape shape(const std::string& name) {
  auto s = find_synth_shape(name);
  EXPECT_TRUE(s) << name;
  return s.value_or(SynthShape{});
}

// A real shape made small: dim 256, 2 blocks, ffn 256, a 400-token vocabulary.
// A head_dim of its own and the head counts stay (q width != dim stays so);
// otherwise 4 heads with the real ratio of KV heads.
SynthShape shrunk(const std::string& name) {
  SynthShape s = shape(name);
  if (s.head_dim == 0) {
    s.kv_heads = std::max<int64_t>(1, 4 * s.kv_heads / s.heads);
    s.heads = 4;
  }
  s.dim = 256, s.layers = 2, s.ffn = 256, s.vocab = 400;
  return s;
}

std::unique_ptr<gguf::GgufFile> write_and_open(const fs::path& path, const SynthShape& s, const std::string& type) {
  SynthOptions o;
  o.shape = s;
  o.type = type;
  o.threads = 2;
  auto r = synthesize_model(path.string(), o);
  EXPECT_TRUE(r) << s.name << " " << type << ": " << (r ? "" : r.error());
  if (!r) return nullptr;
  auto f = gguf::GgufFile::open(path.string());
  EXPECT_TRUE(f) << (f ? "" : f.error());
  return f ? std::move(*f) : nullptr;
}

std::set<std::string> arch_keys(const gguf::GgufFile& f, const std::string& arch) {
  std::set<std::string> keys;
  for (const auto& [key, value] : f.metadata())
    if (key.rfind(arch + ".", 0) == 0) keys.insert(key.substr(arch.size() + 1));
  return keys;
}

const std::set<std::string> kCommon = {
    "context_length",          "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
    "attention.head_count_kv", "attention.layer_norm_rms_epsilon"};

std::set<std::string> common_plus(std::initializer_list<std::string> extra) {
  std::set<std::string> s = kCommon;
  s.insert(extra.begin(), extra.end());
  return s;
}

TEST(SynthArch, ShapeTableMatchesTheRealModels) {
  const std::pair<const char*, double> kParams[] = {
      {"qwen3-0.6b", 0.596e9}, {"qwen3-8b", 8.19e9},         {"gemma2-2b", 2.614e9},
      {"gemma3-1b", 1.000e9},  {"gemma3-4b", 3.880e9},       {"phi3-mini", 3.821e9},
      {"mistral-small-24b", 23.57e9}, {"olmo2-7b", 7.30e9}, {"granite-3.3-2b", 2.53e9},
  };
  for (const auto& [name, params] : kParams) {
    EXPECT_NEAR(static_cast<double>(synth_parameter_count(shape(name))), params, params * 0.004) << name;
    EXPECT_TRUE(validate_synth_shape(shape(name))) << name;
  }
  for (const char* arch : {"qwen3", "gemma2", "gemma3", "phi3", "mistral3", "olmo2", "granite"}) {
    EXPECT_TRUE(synth_arch_layout(arch)) << arch;
    bool has_shape = false;
    for (const SynthShape& s : synth_shapes()) has_shape |= s.arch == arch;
    EXPECT_TRUE(has_shape) << arch;
  }
  EXPECT_NE(synth_shape_summary(shape("gemma3-4b")).find("8/4 heads x 256, ffn 10240, vocab 262208, ctx 131072, "
                                                      "window 1024, rope linear x8, tied"),
            std::string::npos);
  EXPECT_EQ(synth_shape_summary(shape("gemma3-1b")),
            "gemma3 dim 1152, 26 layers, 4/1 heads x 256, ffn 6912, vocab 262144, ctx 32768, window 512, tied");
}

TEST(SynthArch, TensorsHaveLlamaCppNamesAndDims) {
  auto q3 = dims_of(shape("qwen3-0.6b"));  // q width 16 x 128 = 2048 != dim 1024
  EXPECT_EQ(q3["blk.0.attn_q.weight"], (Dims{1024, 2048}));
  EXPECT_EQ(q3["blk.0.attn_k.weight"], (Dims{1024, 1024}));
  EXPECT_EQ(q3["blk.27.attn_output.weight"], (Dims{2048, 1024}));
  EXPECT_EQ(q3["blk.0.attn_q_norm.weight"], (Dims{128}));
  EXPECT_EQ(q3["blk.0.attn_k_norm.weight"], (Dims{128}));
  EXPECT_EQ(q3.count("output.weight"), 0u);
  EXPECT_EQ(q3.size(), 2 + 28 * 11u);
  EXPECT_EQ(dims_of(shape("qwen3-8b"))["output.weight"], (Dims{4096, 151936}));

  auto g3 = dims_of(shape("gemma3-1b"));
  EXPECT_EQ(g3["token_embd.weight"], (Dims{1152, 262144}));
  EXPECT_EQ(g3["blk.0.attn_q.weight"], (Dims{1152, 1024}));
  EXPECT_EQ(g3["blk.0.attn_v.weight"], (Dims{1152, 256}));
  EXPECT_EQ(g3["blk.0.attn_q_norm.weight"], (Dims{256}));
  EXPECT_EQ(g3["blk.25.post_attention_norm.weight"], (Dims{1152}));
  EXPECT_EQ(g3["blk.25.post_ffw_norm.weight"], (Dims{1152}));
  EXPECT_EQ(g3["blk.0.ffn_gate.weight"], (Dims{1152, 6912}));
  EXPECT_EQ(g3.count("output.weight"), 0u);
  EXPECT_EQ(g3.size(), 2 + 26 * 13u);

  auto g2 = dims_of(shape("gemma2-2b"));
  EXPECT_EQ(g2["blk.0.attn_q.weight"], (Dims{2304, 2048}));
  EXPECT_EQ(g2["blk.0.post_ffw_norm.weight"], (Dims{2304}));
  EXPECT_EQ(g2.count("blk.0.attn_q_norm.weight"), 0u);
  EXPECT_EQ(g2.size(), 2 + 26 * 11u);

  auto phi = dims_of(shape("phi3-mini"));
  EXPECT_EQ(phi["blk.0.attn_qkv.weight"], (Dims{3072, 3 * 3072}));
  EXPECT_EQ(phi["blk.0.ffn_up.weight"], (Dims{3072, 2 * 8192}));
  EXPECT_EQ(phi["blk.0.ffn_down.weight"], (Dims{8192, 3072}));
  EXPECT_EQ(phi["output.weight"], (Dims{3072, 32064}));
  for (const char* absent : {"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.ffn_gate.weight"})
    EXPECT_EQ(phi.count(absent), 0u) << absent;
  EXPECT_EQ(phi.size(), 3 + 32 * 6u);

  auto ms = dims_of(shape("mistral-small-24b"));
  EXPECT_EQ(ms["blk.0.attn_q.weight"], (Dims{5120, 4096}));
  EXPECT_EQ(ms["blk.0.attn_k.weight"], (Dims{5120, 1024}));
  EXPECT_EQ(ms["blk.39.attn_output.weight"], (Dims{4096, 5120}));
  EXPECT_EQ(ms["output.weight"], (Dims{5120, 131072}));
  EXPECT_EQ(ms.size(), 3 + 40 * 9u);

  auto olmo = dims_of(shape("olmo2-7b"));
  EXPECT_EQ(olmo["blk.0.attn_q_norm.weight"], (Dims{4096}));
  EXPECT_EQ(olmo["blk.0.attn_k_norm.weight"], (Dims{4096}));
  EXPECT_EQ(olmo["blk.0.post_attention_norm.weight"], (Dims{4096}));
  EXPECT_EQ(olmo.count("blk.0.attn_norm.weight") + olmo.count("blk.0.ffn_norm.weight"), 0u);
  EXPECT_EQ(olmo["output.weight"], (Dims{4096, 100352}));
  EXPECT_EQ(olmo.size(), 3 + 32 * 11u);

  auto gr = dims_of(shape("granite-3.3-2b"));
  EXPECT_EQ(gr["blk.0.attn_k.weight"], (Dims{2048, 512}));
  EXPECT_EQ(gr.count("output.weight"), 0u);
  EXPECT_EQ(gr.size(), 2 + 40 * 9u);

  // OLMo 2 with GQA: the K norm spans the KV width, not dim.
  SynthShape gqa = shrunk("olmo2-7b");
  gqa.kv_heads = 2;
  EXPECT_EQ(dims_of(gqa)["blk.1.attn_k_norm.weight"], (Dims{128}));
}

TEST(SynthArch, FilesCarryTheConvertersKeys) {
  const fs::path dir = test::temp_dir("pg_synth_arch") / "keys";
  fs::create_directories(dir);
  struct Case {
    const char* shape;
    std::set<std::string> keys;
  };
  const Case kCases[] = {
      {"qwen3-0.6b", common_plus({"rope.freq_base", "attention.key_length", "attention.value_length"})},
      {"gemma2-2b", common_plus({"attention.key_length", "attention.value_length", "attention.sliding_window",
                                 "attn_logit_softcapping", "final_logit_softcapping"})},
      {"gemma3-1b",
       common_plus({"rope.freq_base", "attention.key_length", "attention.value_length", "attention.sliding_window"})},
      {"gemma3-4b", common_plus({"rope.freq_base", "attention.key_length", "attention.value_length",
                                 "attention.sliding_window", "rope.scaling.type", "rope.scaling.factor"})},
      {"phi3-mini", common_plus({"rope.freq_base", "rope.dimension_count", "attention.sliding_window",
                                 "rope.scaling.original_context_length"})},
      {"mistral-small-24b", common_plus({"rope.freq_base", "rope.dimension_count", "attention.key_length",
                                         "attention.value_length", "vocab_size"})},
      {"olmo2-7b", common_plus({"rope.freq_base"})},
      {"granite-3.3-2b", common_plus({"rope.freq_base", "rope.dimension_count", "vocab_size", "attention.scale",
                                      "embedding_scale", "residual_scale", "logit_scale"})},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.shape);
    const SynthShape s = shrunk(c.shape);
    auto f = write_and_open(dir / (std::string(c.shape) + ".gguf"), s, "F16");
    ASSERT_TRUE(f);
    EXPECT_EQ(arch_keys(*f, s.arch), c.keys);
    EXPECT_EQ(f->get_string("general.architecture"), s.arch);
    EXPECT_EQ(f->get_int(s.arch + ".context_length"), shape(c.shape).ctx);
    for (const gguf::TensorInfo& t : f->tensors()) {
      if (t.name.find("_norm.weight") != std::string::npos) {
        EXPECT_EQ(t.type, GgmlType::F32) << t.name;
        EXPECT_EQ(reinterpret_cast<const float*>(t.data)[0], 1.0f) << t.name;
      } else if (t.dims.size() > 1) {
        EXPECT_EQ(t.type, GgmlType::F16) << t.name;
      }
    }
    EXPECT_EQ(f->tensors().size(), synth_tensor_specs(s).size());
  }
  auto val = [&](const char* file, const std::string& key) {
    auto f = gguf::GgufFile::open((dir / file).string());
    return f ? (*f)->get_float(key) : std::nullopt;
  };
  EXPECT_EQ(val("qwen3-0.6b.gguf", "qwen3.attention.key_length"), 128);
  EXPECT_EQ(val("qwen3-0.6b.gguf", "qwen3.rope.freq_base"), 1e6);
  EXPECT_NEAR(*val("qwen3-0.6b.gguf", "qwen3.attention.layer_norm_rms_epsilon"), 1e-6, 1e-12);
  EXPECT_EQ(val("gemma2-2b.gguf", "gemma2.attn_logit_softcapping"), 50);
  EXPECT_EQ(val("gemma2-2b.gguf", "gemma2.final_logit_softcapping"), 30);
  EXPECT_EQ(val("gemma2-2b.gguf", "gemma2.attention.sliding_window"), 4096);
  EXPECT_EQ(val("gemma3-1b.gguf", "gemma3.attention.sliding_window"), 512);
  EXPECT_EQ(val("gemma3-1b.gguf", "gemma3.attention.key_length"), 256);
  EXPECT_EQ(val("gemma3-4b.gguf", "gemma3.rope.scaling.factor"), 8);
  EXPECT_EQ(val("phi3-mini.gguf", "phi3.attention.sliding_window"), 2047);
  EXPECT_EQ(val("phi3-mini.gguf", "phi3.rope.dimension_count"), 64);  // 256 / 4 heads
  EXPECT_EQ(val("phi3-mini.gguf", "phi3.rope.scaling.original_context_length"), 4096);
  EXPECT_EQ(val("mistral-small-24b.gguf", "mistral3.rope.dimension_count"), 128);
  EXPECT_EQ(val("mistral-small-24b.gguf", "mistral3.rope.freq_base"), 1e9);
  EXPECT_EQ(val("mistral-small-24b.gguf", "mistral3.vocab_size"), 400);
  EXPECT_EQ(val("granite-3.3-2b.gguf", "granite.embedding_scale"), 12);
  EXPECT_NEAR(*val("granite-3.3-2b.gguf", "granite.residual_scale"), 0.22, 1e-6);
  EXPECT_EQ(val("granite-3.3-2b.gguf", "granite.attention.scale"), 0.015625);
  EXPECT_EQ(val("granite-3.3-2b.gguf", "granite.logit_scale"), 8);
  auto g3 = gguf::GgufFile::open((dir / "gemma3-4b.gguf").string());
  ASSERT_TRUE(g3);
  EXPECT_EQ((*g3)->get_string("gemma3.rope.scaling.type"), "linear");
  EXPECT_EQ((*g3)->get_bool("tokenizer.ggml.add_space_prefix"), false);
  test::cleanup(dir);
}

TEST(SynthArch, QuantizedFilesKeepNormsF32AndQuantizeTheFusedTensors) {
  const fs::path dir = test::temp_dir("pg_synth_arch") / "quant";
  fs::create_directories(dir);
  for (const char* name : {"phi3-mini", "gemma3-1b", "qwen3-0.6b", "olmo2-7b", "gemma2-2b"}) {
    for (const char* type : {"Q8_0", "Q4_0", "Q4_K_M"}) {
      SCOPED_TRACE(std::string(name) + " " + type);
      auto f = write_and_open(dir / "m.gguf", shrunk(name), type);
      ASSERT_TRUE(f);
      int quantized = 0;
      for (const gguf::TensorInfo& t : f->tensors()) {
        if (t.dims.size() == 1) {
          EXPECT_EQ(t.type, GgmlType::F32) << t.name;
          continue;
        }
        EXPECT_NE(t.type, GgmlType::F32) << t.name;
        EXPECT_NE(t.type, GgmlType::F16) << t.name;
        ++quantized;
      }
      EXPECT_GE(quantized, 1 + 2 * 4);  // the embedding and at least 4 matrices a block
      if (std::string(name) == "phi3-mini") {
        const std::string want = std::string(type) == "Q4_K_M" ? "Q4_K" : type;
        EXPECT_EQ(ggml_type_name(f->find_tensor("blk.0.ffn_up.weight")->type), want);
        EXPECT_NE(f->find_tensor("blk.0.attn_qkv.weight"), nullptr);
      }
      fs::remove(dir / "m.gguf");
    }
  }
  test::cleanup(dir);
}

TEST(SynthArch, Phi3VocabularyPassesLlamaCppsNameRule) {
  const fs::path dir = test::temp_dir("pg_synth_arch") / "phi3";
  fs::create_directories(dir);
  auto f = write_and_open(dir / "phi3.gguf", shrunk("phi3-mini"), "F16");
  ASSERT_TRUE(f);
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 400u);
  EXPECT_EQ((*tokens)[400 - 64], "<|endoftext|>");  // Phi-3-mini: id 32000 of 32064
  EXPECT_EQ((*tokens)[400 - 64 + 7], "<|end|>");
  EXPECT_EQ((*tokens)[399], "[PAD399]");
  EXPECT_EQ(f->get_int("tokenizer.ggml.eos_token_id"), 400 - 64);
  for (const char* t : {"<unk>", "<s>", "</s>"}) EXPECT_NE(std::find(tokens->begin(), tokens->end(), t), tokens->end());

  // A llama vocabulary has no <|endoftext|>: llama.cpp would refuse a file named after Phi-3.
  SynthOptions llama;
  llama.shape = shrunk("tinyllama-1.1b");
  ASSERT_TRUE(synthesize_model((dir / "llama.gguf").string(), llama));
  SynthOptions o;
  o.shape = shrunk("phi3-mini");
  o.vocab_from = (dir / "llama.gguf").string();
  auto r = synthesize_model((dir / "bad.gguf").string(), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("<|endoftext|>"), std::string::npos) << r.error();
  EXPECT_FALSE(fs::exists(dir / "bad.gguf"));
  o.vocab_from = (dir / "phi3.gguf").string();  // a Phi-3 vocabulary is fine
  EXPECT_TRUE(synthesize_model((dir / "good.gguf").string(), o));
  test::cleanup(dir);
}

TEST(SynthArch, ShapesAnArchCannotLoadFailClearly) {
  auto expect_error = [](SynthShape s, const std::string& fragment) {
    Status st = validate_synth_shape(s);
    ASSERT_FALSE(st) << fragment;
    EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
  };
  SynthShape s = shrunk("qwen3-0.6b");
  s.arch = "gpt2";
  expect_error(s, "architecture 'gpt2' is not one of llama, qwen2, qwen3");
  s = shrunk("olmo2-7b");
  s.tied_embeddings = true;
  expect_error(s, "needs its own output.weight");
  s = shrunk("gemma2-2b");
  s.tied_embeddings = false;
  expect_error(s, "never reads output.weight");
  s = shrunk("tinyllama-1.1b");
  s.sliding_window = 4096;
  expect_error(s, "architecture llama takes no sliding window");
  s = shrunk("qwen3-0.6b");
  s.final_softcap = 30;
  expect_error(s, "takes no final logit soft-capping");
  s = shrunk("gemma3-1b");
  s.attn_softcap = 50;
  expect_error(s, "takes no attention logit soft-capping");
  s = shrunk("phi3-mini");
  s.head_dim = 96;
  expect_error(s, "phi3 has no head_dim of its own: heads x head_dim = 384 must equal dim 256");
  s = shrunk("qwen3-0.6b");
  s.head_dim = 3;
  expect_error(s, "head_dim 3 must be even");
  s = shrunk("granite-3.3-2b");
  s.logit_scale = 0;
  expect_error(s, "needs a positive logit_scale");
  s = shrunk("mistral-small-24b");
  s.embedding_scale = 12;
  expect_error(s, "granite only");
  s = shrunk("gemma3-4b");
  s.rope_scaling = "yarn";
  expect_error(s, "rope scaling 'yarn' is not supported");
  s = shrunk("gemma3-4b");
  s.rope_scale = 0;
  expect_error(s, "needs a positive factor");
  s = shrunk("phi3-mini");
  s.vocab = 300;
  expect_error(s, "vocabulary size 300 out of range 324..");
  s = shrunk("phi3-mini");
  s.rope_orig_ctx = 0;
  expect_error(s, "phi3 needs the original context length");
  s = shrunk("gemma3-1b");
  s.kv_heads = 3;
  expect_error(s, "--kv-heads 3 does not divide --heads 4");
  s = shrunk("qwen3-0.6b");
  s.qkv_bias = true;
  expect_error(s, "has no attn_q/k/v biases");
}

TEST(SynthArch, CliWritesFewerBlocksOfARealShapeAndListsTheShapes) {
  const fs::path dir = test::temp_dir("pg_synth_arch") / "cli";
  fs::create_directories(dir);
  SynthOptions vocab;  // a 400-token vocabulary keeps the one-block qwen3-0.6b file small
  vocab.shape = shrunk("tinyllama-1.1b");
  ASSERT_TRUE(synthesize_model((dir / "vocab.gguf").string(), vocab));
  const fs::path out = dir / "q3.gguf";
  auto r = test::run_playground("synth --shape qwen3-0.6b --layers 1 --type Q4_0 --threads 2 --vocab-from " +
                                test::shell_quote((dir / "vocab.gguf").string()) + " " + test::shell_quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto f = gguf::GgufFile::open(out.string());
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ((*f)->get_int("qwen3.block_count"), 1);
  EXPECT_EQ((*f)->get_int("qwen3.embedding_length"), 1024);
  EXPECT_EQ((*f)->find_tensor("blk.0.attn_q.weight")->dims, (Dims{1024, 2048}));
  EXPECT_EQ((*f)->find_tensor("blk.0.attn_q_norm.weight")->type, GgmlType::F32);
  EXPECT_EQ((*f)->find_tensor("blk.1.attn_q.weight"), nullptr);

  EXPECT_NE(test::run_playground("synth --shape qwen3-0.6b --dim 64 " + test::shell_quote(out.string())).exit_code, 0);
  EXPECT_NE(test::run_playground("synth --shape qwen3-0.6b --layers -1 " + test::shell_quote((dir / "x.gguf").string()))
                .exit_code,
            0);
  EXPECT_FALSE(fs::exists(dir / "x.gguf"));
  auto help = test::run_playground("synth --help");
  for (const SynthShape& s : synth_shapes()) EXPECT_NE(help.out.find(s.name), std::string::npos) << s.name;
  EXPECT_NE(help.out.find("qwen3 dim 1024, 28 layers, 16/8 heads x 128"), std::string::npos) << help.out;
  test::cleanup(dir);
}

TEST(SynthArch, CustomQwen2ShapeFromTheCli) {
  const fs::path dir = test::temp_dir("pg_synth_arch") / "custom";
  fs::create_directories(dir);
  const fs::path out = dir / "cli.gguf";
  auto r = test::run_playground("synth --arch qwen2 --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --vocab 1000 "
                                "--ctx 256 --threads 2 " + test::shell_quote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  SynthOptions o;
  o.shape.name = "custom";
  o.shape.arch = "qwen2";
  o.shape.qkv_bias = o.shape.tied_embeddings = true;
  o.shape.dim = 64, o.shape.layers = 2, o.shape.heads = 4, o.shape.kv_heads = 2, o.shape.ffn = 128;
  o.shape.vocab = 1000, o.shape.ctx = 256;
  o.threads = 2;
  ASSERT_TRUE(synthesize_model((dir / "api.gguf").string(), o));
  EXPECT_TRUE(test::slurp(out) == test::slurp(dir / "api.gguf")) << "the CLI and the API make the same file";
  auto f = gguf::GgufFile::open(out.string());
  ASSERT_TRUE(f);
  EXPECT_NE((*f)->find_tensor("blk.0.attn_q.bias"), nullptr);
  EXPECT_EQ((*f)->find_tensor("output.weight"), nullptr);
  EXPECT_NE(test::run_playground("synth --arch gemma3 --dim 64 --layers 2 --heads 4 --ffn 128 " +
                                 test::shell_quote((dir / "x.gguf").string()))
                .exit_code,
            0);
  test::cleanup(dir);
}

}  // namespace
}  // namespace pg
