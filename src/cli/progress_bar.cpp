// Progress line on stderr; see progress_bar.h.
#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace pg::cli {

std::string bar_cells(int64_t done, int64_t total, int width) {
  const int64_t filled = total > 0 ? std::clamp<int64_t>(done * width / total, 0, width) : 0;
  std::string bar = "[";
  bar.append(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '.');
  bar += "]";
  return bar;
}

std::function<void(size_t index, size_t count, const std::string& name, const std::string& type)> tensor_progress(
    std::string between) {
  return [between = std::move(between)](size_t index, size_t count, const std::string& name, const std::string& type) {
    const std::string bar = bar_cells(static_cast<int64_t>(index + 1), static_cast<int64_t>(count), 24);
    std::fprintf(stderr, "\r%s %4zu/%zu %-36s%s%-7s", bar.c_str(), index + 1, count, name.c_str(), between.c_str(),
                 type.c_str());
    if (index + 1 == count) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

ProgressBar::ProgressBar() : tty_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(int64_t done, int64_t total, const std::string& text) {
  if (!tty_) return;
  std::string line = bar_cells(done, total, 24) + " " + std::to_string(done) + "/" + std::to_string(total) + " " + text;
  if (line.size() > 100) line.resize(100);
  std::fprintf(stderr, "\r%-100s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::println(const std::string& line) {
  if (drawn_) std::fprintf(stderr, "\r%-100s\r", "");
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  drawn_ = false;
}

void ProgressBar::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace pg::cli
