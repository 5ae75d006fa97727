// Status and Result<T>: the error-return types used at every module boundary.
// A Status is either ok or carries a code (what kind of failure, which callers
// act on), one human-readable message that says what was wrong and with which
// input, and optionally a reason: a stable snake_case name of the exact case
// ("model_not_found") that APIs show as their error code. Callers tell errors
// apart by code or reason, never by parsing the message. Never throw across a
// module boundary; return these.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pg {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // the input is wrong (a request field, a file, a flag)
  kNotFound,           // what was named does not exist
  kConflict,           // it exists already, or is in a state that forbids this
  kBusy,               // too much work queued now; try again later
  kUnavailable,        // a dependency cannot serve now (shutting down, provider down)
  kResourceExhausted,  // not enough memory or disk for this
  kCancelled,          // stopped on request or because the caller went away
  kDeadlineExceeded,   // took longer than allowed
  kUpstreamFailed,     // a remote service answered with nonsense or an error of its own
  kUnauthenticated,    // no valid credentials
  kPermissionDenied,   // valid credentials, not allowed
  kInternal,           // a failure that is not the caller's doing
};

// "invalid_argument", "not_found", ... (for logs and messages).
const char* status_code_name(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string reason = "")
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {
    assert(code != StatusCode::kOk);
  }
  static Status ok() { return Status(); }
  // A failure whose kind nobody needs to act on: kInternal.
  static Status error(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }
  static Status invalid_argument(std::string m, std::string reason = "") {
    return Status(StatusCode::kInvalidArgument, std::move(m), std::move(reason));
  }
  static Status not_found(std::string m, std::string reason = "") {
    return Status(StatusCode::kNotFound, std::move(m), std::move(reason));
  }
  static Status conflict(std::string m, std::string reason = "") {
    return Status(StatusCode::kConflict, std::move(m), std::move(reason));
  }
  static Status busy(std::string m, std::string reason = "") {
    return Status(StatusCode::kBusy, std::move(m), std::move(reason));
  }
  static Status unavailable(std::string m, std::string reason = "") {
    return Status(StatusCode::kUnavailable, std::move(m), std::move(reason));
  }
  static Status resource_exhausted(std::string m, std::string reason = "") {
    return Status(StatusCode::kResourceExhausted, std::move(m), std::move(reason));
  }
  static Status cancelled(std::string m, std::string reason = "") {
    return Status(StatusCode::kCancelled, std::move(m), std::move(reason));
  }
  static Status deadline_exceeded(std::string m, std::string reason = "") {
    return Status(StatusCode::kDeadlineExceeded, std::move(m), std::move(reason));
  }
  static Status upstream_failed(std::string m, std::string reason = "") {
    return Status(StatusCode::kUpstreamFailed, std::move(m), std::move(reason));
  }
  static Status internal(std::string m, std::string reason = "") {
    return Status(StatusCode::kInternal, std::move(m), std::move(reason));
  }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "" when the failure has no name beyond its code.
  const std::string& reason() const { return reason_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

// Tag type so `return Error{"..."}` works for any Result<T> (code kInternal;
// return a Status to give another code).
struct Error {
  std::string message;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                                     // NOLINT(implicit)
  Result(Error e) : v_(Status::error(std::move(e.message))) {}                   // NOLINT(implicit)
  Result(Status s) : v_(std::move(s)) { assert(!std::get<1>(v_).is_ok()); }   // NOLINT(implicit)

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const std::string& error() const { return std::get<1>(v_).message(); }
  StatusCode code() const { return is_ok() ? StatusCode::kOk : std::get<1>(v_).code(); }
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

inline const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kBusy: return "busy";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kUpstreamFailed: return "upstream_failed";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace pg
