// Internal to the regex engine: the compiled form of a pattern (instructions
// for the backtracking machine plus its character classes). Shared by the
// compiler (regex_compile.cpp) and the matcher (regex.cpp); nothing else may
// include it.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tokenizer/regex.h"

namespace pg::regex {

enum class Op : uint8_t {
  Char,       // x: code point
  Any,        // '.'
  Class,      // x: class index
  Split,      // try x first, then y
  Jmp,        // x
  Match,
  Begin,      // ^ \A
  End,        // $ \z
  WordBoundary,
  NotWordBoundary,
  LookAhead,     // run sub-program at x; on success continue at y (position unchanged)
  NegLookAhead,  // same, succeeds when the sub-program fails
  Atomic,        // run sub-program at x once; continue at y from where it ended
};

struct Inst {
  Op op;
  uint32_t x = 0;
  uint32_t y = 0;
};

// Coarse classes llama.cpp collapses non-ASCII code points into.
enum class Coarse : int8_t { None = -1, Letter, Number, Punctuation, Symbol, Mark };

struct ClassItem {
  enum class Kind : uint8_t { Category, Space, Digit, Word } kind = Kind::Category;
  bool negated = false;
  uint32_t category_mask = 0;  // bit i: GeneralCategory i (Kind::Category)
  bool han = false;            // \p{Han}
  Coarse coarse = Coarse::None;
};

struct CharClass {
  bool negated = false;
  bool icase = false;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // inclusive
  std::vector<ClassItem> items;
  std::bitset<128> ascii;  // final answer (negation and case folding applied) for ASCII keys
};

struct Regex::Program {
  std::string pattern;
  Options options;
  std::vector<Inst> code;
  std::vector<CharClass> classes;
};

// Fills `item` for \p{NAME}; false for an unknown name (regex_classes.cpp).
bool property_item(std::string_view name, ClassItem& item);

// Membership of one key code point in a class, before negation and folding.
// `key` is the effective code point (see regex.cpp); cat/ws describe the
// original code point.
bool class_has(const CharClass& cls, ClassMode mode, uint32_t key, uint8_t cat);
bool is_word_key(ClassMode mode, uint32_t key, uint8_t cat);

}  // namespace pg::regex
