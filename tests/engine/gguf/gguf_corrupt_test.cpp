// Hostile-input tests of the GGUF reader: truncation at every length, every
// header field set to broken or huge values, duplicates, overlaps and seeded
// random corruption. Each case must give an error that names the problem (or,
// for random mutations, a valid parse) and never crash, hang or over-allocate;
// CI runs this suite under AddressSanitizer and UBSan.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_test_image.h"
#include "test_paths.h"

namespace pg::gguf {
namespace {

namespace fs = std::filesystem;
using test::image_with_tensors;
using test::ImageBuilder;
using test::TensorSpec;

constexpr uint64_t kHuge = uint64_t{1} << 60;
constexpr uint64_t kU64Max = ~uint64_t{0};

// The parse error for an image, or "" if it parsed.
std::string parse_error(std::vector<uint8_t> bytes) {
  auto f = GgufFile::from_bytes(std::move(bytes));
  return f ? std::string() : f.error();
}

#define EXPECT_PARSE_ERROR(bytes, text)                                              \
  do {                                                                               \
    std::string err_ = parse_error(bytes);                                           \
    EXPECT_FALSE(err_.empty()) << "parsed, but expected an error containing: " << (text); \
    EXPECT_NE(err_.find(text), std::string::npos) << err_;                           \
  } while (0)

// A writer-made file with every kind of value and three tensors.
std::vector<uint8_t> small_file() {
  GgufWriter w;
  w.set("general.architecture", Value::str("llama"));
  w.set("general.alignment", Value::u32(32));
  w.set("tokens", Value::array(ValueType::STRING, {Value::str("a"), Value::str("bc"), Value::str("")}));
  w.set("scores", Value::array(ValueType::FLOAT32, {Value::f32(-1), Value::f32(0.5f)}));
  w.set("nested", Value::array(ValueType::ARRAY,
                               {Value::array(ValueType::INT16, {Value::i16(3)}),
                                Value::array(ValueType::UINT64, {})}));
  w.set("flag", Value::boolean(true));
  w.set("eps", Value::f64(1e-6));
  w.set("n", Value::i8(-3));
  std::vector<uint8_t> f32(4 * 2 * 4), q4(18), f16(3 * 2);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<uint8_t>(i);
  EXPECT_TRUE(w.add_tensor("w", GgmlType::F32, {4, 2}, f32));
  EXPECT_TRUE(w.add_tensor("q", GgmlType::Q4_0, {32}, q4));
  EXPECT_TRUE(w.add_tensor("h", GgmlType::F16, {3}, f16));
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes);
  return bytes ? std::move(bytes).value() : std::vector<uint8_t>{};
}

// Bytes a prefix must keep to parse: through the end of the last tensor's data.
uint64_t required_length(const GgufFile& f) {
  uint64_t end = f.data_offset();
  for (const TensorInfo& t : f.tensors()) end = std::max(end, f.data_offset() + t.offset + t.n_bytes);
  return end;
}

void check_invariants(const GgufFile& f) {
  for (const TensorInfo& t : f.tensors()) {
    ASSERT_LE(t.offset, f.file_size());
    ASSERT_LE(t.n_bytes, f.file_size());
    ASSERT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size());
    ASSERT_GT(t.n_elements, 0u);
    ASSERT_TRUE(!t.dims.empty() && t.dims.size() <= kMaxTensorDims);
  }
  for (const auto& [key, value] : f.metadata()) {
    ASSERT_FALSE(key.empty());
    (void)value.to_display();
  }
}

