// Tests of GgufWriter: byte-exact output for a small file, round trips of every
// value type through the reader, tensor alignment and padding, validation of
// bad input, determinism, and that write() never leaves a partial file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_test_image.h"

namespace pg::gguf {
namespace {

namespace fs = std::filesystem;
using test::ImageBuilder;

std::unique_ptr<GgufFile> reparse(const GgufWriter& w) {
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes.is_ok()) << bytes.error();
  if (!bytes) return nullptr;
  auto f = GgufFile::from_bytes(std::move(bytes).value());
  EXPECT_TRUE(f.is_ok()) << f.error();
  if (!f) return nullptr;
  return std::move(f).value();
}

// Deep equality that also compares the stored GGUF type of every element.
void expect_same(const Value& a, const Value& b, const std::string& where) {
  ASSERT_EQ(a.type, b.type) << where;
  ASSERT_EQ(a.data.index(), b.data.index()) << where;
  if (const Array* aa = a.as_array()) {
    const Array* ba = b.as_array();
    ASSERT_EQ(aa->elem_type, ba->elem_type) << where;
    ASSERT_EQ(aa->items.size(), ba->items.size()) << where;
    for (size_t i = 0; i < aa->items.size(); ++i) {
      expect_same(aa->items[i], ba->items[i], where + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_TRUE(a.data == b.data) << where << ": " << a.to_display() << " vs " << b.to_display();
  }
}

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("pg_gguf_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(GgufWriter, WritesTheExactBytesOfTheSpec) {
  GgufWriter w;
  w.set("a", Value::u8(7));
  ASSERT_TRUE(w.add_tensor("t", GgmlType::F32, {2}, f32_bytes({1.0f, 2.0f})));
  auto bytes = w.to_bytes();
  ASSERT_TRUE(bytes) << bytes.error();

  ImageBuilder expected;
  expected.header(3, 1, 1).str("a").u32(0).u8(7);
  expected.tensor("t", {2}, 0, 0).pad_to(32);
  expected.put(1.0f).put(2.0f).pad_to(32);
  EXPECT_EQ(*bytes, expected.bytes());
}

TEST(GgufWriter, RoundTripsEveryValueType) {
  GgufWriter w;
  std::vector<std::pair<std::string, Value>> kv = {
      {"u8", Value::u8(255)},
      {"i8", Value::i8(-128)},
      {"u16", Value::u16(65535)},
      {"i16", Value::i16(-32768)},
      {"u32", Value::u32(4294967295u)},
      {"i32", Value::i32(std::numeric_limits<int32_t>::min())},
      {"u64", Value::u64(std::numeric_limits<uint64_t>::max())},
      {"i64", Value::i64(std::numeric_limits<int64_t>::min())},
      {"f32", Value::f32(-1.5e-7f)},
      {"f64", Value::f64(3.141592653589793)},
      {"f32.inf", Value::f32(std::numeric_limits<float>::infinity())},
      {"bool.t", Value::boolean(true)},
      {"bool.f", Value::boolean(false)},
      {"str", Value::str("h\xC3\xA9llo")},
      {"str.empty", Value::str("")},
      {"str.nul", Value::str(std::string("a\0b", 3))},
      {"arr.empty", Value::array(ValueType::UINT8, {})},
      {"arr.empty_str", Value::array(ValueType::STRING, {})},
      {"arr.str", Value::array(ValueType::STRING, {Value::str("x"), Value::str(""), Value::str("yz")})},
      {"arr.f32", Value::array(ValueType::FLOAT32, {Value::f32(0.25f), Value::f32(-2.0f)})},
      {"arr.i64", Value::array(ValueType::INT64, {Value::i64(-1), Value::i64(1LL << 40)})},
      {"arr.bool", Value::array(ValueType::BOOL, {Value::boolean(true), Value::boolean(false)})},
      {"arr.nested",
       Value::array(ValueType::ARRAY,
                    {Value::array(ValueType::INT16, {Value::i16(1), Value::i16(-2)}),
                     Value::array(ValueType::STRING, {Value::str("s")}),
                     Value::array(ValueType::ARRAY,
                                  {Value::array(ValueType::FLOAT64, {Value::f64(1e-300)})}),
                     Value::array(ValueType::UINT64, {})})},
  };
  for (const auto& [k, v] : kv) w.set(k, v);
  auto f = reparse(w);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_TRUE(f->tensors().empty());
  ASSERT_EQ(f->metadata().size(), kv.size());
  for (size_t i = 0; i < kv.size(); ++i) {
    EXPECT_EQ(f->metadata()[i].first, kv[i].first);  // insertion order kept
    expect_same(f->metadata()[i].second, kv[i].second, kv[i].first);
  }
  EXPECT_EQ(f->get_string("str.nul")->size(), 3u);
  EXPECT_TRUE(std::isinf(*f->get_float("f32.inf")));
}

TEST(GgufWriter, SetReplacesAnExistingKeyInPlace) {
  GgufWriter w;
  w.set("a", Value::u32(1));
  w.set("b", Value::str("two"));
  w.set("a", Value::str("one"));
  auto f = reparse(w);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->metadata().size(), 2u);
  EXPECT_EQ(f->metadata()[0].first, "a");
  EXPECT_EQ(f->get_string("a"), "one");
  EXPECT_EQ(f->metadata()[1].first, "b");
}

TEST(GgufWriter, EmptyWriterGivesAValidEmptyFile) {
  GgufWriter w;
  auto bytes = w.to_bytes();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 32u);  // 24-byte header padded to the alignment
  auto f = GgufFile::from_bytes(*bytes);
  ASSERT_TRUE(f) << f.error();
  EXPECT_TRUE((*f)->metadata().empty());
  EXPECT_TRUE((*f)->tensors().empty());
  EXPECT_EQ((*f)->data_offset(), 32u);
}

TEST(GgufWriter, AlignsTensorDataAndZeroesPadding) {
  GgufWriter w;
  w.set("general.architecture", Value::str("test"));
  std::vector<uint8_t> q4(18 * 2);  // two Q4_0 blocks
  for (size_t i = 0; i < q4.size(); ++i) q4[i] = static_cast<uint8_t>(0xA0 + i);
  std::vector<uint8_t> f16(2 * 3 * 2, 0x3C);
  ASSERT_TRUE(w.add_tensor("a", GgmlType::F32, {3}, f32_bytes({1, 2, 3})));
  ASSERT_TRUE(w.add_tensor("b", GgmlType::Q4_0, {64}, q4));
  ASSERT_TRUE(w.add_tensor("c", GgmlType::F16, {2, 3}, f16));
  auto bytes = w.to_bytes();
  ASSERT_TRUE(bytes);
  auto parsed = GgufFile::from_bytes(*bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  const GgufFile& f = **parsed;
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.tensors()[0].offset, 0u);
  EXPECT_EQ(f.tensors()[1].offset, 32u);  // 12 bytes padded to 32
  EXPECT_EQ(f.tensors()[2].offset, 96u);  // 36 bytes padded to 64
  EXPECT_EQ(f.tensors()[1].type, GgmlType::Q4_0);
  EXPECT_EQ(f.tensors()[1].n_elements, 64u);
  EXPECT_EQ(f.tensors()[1].n_bytes, 36u);
  EXPECT_EQ(f.tensors()[2].dims, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(f.tensors()[1].data, q4.data(), q4.size()), 0);
  EXPECT_EQ(std::memcmp(f.tensors()[2].data, f16.data(), f16.size()), 0);
  EXPECT_EQ(bytes->size(), f.data_offset() + 128);  // last tensor padded too
  for (uint64_t i = f.data_offset() + 12; i < f.data_offset() + 32; ++i) EXPECT_EQ((*bytes)[i], 0);
  for (uint64_t i = f.data_offset() + 68; i < f.data_offset() + 96; ++i) EXPECT_EQ((*bytes)[i], 0);
}

TEST(GgufWriter, HonoursAUserSetAlignment) {
  GgufWriter w;
  w.set("general.alignment", Value::u32(64));
  ASSERT_TRUE(w.add_tensor("a", GgmlType::F32, {1}, f32_bytes({1})));
  ASSERT_TRUE(w.add_tensor("b", GgmlType::F32, {1}, f32_bytes({2})));
  auto f = reparse(w);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  EXPECT_EQ(f->tensors()[1].offset, 64u);
  float b = 0;
  std::memcpy(&b, f->tensors()[1].data, 4);
  EXPECT_EQ(b, 2.0f);
}

TEST(GgufWriter, RejectsABadAlignment) {
  for (Value bad : {Value::u32(48), Value::u32(0), Value::i32(-32), Value::str("32"),
                    Value::u64(64), Value::u32(1u << 30)}) {
    GgufWriter w;
    w.set("general.alignment", bad);
    auto bytes = w.to_bytes();
    ASSERT_FALSE(bytes) << bad.to_display();
    EXPECT_NE(bytes.error().find("general.alignment"), std::string::npos) << bytes.error();
  }
}

TEST(GgufWriter, AddTensorChecksShapeTypeAndSize) {
  GgufWriter w;
  Status st = w.add_tensor("a", GgmlType::F32, {4}, std::vector<uint8_t>(15));
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("'a'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("needs 16 bytes"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("got 15"), std::string::npos) << st.message();

  EXPECT_FALSE(w.add_tensor("", GgmlType::F32, {1}, std::vector<uint8_t>(4)));
  EXPECT_FALSE(w.add_tensor("z", GgmlType::F32, {}, {}));
  EXPECT_FALSE(w.add_tensor("z", GgmlType::F32, {1, 1, 1, 1, 1}, std::vector<uint8_t>(4)));
  EXPECT_FALSE(w.add_tensor("z", GgmlType::F32, {4, 0}, {}));
  EXPECT_FALSE(w.add_tensor("z", GgmlType::Q4_0, {30}, std::vector<uint8_t>(18)));
  EXPECT_FALSE(w.add_tensor("z", static_cast<GgmlType>(4), {32}, std::vector<uint8_t>(18)));
  EXPECT_FALSE(w.add_tensor("z", GgmlType::F32, {uint64_t{1} << 32, uint64_t{1} << 32}, {}));

  ASSERT_TRUE(w.add_tensor("a", GgmlType::F32, {4}, std::vector<uint8_t>(16)));
  Status dup = w.add_tensor("a", GgmlType::F32, {4}, std::vector<uint8_t>(16));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.message().find("duplicate"), std::string::npos);
  auto f = reparse(w);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensors().size(), 1u);  // failed adds left nothing behind
}

