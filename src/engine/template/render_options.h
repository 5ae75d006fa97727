// Settings and resource limits of one render. The limits make a hostile
// template fail with an error instead of hanging, exhausting memory or the
// stack. Plain data; it must never hold state of a render.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>

namespace pg::jinja {

struct RenderLimits {
  // Bytes of rendered text (also of any captured block or macro output).
  size_t max_output_bytes = size_t{16} << 20;
  // For-loop iterations over the whole render (Jinja's sandbox already caps
  // range() at 100000 items).
  uint64_t max_loop_iterations = 1'000'000;
  // Evaluation work: one unit per expression/statement, per 16 bytes of
  // string built and per list item built.
  uint64_t max_steps = 20'000'000;
  // Nested evaluation (expressions, statements, macro calls) at run time.
  int max_depth = 500;
};

struct RenderOptions {
  RenderLimits limits;
  // Hugging Face renders in jinja2's ImmutableSandboxedEnvironment, where
  // list.append/pop, dict.update/pop ... raise SecurityError. Set to allow
  // them (as some other engines do).
  bool allow_mutating_methods = false;
  // The time strftime_now() formats (local time); the current time if unset.
  std::optional<std::time_t> now;
};

}  // namespace pg::jinja
