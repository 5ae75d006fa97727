// playground synth's mixture-of-experts shapes (mixtral-8x7b as llama,
// qwen3-30b-a3b, gpt-oss-20b, moe-test): the real models' total and active
// parameter counts, llama.cpp's tensor names, dims and types (compared with the
// reference conversions in ../shared/testdata/arch when present), the expert
// keys, llama-quantize's MoE type rules (Q4_K_M, MXFP4_MOE), pooled expert
// blocks at the intended scale, harmony's control tokens, and clear refusals of
// shapes llama.cpp would not load. Files are small (a few blocks, tiny widths);
// never needs our engine to run MoE.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "engine/gguf/gguf.h"
#include "engine/quant/quant.h"
#include "models/quant_recipe.h"
#include "models/quantize.h"
#include "models/synth.h"
#include "models/synth_vocab.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;
using Dims = std::vector<uint64_t>;

SynthShape shape(const std::string& name) {
  auto s = find_synth_shape(name);
  EXPECT_TRUE(s) << name;
  return s.value_or(SynthShape{});
}

std::map<std::string, StreamTensorSpec> specs_of(const SynthShape& s) {
  std::map<std::string, StreamTensorSpec> m;
  for (const StreamTensorSpec& t : synth_tensor_specs(s)) m[t.name] = t;
  return m;
}

