// JSON Schema to GBNF; see json_schema_grammar.h. The converter walks the
// schema once (each $ref target once, so recursion ends), writing one rule
// per subschema plus shared primitives (space, string, number, value...).
// Semantics follow llama.cpp's converter where it is exact: properties in the
// order the schema gives them (ordered_json keeps the client's order), the
// required ones always present; no other property when `additionalProperties`
// is absent but `properties` is given, and no item past `prefixItems` when
// `items` is absent (both tighter than JSON Schema); oneOf is matched as
// anyOf (looser only where its alternatives overlap, as in llama.cpp). Every
// schema's grammar is parsed and checked (limits, no left recursion, every
// rule can finish) before add_schema returns it. Must never throw (nlohmann
// errors are caught here), never recurse without a bound, and never otherwise
// return a grammar looser than the schema.
#include "engine/grammar/json_schema_grammar.h"
#include "util/str_cat.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"
#include "engine/grammar/number_range_gbnf.h"
#include "engine/grammar/regex_to_gbnf.h"
#include "engine/tokenizer/utf8.h"

namespace pg::grammar {

using json = nlohmann::ordered_json;

namespace {


// One JSON string character: raw, or an escape; \u escapes of UTF-16
// surrogates only as a high-low pair (JSON parsers refuse lone ones).
constexpr const char* kJsonChar =
    R"([^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} | )"
    R"([dD] [89abAB] [0-9a-fA-F]{2} "\\u" [dD] [c-fC-F] [0-9a-fA-F]{2} ) ))";

constexpr int kMaxDepth = 64;                  // nested subschemas, $ref targets included
constexpr size_t kMaxSchemaNodes = 10000;      // subschemas and enum values visited
constexpr size_t kMaxSchemaRules = 5000;       // rules in one builder
constexpr size_t kMaxProperties = 200;         // per object (the optional ones chain rules)
constexpr size_t kMaxExcludedNameUnits = 100;  // property names kept out of additional keys
constexpr size_t kMaxRuleNameLength = 48;

constexpr std::string_view kAnnotations[] = {"title",    "description", "default",  "examples",  "$schema", "$id",
                                             "$comment", "deprecated",  "readOnly", "writeOnly", "strict"};
constexpr std::string_view kContainers[] = {"$defs", "definitions"};
constexpr std::string_view kObjectKeywords[] = {"properties", "required", "additionalProperties"};
constexpr std::string_view kArrayKeywords[] = {"items",    "prefixItems", "additionalItems",
                                               "minItems", "maxItems",    "uniqueItems"};
constexpr std::string_view kStringKeywords[] = {"minLength", "maxLength", "pattern", "format"};
constexpr std::string_view kNumberKeywords[] = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};
constexpr std::string_view kOtherKeywords[] = {"type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref"};
constexpr std::string_view kTypes[] = {"null", "boolean", "object", "array", "number", "string", "integer"};

template <size_t N>
bool one_of(std::string_view key, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), key) != std::end(set);
}

bool is_annotation(std::string_view key) { return one_of(key, kAnnotations) || one_of(key, kContainers); }
bool is_supported(std::string_view key) {
  return one_of(key, kObjectKeywords) || one_of(key, kArrayKeywords) || one_of(key, kStringKeywords) ||
         one_of(key, kNumberKeywords) || one_of(key, kOtherKeywords);
}

const json* member(const json& s, const char* key) {
  if (!s.is_object()) return nullptr;
  auto it = s.find(key);
  return it == s.end() ? nullptr : &*it;
}

// A keyword, name or value as shown in a message: short, printable, valid UTF-8.
std::string shown(const std::string& text) {
  const bool plain =
      text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (plain) return "'" + text + "'";
  return json(text.substr(0, 64)).dump(-1, ' ', true, json::error_handler_t::replace);
}

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

bool is_rule_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string sanitized(std::string_view hint) {
  std::string s;
  for (char c : hint) {
    if (is_rule_char(c) && c != '-')
      s += c;
    else if (!s.empty() && s.back() != '-')
      s += '-';
    if (s.size() >= kMaxRuleNameLength) break;
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? "rule" : s;
}

// `x{min,max}` as a GBNF suffix ("" for exactly one).
std::string repetition(uint64_t min, std::optional<uint64_t> max) {
  if (!max) return min == 0 ? "*" : min == 1 ? "+" : str_cat("{", std::to_string(min), ",}");
  if (min == 0 && *max == 1) return "?";
  if (min == *max) return min == 1 ? "" : str_cat("{", std::to_string(min), "}");
  return str_cat("{", std::to_string(min), ",", std::to_string(*max), "}");
}

// Rule names a GBNF body refers to (outside literals, classes and counts).
std::vector<std::string> referenced_rules(std::string_view body) {
  std::vector<std::string> names;
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '"' || c == '[') {
      const char close = c == '"' ? '"' : ']';
      for (++i; i < body.size() && body[i] != close; ++i)
        if (body[i] == '\\') ++i;
      ++i;
    } else if (c == '{') {
      while (i < body.size() && body[i] != '}') ++i;
      ++i;
    } else if (is_rule_char(c) || c == '_') {
      size_t j = i;
      while (j < body.size() && (is_rule_char(body[j]) || body[j] == '_')) ++j;
      names.emplace_back(body.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return names;
}

// Whether every rule can finish: derives some finite text.
std::optional<std::string> unproductive_rule(const Grammar& g) {
  std::vector<bool> done(g.rules.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < g.rules.size(); ++r) {
      if (done[r]) continue;
      for (const Sequence& seq : g.rules[r].alternatives) {
        if (std::all_of(seq.begin(), seq.end(),
                        [&](const Element& e) { return e.kind == Element::Kind::Chars || done[e.rule]; })) {
          done[r] = changed = true;
          break;
        }
      }
    }
  }
  for (size_t r = 0; r < g.rules.size(); ++r)
    if (!done[r]) return g.rules[r].name.substr(0, g.rules[r].name.find('_'));
  return std::nullopt;
}

// JSON string text split into its characters: one escape or one UTF-8 code point each.
std::vector<std::string> json_units(const std::string& dumped) {
  std::vector<std::string> units;
  for (size_t i = 0; i < dumped.size();) {
    const unsigned char c = static_cast<unsigned char>(dumped[i]);
    size_t n = c == '\\' ? (i + 1 < dumped.size() && dumped[i + 1] == 'u' ? 6 : 2) : utf8::sequence_length(c);
    n = std::min(n, dumped.size() - i);
    units.push_back(dumped.substr(i, n));
    i += n;
  }
  return units;
}

// The character a JSON string unit stands for (escapes decoded).
uint32_t unit_code_point(const std::string& unit) {
  if (unit[0] == '\\') {
    switch (unit.size() > 1 ? unit[1] : '\\') {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return static_cast<uint32_t>(std::stoul(unit.substr(2), nullptr, 16));
      default:
        return static_cast<unsigned char>(unit[1]);
    }
  }
  const unsigned char c = static_cast<unsigned char>(unit[0]);
  if (c < 0x80) return c;
  const size_t n = unit.size() - 1;
  uint32_t cp = c & (0x3Fu >> n);
  for (size_t k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(unit[k]) & 0x3F);
  return cp;
}

// Property names as a trie over JSON characters, for keys that are none of them.
struct NameTrie {
  struct Node {
    std::map<std::string, size_t> kids;
    bool end = false;
  };
  std::vector<Node> nodes{Node{}};

  void insert(const std::vector<std::string>& units) {
    size_t at = 0;
    for (const std::string& u : units) {
      auto it = nodes[at].kids.find(u);
      if (it == nodes[at].kids.end()) {
        nodes.push_back(Node{});
        it = nodes[at].kids.emplace(u, nodes.size() - 1).first;
      }
      at = it->second;
    }
    nodes[at].end = true;
  }

  // The rest of a key's text (before its closing quote) after reaching node
  // `at`, such that the whole key is none of the names. A key leaves the
  // names at a character no name has there: raw, or a short escape (never
  // \uXXXX, which could spell a name's character).
  std::string rest(size_t at, const std::string& char_rule) const {
    std::vector<std::string> alts;
    if (!nodes[at].end) alts.push_back("");
    std::set<uint32_t> taken;
    for (const auto& [unit, kid] : nodes[at].kids) {
      alts.push_back(gbnf_literal(unit) + " (" + rest(kid, char_rule) + ")");
      taken.insert(unit_code_point(unit));
    }
    std::string raw_excluded;
    for (uint32_t cp : taken) raw_excluded += gbnf_class_char(cp);
    std::string escapes;
    for (const auto& [letter, cp] : kShortEscapes)
      if (!taken.count(cp))
        escapes += letter == '"' || letter == '\\' ? std::string("\\") + letter : std::string(1, letter);
    const std::string leave =
        R"([^"\\\x00-\x1F)" + raw_excluded + "]" + (escapes.empty() ? "" : R"( | "\\" [)" + escapes + "]");
    alts.push_back("( " + leave + " ) " + char_rule + "*");
    return join(alts, " | ");
  }

  static constexpr std::pair<char, uint32_t> kShortEscapes[] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                                                                {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
};

