// What a character class of the regex engine contains, in each ClassMode:
// \p{..} property names, \s \d \w, and llama.cpp's collapsed-category
// semantics (see regex.h). Pure functions of a code point; never allocate.
#include <initializer_list>
#include <string_view>

#include "engine/tokenizer/regex_program.h"
#include "engine/tokenizer/unicode.h"

namespace pg::regex {

namespace {

using unicode::GeneralCategory;

uint32_t cat_bit(GeneralCategory c) { return 1u << static_cast<uint32_t>(c); }

uint32_t mask_of(std::initializer_list<GeneralCategory> cats) {
  uint32_t m = 0;
  for (GeneralCategory c : cats) m |= cat_bit(c);
  return m;
}

}  // namespace

// \p{NAME}: the true category mask, and llama.cpp's coarse class when llama.cpp
// would collapse it (only N, L, P, M, S and the five letter subclasses).
bool property_item(std::string_view name, ClassItem& item) {
  using G = GeneralCategory;
  struct Entry {
    std::string_view name;
    uint32_t mask;
    Coarse coarse;
  };
  const uint32_t L = mask_of({G::Lu, G::Ll, G::Lt, G::Lm, G::Lo});
  const uint32_t M = mask_of({G::Mn, G::Mc, G::Me});
  const uint32_t N = mask_of({G::Nd, G::Nl, G::No});
  const uint32_t P = mask_of({G::Pc, G::Pd, G::Ps, G::Pe, G::Pi, G::Pf, G::Po});
  const uint32_t S = mask_of({G::Sm, G::Sc, G::Sk, G::So});
  const uint32_t Z = mask_of({G::Zs, G::Zl, G::Zp});
  const uint32_t C = mask_of({G::Cc, G::Cf, G::Cs, G::Co, G::Cn});
  const Entry table[] = {
      {"L", L, Coarse::Letter},          {"Letter", L, Coarse::None},
      {"Lu", cat_bit(G::Lu), Coarse::Letter}, {"Ll", cat_bit(G::Ll), Coarse::Letter},
      {"Lt", cat_bit(G::Lt), Coarse::Letter}, {"Lm", cat_bit(G::Lm), Coarse::Letter},
      {"Lo", cat_bit(G::Lo), Coarse::Letter},
      {"M", M, Coarse::Mark},            {"Mn", cat_bit(G::Mn), Coarse::None},
      {"Mc", cat_bit(G::Mc), Coarse::None}, {"Me", cat_bit(G::Me), Coarse::None},
      {"N", N, Coarse::Number},          {"Nd", cat_bit(G::Nd), Coarse::None},
      {"Nl", cat_bit(G::Nl), Coarse::None}, {"No", cat_bit(G::No), Coarse::None},
      {"P", P, Coarse::Punctuation},     {"Pc", cat_bit(G::Pc), Coarse::None},
      {"Pd", cat_bit(G::Pd), Coarse::None}, {"Ps", cat_bit(G::Ps), Coarse::None},
      {"Pe", cat_bit(G::Pe), Coarse::None}, {"Pi", cat_bit(G::Pi), Coarse::None},
      {"Pf", cat_bit(G::Pf), Coarse::None}, {"Po", cat_bit(G::Po), Coarse::None},
      {"S", S, Coarse::Symbol},          {"Sm", cat_bit(G::Sm), Coarse::None},
      {"Sc", cat_bit(G::Sc), Coarse::None}, {"Sk", cat_bit(G::Sk), Coarse::None},
      {"So", cat_bit(G::So), Coarse::None},
      {"Z", Z, Coarse::None},            {"Zs", cat_bit(G::Zs), Coarse::None},
      {"Zl", cat_bit(G::Zl), Coarse::None}, {"Zp", cat_bit(G::Zp), Coarse::None},
      {"C", C, Coarse::None},            {"Cc", cat_bit(G::Cc), Coarse::None},
      {"Cf", cat_bit(G::Cf), Coarse::None}, {"Cs", cat_bit(G::Cs), Coarse::None},
      {"Co", cat_bit(G::Co), Coarse::None}, {"Cn", cat_bit(G::Cn), Coarse::None},
  };
  item = ClassItem{};
  item.kind = ClassItem::Kind::Category;
  if (name == "Han") {
    item.han = true;
    return true;
  }
  for (const Entry& e : table) {
    if (e.name == name) {
      item.category_mask = e.mask;
      item.coarse = e.coarse;
      return true;
    }
  }
  return false;
}

bool is_word_key(ClassMode mode, uint32_t key, uint8_t cat) {
  if (key < 0x80) {
    return (key >= 'a' && key <= 'z') || (key >= 'A' && key <= 'Z') || (key >= '0' && key <= '9') || key == '_';
  }
  if (mode == ClassMode::LlamaCpp) return false;  // std::regex's \w is ASCII-only here
  const auto major = unicode::major_class(static_cast<unicode::GeneralCategory>(cat));
  return major == unicode::MajorClass::Letter || major == unicode::MajorClass::Number;
}

namespace {

// llama.cpp's stand-ins for the coarse classes among ASCII characters.
bool coarse_ascii(Coarse coarse, uint32_t key) {
  switch (coarse) {
    case Coarse::Letter: return (key >= 'A' && key <= 'Z') || (key >= 'a' && key <= 'z');
    case Coarse::Number: return key >= '0' && key <= '9';
    case Coarse::Punctuation:
      return (key >= 0x21 && key <= 0x23) || (key >= 0x25 && key <= 0x2A) || (key >= 0x2C && key <= 0x2F) ||
             key == 0x3A || key == 0x3B || key == 0x3F || key == 0x40 || (key >= 0x5B && key <= 0x5D) ||
             key == 0x5F || key == 0x7B || key == 0x7D;
    case Coarse::Symbol:
      return key == '$' || key == '+' || key == '<' || key == '=' || key == '>' || key == '^' || key == '`' ||
             key == '|';
    case Coarse::Mark: return false;
    case Coarse::None: break;
  }
  return false;
}

bool coarse_major(Coarse coarse, unicode::MajorClass major) {
  switch (coarse) {
    case Coarse::Letter: return major == unicode::MajorClass::Letter;
    case Coarse::Number: return major == unicode::MajorClass::Number;
    case Coarse::Punctuation: return major == unicode::MajorClass::Punctuation;
    case Coarse::Symbol: return major == unicode::MajorClass::Symbol;
    case Coarse::Mark: return major == unicode::MajorClass::Mark;
    case Coarse::None: break;
  }
  return false;
}

bool item_has(const ClassItem& item, ClassMode mode, uint32_t key, uint8_t cat) {
  bool in = false;
  switch (item.kind) {
    case ClassItem::Kind::Space:
      in = mode == ClassMode::LlamaCpp ? ((key >= 0x09 && key <= 0x0D) || key == 0x20) : unicode::is_whitespace(key);
      break;
    case ClassItem::Kind::Digit:
      in = mode == ClassMode::LlamaCpp || key < 0x80
               ? (key >= '0' && key <= '9')
               : static_cast<unicode::GeneralCategory>(cat) == unicode::GeneralCategory::Nd;
      break;
    case ClassItem::Kind::Word: in = is_word_key(mode, key, cat); break;
    case ClassItem::Kind::Category:
      if (item.han) {
        in = unicode::is_han(key);
      } else if (mode == ClassMode::LlamaCpp && item.coarse != Coarse::None) {
        in = key < 0x80 ? coarse_ascii(item.coarse, key)
                        : coarse_major(item.coarse, unicode::major_class(static_cast<unicode::GeneralCategory>(cat)));
      } else {
        in = (item.category_mask >> cat) & 1u;
      }
      break;
  }
  return in != item.negated;
}

}  // namespace

bool class_has(const CharClass& cls, ClassMode mode, uint32_t key, uint8_t cat) {
  for (const auto& r : cls.ranges) {
    if (key >= r.first && key <= r.second) return true;
  }
  for (const ClassItem& item : cls.items) {
    if (item_has(item, mode, key, cat)) return true;
  }
  return false;
}

}  // namespace pg::regex