TEST(GgufCorrupt, TruncationAtEveryLengthOfASmallFile) {
  std::vector<uint8_t> full = small_file();
  auto parsed = GgufFile::from_bytes(full);
  ASSERT_TRUE(parsed) << parsed.error();
  uint64_t needed = required_length(**parsed);
  ASSERT_GT(needed, 200u);
  for (size_t len = 0; len < full.size(); ++len) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(len));
    std::string err = parse_error(prefix);
    if (len < needed) {
      EXPECT_FALSE(err.empty()) << "prefix of " << len << " bytes parsed";
      bool named = err.find("truncated") != std::string::npos ||
                   err.find("past end of file") != std::string::npos ||
                   err.find("impossible") != std::string::npos;
      EXPECT_TRUE(named) << "len " << len << ": " << err;
    } else {
      EXPECT_TRUE(err.empty()) << "len " << len << ": " << err;  // only padding is missing
    }
  }
}

TEST(GgufCorrupt, TruncationOfASharedFile) {
  PG_REQUIRE_SHARED();
  std::string path = pg::test::shared_path("testdata/gguf/stories260K.gguf");
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> full{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_EQ(full.size(), 1185344u);
  const uint64_t header_end = 14144;  // output.weight's data ends exactly at the end of file
  std::vector<uint64_t> cuts;
  for (uint64_t i = 0; i < 250; ++i) cuts.push_back(i * header_end / 250 + i % 7);
  for (uint64_t i = 0; i < 50; ++i) cuts.push_back(header_end + i * (full.size() - header_end) / 50 + 3);
  cuts.push_back(full.size() - 1);
  for (uint64_t len : cuts) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(len));
    EXPECT_FALSE(parse_error(std::move(prefix)).empty()) << "prefix of " << len << " bytes parsed";
  }

  // Through open(): the message names the file, the tensor and the sizes.
  fs::path cut_path = fs::temp_directory_path() / ("pg_gguf_cut_" + std::to_string(::getpid()) + ".gguf");
  {
    std::ofstream out(cut_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(full.data()), 1000000);
  }
  auto f = GgufFile::open(cut_path.string());
  fs::remove(cut_path);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().find(cut_path.string() + ": tensor '"), std::string::npos) << f.error();
  EXPECT_NE(f.error().find("extends past end of file (1000000 bytes"), std::string::npos) << f.error();
}

TEST(GgufCorrupt, EmptyAndNonGgufInput) {
  EXPECT_PARSE_ERROR({}, "truncated file: magic");
  EXPECT_PARSE_ERROR(ImageBuilder().raw("GGML").u32(3).u64(0).u64(0).bytes(), "bad magic \"GGML\"");
  EXPECT_PARSE_ERROR(ImageBuilder().raw("\x7f" "ELF").bytes(), "not a GGUF file");
  EXPECT_PARSE_ERROR(ImageBuilder().raw("GGUF").u32(3).u64(0).bytes(), "truncated file: metadata kv count");
}

TEST(GgufCorrupt, ImpossibleCountsFailFast) {
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, kHuge).bytes(), "metadata kv count 1152921504606846976 is impossible");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, kU64Max).bytes(), "is impossible");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, kHuge, 0).bytes(), "tensor count 1152921504606846976 is impossible");
  // A tensor count that the whole file could hold, but not what is left after the metadata.
  ImageBuilder b;
  b.header(3, 3, 1).kv_str("k", std::string(60, 'x')).tensor("t", {1}, 0, 0);
  EXPECT_PARSE_ERROR(b.bytes(), "after the metadata");
}

TEST(GgufCorrupt, HugeStringLengths) {
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).u64(uint64_t{1} << 63).fill(32, 'k').bytes(),
                     "metadata kv #0: key length 9223372036854775808 at offset 24 extends past end of file");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).u64(kU64Max).fill(16, 'a').bytes(), "key length");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(8).u64(kHuge).fill(16, 'a').bytes(),
                     "metadata key 'k': string length 1152921504606846976");
  EXPECT_PARSE_ERROR(
      ImageBuilder().header(3, 0, 1).str("k").u32(9).u32(8).u64(2).str("ok").u64(kHuge).fill(8, 0).bytes(),
      "metadata key 'k'[1]: string length");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 1, 0).u64(kHuge).fill(40, 0).bytes(),
                     "tensor #0: name length 1152921504606846976");
}