std::unique_ptr<gguf::GgufFile> write_and_open(const fs::path& path, SynthOptions o) {
  o.threads = 2;
  auto r = synthesize_model(path.string(), o);
  EXPECT_TRUE(r) << o.shape.name << " " << o.type << ": " << (r ? "" : r.error());
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

TEST(SynthMoe, ShapeTableMatchesTheRealModels) {
  // Totals are the published ones exactly; active counts leave out the token
  // embedding (OpenAI's convention: gpt-oss-20b 3.61B active).
  EXPECT_EQ(synth_parameter_count(shape("mixtral-8x7b")), 46702792704u);
  EXPECT_EQ(synth_parameter_count(shape("qwen3-30b-a3b")), 30532122624u);
  EXPECT_EQ(synth_parameter_count(shape("gpt-oss-20b")), 20914757184u);
  EXPECT_EQ(synth_active_parameter_count(shape("mixtral-8x7b")), 12748857344u);
  EXPECT_EQ(synth_active_parameter_count(shape("qwen3-30b-a3b")), 3041869824u);
  EXPECT_EQ(synth_active_parameter_count(shape("gpt-oss-20b")), 3608310144u);
  for (const char* name : {"mixtral-8x7b", "qwen3-30b-a3b", "gpt-oss-20b", "moe-test"})
    EXPECT_TRUE(validate_synth_shape(shape(name))) << name;
  // A dense shape reads everything but the unused embedding rows.
  const SynthShape dense = shape("mistral-7b");
  EXPECT_EQ(synth_parameter_count(dense) - synth_active_parameter_count(dense), 4096u * (32000 - 1));
  EXPECT_EQ(synth_shape_summary(shape("qwen3-30b-a3b")),
            "qwen3moe dim 2048, 48 layers, 32/4 heads x 128, ffn 6144, vocab 151936, ctx 40960, "
            "128 experts top-8 x 768");
  EXPECT_EQ(synth_shape_summary(shape("moe-test")),
            "gpt-oss dim 256, 2 layers, 4/2 heads x 64, ffn 256, vocab 1024, ctx 131072, window 128, "
            "rope yarn x32, 8 experts top-2 x 256");
}

TEST(SynthMoe, TensorsHaveLlamaCppNamesAndDims) {
  auto mx = specs_of(shape("mixtral-8x7b"));
  EXPECT_EQ(mx["blk.0.ffn_gate_inp.weight"].dims, (Dims{4096, 8}));
  EXPECT_EQ(mx["blk.0.ffn_gate_exps.weight"].dims, (Dims{4096, 14336, 8}));
  EXPECT_EQ(mx["blk.0.ffn_up_exps.weight"].dims, (Dims{4096, 14336, 8}));
  EXPECT_EQ(mx["blk.31.ffn_down_exps.weight"].dims, (Dims{14336, 4096, 8}));
  EXPECT_EQ(mx["blk.0.attn_k.weight"].dims, (Dims{4096, 1024}));
  for (const char* absent : {"blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight"})
    EXPECT_EQ(mx.count(absent), 0u) << absent;
  EXPECT_EQ(mx.size(), 3 + 32 * 10u);

  auto qw = specs_of(shape("qwen3-30b-a3b"));
  EXPECT_EQ(qw["blk.0.attn_q.weight"].dims, (Dims{2048, 4096}));  // 32 x 128 != dim
  EXPECT_EQ(qw["blk.0.attn_k.weight"].dims, (Dims{2048, 512}));
  EXPECT_EQ(qw["blk.0.attn_q_norm.weight"].dims, (Dims{128}));
  EXPECT_EQ(qw["blk.47.ffn_gate_inp.weight"].dims, (Dims{2048, 128}));
  EXPECT_EQ(qw["blk.0.ffn_gate_exps.weight"].dims, (Dims{2048, 768, 128}));
  EXPECT_EQ(qw["blk.0.ffn_down_exps.weight"].dims, (Dims{768, 2048, 128}));
  EXPECT_EQ(qw["output.weight"].dims, (Dims{2048, 151936}));
  EXPECT_EQ(qw.size(), 3 + 48 * 12u);

  auto go = specs_of(shape("gpt-oss-20b"));
  EXPECT_EQ(go["blk.0.attn_q.weight"].dims, (Dims{2880, 4096}));
  EXPECT_EQ(go["blk.0.attn_q.bias"].dims, (Dims{4096}));
  EXPECT_EQ(go["blk.0.attn_v.bias"].dims, (Dims{512}));
  EXPECT_EQ(go["blk.0.attn_output.weight"].dims, (Dims{4096, 2880}));
  EXPECT_EQ(go["blk.0.attn_output.bias"].dims, (Dims{2880}));
  EXPECT_EQ(go["blk.0.attn_sinks.weight"].dims, (Dims{64}));
  EXPECT_EQ(go["blk.0.post_attention_norm.weight"].dims, (Dims{2880}));
  EXPECT_EQ(go["blk.0.ffn_gate_inp.bias"].dims, (Dims{32}));
  EXPECT_EQ(go["blk.0.ffn_gate_exps.weight"].dims, (Dims{2880, 2880, 32}));
  EXPECT_EQ(go["blk.0.ffn_gate_exps.bias"].dims, (Dims{2880, 32}));
  EXPECT_EQ(go["blk.23.ffn_down_exps.bias"].dims, (Dims{2880, 32}));
  EXPECT_EQ(go.count("blk.0.ffn_norm.weight"), 0u);  // the pre-FFN norm is post_attention_norm
  EXPECT_EQ(go.size(), 3 + 24 * 19u);
  for (const auto& [name, t] : go) EXPECT_EQ(t.type, GgmlType::F32) << name;  // before typing
}

struct Reference {
  const char* shape;
  const char* file;
};
constexpr Reference kReferences[] = {
    {"mixtral-8x7b", "testdata/arch/mixtral-F16.gguf"},
    {"qwen3-30b-a3b", "testdata/arch/qwen3moe-F16.gguf"},
    {"gpt-oss-20b", "testdata/arch/gpt-oss-F16.gguf"},
};

// Our shape with the reference file's sizes (read from its header).
SynthShape like_reference(const std::string& name, const gguf::GgufFile& ref) {
  SynthShape s = shape(name);
  auto key = [&](const char* k) { return ref.get_int(s.arch + "." + k).value_or(0); };
  s.dim = key("embedding_length");
  s.layers = key("block_count");
  s.heads = key("attention.head_count");
  s.kv_heads = key("attention.head_count_kv");
  s.ffn = key("feed_forward_length");
  s.experts = key("expert_count");
  s.experts_used = key("expert_used_count");
  if (s.expert_ffn > 0) s.expert_ffn = key("expert_feed_forward_length");
  if (s.head_dim > 0) s.head_dim = key("attention.key_length");
  if (s.sliding_window > 0) s.sliding_window = key("attention.sliding_window");
  return s;
}

// Same tensor names, types and dims as llama.cpp's converter wrote, the same
// {arch}.* keys and the same expert values; the vocabulary is the reference's own.
TEST(SynthMoe, FilesMatchTheReferenceConversions) {
  PG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("pg_synth_moe") / "refs";
  fs::create_directories(dir);
  for (const Reference& r : kReferences) {
    SCOPED_TRACE(r.shape);
    auto ref = gguf::GgufFile::open(test::shared_path(r.file));
    ASSERT_TRUE(ref) << ref.error();
    SynthOptions o;
    o.shape = like_reference(r.shape, **ref);
    o.vocab_from = test::shared_path(r.file);
    o.type = "F16";
    auto f = write_and_open(dir / (std::string(r.shape) + ".gguf"), o);
    ASSERT_TRUE(f);
    std::map<std::string, const gguf::TensorInfo*> ours;
    for (const gguf::TensorInfo& t : f->tensors()) ours[t.name] = &t;
    EXPECT_EQ(ours.size(), (*ref)->tensors().size());
    for (const gguf::TensorInfo& t : (*ref)->tensors()) {
      auto it = ours.find(t.name);
      ASSERT_NE(it, ours.end()) << "missing " << t.name;
      EXPECT_EQ(it->second->type, t.type) << t.name;
      EXPECT_EQ(it->second->dims, t.dims) << t.name;
    }
    const std::string arch = o.shape.arch;
    std::set<std::string> ref_keys = arch_keys(**ref, arch);
    // gpt-oss's converter writes no rope.dimension_count (the reference's tool did; llama.cpp
    // takes the head size either way).
    if (arch == "gpt-oss") ref_keys.erase("rope.dimension_count");
    EXPECT_EQ(arch_keys(*f, arch), ref_keys);
    for (const char* k : {"expert_count", "expert_used_count", "expert_feed_forward_length", "feed_forward_length",
                          "attention.key_length", "attention.sliding_window"})
      EXPECT_EQ(f->get_int(arch + "." + k), (*ref)->get_int(arch + "." + k)) << k;
    EXPECT_EQ(f->get_string(arch + ".rope.scaling.type"), (*ref)->get_string(arch + ".rope.scaling.type"));
    EXPECT_EQ(f->get_float(arch + ".rope.freq_base"), (*ref)->get_float(arch + ".rope.freq_base"));
  }
  test::cleanup(dir);
}

// llama-quantize's recipe on the reference's own tensors gives the types of the
// reference MXFP4_MOE file (experts MXFP4, other matrices Q8_0, vectors F32).
TEST(SynthMoe, Mxfp4MoePlanMatchesLlamaQuantize) {
  PG_REQUIRE_SHARED();
  auto f16 = gguf::GgufFile::open(test::shared_path("testdata/arch/gpt-oss-F16.gguf"));
  auto mx = gguf::GgufFile::open(test::shared_path("testdata/arch/gpt-oss-MXFP4_MOE.gguf"));
  ASSERT_TRUE(f16 && mx);
  std::vector<RecipeTensor> listed;
  for (const gguf::TensorInfo& t : (*f16)->tensors()) listed.push_back({t.name, t.type, t.dims});
  std::vector<RecipeTensor> ordered;
  for (size_t i : llama_tensor_order(listed)) ordered.push_back(listed[i]);
  auto ftype = find_quant_file_type("mxfp4_moe");
  ASSERT_TRUE(ftype);
  EXPECT_EQ(ftype->llama_ftype, 38u);
  auto plan = plan_tensor_types(*ftype, {"gpt-oss", 2, 4, 2, 8}, ordered);
  ASSERT_TRUE(plan) << plan.error();
  for (size_t i = 0; i < ordered.size(); ++i) {
    const gguf::TensorInfo* want = (*mx)->find_tensor(ordered[i].name);
    ASSERT_NE(want, nullptr) << ordered[i].name;
    EXPECT_EQ(plan->types[i], want->type) << ordered[i].name;
  }
}

std::map<std::string, GgmlType> planned_types(const SynthShape& s, const std::string& type) {
  auto ftype = synth_file_type(type);
  EXPECT_TRUE(ftype);
  auto specs = synth_typed_specs(*ftype, {s.arch, s.layers, s.heads, s.kv_heads, s.experts}, synth_tensor_specs(s));
  EXPECT_TRUE(specs) << (specs ? "" : specs.error());
  std::map<std::string, GgmlType> m;
  if (!specs) return m;
  for (const StreamTensorSpec& t : *specs) m[t.name] = t.type;
  return m;
}

// llama-quantize's Q4_K_M with experts: 8 experts raise attn_v/attn_k to Q8_0 and
// attn_output to Q5_K; ffn_down_exps takes its layer from its name (Q6_K on the
// use-more-bits layers); routers stay F32; 2880-wide rows fall back from Q4_K.
TEST(SynthMoe, Q4KMFollowsLlamaQuantizeForExperts) {
  auto mx = planned_types(shape("mixtral-8x7b"), "Q4_K_M");
  EXPECT_EQ(mx["blk.0.attn_v.weight"], GgmlType::Q8_0);
  EXPECT_EQ(mx["blk.5.attn_k.weight"], GgmlType::Q8_0);
  EXPECT_EQ(mx["blk.5.attn_q.weight"], GgmlType::Q4_K);
  EXPECT_EQ(mx["blk.5.attn_output.weight"], GgmlType::Q5_K);
  EXPECT_EQ(mx["blk.0.ffn_gate_inp.weight"], GgmlType::F32);
  EXPECT_EQ(mx["blk.0.ffn_down_exps.weight"], GgmlType::Q6_K);   // first eighth
  EXPECT_EQ(mx["blk.4.ffn_down_exps.weight"], GgmlType::Q4_K);   // (4 - 4) % 3 != 2
  EXPECT_EQ(mx["blk.6.ffn_down_exps.weight"], GgmlType::Q6_K);   // (6 - 4) % 3 == 2
  EXPECT_EQ(mx["blk.31.ffn_down_exps.weight"], GgmlType::Q6_K);  // last eighth
  EXPECT_EQ(mx["blk.6.ffn_gate_exps.weight"], GgmlType::Q4_K);
  EXPECT_EQ(mx["output.weight"], GgmlType::Q6_K);

  auto qw = planned_types(shape("qwen3-30b-a3b"), "Q4_K_M");  // 128 experts: no 8-expert bumps
  EXPECT_EQ(qw["blk.10.attn_k.weight"], GgmlType::Q4_K);
  EXPECT_EQ(qw["blk.10.attn_output.weight"], GgmlType::Q4_K);
  EXPECT_EQ(qw["blk.0.attn_v.weight"], GgmlType::Q6_K);
  EXPECT_EQ(qw["blk.0.ffn_down_exps.weight"], GgmlType::Q6_K);
  EXPECT_EQ(qw["blk.7.ffn_down_exps.weight"], GgmlType::Q4_K);
  EXPECT_EQ(qw["blk.0.ffn_up_exps.weight"], GgmlType::Q4_K);

  auto go = planned_types(shape("gpt-oss-20b"), "Q4_K_M");
  EXPECT_EQ(go["blk.3.ffn_up_exps.weight"], GgmlType::Q5_0);    // 2880 % 256 != 0
  EXPECT_EQ(go["blk.0.ffn_down_exps.weight"], GgmlType::Q8_0);  // Q6_K's fallback
  EXPECT_EQ(go["blk.0.ffn_gate_exps.bias"], GgmlType::F32);
  EXPECT_EQ(go["blk.0.attn_sinks.weight"], GgmlType::F32);
  EXPECT_EQ(go["blk.0.ffn_gate_inp.weight"], GgmlType::F32);

  if (can_convert_rows(GgmlType::MXFP4)) {  // planned only where this build quantizes MXFP4
    auto mxfp4 = planned_types(shape("gpt-oss-20b"), "MXFP4_MOE");
    EXPECT_EQ(mxfp4["blk.0.ffn_down_exps.weight"], GgmlType::MXFP4);
    EXPECT_EQ(mxfp4["blk.0.attn_q.weight"], GgmlType::Q8_0);
    EXPECT_EQ(mxfp4["token_embd.weight"], GgmlType::Q8_0);
    EXPECT_EQ(mxfp4["output.weight"], GgmlType::Q8_0);
  }
}

// --type MXFP4_MOE writes MXFP4 experts once the quantizer exists; until then it
// fails before creating anything, naming the missing type.
TEST(SynthMoe, Mxfp4MoeWritesOrRefusesCleanly) {
  const fs::path dir = test::temp_dir("pg_synth_moe") / "mxfp4";
  fs::create_directories(dir);
  SynthOptions o;
  o.shape = shape("moe-test");
  o.type = "MXFP4_MOE";
  o.threads = 2;
  auto r = synthesize_model((dir / "m.gguf").string(), o);
  if (can_convert_rows(GgmlType::MXFP4)) {
    ASSERT_TRUE(r) << r.error();
    auto f = gguf::GgufFile::open((dir / "m.gguf").string());
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)->find_tensor("blk.1.ffn_up_exps.weight")->type, GgmlType::MXFP4);
    EXPECT_EQ((*f)->find_tensor("blk.1.attn_q.weight")->type, GgmlType::Q8_0);
    EXPECT_EQ((*f)->get_int("general.file_type"), 38);
  } else {
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("MXFP4"), std::string::npos) << r.error();
    EXPECT_FALSE(fs::exists(dir / "m.gguf"));
    EXPECT_TRUE(fs::is_empty(dir));  // no temporary file either
  }
  test::cleanup(dir);
}