struct PropSpec {
  std::string name;
  const json* schema = nullptr;  // null: any value
  std::string path;
};

struct ObjectSpec {
  enum class More { None, Any, Schema };
  std::vector<PropSpec> props;
  std::set<std::string> required;
  More more = More::None;
  const json* more_schema = nullptr;
  std::string more_path;
};

struct Bound {
  long double value = 0;
  bool exclusive = false;
  std::string keyword;
};

}  // namespace

struct SchemaGrammarBuilder::Impl {
  SchemaGrammarBuilder& b;
  const json* doc = nullptr;  // the schema $refs point into
  std::string where;
  std::map<std::string, std::string> ref_rules;  // JSON pointer -> rule name
  size_t nodes = 0;

  using Name = Result<std::string>;

  Status fail(const std::string& path, const std::string& what) const {
    return Status::invalid_argument(
        (where.empty() ? std::string("schema") : where) + ": " + what + " (at #" + path + ")", "invalid_schema");
  }

  // ---- Rules ----------------------------------------------------------------

  std::string rule(const std::string& hint, const std::string& body) { return b.add_rule(hint, body); }

  bool free_or_same(const std::string& name, const std::string& body) const {
    if (name == "root") return false;
    auto it = b.by_name_.find(name);
    return it == b.by_name_.end() || it->second == body;
  }

  void put(const std::string& name, const std::string& body) {
    if (b.by_name_.count(name)) return;
    b.rules_.emplace_back(name, body);
    b.by_name_[name] = body;
  }

  // A rule shared by every schema of the builder: `base` if free or already this rule.
  std::string shared(const std::string& base, const std::string& body) {
    for (int k = 1;; ++k) {
      const std::string name = k == 1 ? base : base + "-" + std::to_string(k);
      if (free_or_same(name, body)) {
        put(name, body);
        return name;
      }
    }
  }

  void set_body(size_t index, const std::string& body) {
    b.rules_[index].second = body;
    b.by_name_[b.rules_[index].first] = body;
  }

  // ---- Primitives -----------------------------------------------------------

