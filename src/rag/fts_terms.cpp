// FTS5-compatible index terms; see fts_terms.h. The stemmer follows Porter's
// 1980 paper with the choices SQLite's FTS5 makes: the suffix rules of a step
// are grouped by their last-but-one letter and only the first rule whose suffix
// matches (leaving a non-empty stem) is tried; "y" counts as a vowel after a
// consonant when measuring, and anywhere but the first letter in *v*.
#include "rag/fts_terms.h"

#include <array>
#include <cstdint>

#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/utf8.h"

namespace pg::rag {
namespace {

// The combining marks FTS5's remove_diacritics drops from inside a token
// (found by tokenizing "x<mark>y" with SQLite for every U+0300..U+036F).
bool is_fts5_diacritic(uint32_t cp) {
  if ((cp >= 0x300 && cp <= 0x304) || (cp >= 0x306 && cp <= 0x30C) || (cp >= 0x323 && cp <= 0x328)) return true;
  constexpr std::array<uint32_t, 7> kSingles = {0x30F, 0x311, 0x31B, 0x32D, 0x32E, 0x330, 0x331};
  for (uint32_t s : kSingles)
    if (s == cp) return true;
  return false;
}

bool is_token_char(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  using unicode::GeneralCategory;
  const GeneralCategory c = unicode::general_category(cp);
  const unicode::MajorClass m = unicode::major_class(c);
  // Unassigned code points are token characters too: FTS5 treats them so.
  return m == unicode::MajorClass::Letter || m == unicode::MajorClass::Number || c == GeneralCategory::Co ||
         c == GeneralCategory::Cn;
}

// Simple case folding where it differs from lower-casing (CaseFolding.txt's
// C entries for characters that are already lower case), as FTS5 folds.
uint32_t fold_special(uint32_t cp) {
  switch (cp) {
    case 0x00B5: return 0x03BC;  // micro sign -> mu
    case 0x017F: return 's';     // long s
    case 0x0345: return 0x03B9;
    case 0x03C2: return 0x03C3;  // final sigma
    case 0x03D0: return 0x03B2;
    case 0x03D1: return 0x03B8;
    case 0x03D5: return 0x03C6;
    case 0x03D6: return 0x03C0;
    case 0x03F0: return 0x03BA;
    case 0x03F1: return 0x03C1;
    case 0x03F5: return 0x03B5;
    case 0x1E9B: return 0x1E61;
    case 0x1FBE: return 0x03B9;
    default: return cp;
  }
}

// Lower case, then an accented letter whose decomposition starts with an ASCII
// letter becomes that letter. 0 for a diacritic (dropped).
uint32_t fold(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (is_fts5_diacritic(cp)) return 0;
  const uint32_t lower = fold_special(unicode::to_lower(cp));
  if (lower < 0x80) return lower;
  const uint32_t base = unicode::nfd_first(lower);
  const bool ascii_letter = (base >= 'a' && base <= 'z') || (base >= 'A' && base <= 'Z');
  return ascii_letter ? (base | 0x20) : lower;
}

// --- Porter stemmer over a byte buffer (non-ASCII bytes are consonants).

bool is_vowel(char c, bool y_is_vowel) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || (y_is_vowel && c == 'y');
}

// Porter's m of w[0, n): the number of vowel-consonant boundaries.
int measure(const std::string& w, size_t n) {
  int m = 0;
  bool previous_consonant = false;
  bool seen_vowel = false;
  for (size_t i = 0; i < n; ++i) {
    const bool consonant = !is_vowel(w[i], previous_consonant);
    if (consonant && seen_vowel) {
      ++m;
      seen_vowel = false;
    } else if (!consonant) {
      seen_vowel = true;
    }
    previous_consonant = consonant;
  }
  return m;
}

// *v*: w[0, n) holds a vowel ("y" is one anywhere but first).
bool has_vowel(const std::string& w, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (is_vowel(w[i], i > 0)) return true;
  return false;
}

// *o: w[0, n) ends consonant-vowel-consonant, the last not w, x or y.
bool ends_cvc(const std::string& w, size_t n) {
  if (n < 3) return false;
  const char last = w[n - 1];
  if (last == 'w' || last == 'x' || last == 'y') return false;
  bool previous_consonant = false;
  std::array<bool, 3> tail{};
  for (size_t i = 0; i < n; ++i) {
    previous_consonant = !is_vowel(w[i], previous_consonant);
    if (i + 3 >= n) tail[i + 3 - n] = previous_consonant;
  }
  return tail[0] && !tail[1] && tail[2];
}

bool ends_with(const std::string& w, std::string_view suffix) {
  return w.size() > suffix.size() && std::string_view(w).substr(w.size() - suffix.size()) == suffix;
}

enum class Condition { MeasureAbove0, MeasureAbove1, MeasureAbove1EndingSOrT };

// A suffix rule and the condition its stem must meet (Porter's m > 0 in steps
// 2 and 3, m > 1 in step 4, plus *S or *T for step 4's "ion").
struct Rule {
  std::string_view suffix, replacement;
  Condition condition;
};

bool holds(Condition c, const std::string& w, size_t stem) {
  switch (c) {
    case Condition::MeasureAbove0: return measure(w, stem) > 0;
    case Condition::MeasureAbove1: return measure(w, stem) > 1;
    case Condition::MeasureAbove1EndingSOrT:
      return stem > 0 && (w[stem - 1] == 's' || w[stem - 1] == 't') && measure(w, stem) > 1;
  }
  return false;
}

// The first rule whose suffix ends w (with a non-empty stem) is the only one
// tried: applied when the condition holds of its stem.
template <size_t N>
void apply_first(std::string& w, const std::array<Rule, N>& rules) {
  for (const Rule& r : rules) {
    if (!ends_with(w, r.suffix)) continue;
    const size_t stem = w.size() - r.suffix.size();
    if (holds(r.condition, w, stem)) w.replace(stem, r.suffix.size(), r.replacement);
    return;
  }
}

constexpr Condition M0 = Condition::MeasureAbove0;
constexpr Condition M1 = Condition::MeasureAbove1;
constexpr Condition M1ST = Condition::MeasureAbove1EndingSOrT;

constexpr std::array<Rule, 21> kStep2 = {{
    {"ational", "ate", M0}, {"tional", "tion", M0}, {"enci", "ence", M0},   {"anci", "ance", M0},
    {"izer", "ize", M0},    {"logi", "log", M0},    {"bli", "ble", M0},     {"alli", "al", M0},
    {"entli", "ent", M0},   {"eli", "e", M0},       {"ousli", "ous", M0},   {"ization", "ize", M0},
    {"ation", "ate", M0},   {"ator", "ate", M0},    {"alism", "al", M0},    {"iveness", "ive", M0},
    {"fulness", "ful", M0}, {"ousness", "ous", M0}, {"aliti", "al", M0},    {"iviti", "ive", M0},
    {"biliti", "ble", M0},
}};
constexpr std::array<Rule, 7> kStep3 = {{
    {"ical", "ic", M0}, {"ness", "", M0}, {"icate", "ic", M0}, {"iciti", "ic", M0},
    {"ful", "", M0},    {"ative", "", M0}, {"alize", "al", M0},
}};
constexpr std::array<Rule, 19> kStep4 = {{
    {"al", "", M1},  {"ance", "", M1}, {"ence", "", M1},  {"er", "", M1},   {"ic", "", M1},
    {"able", "", M1}, {"ible", "", M1}, {"ant", "", M1},  {"ement", "", M1}, {"ment", "", M1},
    {"ent", "", M1}, {"ion", "", M1ST}, {"ou", "", M1},   {"ism", "", M1},  {"ate", "", M1},
    {"iti", "", M1}, {"ous", "", M1},  {"ive", "", M1},   {"ize", "", M1},
}};

void step1a(std::string& w) {
  const size_t n = w.size();
  if (w[n - 1] != 's') return;
  if (w[n - 2] == 'e') {
    const bool sses = n > 4 && w[n - 4] == 's' && w[n - 3] == 's';
    const bool ies = n > 3 && w[n - 3] == 'i';
    w.resize(n - ((sses || ies) ? 2 : 1));
  } else if (w[n - 2] != 's') {
    w.resize(n - 1);
  }
}

// Returns whether "ed" or "ing" was removed (then the word is tidied up).
bool step1b(std::string& w) {
  if (ends_with(w, "eed")) {
    if (measure(w, w.size() - 3) > 0) w.resize(w.size() - 1);
    return false;
  }
  for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
    if (ends_with(w, suffix) && has_vowel(w, w.size() - suffix.size())) {
      w.resize(w.size() - suffix.size());
      return true;
    }
    if (ends_with(w, suffix)) return false;
  }
  return false;
}