struct Stats {
  double mean = 0, sd = 0;
};
Stats stats_of(const gguf::TensorInfo& t, uint64_t first_row, uint64_t rows) {
  const uint64_t n = t.dims[0];
  const uint64_t row_bytes = *ggml_row_bytes(t.type, n);
  std::vector<float> row(n);
  double sum = 0, sq = 0;
  for (uint64_t r = first_row; r < first_row + rows; ++r) {
    quant::dequantize_row(t.type, static_cast<const uint8_t*>(t.data) + r * row_bytes, row.data(), static_cast<int64_t>(n));
    for (float v : row) sum += v, sq += double(v) * v;
  }
  const double count = double(n * rows);
  return {sum / count, std::sqrt(sq / count - (sum / count) * (sum / count))};
}

// Big expert tensors are assembled from a pool of quantized blocks: still at the
// intended scale, every expert different, rows mostly distinct, and the bytes
// depend on the seed only.
TEST(SynthMoe, PooledExpertsHaveTheIntendedScale) {
  const fs::path dir = test::temp_dir("pg_synth_moe") / "pool";
  fs::create_directories(dir);
  SynthOptions o;
  o.shape = shape("moe-test");  // 256 x 256 x 8 experts = 16384 Q8_0 blocks: pooled
  o.type = "Q8_0";
  auto f = write_and_open(dir / "a.gguf", o);
  ASSERT_TRUE(f);
  const gguf::TensorInfo* up = f->find_tensor("blk.0.ffn_up_exps.weight");
  ASSERT_NE(up, nullptr);
  ASSERT_EQ(up->type, GgmlType::Q8_0);
  ASSERT_GE(up->n_elements / 32, static_cast<uint64_t>(kSynthPoolMinUnits));
  for (uint64_t expert = 0; expert < 8; expert += 7) {
    const Stats s = stats_of(*up, expert * 256, 256);
    EXPECT_NEAR(s.sd * 16.0, 1.0, 0.05) << expert;  // 1/sqrt(256)
    EXPECT_NEAR(s.mean, 0.0, 0.005) << expert;
  }
  const uint64_t row_bytes = *ggml_row_bytes(up->type, 256);
  const auto* bytes = static_cast<const uint8_t*>(up->data);
  std::set<std::string> rows;
  for (uint64_t r = 0; r < 2048; ++r) rows.insert(std::string(reinterpret_cast<const char*>(bytes + r * row_bytes), row_bytes));
  EXPECT_EQ(rows.size(), 2048u);
  EXPECT_NE(std::string(reinterpret_cast<const char*>(bytes), row_bytes * 256),
            std::string(reinterpret_cast<const char*>(bytes + row_bytes * 256), row_bytes * 256));  // experts differ
  // The router is generated value by value: unit-variance logits for unit inputs.
  const gguf::TensorInfo* router = f->find_tensor("blk.0.ffn_gate_inp.weight");
  ASSERT_EQ(router->type, GgmlType::F32);
  const Stats rs = stats_of(*router, 0, 8);
  EXPECT_NEAR(rs.sd * 16.0, 1.0, 0.1);
  // Same options, same bytes; another seed, other bytes.
  auto again = write_and_open(dir / "b.gguf", o);
  EXPECT_EQ(test::slurp(dir / "a.gguf"), test::slurp(dir / "b.gguf"));
  o.seed = 2;
  auto other = write_and_open(dir / "c.gguf", o);
  EXPECT_NE(test::slurp(dir / "a.gguf"), test::slurp(dir / "c.gguf"));
  test::cleanup(dir);
}

