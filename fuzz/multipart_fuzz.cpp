// Fuzz target: the streaming multipart/form-data parser (server/multipart_parser).
// Input: "<boundary>\n<body>"; the body is fed whole and then again in pieces
// of sizes taken from the input, and both runs must agree (parts, content,
// success). Also fuzzes multipart_boundary() with the first line as a
// Content-Type. Must never buffer a whole part: that is checked by the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/multipart_parser.h"

namespace {

struct Outcome {
  std::string log;  // part headers and content as seen through the callbacks
  bool fed = true;
  bool finished = false;
};

Outcome parse(const std::string& boundary, std::string_view body, size_t piece) {
  Outcome o;
  pg::server::MultipartParser p(
      boundary,
      [&o](const pg::server::MultipartPartHeader& h) {
        o.log += "\x01" + h.name + "\x02" + h.filename + "\x02" + h.content_type + "\x03";
        return true;
      },
      [&o](const char* d, size_t n) {
        o.log.append(d, n);
        return true;
      });
  for (size_t i = 0; i < body.size() && o.fed; i += piece)
    o.fed = p.feed(body.data() + i, std::min(piece, body.size() - i));
  if (o.fed) o.finished = p.finish();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view first = in.substr(0, nl), body = in.substr(nl + 1);
  (void)pg::server::multipart_boundary(first);
  auto from_header = pg::server::multipart_boundary("multipart/form-data; boundary=" + std::string(first));
  if (!from_header) return 0;
  const Outcome whole = parse(*from_header, body, body.size() + 1);
  const size_t piece = 1 + (first.empty() ? 0 : static_cast<unsigned char>(first[0]) % 17);
  const Outcome split = parse(*from_header, body, piece);
  // A delimiter split across pieces must be found: same parts, same content, same verdict.
  if (whole.fed != split.fed || whole.finished != split.finished) std::abort();
  if (whole.fed && whole.log != split.log) std::abort();
  return 0;
}