TEST(GgufCorrupt, UnknownValueTypes) {
  for (uint32_t type : {13u, 255u, 0xFFFFFFFFu}) {
    EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(type).u64(0).bytes(),
                       "metadata key 'k': unknown value type " + std::to_string(type));
    EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(9).u32(type).u64(1).u64(0).bytes(),
                       "unknown array element type " + std::to_string(type));
  }
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(7).u8(2).bytes(), "invalid BOOL value 2");
}

TEST(GgufCorrupt, ArrayCountsAndNesting) {
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(9).u32(6).u64(kHuge).fill(64, 0).bytes(),
                     "array count 1152921504606846976 of FLOAT32 is impossible");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(9).u32(9).u64(kU64Max).fill(64, 0).bytes(),
                     "is impossible");
  // Exactly enough bytes for 4 u32s but a count of 5.
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("k").u32(9).u32(4).u64(5).fill(16, 0).bytes(),
                     "array count 5 of UINT32 is impossible");

  auto nested = [](int depth) {
    ImageBuilder b;
    b.header(3, 0, 1).str("deep").u32(9);
    for (int i = 1; i < depth; ++i) b.u32(9).u64(1);
    b.u32(0).u64(1).u8(42);
    return b.bytes();
  };
  auto ok = GgufFile::from_bytes(nested(kMaxArrayDepth));
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_NE((*ok)->find("deep")->to_display().find("42"), std::string::npos);
  EXPECT_PARSE_ERROR(nested(kMaxArrayDepth + 1), "nested deeper than 8");
  EXPECT_PARSE_ERROR(nested(10000), "nested deeper than 8");
}

TEST(GgufCorrupt, TotalArrayItemsAreCapped) {
  const uint64_t count = kMaxMetadataItems + 1;
  ImageBuilder b;
  b.header(3, 0, 1).str("bytes").u32(9).u32(0).u64(count);
  std::vector<uint8_t> image = b.bytes();
  image.resize(image.size() + count, 0);  // a file that really holds every element
  EXPECT_PARSE_ERROR(std::move(image), "more than 33554432 items");
}

TEST(GgufCorrupt, BadKeys) {
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("").u32(0).u8(0).fill(8, 0).bytes(), "metadata kv #0: empty metadata key");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 3).kv_u32("a", 1).kv_u32("b", 2).kv_str("a", "x").bytes(),
                     "metadata key 'a': duplicate metadata key (entries #0 and #2)");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("a\nb").u32(55).bytes(), "metadata key 'a\\x0ab'");
}

TEST(GgufCorrupt, BadAlignment) {
  for (uint32_t a : {0u, 3u, 48u, 0x80000001u}) {
    EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).kv_u32("general.alignment", a).bytes(),
                       "general.alignment = " + std::to_string(a) + " is not a non-zero power of two");
  }
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("general.alignment").u32(5).u32(static_cast<uint32_t>(-32)).bytes(),
                     "general.alignment = -32");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).str("general.alignment").u32(10).u64(kU64Max).bytes(),
                     "not a non-zero power of two");
  EXPECT_PARSE_ERROR(ImageBuilder().header(3, 0, 1).kv_str("general.alignment", "32").bytes(),
                     "general.alignment has type STRING, expected an integer");
  // Any integer type is accepted.
  auto u8 = GgufFile::from_bytes(ImageBuilder().header(3, 0, 1).str("general.alignment").u32(0).u8(64).bytes());
  ASSERT_TRUE(u8) << u8.error();
  EXPECT_EQ((*u8)->alignment(), 64u);
  // A valid but huge alignment pushes the data section past the end of the file.
  ImageBuilder big;
  big.header(3, 1, 1).str("general.alignment").u32(10).u64(uint64_t{1} << 40).tensor("t", {8}, 0, 0);
  big.fill(64, 0);
  EXPECT_PARSE_ERROR(big.bytes(), "data section starts at offset 1099511627776");
  ImageBuilder max;
  max.header(3, 1, 1).str("general.alignment").u32(10).u64(uint64_t{1} << 63).tensor("t", {8}, 0, 0);
  max.fill(64, 0);
  EXPECT_FALSE(parse_error(max.bytes()).empty());
}

