// StopMatcher over streamed text: splits across pushes, overlapping prefixes,
// several stop strings, UTF-8, flush, and a randomized comparison with a naive
// whole-text reference for every way of splitting the stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/sampler/stop_matcher.h"

namespace pg {
namespace {

struct Streamed {
  std::string text;  // everything emitted, flush included when not stopped
  bool stopped = false;
};

Streamed stream(StopMatcher& m, const std::vector<std::string>& pieces) {
  Streamed out;
  for (const std::string& piece : pieces) {
    StopMatch r = m.push(piece);
    out.text += r.emit;
    if (r.stopped) {
      out.stopped = true;
      return out;
    }
  }
  out.text += m.flush();
  return out;
}

TEST(SamplerStopMatcher, EmptyStopListPassesEverythingThrough) {
  StopMatcher m({});
  StopMatch r = m.push("hello ");
  EXPECT_EQ(r.emit, "hello ");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(m.push("world").emit, "world");
  EXPECT_EQ(m.flush(), "");

  StopMatcher only_empty({"", ""});
  EXPECT_EQ(only_empty.push("abc").emit, "abc");
}

TEST(SamplerStopMatcher, MatchInOnePushEmitsOnlyTheTextBefore) {
  StopMatcher m({"wor"});
  StopMatch r = m.push("hello world");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "hello ");
  EXPECT_TRUE(m.stopped());
  // After the stop nothing more comes out.
  StopMatch after = m.push("more");
  EXPECT_TRUE(after.stopped);
  EXPECT_EQ(after.emit, "");
  EXPECT_EQ(m.flush(), "");
}

TEST(SamplerStopMatcher, StopSplitAcrossPushesIsHeldThenSuppressed) {
  StopMatcher m({"wor"});
  StopMatch a = m.push("hel");
  EXPECT_EQ(a.emit, "hel");
  StopMatch b = m.push("lo wo");
  EXPECT_EQ(b.emit, "lo ");
  EXPECT_EQ(m.held_size(), 2u);
  StopMatch c = m.push("rld");
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.emit, "");

  StopMatcher bytes({"<|end|>"});
  const std::string text = "answer<|end|>ignored";
  std::string out;
  bool stopped = false;
  for (char ch : text) {
    StopMatch r = bytes.push(std::string(1, ch));
    out += r.emit;
    if ((stopped = r.stopped)) break;
  }
  EXPECT_TRUE(stopped);
  EXPECT_EQ(out, "answer");
}

TEST(SamplerStopMatcher, OverlappingPrefixes) {
  StopMatcher m({"ab"});
  StopMatch a = m.push("a");
  EXPECT_EQ(a.emit, "");
  StopMatch b = m.push("a");
  EXPECT_EQ(b.emit, "a");  // the first 'a' can no longer start "ab"
  StopMatch c = m.push("b");
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.emit, "");

  StopMatcher whole({"ab"});
  StopMatch r = whole.push("aab");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "a");

  // Needs the KMP fallback: after "abab" the match resumes from the second "ab".
  StopMatcher kmp({"abac"});
  EXPECT_EQ(stream(kmp, {"ab", "ab", "ac", "zz"}).text, "ab");

  // A held prefix that then diverges is released.
  StopMatcher diverge({"END"});
  EXPECT_EQ(diverge.push("xEN").emit, "x");
  StopMatch d = diverge.push("Dx");
  EXPECT_TRUE(d.stopped);
  StopMatcher diverge2({"END"});
  diverge2.push("EN");
  EXPECT_EQ(diverge2.push("X").emit, "ENX");
}

TEST(SamplerStopMatcher, MultipleStopStrings) {
  StopMatcher m({"</s>", "\nUser:"});
  EXPECT_EQ(m.push("Hi there\nUs").emit, "Hi there");
  StopMatch r = m.push("er: next");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "");

  StopMatcher other({"</s>", "\nUser:"});
  EXPECT_EQ(stream(other, {"Hi <", "/s> x"}).text, "Hi ");

  // The stop that completes first in the stream wins, however the text is split.
  for (const auto& pieces : std::vector<std::vector<std::string>>{{"abcd"}, {"a", "b", "c", "d"}}) {
    StopMatcher first({"abcd", "bc"});
    const Streamed s = stream(first, pieces);
    EXPECT_TRUE(s.stopped);
    EXPECT_EQ(s.text, "a");
  }
  // Completing at the same byte, the longer one wins.
  StopMatcher same_end({"c", "bc"});
  EXPECT_EQ(same_end.push("abc").emit, "a");
}

