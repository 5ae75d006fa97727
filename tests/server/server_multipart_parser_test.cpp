// The streaming multipart/form-data parser: every way of cutting a body into
// pieces gives the same parts and bytes (delimiters split across pieces
// included), content that resembles a delimiter stays content, and malformed
// bodies are errors that say what was wrong. Also, against a real server,
// several files of megabytes in one upload (uploads over max_body_bytes were
// once cut off by the HTTP library's own cap).
#include <gtest/gtest.h>

#include <random>

#include "server/app_names.h"
#include "server/multipart_parser.h"
#include "server_test_support.h"

namespace pg::server {
namespace {

struct Parsed {
  std::vector<MultipartPartHeader> headers;
  std::vector<std::string> contents;
  bool ok = false;
  std::string error;
};

Parsed parse(const std::string& boundary, const std::string& body, const std::vector<size_t>& cuts) {
  Parsed p;
  MultipartParser parser(
      boundary,
      [&](const MultipartPartHeader& h) {
        p.headers.push_back(h);
        p.contents.emplace_back();
        return true;
      },
      [&](const char* d, size_t n) {
        p.contents.back().append(d, n);
        return true;
      });
  size_t at = 0;
  bool ok = true;
  for (size_t cut : cuts) {
    ok = ok && parser.feed(body.data() + at, cut - at);
    at = cut;
  }
  ok = ok && parser.feed(body.data() + at, body.size() - at);
  p.ok = ok && parser.finish();
  p.error = parser.error();
  return p;
}

const std::string kBoundary = "----pgBoundary42";

std::string body_of(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string b = "preamble to ignore\r\n";
  for (const auto& [name, data] : files) {
    std::string quoted;  // a quoted-string: quotes and backslashes escaped
    for (char c : name) quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + quoted +
         "\"\r\nContent-Type: text/plain\r\n\r\n" + data + "\r\n";
  }
  b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nmanuals\r\n";
  return b + "--" + kBoundary + "--\r\nepilogue";
}

TEST(ServerMultipartParser, EverySplitGivesTheSamePartsAndBytes) {
  // Content with near-delimiters: CRLF + "--" + a boundary prefix, a boundary without CRLF.
  const std::string tricky = "line\r\n--" + kBoundary.substr(0, 10) + "x\r\n--" + kBoundary.substr(0, 15) + "y --" +
                             kBoundary + " not at a line start \r\n-";
  const std::string body = body_of({{"a.txt", tricky}, {"b \"q\".txt", ""}, {"c.bin", std::string("\0\r\n\xff", 4)}});
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    Parsed p = parse(kBoundary, body, {cut});
    ASSERT_TRUE(p.ok) << "cut at " << cut << ": " << p.error;
    ASSERT_EQ(p.headers.size(), 4u) << cut;
    EXPECT_EQ(p.contents[0], tricky) << cut;
    EXPECT_EQ(p.headers[1].filename, "b \"q\".txt");
    EXPECT_EQ(p.contents[1], "");
    EXPECT_EQ(p.contents[2], std::string("\0\r\n\xff", 4));
    EXPECT_EQ(p.headers[3].name, "tags");
    EXPECT_EQ(p.headers[3].filename, "");
    EXPECT_EQ(p.contents[3], "manuals");
  }
  // Byte by byte, and random piece sizes.
  std::vector<size_t> every;
  for (size_t i = 1; i < body.size(); ++i) every.push_back(i);
  EXPECT_TRUE(parse(kBoundary, body, every).ok);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<size_t> cuts;
    for (size_t at = 0; (at += 1 + rng() % 9) < body.size();) cuts.push_back(at);
    Parsed p = parse(kBoundary, body, cuts);
    ASSERT_TRUE(p.ok) << p.error;
    EXPECT_EQ(p.contents[0], tricky);
  }
}

TEST(ServerMultipartParser, MalformedBodiesAreErrorsThatSayWhy) {
  auto error_of = [](const std::string& body) {
    Parsed p = parse(kBoundary, body, {});
    EXPECT_FALSE(p.ok);
    return p.error;
  };
  const std::string part = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  EXPECT_NE(error_of(part).find("ended before the closing boundary"), std::string::npos);
  EXPECT_NE(error_of("--" + kBoundary + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + kBoundary + "--")
                .find("no Content-Disposition"),
            std::string::npos);
  EXPECT_NE(error_of("--" + kBoundary + "\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--" + kBoundary +
                     "--")
                .find("not form-data"),
            std::string::npos);
  EXPECT_NE(error_of("--" + kBoundary + "XY\r\n").find("neither CRLF nor '--'"), std::string::npos);
  EXPECT_NE(error_of("--" + kBoundary + "\r\n" + std::string(20000, 'h')).find("longer than 16 KiB"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(70000, 'p')).find("no multipart boundary"), std::string::npos);
  EXPECT_NE(error_of("").find("ended before"), std::string::npos);
}

TEST(ServerMultipartParser, BoundaryComesFromTheContentType) {
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\""), "a b:c");
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(ServerMultipartParser, SeveralLargeFilesInOneUploadToARealServer) {
  ::pg::test::TestServer srv;
  httplib::Client cli = srv.client();
  cli.set_read_timeout(60, 0);
  auto made = cli.Post("/api/v1/collections", R"({"name": "big"})", "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  httplib::MultipartFormDataItems items;
  for (int i = 0; i < 4; ++i) {
    std::string text;
    for (int line = 0; text.size() < 2'300'000; ++line)
      text += "File " + std::to_string(i) + " line " + std::to_string(line) + ": the quick brown fox.\n";
    items.push_back({"files", text, "big" + std::to_string(i) + ".txt", "text/plain"});
  }
  auto up = cli.Post("/api/v1/collections/big/documents", items);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 202) << up->body.substr(0, 300);
  const auto j = nlohmann::json::parse(up->body);
  ASSERT_EQ(j["documents"].size(), 4u) << up->body.substr(0, 300);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(j["documents"][i]["size_bytes"], items[i].content.size());
}

}  // namespace
}  // namespace pg::server
