// Lookups over the generated Unicode tables. Every lookup is a binary search
// over ranges (the tables are sorted and never overlap) with an ASCII fast path;
// never allocates and never indexes out of a table.
#include "engine/tokenizer/unicode.h"

#include <algorithm>

#include "engine/tokenizer/unicode_data.h"

namespace pg::unicode {

namespace {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// Finds the run containing cp in a sorted, non-overlapping run table.
template <typename Run>
const Run* find_run(const Run* runs, size_t count, uint32_t cp) {
  const Run* end = runs + count;
  const Run* it = std::upper_bound(runs, end, cp, [](uint32_t v, const Run& r) { return v < r.first; });
  if (it == runs) return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}

uint32_t apply_case_run(const data::CaseRun* runs, size_t count, uint32_t cp) {
  const data::CaseRun* r = find_run(runs, count, cp);
  if (r == nullptr || (cp - r->first) % r->stride != 0) return cp;
  return static_cast<uint32_t>(static_cast<int64_t>(cp) + r->delta);
}

}  // namespace

const char* unicode_version() { return data::kUnicodeVersion; }

GeneralCategory general_category(uint32_t cp) {
  if (cp > kMaxCodePoint) return GeneralCategory::Cn;
  const data::CategoryRange* begin = data::kCategoryRanges;
  const data::CategoryRange* end = begin + data::kCategoryRangeCount;
  const data::CategoryRange* it =
      std::upper_bound(begin, end, cp, [](uint32_t v, const data::CategoryRange& r) { return v < r.start; });
  if (it == begin) return GeneralCategory::Cn;
  return static_cast<GeneralCategory>((it - 1)->category);
}

MajorClass major_class(GeneralCategory c) {
  switch (c) {
    case GeneralCategory::Cn: return MajorClass::Unassigned;
    case GeneralCategory::Lu: case GeneralCategory::Ll: case GeneralCategory::Lt:
    case GeneralCategory::Lm: case GeneralCategory::Lo: return MajorClass::Letter;
    case GeneralCategory::Mn: case GeneralCategory::Mc: case GeneralCategory::Me: return MajorClass::Mark;
    case GeneralCategory::Nd: case GeneralCategory::Nl: case GeneralCategory::No: return MajorClass::Number;
    case GeneralCategory::Pc: case GeneralCategory::Pd: case GeneralCategory::Ps: case GeneralCategory::Pe:
    case GeneralCategory::Pi: case GeneralCategory::Pf: case GeneralCategory::Po: return MajorClass::Punctuation;
    case GeneralCategory::Sm: case GeneralCategory::Sc: case GeneralCategory::Sk:
    case GeneralCategory::So: return MajorClass::Symbol;
    case GeneralCategory::Zs: case GeneralCategory::Zl: case GeneralCategory::Zp: return MajorClass::Separator;
    case GeneralCategory::Cc: case GeneralCategory::Cf: case GeneralCategory::Cs:
    case GeneralCategory::Co: return MajorClass::Other;
  }
  return MajorClass::Unassigned;
}

bool is_whitespace(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20;
  return find_run(data::kWhitespaceRanges, data::kWhitespaceRangeCount, cp) != nullptr;
}

uint32_t to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  return apply_case_run(data::kLowercaseRuns, data::kLowercaseRunsCount, cp);
}

uint32_t to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  return apply_case_run(data::kUppercaseRuns, data::kUppercaseRunsCount, cp);
}

uint32_t nfd_first(uint32_t cp) {
  if (cp < 0xC0) return cp;
  const data::NfdRun* r = find_run(data::kNfdFirstRuns, data::kNfdFirstRunCount, cp);
  if (r == nullptr) return cp;
  return r->is_delta ? r->value + (cp - r->first) : r->value;
}

bool is_bert_chinese_char(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) ||
         // 0x2B920, not 0x2B820: Hugging Face's BERT normalizer has it so.
         (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_han(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0x2CEB0 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace pg::unicode
