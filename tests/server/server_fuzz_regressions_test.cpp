// Inputs the fuzz targets (fuzz/) found crashing or misbehaving in the server's
// request parsers, kept as tests so each fix stays fixed. Each test names the
// target and the file under fuzz/regressions/ that holds the original input.
#include <gtest/gtest.h>

#include <string>

#include "server/app_names.h"
#include "models/memory_estimate.h"
#include "server/api_error.h"
#include "server/request_fields.h"
#include "server/request_head.h"

namespace pg::server {
namespace {

// json_request: a number beyond double's range made parse_json_object's second
// parse (for the error position) throw nlohmann's out_of_range, not an ApiError
// (fuzz/regressions/json_request-number-overflow).
TEST(ServerFuzzRegression, JsonNumberOverflowIsInvalidJson) {
  for (const std::string body : {R"({"temperature": 1e400})", R"({"a": [-1e99999]})", "1e400"}) {
    try {
      (void)parse_json_object(body);
      FAIL() << "accepted " << body;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << body;
      EXPECT_EQ(e.code, "invalid_json") << body;
    }
  }
}

// json_request: an integer field given as a float of 2^63 or more passed the
// range check against double(INT64_MAX) (which is 2^63) and its conversion to
// int64_t was undefined (UBSan: outside the range of representable values)
// (fuzz/regressions/json_request-integer-2pow63).
TEST(ServerFuzzRegression, IntegerFieldAsLargeFloatIsOutOfRange) {
  for (const char* body : {R"({"n": 9223372036854775808.0})", R"({"n": 1e19})", R"({"n": -9.3e18})"}) {
    const nlohmann::json j = parse_json_object(body);
    const FieldReader r(j);
    try {
      (void)r.integer("n", INT64_MIN, INT64_MAX);
      FAIL() << "accepted " << body;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << body;
      EXPECT_EQ(e.code, "invalid_field") << body;
    }
  }
  const nlohmann::json j = parse_json_object(R"({"a": -9223372036854775808.0, "b": 4096.0, "c": 4097.0})");
  const FieldReader r(j);
  EXPECT_EQ(r.integer("a", INT64_MIN, INT64_MAX), INT64_MIN);
  EXPECT_EQ(r.integer("b", 1, 4096), 4096);
  EXPECT_THROW((void)r.integer("c", 1, 4096), ApiError);
}

// json_request: keep_alive "nanh" parsed as NaN seconds and "1e308h1e308h" as
// infinity, and a finite 1e300 s passed through; the model manager converts
// keep_alive (in ms) to int64_t, undefined for all three
// (fuzz/regressions/json_request-keep-alive-nan).
TEST(ServerFuzzRegression, KeepAliveIsFiniteOrForever) {
  for (const char* text : {"nanh", "1e308h1e308h", "infm", "1s-nanm"})
    EXPECT_FALSE(models::parse_keep_alive(text)) << text;
  for (const char* text : {"1e300", "1e15", "300000000000h", "-5", "1h-2h"}) {
    auto v = models::parse_keep_alive(text);
    ASSERT_TRUE(v) << text;
    EXPECT_EQ(*v, -1.0) << text;
  }
  EXPECT_EQ(*models::parse_keep_alive("5m"), 300.0);
  EXPECT_EQ(*models::parse_keep_alive("1h30m"), 5400.0);
  EXPECT_EQ(*models::parse_keep_alive("0"), 0.0);
}

// request_head: a request line of exactly max_line_bytes whose CR had arrived
// but not its LF was refused as too long (414), while the whole line was within
// the limit: the verdict depended on where a read ended
// (fuzz/regressions/request_head-cr-at-line-limit).
TEST(ServerFuzzRegression, CrBeforeLfDoesNotCountAgainstTheRequestLine) {
  HeadLimits limits;
  limits.max_line_bytes = 14;  // "GET / HTTP/1.1"
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(scan_request_head(head.substr(0, 15), limits).state, HeadState::incomplete);
  const HeadScan whole = scan_request_head(head, limits);
  ASSERT_EQ(whole.state, HeadState::complete);
  EXPECT_EQ(whole.head.head_bytes, head.size());
  // One byte more is still refused, CR or not.
  limits.max_line_bytes = 13;
  EXPECT_EQ(scan_request_head(head.substr(0, 15), limits).state, HeadState::line_too_long);
  EXPECT_EQ(scan_request_head(head, limits).state, HeadState::line_too_long);
  // The fuzzer's input: "(" then CR, limits of 1 byte: incomplete, then malformed (not 414).
  limits = HeadLimits{1, 1, 0};
  EXPECT_EQ(scan_request_head("(\r", limits).state, HeadState::incomplete);
  EXPECT_EQ(scan_request_head(std::string("(\r\nj\x03\0\0\x01\0", 9), limits).state, HeadState::malformed);
}

}  // namespace
}  // namespace pg::server