TEST(SamplerStopMatcher, Utf8TextAndStops) {
  StopMatcher m({"终止"});
  StopMatch a = m.push("你好终");
  EXPECT_EQ(a.emit, "你好");
  StopMatch b = m.push("止之后");
  EXPECT_TRUE(b.stopped);
  EXPECT_EQ(b.emit, "");

  // A character split between pushes is held until complete.
  const std::string ni = "你";  // E4 BD A0
  StopMatcher split({"STOP"});
  EXPECT_EQ(split.push(ni.substr(0, 2)).emit, "");
  EXPECT_EQ(split.push(ni.substr(2) + "!").emit, ni + "!");
  EXPECT_EQ(split.push(ni.substr(0, 1)).emit, "");
  EXPECT_EQ(split.flush(), ni.substr(0, 1));  // flush returns even a broken tail

  // "è" (C3 A8) shares its lead byte with the stop "é!" (C3 A9 21) but is not a prefix.
  StopMatcher lead({"é!"});
  EXPECT_EQ(lead.push("è").emit, "è");
  EXPECT_EQ(lead.push("é").emit, "");
  EXPECT_TRUE(lead.push("!").stopped);

  // Invalid bytes are passed through, not held forever.
  StopMatcher junk({"x"});
  EXPECT_EQ(junk.push("\x80\x80").emit, "\x80\x80");
}

TEST(SamplerStopMatcher, FlushReleasesHeldTextWithoutFalseHoldsLater) {
  StopMatcher m({"ab"});
  EXPECT_EQ(m.push("xa").emit, "x");
  EXPECT_EQ(m.flush(), "a");
  EXPECT_EQ(m.held_size(), 0u);
  // The flushed 'a' must not combine with a later 'b'.
  StopMatch r = m.push("b");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emit, "b");
  EXPECT_EQ(m.flush(), "");

  m.push("zzab");
  EXPECT_TRUE(m.stopped());
  m.reset();
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.push("ok").emit, "ok");
}

// --- randomized comparison with a naive reference --------------------------

// The whole-text answer: cut before the stop that ends earliest (longest on ties).
Streamed reference(const std::string& text, const std::vector<std::string>& stops) {
  for (size_t end = 1; end <= text.size(); ++end) {
    size_t longest = 0;
    for (const std::string& s : stops)
      if (!s.empty() && s.size() <= end && text.compare(end - s.size(), s.size(), s) == 0)
        longest = std::max(longest, s.size());
    if (longest > 0) return {text.substr(0, end - longest), true};
  }
  return {text, false};
}

// Longest suffix of text that is a proper prefix of some stop: what must be held.
size_t reference_hold(const std::string& text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& s : stops)
    for (size_t len = std::min(s.size() - 1, text.size()); len > hold; --len)
      if (text.compare(text.size() - len, len, s, 0, len) == 0) {
        hold = len;
        break;
      }
  return hold;
}

TEST(SamplerStopMatcher, RandomStreamsMatchWholeTextReference) {
  std::mt19937 gen(2024);
  auto random_string = [&](size_t max_len, const char* alphabet, size_t letters) {
    std::string s(1 + gen() % max_len, 'a');
    for (char& c : s) c = alphabet[gen() % letters];
    return s;
  };
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> stops;
    for (size_t i = 0, n = gen() % 4; i < n; ++i) stops.push_back(random_string(4, "ab", 2));
    const std::string text = gen() % 8 == 0 ? std::string() : random_string(24, "abc", 3);
    std::vector<std::string> pieces;
    for (size_t at = 0; at < text.size();) {
      const size_t len = std::min(text.size() - at, size_t{gen() % 5});  // empty pieces too
      pieces.push_back(text.substr(at, len));
      at += len;
    }

    StopMatcher m(stops);
    Streamed got;
    std::string seen;
    for (const std::string& piece : pieces) {
      StopMatch r = m.push(piece);
      got.text += r.emit;
      if (r.stopped) {
        got.stopped = true;
        break;
      }
      seen += piece;
      ASSERT_EQ(m.held_size(), reference_hold(seen, stops)) << "round " << round;
      ASSERT_EQ(got.text + seen.substr(seen.size() - m.held_size()), seen) << "round " << round;
    }
    if (!got.stopped) got.text += m.flush();
    const Streamed want = reference(text, stops);
    ASSERT_EQ(got.stopped, want.stopped) << "round " << round << " text " << text;
    ASSERT_EQ(got.text, want.text) << "round " << round << " text " << text;
  }
}

}  // namespace
}  // namespace pg