void step1b_tidy(std::string& w) {
  for (std::string_view suffix : {std::string_view("at"), std::string_view("bl"), std::string_view("iz")}) {
    if (ends_with(w, suffix)) {
      w += 'e';
      return;
    }
  }
  const size_t n = w.size();
  if (n < 2) return;
  const char c = w[n - 1];
  if (!is_vowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == w[n - 2]) {
    w.resize(n - 1);
  } else if (measure(w, n) == 1 && ends_cvc(w, n)) {
    w += 'e';
  }
}

}  // namespace

std::vector<std::string> unicode61_tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string token;
  size_t i = 0;
  while (i < text.size()) {
    size_t next = i;
    uint32_t cp = utf8::decode_one(text, next);
    if (!is_token_char(cp)) {
      i = next;
      continue;
    }
    token.clear();
    for (;;) {
      if (const uint32_t f = fold(cp)) utf8::append(token, f);
      i = next;
      if (i >= text.size()) break;
      cp = utf8::decode_one(text, next);
      if (!is_token_char(cp) && !is_fts5_diacritic(cp)) {
        i = next;  // a separator: consumed
        break;
      }
    }
    out.push_back(token);
  }
  return out;
}

std::string porter_stem(std::string_view token) {
  std::string w(token);
  if (w.size() < 3 || w.size() > 64) return w;
  step1a(w);
  if (step1b(w)) step1b_tidy(w);
  if (w.back() == 'y' && has_vowel(w, w.size() - 1)) w.back() = 'i';
  apply_first(w, kStep2);
  apply_first(w, kStep3);
  apply_first(w, kStep4);
  if (w.back() == 'e') {
    const size_t stem = w.size() - 1;
    const int m = measure(w, stem);
    if (m > 1 || (m == 1 && !ends_cvc(w, stem))) w.resize(stem);
  }
  if (w.size() > 1 && w[w.size() - 1] == 'l' && w[w.size() - 2] == 'l' && measure(w, w.size() - 1) > 1)
    w.resize(w.size() - 1);
  return w;
}

std::vector<std::string> fts_terms(std::string_view text) {
  std::vector<std::string> terms = unicode61_tokens(text);
  for (std::string& t : terms) t = porter_stem(t);
  return terms;
}

}  // namespace pg::rag
