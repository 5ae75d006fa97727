// A streaming multipart/form-data parser (RFC 7578 over RFC 2046's
// multipart syntax). Fed the request body in pieces of any size, it reports
// each part's headers (field name, file name, content type) and then its
// content in pieces, holding back only the few bytes that could begin a
// delimiter: a part's content is never buffered whole, and a delimiter split
// across pieces is found. Ours rather than cpp-httplib 0.11's (Debian 12),
// which reports any bad body as one opaque failure: a client learns here
// what was wrong. Treats the body as hostile: header blocks and the part
// count are capped, and anything that is not the syntax is an error.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::server {

struct MultipartPartHeader {
  std::string name;          // Content-Disposition name
  std::string filename;      // Content-Disposition filename ("" for a plain field)
  std::string content_type;  // Content-Type ("" when absent)
};

// The boundary parameter of a multipart/form-data Content-Type, or an error.
Result<std::string> multipart_boundary(std::string_view content_type);

class MultipartParser {
 public:
  using PartFn = std::function<bool(const MultipartPartHeader&)>;
  using DataFn = std::function<bool(const char* data, size_t n)>;

  MultipartParser(std::string boundary, PartFn on_part, DataFn on_data);

  // False when the body is malformed (error() says why) or a callback said stop.
  bool feed(const char* data, size_t n);
  // After the last piece: true only when the closing delimiter was seen.
  bool finish();
  const std::string& error() const { return error_; }

 private:
  enum class State { Preamble, Headers, Body, AfterDelimiter, Done, Failed };
  bool fail(std::string message);
  bool parse_headers(std::string_view block);
  bool step();  // one state transition over buf_; false when more input is needed or it failed

  std::string dash_boundary_;  // "--" + boundary
  std::string delimiter_;      // "\r\n--" + boundary
  PartFn on_part_;
  DataFn on_data_;
  std::string buf_;
  State state_ = State::Preamble;
  size_t parts_ = 0;
  std::string error_;
};

}  // namespace pg::server