TEST(GgufCorrupt, BadTensorDims) {
  for (uint32_t n_dims : {0u, 5u, 0xFFFFFFFFu}) {
    ImageBuilder b;
    b.header(3, 1, 0).str("t").u32(n_dims).fill(64, 0);
    EXPECT_PARSE_ERROR(b.bytes(), "tensor 't': n_dims " + std::to_string(n_dims) + " is not in 1..4");
  }
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {4, 0}, 0, 0}}, 64), "tensor 't': dim[1] is 0");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {0}, 0, 0}}, 64), "dim[0] is 0");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {uint64_t{1} << 63}, 0, 0}}, 64), "element count overflows");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0}}, 64),
                     "element count overflows (dim[1] = 4294967296)");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {1u << 31, 1u << 31, 2}, 0, 0}}, 64), "element count overflows");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {kU64Max, kU64Max, kU64Max, kU64Max}, 0, 0}}, 64),
                     "element count overflows");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {uint64_t{1} << 62}, 0, 0}}, 64), "row size overflows");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {2, uint64_t{1} << 61}, 0, 0}}, 64), "byte size overflows");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {uint64_t{1} << 40}, 0, 0}}, 64),
                     "extends past end of file");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {16}, 2, 0}}, 64),
                     "row length dim[0] = 16 is not a multiple of the Q4_0 block size 32");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {128}, 12, 0}}, 256), "Q4_K block size 256");
}

TEST(GgufCorrupt, UnknownTensorTypes) {
  for (uint32_t type : {4u, 5u, 31u, 36u, 40u, 1000u, 0xFFFFFFFFu}) {
    EXPECT_PARSE_ERROR(image_with_tensors({{"t", {32}, type, 0}}, 256),
                       "tensor 't': unknown tensor type id " + std::to_string(type));
  }
}

TEST(GgufCorrupt, BadTensorOffsets) {
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {4}, 0, 4}}, 64),
                     "tensor 't' data [offset 4, 16 bytes] is not aligned to 32 bytes");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {4}, 0, 1024}}, 64),
                     "tensor 't' data [offset 1024, 16 bytes] extends past end of file (");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {4}, 0, kU64Max}}, 64), "is not aligned");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {4}, 0, kU64Max - 31}}, 64), "extends past end of file");
  EXPECT_PARSE_ERROR(image_with_tensors({{"t", {16}, 0, 32}}, 64), "extends past end of file");  // ends at 96
  auto exact = GgufFile::from_bytes(image_with_tensors({{"t", {8}, 0, 32}}, 64));  // ends exactly at EOF
  ASSERT_TRUE(exact) << exact.error();
  EXPECT_EQ((*exact)->tensors()[0].data[0], static_cast<uint8_t>(32 * 7 + 1));
}

TEST(GgufCorrupt, DuplicateAndOverlappingTensors) {
  EXPECT_PARSE_ERROR(image_with_tensors({{"a", {4}, 0, 0}, {"a", {4}, 0, 32}}, 64),
                     "tensor 'a': duplicate tensor name (tensors #0 and #1)");
  EXPECT_PARSE_ERROR(image_with_tensors({{"", {4}, 0, 0}}, 64), "tensor #0: empty tensor name");
  EXPECT_PARSE_ERROR(image_with_tensors({{"a", {4}, 0, 0}, {"b", {4}, 0, 0}}, 64), "overlaps");
  EXPECT_PARSE_ERROR(image_with_tensors({{"b", {4}, 0, 32}, {"a", {16}, 0, 0}}, 96),
                     "tensor 'a' data [offset 0, 64 bytes] overlaps tensor 'b' data [offset 32, 16 bytes]");
  auto adjacent = GgufFile::from_bytes(image_with_tensors({{"b", {8}, 0, 32}, {"a", {8}, 0, 0}}, 64));
  EXPECT_TRUE(adjacent) << adjacent.error();
}