// moe-test carries harmony's tokens as single control tokens, <|return|> as EOS;
// gpt-oss-20b's vocabulary has them at their real ids.
TEST(SynthMoe, GptOssVocabularyHasHarmonysControlTokens) {
  const fs::path dir = test::temp_dir("pg_synth_moe") / "vocab";
  fs::create_directories(dir);
  SynthOptions o;
  o.shape = shape("moe-test");
  auto f = write_and_open(dir / "m.gguf", o);
  ASSERT_TRUE(f);
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  auto types = f->get_int_array("tokenizer.ggml.token_type");
  ASSERT_TRUE(tokens && types);
  ASSERT_EQ(tokens->size(), 1024u);
  std::map<std::string, int64_t> id;
  for (size_t i = 0; i < tokens->size(); ++i) id[(*tokens)[i]] = static_cast<int64_t>(i);
  for (const char* t : {"<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>", "<|return|>", "<|call|>",
                        "<|endoftext|>", "<|startoftext|>"}) {
    ASSERT_TRUE(id.count(t)) << t;
    EXPECT_EQ((*types)[static_cast<size_t>(id[t])], 3) << t;  // control
  }
  EXPECT_EQ(id["<|startoftext|>"], 1024 - 21);
  EXPECT_EQ(f->get_int("tokenizer.ggml.eos_token_id"), id["<|return|>"]);
  EXPECT_EQ(f->get_int("tokenizer.ggml.bos_token_id"), id["<|startoftext|>"]);
  EXPECT_EQ(f->get_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_EQ(id.count("<0x41>"), 1u);  // byte tokens still there

  GgufStreamWriter::Metadata md;
  add_synth_builtin_vocab(md, 201088, "gpt-oss");
  const gguf::Array* arr = nullptr;
  for (const auto& [key, value] : md)
    if (key == "tokenizer.ggml.tokens") arr = value.as_array();
  ASSERT_NE(arr, nullptr);
  ASSERT_EQ(arr->items.size(), 201088u);
  auto text = [&](size_t i) { return *arr->items[i].as_string(); };
  EXPECT_EQ(text(199998), "<|startoftext|>");
  EXPECT_EQ(text(199999), "<|endoftext|>");
  EXPECT_EQ(text(200002), "<|return|>");
  EXPECT_EQ(text(200005), "<|channel|>");
  EXPECT_EQ(text(200006), "<|start|>");
  EXPECT_EQ(text(200007), "<|end|>");
  EXPECT_EQ(text(200008), "<|message|>");
  EXPECT_EQ(text(200012), "<|call|>");
  EXPECT_EQ(text(201087), "<|reserved_201087|>");
  test::cleanup(dir);
}

TEST(SynthMoe, WithLayersTheFileHasThatManyBlocksOfRealWidths) {
  const fs::path dir = test::temp_dir("pg_synth_moe") / "layers";
  fs::create_directories(dir);
  SynthOptions o;
  o.shape = shape("qwen3-30b-a3b");
  o.shape.layers = 1;
  o.shape.vocab = 512;   // keeps the file small (about 50 MB); widths stay real
  o.shape.experts = 16;
  o.type = "Q4_K_M";
  auto f = write_and_open(dir / "q.gguf", o);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get_int("qwen3moe.block_count"), 1);
  EXPECT_EQ(f->get_int("qwen3moe.expert_count"), 16);
  EXPECT_EQ(f->get_int("qwen3moe.expert_used_count"), 8);
  EXPECT_EQ(f->get_int("qwen3moe.expert_feed_forward_length"), 768);
  EXPECT_EQ(f->get_int("qwen3moe.feed_forward_length"), 6144);
  const gguf::TensorInfo* down = f->find_tensor("blk.0.ffn_down_exps.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->dims, (Dims{768, 2048, 16}));
  EXPECT_EQ(down->type, GgmlType::Q6_K);
  const Stats s = stats_of(*down, 0, 64);  // pooled Q6_K blocks
  EXPECT_NEAR(s.sd * std::sqrt(768.0), 1.0, 0.08);
  test::cleanup(dir);
}

TEST(SynthMoe, ShapesLlamaCppWouldNotLoadAreRefused) {
  auto expect_error = [](SynthShape s, const std::string& part) {
    Status st = validate_synth_shape(s);
    EXPECT_FALSE(st) << s.name << ": expected '" << part << "'";
    if (!st) {
      EXPECT_NE(st.message().find(part), std::string::npos) << st.message();
    }
  };
  SynthShape s = shape("qwen3-30b-a3b");
  s.experts = s.experts_used = s.expert_ffn = 0;
  expect_error(s, "needs routed experts");
  s = shape("qwen3-0.6b");
  s.experts = 8, s.experts_used = 2;
  expect_error(s, "has no mixture-of-experts layers");
  s = shape("mixtral-8x7b");
  s.expert_ffn = 1024;
  expect_error(s, "has no expert width of its own");
  s = shape("mixtral-8x7b");
  s.experts_used = 9;
  expect_error(s, "experts used per token 9 out of range 1..8");
  s.experts = 1, s.experts_used = 1;
  expect_error(s, "expert count 1 out of range");
  s = shape("moe-test");
  s.sliding_window = 0;
  expect_error(s, "needs a sliding window");
  s = shape("moe-test");
  s.tied_embeddings = true;
  expect_error(s, "needs its own output.weight");
  s = shape("moe-test");
  s.rope_orig_ctx = 0;
  expect_error(s, "yarn needs the original context length");
  s = shape("moe-test");
  s.vocab = 280;
  expect_error(s, "vocabulary size 280 out of range 281..");
  s = shape("mixtral-8x7b");
  s.rope_scaling = "yarn", s.rope_scale = 4, s.rope_orig_ctx = 4096;
  expect_error(s, "rope scaling 'yarn' is not supported for architecture llama");
}

}  // namespace
}  // namespace pg
