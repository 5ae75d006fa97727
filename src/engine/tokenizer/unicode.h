// Unicode facts the tokenizers need: general categories (and llama.cpp's
// coarse category flags derived from them), the White_Space set, simple case
// mappings, the first code point of NFD decompositions, CJK ranges. Lookups
// over the generated range tables in unicode_data.cpp. Pure functions of a
// code point; never allocates, never fails (out-of-range input is "unassigned").
#pragma once

#include <cstdint>

namespace pg::unicode {

// Order matches CATEGORIES in tools/gen_unicode_tables.py.
enum class GeneralCategory : uint8_t {
  Cn, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No,
  Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So,
  Zs, Zl, Zp, Cc, Cf, Cs, Co,
};

// Coarse classes: the first letter of the general category (L, M, N, P, S, Z, C),
// with unassigned code points (Cn) in a class of their own, as llama.cpp does.
enum class MajorClass : uint8_t { Unassigned, Letter, Mark, Number, Punctuation, Symbol, Separator, Other };

const char* unicode_version();

GeneralCategory general_category(uint32_t cp);
MajorClass major_class(GeneralCategory c);
inline MajorClass major_class_of(uint32_t cp) { return major_class(general_category(cp)); }

inline bool is_letter(uint32_t cp) { return major_class_of(cp) == MajorClass::Letter; }
inline bool is_number(uint32_t cp) { return major_class_of(cp) == MajorClass::Number; }
inline bool is_mark(uint32_t cp) { return major_class_of(cp) == MajorClass::Mark; }
inline bool is_punctuation(uint32_t cp) { return major_class_of(cp) == MajorClass::Punctuation; }
inline bool is_symbol(uint32_t cp) { return major_class_of(cp) == MajorClass::Symbol; }
inline bool is_control(uint32_t cp) { return major_class_of(cp) == MajorClass::Other; }

// Unicode White_Space (what llama.cpp and Oniguruma call whitespace). Unlike
// Python's str.isspace() it does not include U+001C..U+001F.
bool is_whitespace(uint32_t cp);

// Simple (one-to-one) case mappings from UnicodeData; identity when none.
uint32_t to_lower(uint32_t cp);
uint32_t to_upper(uint32_t cp);

// First code point of the canonical decomposition (NFD) of cp, or cp itself.
// llama.cpp's WordPiece uses exactly this to strip accents ("é" -> "e").
uint32_t nfd_first(uint32_t cp);

// BERT's "Chinese character" ranges, as llama.cpp's WordPiece has them.
bool is_bert_chinese_char(uint32_t cp);
// Han ideograph ranges (regex \p{Han}), as llama.cpp has them.
bool is_han(uint32_t cp);

}  // namespace pg::unicode