TEST(GgufCorrupt, HeaderFieldsOverwrittenWithHostileValues) {
  // Overwrite each aligned 4- and 8-byte position of the header with values
  // that break counts, lengths and types.
  std::vector<uint8_t> base = small_file();
  auto parsed = GgufFile::from_bytes(base);
  ASSERT_TRUE(parsed);
  const uint64_t header_end = (*parsed)->data_offset();
  const uint64_t values[] = {0, 1, 5, 13, 0xFF, 0xFFFFFFFFull, uint64_t{1} << 32, uint64_t{1} << 62,
                             uint64_t{1} << 63, kU64Max};
  int errors = 0, runs = 0;
  for (uint64_t pos = 0; pos + 8 <= header_end; pos += 4) {
    for (uint64_t v : values) {
      for (size_t width : {size_t{4}, size_t{8}}) {
        std::vector<uint8_t> image = base;
        std::memcpy(image.data() + pos, &v, width);
        auto f = GgufFile::from_bytes(std::move(image));
        ++runs;
        if (!f) {
          ++errors;
          EXPECT_EQ(f.error().rfind("<memory>: ", 0), 0u) << f.error();
        } else {
          check_invariants(**f);
        }
      }
    }
  }
  EXPECT_GT(errors, runs / 2);
}

TEST(GgufCorrupt, SeededRandomMutationsOfASmallFile) {
  std::vector<uint8_t> base = small_file();
  std::mt19937_64 rng(20240611);
  const uint64_t interesting[] = {0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, uint64_t{1} << 40,
                                  uint64_t{1} << 63, kU64Max};
  int ok = 0, errors = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> image = base;
    int n_mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < n_mutations; ++m) {
      size_t pos = rng() % image.size();
      switch (rng() % 5) {
        case 0: image[pos] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: image[pos] = static_cast<uint8_t>(rng()); break;
        case 2:
        case 3: {
          uint64_t v = interesting[rng() % std::size(interesting)];
          size_t width = (rng() % 2) ? 8 : 4;
          if (pos + width <= image.size()) std::memcpy(image.data() + pos, &v, width);
          break;
        }
        case 4: image.resize(pos + 1); break;
      }
    }
    auto f = GgufFile::from_bytes(std::move(image));
    if (f) {
      ++ok;
      check_invariants(**f);
    } else {
      ++errors;
      EXPECT_FALSE(f.error().empty());
    }
  }
  EXPECT_GT(ok, 100);      // mutations of tensor data or padding still parse
  EXPECT_GT(errors, 1000);
}

TEST(GgufCorrupt, SeededRandomMutationsOfASharedHeader) {
  PG_REQUIRE_SHARED();
  std::string path = pg::test::shared_path("testdata/gguf/tiny256-Q4_K_M.gguf");
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> base{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto parsed = GgufFile::from_bytes(base);
  ASSERT_TRUE(parsed) << parsed.error();
  const uint64_t header_end = (*parsed)->data_offset();
  std::mt19937_64 rng(7);
  int errors = 0;
  for (int iter = 0; iter < 120; ++iter) {
    std::vector<uint8_t> image = base;
    size_t pos = rng() % header_end;
    uint64_t v = (rng() % 2) ? rng() : (uint64_t{1} << (rng() % 64));
    std::memcpy(image.data() + pos, &v, std::min<size_t>(8, image.size() - pos));
    auto f = GgufFile::from_bytes(std::move(image));
    if (f) {
      check_invariants(**f);
    } else {
      ++errors;
    }
  }
  EXPECT_GT(errors, 12);
}

}  // namespace
}  // namespace pg::gguf