TEST(GgufWriter, RejectsValuesItCouldNotReadBack) {
  struct Case {
    std::string key;
    Value value;
    std::string expect;
  };
  Value deep = Value::array(ValueType::UINT8, {});
  for (int i = 0; i < kMaxArrayDepth; ++i) deep = Value::array(ValueType::ARRAY, {deep});
  std::vector<Case> cases = {
      {"k", Value{ValueType::UINT8, uint64_t{300}}, "out of range for UINT8"},
      {"k", Value{ValueType::INT16, int64_t{40000}}, "out of range for INT16"},
      {"k", Value{ValueType::UINT32, std::string("x")}, "wrong payload"},
      {"k", Value{ValueType::FLOAT32, 1e300}, "out of range for FLOAT32"},
      {"k", Value{static_cast<ValueType>(13), uint64_t{0}}, "unknown value type 13"},
      {"k", Value::array(ValueType::UINT8, {Value::u8(1), Value::u16(2)}), "k[1]"},
      {"k", Value::array(static_cast<ValueType>(99), {}), "unknown array element type 99"},
      {"k", deep, "nested deeper"},
      {"", Value::u8(1), "empty"},
  };
  for (const auto& c : cases) {
    GgufWriter w;
    w.set("ok", Value::u8(1));
    w.set(c.key, c.value);
    auto bytes = w.to_bytes();
    ASSERT_FALSE(bytes) << c.expect;
    EXPECT_NE(bytes.error().find(c.expect), std::string::npos) << bytes.error();
  }
  // The deepest nesting the reader accepts is writable.
  Value max_deep = Value::array(ValueType::UINT8, {Value::u8(9)});
  for (int i = 1; i < kMaxArrayDepth; ++i) max_deep = Value::array(ValueType::ARRAY, {max_deep});
  GgufWriter w;
  w.set("deep", max_deep);
  auto f = reparse(w);
  ASSERT_TRUE(f);
  expect_same(*f->find("deep"), max_deep, "deep");
}

