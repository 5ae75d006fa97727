// The head of an HTTP/1.x request (request line and header fields), scanned from
// the bytes a connection has received so far, with hard limits. The connection
// layer (http_connection_guard.h) calls it on every read until the head is
// complete, too large or malformed, so a client can never make the server buffer
// more than max_head_bytes before a worker thread is involved. Pure function of
// its input: it never reads a socket, allocates only for the fields it returns,
// and never trusts a length it was sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg::server {

struct HeadLimits {
  size_t max_line_bytes = 8192;    // the request line (method, target, version); longer: 414
  size_t max_head_bytes = 65536;   // the whole head up to and including the blank line; larger: 431
  size_t max_header_count = 100;   // header fields; more: 431
};

enum class HeadState {
  incomplete,      // no blank line yet and no limit passed: read more
  complete,        // a whole, well-formed head
  line_too_long,   // the request line passed max_line_bytes (414)
  head_too_large,  // the head passed max_head_bytes or max_header_count (431)
  malformed,       // not an HTTP/1.x request head (400)
};

struct RequestHead {
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> fields;  // in order, values trimmed
  size_t head_bytes = 0;                   // bytes of the head, blank line included
  std::optional<uint64_t> content_length;  // when the head declares one
  bool chunked = false;                    // Transfer-Encoding ends in chunked
  bool keep_alive = true;                  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
};

struct HeadScan {
  HeadState state = HeadState::incomplete;
  RequestHead head;   // filled when state is complete
  std::string error;  // why, when the state is neither incomplete nor complete
};

// Scans bytes from the start of a request. Leading empty lines (CRLF left over
// from a previous request) are skipped and counted in head_bytes. Bare LF line
// ends are accepted; a lone CR, NUL or other control bytes in the head, a
// field without a colon, whitespace before a colon, conflicting or invalid
// Content-Length values, and Content-Length together with chunked are malformed.
HeadScan scan_request_head(std::string_view bytes, const HeadLimits& limits);

// The HTTP status that answers a refused head (400, 414 or 431); 0 otherwise.
int head_refusal_status(HeadState state);

}  // namespace pg::server
