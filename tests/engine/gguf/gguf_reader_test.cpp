// Tests of the GGUF reader on hand-crafted v2/v3 images and on every GGUF file
// in ../shared/testdata, with known counts, types, dims, metadata and bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_test_image.h"
#include "test_paths.h"

#if defined(__SANITIZE_ADDRESS__)
#define PG_GGUF_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PG_GGUF_TEST_SANITIZED 1
#endif
#endif

namespace pg::gguf {
namespace {

namespace fs = std::filesystem;
using test::ImageBuilder;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<GgufFile> open_shared(const std::string& rel) {
  auto f = GgufFile::open(pg::test::shared_path(rel));
  EXPECT_TRUE(f.is_ok()) << f.error();
  return f ? std::move(f).value() : nullptr;
}

std::vector<uint8_t> handmade_image(uint32_t version) {
  ImageBuilder b;
  b.header(version, 2, 4);
  b.kv_str("general.architecture", "llama");
  b.kv_u32("llama.embedding_length", 4);
  b.str("tokenizer.ggml.scores").u32(9).u32(6).u64(3).put(0.5f).put(-1.0f).put(2.0f);
  b.str("flag").u32(7).u8(1);
  b.tensor("w", {4, 2}, 0, 0);
  b.tensor("v", {4}, 0, 32);
  b.pad_to(32);
  for (int i = 0; i < 8; ++i) b.put(static_cast<float>(i));
  b.pad_to(32);
  for (int i = 0; i < 4; ++i) b.put(static_cast<float>(100 + i));
  return b.bytes();
}

TEST(GgufReader, ReadsAHandCraftedV2Image) {
  auto f = GgufFile::from_bytes(handmade_image(2));
  ASSERT_TRUE(f) << f.error();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 2u);
  EXPECT_EQ(g.alignment(), 32u);
  EXPECT_EQ(g.path(), "<memory>");
  ASSERT_EQ(g.metadata().size(), 4u);
  EXPECT_EQ(g.metadata()[0].first, "general.architecture");
  EXPECT_EQ(g.get_string("general.architecture"), "llama");
  EXPECT_EQ(g.get_int("llama.embedding_length"), 4);
  EXPECT_EQ(g.get_float("llama.embedding_length"), 4.0);
  EXPECT_EQ(g.get_bool("flag"), true);
  EXPECT_EQ(g.get_float_array("tokenizer.ggml.scores"), (std::vector<float>{0.5f, -1.0f, 2.0f}));
  ASSERT_EQ(g.tensors().size(), 2u);
  const TensorInfo* w = g.find_tensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dims, (std::vector<uint64_t>{4, 2}));
  EXPECT_EQ(w->n_elements, 8u);
  EXPECT_EQ(w->n_bytes, 32u);
  float x = 0;
  std::memcpy(&x, w->data + 7 * 4, 4);
  EXPECT_EQ(x, 7.0f);
  const TensorInfo* v = g.find_tensor("v");
  ASSERT_NE(v, nullptr);
  std::memcpy(&x, v->data, 4);
  EXPECT_EQ(x, 100.0f);
  EXPECT_EQ(g.find_tensor("missing"), nullptr);
  EXPECT_EQ(g.find("missing"), nullptr);
}

TEST(GgufReader, ReadsTheSameImageAsV3) {
  auto f = GgufFile::from_bytes(handmade_image(3));
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ((*f)->version(), 3u);
  EXPECT_EQ((*f)->tensors().size(), 2u);
}

TEST(GgufReader, RejectsOtherVersionsByNumber) {
  for (uint32_t version : {0u, 1u, 4u, 0x03000000u}) {
    auto f = GgufFile::from_bytes(handmade_image(version));
    ASSERT_FALSE(f) << version;
    EXPECT_NE(f.error().find("unsupported GGUF version " + std::to_string(version)),
              std::string::npos)
        << f.error();
  }
  EXPECT_NE(GgufFile::from_bytes(handmade_image(0x03000000u)).error().find("big-endian"),
            std::string::npos);
}