TEST(GgufWriter, OutputIsDeterministicAndWriteMatchesToBytes) {
  auto make = [] {
    GgufWriter w;
    w.set("general.name", Value::str("det"));
    w.set("x", Value::f64(0.1));
    EXPECT_TRUE(w.add_tensor("t", GgmlType::F32, {3}, f32_bytes({1, 2, 3})));
    return w;
  };
  auto a = make().to_bytes();
  auto b = make().to_bytes();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);

  fs::path dir = fresh_dir("det");
  fs::path path = dir / "out.gguf";
  ASSERT_TRUE(make().write(path.string()));
  EXPECT_EQ(read_file(path), *a);
  auto opened = GgufFile::open(path.string());
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ((*opened)->path(), path.string());
  EXPECT_EQ((*opened)->get_string("general.name"), "det");
  fs::remove_all(dir);
}

TEST(GgufWriter, FailedWriteLeavesTheTargetAndNoTemporaryFile) {
  fs::path dir = fresh_dir("atomic");
  fs::path path = dir / "model.gguf";
  GgufWriter good;
  good.set("v", Value::u32(1));
  ASSERT_TRUE(good.write(path.string()));
  std::vector<uint8_t> before = read_file(path);

  GgufWriter bad;
  bad.set("v", Value{ValueType::UINT8, uint64_t{999}});
  Status st = bad.write(path.string());
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find(path.string()), std::string::npos) << st.message();
  EXPECT_EQ(read_file(path), before);

  GgufWriter replacement;
  replacement.set("v", Value::u32(2));
  ASSERT_TRUE(replacement.write(path.string()));
  auto f = GgufFile::open(path.string());
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)->get_int("v"), 2);

  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);  // only model.gguf, no leftover .tmp files

  Status missing_dir = good.write((dir / "no" / "such" / "dir.gguf").string());
  EXPECT_FALSE(missing_dir);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pg::gguf