  std::string space() { return shared("space", R"(| " " | "\n" [ \t]{0,20})"); }
  // One JSON string character: raw, or an escape (\uXXXX surrogates only as a pair).
  std::string json_char() { return shared("char", kJsonChar); }
  std::string string_rule() { return shared("string", R"("\"" )" + json_char() + R"(* "\"")"); }
  std::string integral_part() { return shared("integral-part", R"("0" | [1-9] [0-9]{0,15})"); }
  std::string integer_rule() { return shared("integer", R"("-"? )" + integral_part()); }
  std::string number_rule() {
    return shared("number", R"("-"? )" + integral_part() + R"( ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?)");
  }
  std::string boolean_rule() { return shared("boolean", R"("true" | "false")"); }
  std::string null_rule() { return shared("null", R"("null")"); }

  // Any JSON value, object and array (one recursive trio); returns {value, object}.
  std::pair<std::string, std::string> any_value_rules() {
    const std::string sp = space(), str = string_rule(), num = number_rule(), boo = boolean_rule(), nul = null_rule();
    for (int k = 1;; ++k) {
      const std::string sfx = k == 1 ? "" : str_cat("-", std::to_string(k));
      const std::string v = "value" + sfx, o = "object" + sfx, a = "array" + sfx;
      const std::string member = str + " " + sp + " \":\" " + sp + " " + v + " " + sp;
      const std::string vb = o + " | " + a + " | " + str + " | " + num + " | " + boo + " | " + nul;
      const std::string ob = "\"{\" " + sp + " ( " + member + " ( \",\" " + sp + " " + member + " )* )? \"}\"";
      const std::string ab =
          "\"[\" " + sp + " ( " + v + " " + sp + " ( \",\" " + sp + " " + v + " " + sp + " )* )? \"]\"";
      if (free_or_same(v, vb) && free_or_same(o, ob) && free_or_same(a, ab)) {
        put(v, vb), put(o, ob), put(a, ab);
        return {v, o};
      }
    }
  }
  std::string any_value() { return any_value_rules().first; }
  std::string any_object() { return any_value_rules().second; }

  std::string quoted(const std::string& base, const std::string& inner) {
    return shared(base + "-string", R"("\"" )" + inner + R"( "\"")");
  }
  // Dates of the Gregorian calendar: days per month, 29 February in leap years only.
  std::string date_rule() {
    const std::string leap = shared("leap-year",
                                    R"([0-9] [0-9] ( "0" [48] | [2468] [048] | [13579] [26] ) | )"
                                    R"(( [02468] [048] | [13579] [26] ) "00")");
    return shared("date",
                  R"([0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] ) | )"
                  R"(( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | )"
                  R"("02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) ) | )" +
                      leap + R"( "-02-29")");
  }
  // RFC 3339 full-time: seconds and a zone required.
  std::string time_rule() {
    return shared("time",
                  R"(( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? )"
                  R"(( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ))");
  }
  Name format_rule(const std::string& format, const std::string& path) {
    if (format == "date") return quoted("date", date_rule());
    if (format == "time") return quoted("time", time_rule());
    if (format == "date-time") return quoted("date-time", shared("date-time", date_rule() + " \"T\" " + time_rule()));
    if (format == "uuid")
      return shared(
          "uuid",
          R"("\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"")");
    return fail(path, "'format' " + shown(format) + " is not supported (date, time, date-time and uuid are)");
  }

  // ---- Schemas --------------------------------------------------------------

  Status check_keywords(const json& s, const std::string& path) const {
    for (const auto& [key, value] : s.items()) {
      if (is_annotation(key)) continue;
      if (!is_supported(key)) return fail(path, "keyword " + shown(key) + " is not supported");
      if (key == "uniqueItems" && !(value.is_boolean() && !value.get<bool>()))
        return fail(path, "keyword 'uniqueItems' (true) is not supported");
    }
    for (const char* key : {"$defs", "definitions"})
      if (const json* defs = member(s, key); defs && !defs->is_object())
        return fail(path, std::string("'") + key + "' must be an object");
    return Status::ok();
  }

  // Constraint keywords of `s` other than those in `allowed` (first one, or "").
  static std::string other_constraint(const json& s, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : s.items())
      if (!is_annotation(key) && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return key;
    return "";
  }

  Name visit(const json& s, const std::string& path, const std::string& hint, int depth) {
    if (depth > kMaxDepth) return fail(path, "the schema nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (++nodes > kMaxSchemaNodes)
      return fail(path, "the schema has more than " + std::to_string(kMaxSchemaNodes) + " parts");
    if (b.rules_.size() > kMaxSchemaRules)
      return fail(path, "the schema needs more than " + std::to_string(kMaxSchemaRules) + " grammar rules");
    if (s.is_boolean()) {
      if (s.get<bool>()) return any_value();
      return fail(path, "the schema false matches no value");
    }
    if (!s.is_object()) return fail(path, "a schema must be an object or a boolean");
    if (Status st = check_keywords(s, path); !st) return st;
    if (member(s, "$ref")) return visit_ref(s, path, hint, depth);
    if (member(s, "allOf")) return visit_all_of(s, path, hint, depth);
    if (member(s, "anyOf") || member(s, "oneOf")) return visit_any_of(s, path, hint, depth);
    if (member(s, "enum") || member(s, "const")) return visit_enum(s, path, hint);
    auto types = schema_types(s, path);
    if (!types) return types.status();
    if (types->empty()) return any_value();
    if (types->size() == 1) return visit_typed(s, types->front(), path, hint, depth);
    std::vector<std::string> alts;
    for (const std::string& t : *types) {
      auto r = visit_typed(s, t, path, hint + "-" + t, depth);
      if (!r) return r;
      alts.push_back(*r);
    }
    return rule(hint, join(alts, " | "));
  }

  // The types `s` allows: its `type`, or those its keywords are about; none: any value.
  Result<std::vector<std::string>> schema_types(const json& s, const std::string& path) const {
    std::vector<std::string> types;
    const json* t = member(s, "type");
    if (!t) {
      auto has_any = [&](const auto& keywords) {
        return std::any_of(std::begin(keywords), std::end(keywords),
                           [&](std::string_view k) { return s.contains(std::string(k)); });
      };
      if (has_any(kObjectKeywords)) types.push_back("object");
      if (has_any(kArrayKeywords)) types.push_back("array");
      if (has_any(kStringKeywords)) types.push_back("string");
      if (has_any(kNumberKeywords)) types.push_back("number");
      return types;
    }
    const json list = t->is_array() ? *t : json::array({*t});
    for (const json& one : list) {
      if (!one.is_string() || !one_of(one.get<std::string>(), kTypes))
        return fail(path + "/type", "'type' " + shown(one.dump(-1, ' ', true, json::error_handler_t::replace)) +
                                        " is not a JSON Schema type");
      if (std::find(types.begin(), types.end(), one.get<std::string>()) == types.end())
        types.push_back(one.get<std::string>());
    }
    if (types.empty()) return fail(path + "/type", "'type' is an empty list: no value matches");
    return types;
  }

  Name visit_typed(const json& s, const std::string& type, const std::string& path, const std::string& hint,
                   int depth) {
    if (type == "null") return null_rule();
    if (type == "boolean") return boolean_rule();
    if (type == "integer") return visit_integer(s, path, hint);
    if (type == "number") return visit_number(s, path, hint);
    if (type == "string") return visit_string(s, path, hint);
    if (type == "array") return visit_array(s, path, hint, depth);
    auto spec = object_spec(s, path);
    if (!spec) return spec.status();
    return build_object(*spec, path, hint, depth);
  }

  // ---- $ref -----------------------------------------------------------------

  Result<const json*> resolve(const std::string& ref, const std::string& path) const {
    if (ref.empty() || ref[0] != '#')
      return fail(
          path, "'$ref' " + shown(ref) + " is not supported: only references inside the schema (\"#/$defs/...\") are");
    std::string pointer;
    for (size_t i = 1; i < ref.size(); ++i) {  // percent-decoding of the fragment
      if (ref[i] == '%' && i + 2 < ref.size() && std::isxdigit(static_cast<unsigned char>(ref[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(ref[i + 2]))) {
        pointer += static_cast<char>(std::stoi(ref.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        pointer += ref[i];
      }
    }
    if (!pointer.empty() && pointer[0] != '/')
      return fail(path, "'$ref' " + shown(ref) + " is not a JSON pointer (\"#/...\")");
    const json* at = doc;
    for (size_t start = 1; !pointer.empty() && start <= pointer.size();) {
      const size_t end = std::min(pointer.find('/', start), pointer.size());
      std::string token;
      for (size_t i = start; i < end; ++i) {
        if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1'))
          token += pointer[++i] == '0' ? '~' : '/';
        else
          token += pointer[i];
      }
      at = step(*at, token);
      if (!at) return fail(path, "'$ref' " + shown(ref) + " points to nothing in the schema");
      start = end + 1;
    }
    return at;
  }

  static const json* step(const json& at, const std::string& token) {
    if (at.is_object()) {
      auto it = at.find(token);
      return it == at.end() ? nullptr : &*it;
    }
    if (at.is_array() && !token.empty() && token.size() < 10 &&
        std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const size_t i = std::stoul(token);
      return i < at.size() ? &at[i] : nullptr;
    }
    return nullptr;
  }

  Name visit_ref(const json& s, const std::string& path, const std::string& hint, int depth) {
    if (std::string other = other_constraint(s, {"$ref"}); !other.empty())
      return fail(path, "'$ref' next to " + shown(other) + " is not supported (combine them with 'allOf')");
    const json& ref = s["$ref"];
    if (!ref.is_string()) return fail(path + "/$ref", "'$ref' must be a string");
    return ref_rule(ref.get<std::string>(), path + "/$ref", depth);
  }

  // One rule per $ref target, made once: recursion refers to it while it is being made.
  Name ref_rule(const std::string& key, const std::string& path, int depth) {
    if (auto it = ref_rules.find(key); it != ref_rules.end()) return it->second;
    auto target = resolve(key, path);
    if (!target) return target.status();
    const std::string last = key.substr(key.rfind('/') == std::string::npos ? 1 : key.rfind('/') + 1);
    const size_t index = b.rules_.size();
    const std::string name =
        rule(last.empty() ? "ref" : last, "\"\"");  // body set below; recursion refers to it meanwhile
    ref_rules[key] = name;
    auto body = visit(**target, key.substr(1), name, depth + 1);
    if (!body) return body;
    set_body(index, *body);
    return name;
  }

  // ---- anyOf / oneOf / enum / const -----------------------------------------

  Name visit_any_of(const json& s, const std::string& path, const std::string& hint, int depth) {
    if (member(s, "anyOf") && member(s, "oneOf")) return fail(path, "'anyOf' next to 'oneOf' is not supported");
    const char* key = member(s, "anyOf") ? "anyOf" : "oneOf";
    if (std::string other = other_constraint(s, {key}); !other.empty())
      return fail(path, std::string("'") + key + "' next to " + shown(other) + " is not supported");
    const json& list = s[key];
    if (!list.is_array() || list.empty())
      return fail(path + "/" + key, std::string("'") + key + "' must be a non-empty array");
    std::vector<std::string> alts;
    for (size_t i = 0; i < list.size(); ++i) {
      auto r = visit(list[i], path + "/" + key + "/" + std::to_string(i), hint + "-" + std::to_string(i), depth + 1);
      if (!r) return r;
      alts.push_back(*r);
    }
    return rule(hint, join(alts, " | "));
  }

  static bool has_type(const json& v, const std::string& type) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "number") return v.is_number();
    return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  }

  Name visit_enum(const json& s, const std::string& path, const std::string& hint) {
    const char* key = member(s, "enum") ? "enum" : "const";
    if (std::string other = other_constraint(s, {"enum", "const", "type"}); !other.empty())
      return fail(path, std::string("'") + key + "' next to " + shown(other) + " is not supported");
    std::vector<json> values;
    if (const json* e = member(s, "enum")) {
      if (!e->is_array()) return fail(path + "/enum", "'enum' must be an array");
      values.assign(e->begin(), e->end());
    }
    if (const json* c = member(s, "const")) {
      if (member(s, "enum"))
        values.erase(std::remove_if(values.begin(), values.end(), [&](const json& v) { return v != *c; }),
                     values.end());
      else
        values = {*c};
    }
    if (member(s, "type")) {
      auto types = schema_types(s, path);
      if (!types) return types.status();
      values.erase(std::remove_if(values.begin(), values.end(),
                                  [&](const json& v) {
                                    return std::none_of(types->begin(), types->end(),
                                                        [&](const std::string& t) { return has_type(v, t); });
                                  }),
                   values.end());
    }
    nodes += values.size();
    if (nodes > kMaxSchemaNodes)
      return fail(path, "the schema has more than " + std::to_string(kMaxSchemaNodes) + " parts");
    if (values.empty()) return fail(path + "/" + key, std::string("'") + key + "' leaves no value that matches");
    std::vector<std::string> alts;
    for (const json& v : values) {
      const std::string text = gbnf_literal(v.dump());
      if (std::find(alts.begin(), alts.end(), text) == alts.end()) alts.push_back(text);
    }
    return rule(hint, join(alts, " | "));
  }

  // ---- allOf ----------------------------------------------------------------

  struct Part {
    const json* schema;
    std::string path;
    bool beside_all_of;  // the keywords next to an allOf (its own allOf left out)
    std::string ref;     // the $ref followed to reach it, if any
  };

  // The parts of an allOf, nested allOfs and $refs followed; `chain`: the
  // $refs being followed now (a cycle among them is refused).
  Status collect_all_of(const json& s, const std::string& path, int depth, std::vector<Part>& parts,
                        std::vector<std::string>& chain) {
    if (depth > kMaxDepth) return fail(path, "'allOf' nests deeper than " + std::to_string(kMaxDepth) + " levels");
    const json& list = s["allOf"];
    if (!list.is_array() || list.empty()) return fail(path + "/allOf", "'allOf' must be a non-empty array");
    if (!other_constraint(s, {"allOf"}).empty()) parts.push_back({&s, path, true, ""});
    for (size_t i = 0; i < list.size(); ++i) {
      const json* part = &list[i];
      std::string part_path = path + "/allOf/" + std::to_string(i);
      std::string via;
      const size_t chain_mark = chain.size();
      if (++nodes > kMaxSchemaNodes)
        return fail(part_path, "the schema has more than " + std::to_string(kMaxSchemaNodes) + " parts");
      while (part->is_object() && member(*part, "$ref") && other_constraint(*part, {"$ref"}).empty()) {
        const json& ref = (*part)["$ref"];
        if (!ref.is_string()) return fail(part_path + "/$ref", "'$ref' must be a string");
        if (std::find(chain.begin(), chain.end(), ref.get<std::string>()) != chain.end())
          return fail(part_path, "'allOf' goes round a '$ref' cycle (" + shown(ref.get<std::string>()) + ")");
        chain.push_back(ref.get<std::string>());
        auto target = resolve(ref.get<std::string>(), part_path + "/$ref");
        if (!target) return target.status();
        part = *target;
        via = ref.get<std::string>();
        part_path = via.substr(1);
      }
      if (part->is_object()) {
        if (Status st = check_keywords(*part, part_path); !st) return st;
        if (member(*part, "allOf")) {
          if (Status st = collect_all_of(*part, part_path, depth + 1, parts, chain); !st) return st;
          chain.resize(chain_mark);
          continue;
        }
      }
      chain.resize(chain_mark);
      parts.push_back({part, part_path, false, via});
    }
    return Status::ok();
  }

  Name visit_all_of(const json& s, const std::string& path, const std::string& hint, int depth) {
    std::vector<Part> parts;
    std::vector<std::string> chain;
    if (Status st = collect_all_of(s, path, depth, parts, chain); !st) return st;
    std::vector<Part> kept;
    for (const Part& p : parts) {
      if (p.schema->is_boolean() && !p.schema->get<bool>())
        return fail(p.path, "'allOf' with a false schema matches no value");
      const bool trivial =
          p.schema->is_boolean() || (p.schema->is_object() && other_constraint(*p.schema, {"allOf"}).empty() &&
                                     (p.beside_all_of || !member(*p.schema, "allOf")));
      if (!trivial) kept.push_back(p);
    }
    if (kept.empty()) return any_value();
    if (kept.size() == 1) {
      if (!kept[0].ref.empty()) return ref_rule(kept[0].ref, kept[0].path, depth + 1);
      if (!kept[0].beside_all_of) return visit(*kept[0].schema, kept[0].path, hint, depth + 1);
      json without = *kept[0].schema;
      without.erase("allOf");
      return visit(without, kept[0].path, hint, depth + 1);
    }
    auto spec = merge_objects(kept);
    if (!spec) return spec.status();
    return build_object(*spec, path, hint, depth);
  }

  static bool accepts_anything(const json& s) {
    return s == true ||
           (s.is_object() && other_constraint(s, {}).empty() && !member(s, "$defs") && !member(s, "definitions"));
  }

  // allOf of object schemas: their properties and required names together.
  Result<ObjectSpec> merge_objects(const std::vector<Part>& parts) const {
    ObjectSpec spec;
    std::vector<std::pair<std::set<std::string>, std::string>>
        closed;  // names a part with additionalProperties false allows
    bool any_properties = false;
    for (const Part& p : parts) {
      if (!p.schema->is_object()) return fail(p.path, "'allOf' can only merge object schemas");
      for (const auto& [key, value] : p.schema->items()) {
        if (is_annotation(key) || (key == "allOf" && p.beside_all_of)) continue;
        if (key == "type") {
          if (value != "object" && value != json::array({"object"}))
            return fail(p.path,
                        "'allOf' can only merge object schemas (this part has 'type' " + shown(value.dump()) + ")");
        } else if (key == "required") {
          if (Status st = add_required(value, p.path, spec); !st) return st;
        } else if (key == "properties") {
          if (!value.is_object()) return fail(p.path + "/properties", "'properties' must be an object");
          any_properties = true;
          std::set<std::string> names;
          for (const auto& item : value.items()) {
            const std::string& name = item.key();
            const json& sub = item.value();
            names.insert(name);
            auto same =
                std::find_if(spec.props.begin(), spec.props.end(), [&](const PropSpec& q) { return q.name == name; });
            if (same == spec.props.end()) {
              spec.props.push_back({name, &sub, p.path + "/properties/" + pointer_token(name)});
            } else if (accepts_anything(*same->schema)) {
              *same = {name, &sub, p.path + "/properties/" + pointer_token(name)};
            } else if (*same->schema != sub && !accepts_anything(sub)) {
              return fail(p.path + "/properties",
                          "'allOf' has property " + shown(name) + " twice, with different schemas");
            }
          }
          if (const json* more = member(*p.schema, "additionalProperties"); more && *more == false)
            closed.emplace_back(std::move(names), p.path);
        } else if (key == "additionalProperties") {
          if (value == false && !member(*p.schema, "properties"))
            closed.emplace_back(std::set<std::string>{}, p.path);
          else if (!value.is_boolean())
            return fail(p.path + "/additionalProperties", "'allOf' cannot merge an 'additionalProperties' schema");
        } else {
          return fail(p.path,
                      "'allOf' can only merge object schemas (properties, required); this part has " + shown(key));
        }
      }
    }
    for (const auto& [names, part_path] : closed) {
      for (const PropSpec& q : spec.props)
        if (!names.count(q.name))
          return fail(part_path, "'allOf' part with 'additionalProperties' false forbids property " + shown(q.name) +
                                     " of another part");
      for (const std::string& r : spec.required)
        if (!names.count(r))
          return fail(part_path,
                      "'allOf' part with 'additionalProperties' false forbids required property " + shown(r));
    }
    spec.more = closed.empty() && !any_properties ? ObjectSpec::More::Any : ObjectSpec::More::None;
    if (Status st = declare_required(spec, parts.front().path, !closed.empty()); !st) return st;
    return spec;
  }

  // ---- Objects --------------------------------------------------------------

  Status add_required(const json& value, const std::string& path, ObjectSpec& spec) const {
    if (!value.is_array()) return fail(path + "/required", "'required' must be an array of names");
    for (const json& n : value) {
      if (!n.is_string()) return fail(path + "/required", "'required' must be an array of names");
      spec.required.insert(n.get<std::string>());
    }
    return Status::ok();
  }

  // Required names without a declared schema: declared with the additional schema (or any value).
  Status declare_required(ObjectSpec& spec, const std::string& path, bool closed) const {
    for (const std::string& name : spec.required) {
      if (std::any_of(spec.props.begin(), spec.props.end(), [&](const PropSpec& p) { return p.name == name; }))
        continue;
      if (closed)
        return fail(path + "/required",
                    "'required' names " + shown(name) + ", which 'additionalProperties' false forbids");
      spec.props.push_back({name, spec.more == ObjectSpec::More::Schema ? spec.more_schema : nullptr, spec.more_path});
    }
    if (spec.props.size() > kMaxProperties)
      return fail(path, "an object with more than " + std::to_string(kMaxProperties) + " properties is not supported");
    return Status::ok();
  }

  Result<ObjectSpec> object_spec(const json& s, const std::string& path) const {
    ObjectSpec spec;
    const json* props = member(s, "properties");
    if (props) {
      if (!props->is_object()) return fail(path + "/properties", "'properties' must be an object");
      for (const auto& [name, sub] : props->items())
        spec.props.push_back({name, &sub, path + "/properties/" + pointer_token(name)});
    }
    if (const json* req = member(s, "required"))
      if (Status st = add_required(*req, path, spec); !st) return st;
    const json* more = member(s, "additionalProperties");
    if (!more) {
      spec.more = props ? ObjectSpec::More::None : ObjectSpec::More::Any;
    } else if (more->is_boolean()) {
      spec.more = more->get<bool>() ? ObjectSpec::More::Any : ObjectSpec::More::None;
    } else if (more->is_object()) {
      spec.more = ObjectSpec::More::Schema;
      spec.more_schema = more;
      spec.more_path = path + "/additionalProperties";
    } else {
      return fail(path + "/additionalProperties", "'additionalProperties' must be a boolean or a schema");
    }
    if (Status st = declare_required(spec, path, more && *more == false); !st) return st;
    return spec;
  }

  // A key that is none of the declared names.
  Name other_key(const ObjectSpec& spec, const std::string& path, const std::string& hint) {
    if (spec.props.empty()) return string_rule();
    NameTrie trie;
    for (const PropSpec& p : spec.props) {
      std::string dumped = json(p.name).dump();
      const auto units = json_units(dumped.substr(1, dumped.size() - 2));
      if (units.size() > kMaxExcludedNameUnits)
        return fail(path, "'additionalProperties' next to a property name longer than " +
                              std::to_string(kMaxExcludedNameUnits) + " characters is not supported");
      trie.insert(units);
    }
    return rule(hint + "-key", R"("\"" ( )" + trie.rest(0, json_char()) + R"( ) "\"")");
  }

  Name build_object(const ObjectSpec& spec, const std::string& path, const std::string& hint, int depth) {
    if (spec.props.empty() && spec.more == ObjectSpec::More::Any) return any_object();
    const std::string sp = space();
    std::vector<std::string> kv;
    for (const PropSpec& p : spec.props) {
      const std::string sub_hint = hint + "-" + sanitized(p.name);
      auto value = p.schema ? visit(*p.schema, p.path, sub_hint, depth + 1) : Name(any_value());
      if (!value) return value;
      kv.push_back(rule(sub_hint + "-kv",
                        gbnf_literal(json(p.name).dump()) + " " + sp + " \":\" " + sp + " " + *value + " " + sp));
    }
    std::string more_kv, tail;
    if (spec.more != ObjectSpec::More::None) {
      auto value = spec.more == ObjectSpec::More::Schema
                       ? visit(*spec.more_schema, spec.more_path, hint + "-additional", depth + 1)
                       : Name(any_value());
      if (!value) return value;
      auto key = other_key(spec, path, hint + "-additional");
      if (!key) return key;
      more_kv = rule(hint + "-additional-kv", *key + " " + sp + " \":\" " + sp + " " + *value + " " + sp);
      tail = "( \",\" " + sp + " " + more_kv + " )*";
    }
    // after[i]: what may follow once something before property i was written.
    const size_t n = spec.props.size();
    std::vector<std::string> after(n + 1);
    after[n] = tail;
    for (size_t i = n; i-- > 1;) {  // after[0] is never needed
      const bool required = spec.required.count(spec.props[i].name) > 0;
      std::string body = required ? "\",\" " + sp + " " + kv[i] : "( \",\" " + sp + " " + kv[i] + " )?";
      if (!after[i + 1].empty()) body += " " + after[i + 1];
      after[i] = rule(hint + "-rest", body);
    }
    std::vector<std::string> first;  // the first property written
    bool has_required = false;
    for (size_t i = 0; i < n && !has_required; ++i) {
      first.push_back(kv[i] + (after[i + 1].empty() ? "" : " " + after[i + 1]));
      has_required = spec.required.count(spec.props[i].name) > 0;
    }
    if (!has_required) {
      if (!more_kv.empty()) first.push_back(more_kv + " " + tail);
      first.push_back("");
    }
    return rule(hint, "\"{\" " + sp + " ( " + join(first, " | ") + " ) \"}\"");
  }

  // ---- Arrays ---------------------------------------------------------------

  Result<std::optional<uint64_t>> count(const json& s, const char* key, const std::string& path) const {
    const json* v = member(s, key);
    if (!v) return std::optional<uint64_t>();
    const bool whole =
        (v->is_number_integer() && v->get<int64_t>() >= 0) || v->is_number_unsigned() ||
        (v->is_number_float() && v->get<double>() >= 0 && std::floor(v->get<double>()) == v->get<double>());
    if (!whole) return fail(path + "/" + key, std::string("'") + key + "' must be a non-negative integer");
    if (v->get<double>() > kMaxRepetition)
      return fail(path + "/" + key,
                  std::string("'") + key + "' above " + std::to_string(kMaxRepetition) + " is not supported");
    return std::optional<uint64_t>(v->get<uint64_t>());
  }

  Name visit_array(const json& s, const std::string& path, const std::string& hint, int depth) {
    const json* prefix_items = member(s, "prefixItems");
    const json* items = member(s, "items");
    const json* additional = member(s, "additionalItems");
    for (const json* v : {items, additional})
      if (v && !v->is_object() && !v->is_boolean() && !(v == items && v->is_array()))
        return fail(path, "'items' and 'additionalItems' must be schemas");
    const json* prefix = nullptr;  // an array of schemas
    std::string prefix_path;
    const json* extra = nullptr;  // null: no item past the prefix
    std::string extra_path;
    const json any = true;
    if (prefix_items) {
      if (!prefix_items->is_array()) return fail(path + "/prefixItems", "'prefixItems' must be an array of schemas");
      if (items && items->is_array())
        return fail(path + "/items", "'items' as an array next to 'prefixItems' is not supported");
      prefix = prefix_items, prefix_path = path + "/prefixItems";
      extra = items, extra_path = path + "/items";
    } else if (items && items->is_array()) {
      prefix = items, prefix_path = path + "/items";
      extra = additional, extra_path = path + "/additionalItems";
    } else {
      extra = items ? items : &any, extra_path = path + "/items";
    }
    if (extra && *extra == false) extra = nullptr;
    auto min_items = count(s, "minItems", path);
    if (!min_items) return min_items.status();
    auto max_items = count(s, "maxItems", path);
    if (!max_items) return max_items.status();
    const uint64_t k = prefix ? prefix->size() : 0;
    std::optional<uint64_t> max_n = *max_items;
    if (!extra) max_n = std::min<uint64_t>(max_n.value_or(k), k);
    const uint64_t min_n = min_items->value_or(0);
    if (max_n && min_n > *max_n)
      return fail(path + "/minItems", "'minItems' asks for more items than the array may have");
    const std::string sp = space();
    if (max_n && *max_n == 0) return rule(hint, "\"[\" " + sp + " \"]\"");
    std::vector<std::string> elements;
    for (uint64_t i = 0; i < k && (!max_n || i < *max_n); ++i) {
      auto e = visit((*prefix)[i], prefix_path + "/" + std::to_string(i), hint + "-" + std::to_string(i), depth + 1);
      if (!e) return e;
      elements.push_back(*e);
    }
    std::string x;
    if (extra && (!max_n || *max_n > k)) {
      auto e = extra == &any ? Name(any_value()) : visit(*extra, extra_path, hint + "-item", depth + 1);
      if (!e) return e;
      x = *e;
    }
    // tail(i): the items from index i on, each after a comma.
    auto extras_from = [&](uint64_t i) -> std::string {
      if (x.empty() || (max_n && i >= *max_n)) return "";
      const uint64_t least = min_n > i ? min_n - i : 0;
      return "( \",\" " + sp + " " + x + " " + sp + " )" +
             repetition(least, max_n ? std::optional<uint64_t>(*max_n - i) : std::nullopt);
    };
    std::string tail = extras_from(std::max<uint64_t>(k, 1));
    for (uint64_t i = std::max<uint64_t>(k, 1); i-- > 1;) {
      if (max_n && i >= *max_n) continue;
      std::string body = "\",\" " + sp + " " + elements[i] + " " + sp + (tail.empty() ? "" : " " + tail);
      tail = rule(hint + "-tail", i >= min_n ? "( " + body + " )?" : body);
    }
    std::string first = (k > 0 ? elements[0] : x) + " " + sp + (tail.empty() ? "" : " " + tail);
    if (min_n == 0) first = "( " + first + " )?";
    return rule(hint, "\"[\" " + sp + " " + first + " \"]\"");
  }

  // ---- Strings --------------------------------------------------------------

  Name visit_string(const json& s, const std::string& path, const std::string& hint) {
    const json* pattern = member(s, "pattern");
    const json* format = member(s, "format");
    const bool lengths = member(s, "minLength") || member(s, "maxLength");
    const std::string length_key = member(s, "minLength") ? "minLength" : "maxLength";
    if (pattern && format) return fail(path, "'pattern' next to 'format' is not supported");
    if ((pattern || format) && lengths)
      return fail(path, "'" + length_key + "' next to '" + (pattern ? "pattern" : "format") + "' is not supported");
    if (pattern) {
      if (!pattern->is_string()) return fail(path + "/pattern", "'pattern' must be a string");
      auto g = pattern_to_gbnf(pattern->get<std::string>());
      if (!g) return fail(path + "/pattern", "'pattern' " + shown(pattern->get<std::string>()) + ": " + g.error());
      return rule(hint, *g);
    }
    if (format) {
      if (!format->is_string()) return fail(path + "/format", "'format' must be a string");
      return format_rule(format->get<std::string>(), path + "/format");
    }
    if (!lengths) return string_rule();
    auto min_len = count(s, "minLength", path);
    if (!min_len) return min_len.status();
    auto max_len = count(s, "maxLength", path);
    if (!max_len) return max_len.status();
    const uint64_t least = min_len->value_or(0);
    if (*max_len && least > **max_len)
      return fail(path + "/minLength", "'minLength' is above 'maxLength': no string matches");
    if (*max_len && **max_len == 0) return rule(hint, gbnf_literal("\"\""));
    return rule(hint, R"("\"" )" + json_char() + repetition(least, *max_len) + R"( "\"")");
  }

  // ---- Numbers --------------------------------------------------------------

  // The bounds on one side ("minimum"/"exclusiveMinimum" or the maximum pair).
  Result<std::vector<Bound>> bounds(const json& s, const std::string& path, const char* inclusive,
                                    const char* exclusive) const {
    std::vector<Bound> out;
    const json* inc = member(s, inclusive);
    const json* exc = member(s, exclusive);
    if (exc && !exc->is_number() && !exc->is_boolean())
      return fail(path + "/" + exclusive, std::string("'") + exclusive + "' must be a number");
    if (inc) {
      if (!inc->is_number()) return fail(path + "/" + inclusive, std::string("'") + inclusive + "' must be a number");
      const bool draft4_exclusive = exc && exc->is_boolean() && exc->get<bool>();  // draft 4: a flag on the bound
      out.push_back({number_value(*inc), draft4_exclusive, inclusive});
    }
    if (exc && exc->is_number()) out.push_back({number_value(*exc), true, exclusive});
    return out;
  }

  static long double number_value(const json& v) {
    if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
    if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
    return static_cast<long double>(v.get<double>());
  }

  Name visit_integer(const json& s, const std::string& path, const std::string& hint) {
    auto lower = bounds(s, path, "minimum", "exclusiveMinimum");
    if (!lower) return lower.status();
    auto upper = bounds(s, path, "maximum", "exclusiveMaximum");
    if (!upper) return upper.status();
    if (lower->empty() && upper->empty()) return integer_rule();
    const long double max_magnitude = static_cast<long double>(kMaxBoundMagnitude);
    std::optional<int64_t> lo, hi;
    for (const Bound& bd : *lower) {
      const long double v = bd.exclusive ? std::floor(bd.value) + 1 : std::ceil(bd.value);
      if (v > max_magnitude)
        return fail(path + "/" + bd.keyword, "'" + bd.keyword + "' is above the largest bound supported (10^18 - 1)");
      const int64_t clamped = static_cast<int64_t>(std::max(v, -max_magnitude));
      lo = lo ? std::max(*lo, clamped) : clamped;
    }
    for (const Bound& bd : *upper) {
      const long double v = bd.exclusive ? std::ceil(bd.value) - 1 : std::floor(bd.value);
      if (v < -max_magnitude)
        return fail(path + "/" + bd.keyword, "'" + bd.keyword + "' is below the smallest bound supported (-10^18 + 1)");
      const int64_t clamped = static_cast<int64_t>(std::min(v, max_magnitude));
      hi = hi ? std::min(*hi, clamped) : clamped;
    }
    if (!lo) lo = *hi < -kOpenBoundMagnitude ? -kMaxBoundMagnitude : -kOpenBoundMagnitude;
    if (!hi) hi = *lo > kOpenBoundMagnitude ? kMaxBoundMagnitude : kOpenBoundMagnitude;
    if (*lo > *hi) return fail(path, "the bounds ('minimum', 'maximum' and their exclusive forms) leave no integer");
    return rule(hint, integer_range_gbnf(*lo, *hi));
  }

  Name visit_number(const json& s, const std::string& path, const std::string& hint) {
    auto lower = bounds(s, path, "minimum", "exclusiveMinimum");
    if (!lower) return lower.status();
    auto upper = bounds(s, path, "maximum", "exclusiveMaximum");
    if (!upper) return upper.status();
    if (lower->empty() && upper->empty()) return number_rule();
    const long double max_magnitude = static_cast<long double>(kMaxBoundMagnitude);
    NumberBound lo, hi;
    for (const Bound& bd : *lower) {
      if (std::floor(bd.value) != bd.value)
        return fail(path + "/" + bd.keyword,
                    "'" + bd.keyword + "' " + format_value(bd.value) +
                        " on a number is not supported (a grammar bounds numbers exactly only at whole values)");
      if (bd.value > max_magnitude)
        return fail(path + "/" + bd.keyword, "'" + bd.keyword + "' is above the largest bound supported (10^18 - 1)");
      NumberBound nb{true, static_cast<int64_t>(std::max(bd.value, -max_magnitude)),
                     bd.exclusive && bd.value >= -max_magnitude};
      if (!lo.present || nb.value > lo.value || (nb.value == lo.value && nb.exclusive)) lo = nb;
    }
    for (const Bound& bd : *upper) {
      if (std::floor(bd.value) != bd.value)
        return fail(path + "/" + bd.keyword,
                    "'" + bd.keyword + "' " + format_value(bd.value) +
                        " on a number is not supported (a grammar bounds numbers exactly only at whole values)");
      if (bd.value < -max_magnitude)
        return fail(path + "/" + bd.keyword, "'" + bd.keyword + "' is below the smallest bound supported (-10^18 + 1)");
      NumberBound nb{true, static_cast<int64_t>(std::min(bd.value, max_magnitude)),
                     bd.exclusive && bd.value <= max_magnitude};
      if (!hi.present || nb.value < hi.value || (nb.value == hi.value && nb.exclusive)) hi = nb;
    }
    const std::string g = number_range_gbnf(lo, hi);
    if (g.empty()) return fail(path, "the bounds ('minimum', 'maximum' and their exclusive forms) leave no number");
    return rule(hint, g);
  }

  static std::string format_value(long double v) { return json(static_cast<double>(v)).dump(); }

  // ---- The finished grammar --------------------------------------------------

  // Parses the rules `name` reaches and checks what generation needs of them.
  Status check_grammar(const std::string& name) const {
    std::set<std::string> reached{name};
    std::deque<std::string> todo{name};
    while (!todo.empty()) {
      auto it = b.by_name_.find(todo.front());
      todo.pop_front();
      if (it == b.by_name_.end()) continue;
      for (std::string& ref : referenced_rules(it->second))
        if (reached.insert(ref).second) todo.push_back(std::move(ref));
    }
    std::string text = "root ::= " + name + "\n";
    for (const auto& [rule_name, body] : b.rules_)
      if (reached.count(rule_name)) text += rule_name + " ::= " + body + "\n";
    auto g = parse_gbnf(text);
    if (!g) return fail("", "the grammar for this schema is past the grammar limits: " + g.error());
    if (auto r = unproductive_rule(*g))
      return fail("", "'$ref' recursion through rule " + shown(*r) + " never ends: no finite JSON value matches it");
    auto m = GrammarMatcher::create(*g);
    if (!m) {
      const bool left = m.error().find("left-recursive") != std::string::npos;
      return fail("", std::string(left ? "'$ref' recursion that comes back before any character: " : "") +
                          "the grammar cannot be matched: " + m.error());
    }
    return Status::ok();
  }
};

Result<std::string> SchemaGrammarBuilder::add_schema(const nlohmann::ordered_json& schema, std::string_view name_hint,
                                                     std::string_view where) {
  const size_t mark = rules_.size();
  Impl impl{*this, &schema, std::string(where), {}, 0};
  auto convert = [&]() -> Result<std::string> {
    try {
      auto name = impl.visit(schema, "", sanitized(name_hint), 0);
      if (!name) return name;
      if (Status st = impl.check_grammar(*name); !st) return st;
      return name;
    } catch (const json::exception& e) {
      return impl.fail("", std::string("the schema cannot be read: ") + e.what());
    } catch (const std::exception& e) {
      return Status::internal(std::string("converting a JSON schema to a grammar: ") + e.what());
    }
  };
  auto name = convert();
  if (!name) {  // leave the builder as it was
    for (size_t i = mark; i < rules_.size(); ++i) by_name_.erase(rules_[i].first);
    rules_.resize(mark);
  }
  return name;
}

std::string SchemaGrammarBuilder::add_rule(std::string_view name_hint, const std::string& body) {
  const std::string base = sanitized(name_hint);
  for (size_t k = 1;; ++k) {
    const std::string name = k == 1 ? base : base + "-" + std::to_string(k);
    if (name == "root" || by_name_.count(name)) continue;
    rules_.emplace_back(name, body);
    by_name_[name] = body;
    return name;
  }
}

std::string SchemaGrammarBuilder::gbnf(std::string_view root_rule) const {
  std::string text = "root ::= " + std::string(root_rule) + "\n";
  for (const auto& [name, body] : rules_) text += name + " ::= " + body + "\n";
  return text;
}

Result<std::string> json_schema_to_gbnf(const nlohmann::ordered_json& schema, std::string_view where) {
  SchemaGrammarBuilder builder;
  auto name = builder.add_schema(schema, "schema", where);
  if (!name) return name;
  return builder.gbnf(*name);
}

std::string json_object_gbnf() {
  SchemaGrammarBuilder builder;
  auto name = builder.add_schema(json{{"type", "object"}}, "object", "json_object");
  return builder.gbnf(name ? *name : std::string(R"("{}")"));
}

std::string gbnf_literal(std::string_view text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (u < 0x20 || u == 0x7F)
      out += std::string("\\x") + kHex[u >> 4] + kHex[u & 0xF];
    else
      out += c;
  }
  return out + "\"";
}

}  // namespace pg::grammar

namespace pg::grammar {

Result<std::string> SchemaGrammarBuilder::add_schema(const nlohmann::json& schema, std::string_view name_hint,
                                                     std::string_view where) {
  return add_schema(nlohmann::ordered_json(schema), name_hint, where);
}

Result<std::string> json_schema_to_gbnf(const nlohmann::json& schema, std::string_view where) {
  return json_schema_to_gbnf(nlohmann::ordered_json(schema), where);
}

}  // namespace pg::grammar
