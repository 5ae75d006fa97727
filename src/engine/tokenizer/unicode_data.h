// Layout of the generated Unicode tables (unicode_data.cpp, written by
// tools/gen_unicode_tables.py). Only unicode.cpp reads them; nothing else may
// depend on this layout, and this header must never hold logic.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pg::unicode::data {

struct CategoryRange {
  uint32_t start;    // first code point; the range ends where the next begins
  uint8_t category;  // index into GeneralCategory (unicode.h)
};

struct CodeRange {
  uint32_t first, last;  // inclusive
};

struct CaseRun {
  uint32_t first, last;  // inclusive
  int32_t delta;         // target = cp + delta
  uint8_t stride;        // 1 or 2: which code points of [first,last] the run covers
};

struct NfdRun {
  uint32_t first, last;  // inclusive
  uint32_t value;
  uint8_t is_delta;      // 0: every cp maps to value; 1: cp maps to value + (cp - first)
};

extern const char kUnicodeVersion[];
extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangeCount;
extern const CodeRange kWhitespaceRanges[];
extern const size_t kWhitespaceRangeCount;
extern const CaseRun kLowercaseRuns[];
extern const size_t kLowercaseRunsCount;
extern const CaseRun kUppercaseRuns[];
extern const size_t kUppercaseRunsCount;
extern const NfdRun kNfdFirstRuns[];
extern const size_t kNfdFirstRunCount;

}  // namespace pg::unicode::data
