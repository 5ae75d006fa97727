// The one exception type of the Jinja module. It is thrown anywhere inside the
// module (lexer, parser, interpreter, filters) and converted to a pg::Status
// with line and column at the public boundary (chat_template.cpp); it must
// never escape the module.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pg::jinja {

inline constexpr uint32_t kNoOffset = UINT32_MAX;

class TemplateError : public std::runtime_error {
 public:
  enum class Kind { Syntax, Runtime, Raised };

  TemplateError(Kind kind, std::string message, uint32_t offset = kNoOffset)
      : std::runtime_error(message), kind_(kind), message_(std::move(message)), offset_(offset) {}

  Kind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // Byte offset into the (newline-normalized) template source; kNoOffset when
  // the thrower did not know it (the interpreter fills it in on the way up).
  uint32_t offset() const { return offset_; }
  bool has_offset() const { return offset_ != kNoOffset; }
  void set_offset(uint32_t offset) { offset_ = offset; }

 private:
  Kind kind_;
  std::string message_;
  uint32_t offset_;
};

[[noreturn]] inline void throw_runtime(std::string message) {
  throw TemplateError(TemplateError::Kind::Runtime, std::move(message));
}

}  // namespace pg::jinja