TEST(GgufReader, TypedGettersRejectIncompatibleTypes) {
  auto f = GgufFile::from_bytes(handmade_image(3));
  ASSERT_TRUE(f);
  const GgufFile& g = **f;
  EXPECT_EQ(g.get_int("general.architecture"), std::nullopt);
  EXPECT_EQ(g.get_float("general.architecture"), std::nullopt);
  EXPECT_EQ(g.get_bool("llama.embedding_length"), std::nullopt);
  EXPECT_EQ(g.get_int("flag"), std::nullopt);  // bool is not an integer type
  EXPECT_EQ(g.get_string("llama.embedding_length"), std::nullopt);
  EXPECT_EQ(g.get_string_array("tokenizer.ggml.scores"), std::nullopt);
  EXPECT_EQ(g.get_int_array("tokenizer.ggml.scores"), std::nullopt);
  EXPECT_EQ(g.get_float_array("general.architecture"), std::nullopt);
  EXPECT_EQ(g.get_int("nope"), std::nullopt);
}

TEST(GgufReader, OpenReportsMissingFilesAndDirectories) {
  auto missing = GgufFile::open("/nonexistent/dir/model.gguf");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/dir/model.gguf"), std::string::npos);
  auto dir = GgufFile::open(fs::temp_directory_path().string());
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().find("not a regular file"), std::string::npos) << dir.error();
}

TEST(GgufReader, EverySharedGgufLoads) {
  PG_REQUIRE_SHARED();
  int loaded = 0;
  for (const char* sub : {"testdata/gguf", "testdata/vocab"}) {
    for (const auto& e : fs::directory_iterator(pg::test::shared_path(sub))) {
      if (e.path().extension() != ".gguf") continue;
      auto f = GgufFile::open(e.path().string());
      ASSERT_TRUE(f) << f.error();
      const GgufFile& g = **f;
      EXPECT_EQ(g.version(), 3u) << e.path();
      EXPECT_EQ(g.file_size(), fs::file_size(e.path()));
      EXPECT_TRUE(g.get_string("general.architecture").has_value()) << e.path();
      EXPECT_TRUE(g.get_string_array("tokenizer.ggml.tokens").has_value()) << e.path();
      for (const TensorInfo& t : g.tensors()) {
        EXPECT_LE(g.data_offset() + t.offset + t.n_bytes, g.file_size()) << t.name;
        EXPECT_EQ(t.offset % g.alignment(), 0u) << t.name;
      }
      ++loaded;
    }
  }
  EXPECT_GE(loaded, 19);
}

TEST(GgufReader, Stories260KHasItsKnownLayout) {
  PG_REQUIRE_SHARED();
  auto f = open_shared("testdata/gguf/stories260K.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensors().size(), 48u);
  EXPECT_EQ(f->metadata().size(), 19u);
  EXPECT_EQ(f->alignment(), 32u);  // no general.alignment key: the default
  EXPECT_EQ(f->data_offset(), 14144u);
  EXPECT_EQ(f->get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f->get_int("llama.block_count"), 5);
  EXPECT_NEAR(*f->get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-12);
  EXPECT_EQ(f->get_string("general.name"), "stories260K");
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[1], "<s>");
  EXPECT_EQ(f->get_float_array("tokenizer.ggml.scores")->size(), 512u);
  auto types = f->get_int_array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types);
  EXPECT_EQ((*types)[0], 2);
  EXPECT_EQ(f->find("tokenizer.ggml.tokens")->to_display(3),
            "[\"<unk>\", \"<s>\", \"</s>\", ... (512 items)]");

  const TensorInfo* q = f->find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->dims, (std::vector<uint64_t>{64, 64}));
  EXPECT_EQ(q->offset, 131328u);
  EXPECT_EQ(q->type, GgmlType::F32);

  // The token embedding is the llama2c checkpoint's first tensor, byte for byte.
  const TensorInfo* embd = f->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->dims, (std::vector<uint64_t>{64, 512}));
  ASSERT_EQ(embd->n_bytes, 64u * 512 * 4);
  std::vector<uint8_t> ckpt = read_bytes(pg::test::shared_path("testdata/llama2c/stories260K.bin"));
  ASSERT_GE(ckpt.size(), 28 + embd->n_bytes);
  EXPECT_EQ(std::memcmp(embd->data, ckpt.data() + 28, embd->n_bytes), 0);
}

