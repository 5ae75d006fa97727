// Stop sequences over streamed text: passes text through as soon as it cannot be
// the start of any stop sequence, holds back the tail that still could, and on a
// match reports it and yields only the text before the stop sequence. It never
// emits any byte of a matched stop sequence and never splits a UTF-8 character
// at the end of what it emits (while more text may come).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg {

struct StopMatch {
  std::string emit;      // text that is now safe to show
  bool stopped = false;  // a stop sequence completed; nothing after it is emitted
};

class StopMatcher {
 public:
  // Matching is byte-exact. Empty strings are ignored (they would stop before any text).
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds streamed text. When several stop sequences could match, the one that
  // completes first in the stream wins (the longest if several complete at the same
  // byte), so the result does not depend on how the text was split into pushes.
  // Once stopped, further pushes are ignored and return {"", true}.
  StopMatch push(std::string_view text);

  // End of stream: returns the held-back text (nothing once stopped) and starts
  // matching afresh, so held text never leaks into a later push.
  std::string flush();

  // Forgets held text and the stopped state.
  void reset();

  bool stopped() const { return stopped_; }
  size_t held_size() const { return held_.size(); }

 private:
  // One stop sequence with its Knuth-Morris-Pratt failure table; `matched` is the
  // length of the longest suffix of the stream so far that is a prefix of `text`.
  struct Pattern {
    std::string text;
    std::vector<uint32_t> fallback;  // fallback[i]: longest proper border of text[0..i]
    size_t matched = 0;
  };
  void restart_patterns();

  std::vector<Pattern> patterns_;
  std::string held_;  // emitted by no push yet
  bool stopped_ = false;
};

}  // namespace pg
