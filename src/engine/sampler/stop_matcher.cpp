// StopMatcher: one KMP automaton per stop sequence, advanced byte by byte over the
// new text only; see stop_matcher.h. Must stay linear in the streamed text.
#include "engine/sampler/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace pg {
namespace {

// Length of a trailing UTF-8 sequence whose lead byte promises more bytes than
// follow it; 0 when the text ends on a complete character or on invalid bytes.
size_t incomplete_utf8_tail(std::string_view text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto byte = static_cast<unsigned char>(text[n - back]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t expected = 0;
    if ((byte & 0xE0) == 0xC0) expected = 2;
    else if ((byte & 0xF0) == 0xE0) expected = 3;
    else if ((byte & 0xF8) == 0xF0) expected = 4;
    return expected > back ? back : 0;
  }
  return 0;
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stops) {
  for (std::string& stop : stops) {
    if (stop.empty()) continue;
    Pattern p;
    p.text = std::move(stop);
    p.fallback.assign(p.text.size(), 0);
    uint32_t border = 0;
    for (size_t i = 1; i < p.text.size(); ++i) {
      while (border > 0 && p.text[i] != p.text[border]) border = p.fallback[border - 1];
      if (p.text[i] == p.text[border]) ++border;
      p.fallback[i] = border;
    }
    patterns_.push_back(std::move(p));
  }
}

StopMatch StopMatcher::push(std::string_view text) {
  if (stopped_) return {"", true};
  const size_t start = held_.size();
  held_.append(text);
  for (size_t i = start; i < held_.size(); ++i) {
    const char c = held_[i];
    size_t completed = 0;  // longest stop sequence ending at byte i
    for (Pattern& p : patterns_) {
      while (p.matched > 0 && p.text[p.matched] != c) p.matched = p.fallback[p.matched - 1];
      if (p.text[p.matched] == c) ++p.matched;
      if (p.matched == p.text.size()) {
        completed = std::max(completed, p.matched);
        p.matched = p.fallback[p.matched - 1];
      }
    }
    if (completed > 0) {
      // Every byte of the match is still held: it was a prefix of a stop sequence.
      StopMatch out{held_.substr(0, i + 1 - completed), true};
      held_.clear();
      restart_patterns();
      stopped_ = true;
      return out;
    }
  }
  size_t hold = incomplete_utf8_tail(held_);
  for (const Pattern& p : patterns_) hold = std::max(hold, p.matched);
  hold = std::min(hold, held_.size());
  StopMatch out{held_.substr(0, held_.size() - hold), false};
  held_.erase(0, held_.size() - hold);
  return out;
}

std::string StopMatcher::flush() {
  std::string out = std::move(held_);
  held_.clear();
  restart_patterns();
  return out;
}

void StopMatcher::reset() {
  held_.clear();
  restart_patterns();
  stopped_ = false;
}

void StopMatcher::restart_patterns() {
  for (Pattern& p : patterns_) p.matched = 0;
}

}  // namespace pg