TEST(GgufReader, TensorDataPointsAtTheFileBytes) {
  PG_REQUIRE_SHARED();
  std::string path = pg::test::shared_path("testdata/gguf/tiny256-Q4_K_M.gguf");
  auto f = GgufFile::open(path);
  ASSERT_TRUE(f) << f.error();
  std::vector<uint8_t> bytes = read_bytes(path);
  ASSERT_EQ(bytes.size(), (*f)->file_size());
  for (const TensorInfo& t : (*f)->tensors()) {
    uint64_t at = (*f)->data_offset() + t.offset;
    EXPECT_EQ(std::memcmp(t.data, bytes.data() + at, t.n_bytes), 0) << t.name;
  }
}

TEST(GgufReader, QuantizedTiny256HasItsKnownTypes) {
  PG_REQUIRE_SHARED();
  auto f = open_shared("testdata/gguf/tiny256-Q4_0.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensors().size(), 21u);
  EXPECT_EQ(f->get_int("general.alignment"), 32);
  const TensorInfo* out = f->find_tensor("output.weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->type, GgmlType::Q6_K);
  EXPECT_EQ(static_cast<uint32_t>(out->type), 14u);
  EXPECT_EQ(out->dims, (std::vector<uint64_t>{256, 512}));
  EXPECT_EQ(out->n_bytes, 512u * 210);  // 512 rows of one 210-byte Q6_K block
  const TensorInfo* embd = f->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->type, GgmlType::Q4_0);
  EXPECT_EQ(embd->offset, 108544u);
  EXPECT_EQ(embd->n_bytes, 512u * 8 * 18);
  int q4 = 0, f32 = 0;
  for (const TensorInfo& t : f->tensors()) {
    q4 += t.type == GgmlType::Q4_0;
    f32 += t.type == GgmlType::F32;
  }
  EXPECT_EQ(q4, 15);
  EXPECT_EQ(f32, 5);

  auto km = open_shared("testdata/gguf/tiny256-Q4_K_M.gguf");
  ASSERT_TRUE(km);
  EXPECT_EQ(km->find_tensor("token_embd.weight")->type, GgmlType::Q4_K);
  EXPECT_EQ(km->get_int("general.file_type"), 15);

  auto f16 = open_shared("testdata/gguf/llama-2-tiny-random.gguf");
  ASSERT_TRUE(f16);
  EXPECT_EQ(f16->tensors().size(), 12u);
  EXPECT_EQ(f16->find_tensor("token_embd.weight")->type, GgmlType::F16);
  EXPECT_EQ(f16->find_tensor("token_embd.weight")->dims, (std::vector<uint64_t>{8, 32000}));
  EXPECT_EQ(f16->get_string_array("tokenizer.ggml.tokens")->size(), 32000u);
}

TEST(GgufReader, LoadsTheLlama3VocabularyQuickly) {
  PG_REQUIRE_SHARED();
  auto start = std::chrono::steady_clock::now();
  auto f = open_shared("testdata/vocab/llama3-bpe.gguf");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(f->get_string("tokenizer.ggml.pre"), "llama-bpe");
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->size(), 128256u);
  EXPECT_EQ((*tokens)[0], "!");
  auto merges = f->get_string_array("tokenizer.ggml.merges");
  ASSERT_TRUE(merges);
  EXPECT_EQ(merges->size(), 280147u);
  EXPECT_EQ((*merges)[0], "\xC4\xA0 \xC4\xA0");  // "Ġ Ġ"
  EXPECT_EQ(f->get_int("tokenizer.ggml.bos_token_id"), 128000);
#if defined(NDEBUG) && !defined(PG_GGUF_TEST_SANITIZED)
  EXPECT_LT(seconds, 1.0) << "parsing 408k metadata strings took " << seconds << " s";
#else
  EXPECT_LT(seconds, 15.0);  // unoptimized or sanitized build: only catch pathologies
#endif
}

}  // namespace
}  // namespace pg::gguf
