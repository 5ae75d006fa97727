// Tests of gguf::Value: accessors across types and the display form used by
// `playground info`.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "engine/gguf/gguf.h"

namespace pg::gguf {
namespace {

TEST(GgufValue, TypeNamesMatchTheSpec) {
  EXPECT_EQ(value_type_name(ValueType::UINT8), "UINT8");
  EXPECT_EQ(value_type_name(ValueType::FLOAT32), "FLOAT32");
  EXPECT_EQ(value_type_name(ValueType::ARRAY), "ARRAY");
  EXPECT_EQ(value_type_name(ValueType::FLOAT64), "FLOAT64");
  EXPECT_EQ(value_type_name(static_cast<ValueType>(13)), "UNKNOWN");
}

TEST(GgufValue, AsIntTakesIntegersAndBoolOnly) {
  EXPECT_EQ(Value::u8(200).as_int(), 200);
  EXPECT_EQ(Value::i8(-7).as_int(), -7);
  EXPECT_EQ(Value::u32(4000000000u).as_int(), 4000000000LL);
  EXPECT_EQ(Value::i64(std::numeric_limits<int64_t>::min()).as_int(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value::boolean(true).as_int(), 1);
  EXPECT_EQ(Value::u64(uint64_t{1} << 63).as_int(), std::nullopt);  // does not fit int64
  EXPECT_EQ(Value::f32(1.0f).as_int(), std::nullopt);
  EXPECT_EQ(Value::str("5").as_int(), std::nullopt);
  EXPECT_TRUE(Value::u16(1).is_integer());
  EXPECT_FALSE(Value::boolean(true).is_integer());
  EXPECT_FALSE(Value::f64(1).is_integer());
}

TEST(GgufValue, AsDoubleTakesIntegersAndFloats) {
  EXPECT_EQ(Value::f32(0.5f).as_double(), 0.5);
  EXPECT_EQ(Value::f64(1e300).as_double(), 1e300);
  EXPECT_EQ(Value::i32(-3).as_double(), -3.0);
  EXPECT_EQ(Value::u64(10).as_double(), 10.0);
  EXPECT_EQ(Value::boolean(true).as_double(), std::nullopt);
  EXPECT_EQ(Value::str("1.0").as_double(), std::nullopt);
}

TEST(GgufValue, StringAndArrayAccessors) {
  Value s = Value::str("hello");
  ASSERT_NE(s.as_string(), nullptr);
  EXPECT_EQ(*s.as_string(), "hello");
  EXPECT_EQ(s.as_array(), nullptr);
  Value a = Value::array(ValueType::INT32, {Value::i32(1), Value::i32(2)});
  ASSERT_NE(a.as_array(), nullptr);
  EXPECT_EQ(a.as_array()->items.size(), 2u);
  EXPECT_EQ(a.as_string(), nullptr);
}

TEST(GgufValue, InconsistentHandBuiltValueIsNotTrusted) {
  Value bad{ValueType::UINT32, std::string("oops")};
  EXPECT_EQ(bad.as_int(), std::nullopt);
  EXPECT_EQ(bad.as_double(), std::nullopt);
  EXPECT_EQ(bad.to_display(), "<invalid UINT32 value>");
  Value bad_str{ValueType::STRING, uint64_t{1}};
  EXPECT_EQ(bad_str.as_string(), nullptr);
}

TEST(GgufValue, DisplaysScalars) {
  EXPECT_EQ(Value::u32(512).to_display(), "512");
  EXPECT_EQ(Value::i8(-5).to_display(), "-5");
  EXPECT_EQ(Value::u64(std::numeric_limits<uint64_t>::max()).to_display(), "18446744073709551615");
  EXPECT_EQ(Value::f32(1e-5f).to_display(), "1e-05");  // shortest float form, not 9.99999974e-06
  EXPECT_EQ(Value::f32(10000.0f).to_display(), "10000");
  EXPECT_EQ(Value::f64(0.1).to_display(), "0.1");
  EXPECT_EQ(Value::boolean(false).to_display(), "false");
  EXPECT_EQ(Value::str("llama").to_display(), "\"llama\"");
  EXPECT_EQ(Value::str("").to_display(), "\"\"");
  EXPECT_EQ(Value::str("a\nb\t\"c\"\\\x01").to_display(), "\"a\\nb\\t\\\"c\\\"\\\\\\x01\"");
}

TEST(GgufValue, DisplaysArraysShortened) {
  std::vector<Value> items;
  for (int i = 0; i < 512; ++i) items.push_back(Value::i32(i));
  Value a = Value::array(ValueType::INT32, items);
  EXPECT_EQ(a.to_display(3), "[0, 1, 2, ... (512 items)]");
  EXPECT_EQ(a.to_display(0), "[... (512 items)]");
  EXPECT_EQ(Value::array(ValueType::STRING, {Value::str("<unk>"), Value::str("<s>")}).to_display(),
            "[\"<unk>\", \"<s>\"]");
  EXPECT_EQ(Value::array(ValueType::FLOAT32, {}).to_display(), "[]");
  Value nested = Value::array(
      ValueType::ARRAY, {Value::array(ValueType::UINT8, {Value::u8(1), Value::u8(2), Value::u8(3)}),
                         Value::array(ValueType::UINT8, {})});
  EXPECT_EQ(nested.to_display(2), "[[1, 2, ... (3 items)], []]");
}

TEST(GgufValue, DisplayCutsLongStringsOnCharacterBoundaries) {
  std::string long_ascii(300, 'x');
  std::string shown = Value::str(long_ascii).to_display();
  std::string expected(1, '"');
  expected.append(200, 'x').append("\"... (300 bytes)");
  EXPECT_EQ(shown, expected);

  // 199 ASCII bytes then a 3-byte character straddling the 200-byte cut.
  std::string utf8 = std::string(199, 'a') + "\xE2\x96\x81" + std::string(50, 'b');
  std::string cut = Value::str(utf8).to_display();
  std::string expected_cut(1, '"');
  expected_cut.append(199, 'a').append("\"... (" + std::to_string(utf8.size()) + " bytes)");
  EXPECT_EQ(cut, expected_cut);
}

}  // namespace
}  // namespace pg::gguf
