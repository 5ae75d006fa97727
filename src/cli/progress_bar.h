// One progress line on stderr for long CLI work: "[#####.....] 12/40 text",
// redrawn in place on a terminal; elsewhere (pipes, CI logs) only finished
// lines are printed, so logs stay readable. Also the per-tensor progress line
// of synth and quantize. Never writes to stdout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace pg::cli {

class ProgressBar {
 public:
  ProgressBar();
  // Redraws the bar (terminal only).
  void update(int64_t done, int64_t total, const std::string& text);
  // A line that stays (printed on terminals and elsewhere), above the bar.
  void println(const std::string& line);
  void finish();

 private:
  bool tty_;
  bool drawn_ = false;
};

// "[####....]" of `width` cells for done/total.
std::string bar_cells(int64_t done, int64_t total, int width);

// A progress callback for work over a file's tensors: draws
// "\r[####....]   12/40 NAME<between>TYPE" on stderr, a newline after the last.
std::function<void(size_t index, size_t count, const std::string& name, const std::string& type)> tensor_progress(
    std::string between);

}  // namespace pg::cli
