// THE table from a Status code to the CLI's exit status, as the server has
// one to HTTP (server/api_error.h): 2 for a wrong input (a flag, a file, a
// name that does not exist), 3 when the thing is busy, unavailable or out of
// resources (worth retrying later), 130 when cancelled, 1 for the rest. A
// command prints the Status's message to stderr ("error: ...") and exits so.
#pragma once

#include "util/result.h"

namespace pg::cli {

constexpr int exit_code_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kConflict: return 2;
    case StatusCode::kBusy:
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded: return 3;
    case StatusCode::kCancelled: return 130;
    default: return 1;
  }
}

}  // namespace pg::cli
