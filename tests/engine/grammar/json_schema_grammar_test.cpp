// The JSON Schema to GBNF converter, table-driven: for each schema, JSON
// texts that must be accepted and texts that must be refused, each checked by
// parsing the generated grammar and running both the reference recognizer and
// the incremental matcher (which also proves the grammar has no left
// recursion). Integer and number bounds are checked exhaustively over a
// window. Refusals: each names its keyword, its place, and the reason
// "invalid_schema". Hostile schemas (deep, wide, cyclic, random) end in a
// grammar or an error, never a crash.
#include "engine/grammar/json_schema_grammar.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <optional>
#include <random>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"

namespace pg::grammar {
namespace {

using json = nlohmann::json;

struct Case {
  const char* name;
  const char* schema;
  std::vector<std::string> good;
  std::vector<std::string> bad;
};

struct Compiled {
  std::string gbnf;
  Grammar grammar;
};

// The schema's grammar, parsed and accepted by the matcher.
std::optional<Compiled> compile(const json& schema) {
  auto gbnf = json_schema_to_gbnf(schema, "test");
  EXPECT_TRUE(gbnf) << gbnf.error();
  if (!gbnf) return std::nullopt;
  auto g = parse_gbnf(*gbnf);
  EXPECT_TRUE(g) << g.error() << "\n" << *gbnf;
  if (!g) return std::nullopt;
  return Compiled{*gbnf, std::move(*g)};
}

bool matcher_accepts(const Grammar& g, const std::string& text) {
  auto m = GrammarMatcher::create(g);
  EXPECT_TRUE(m) << m.error();
  return m && m->accept_text(text) && m->can_end();
}

void check(const Case& c) {
  SCOPED_TRACE(c.name);
  auto compiled = compile(json::parse(c.schema));
  ASSERT_TRUE(compiled);
  const Grammar& g = compiled->grammar;
  ASSERT_TRUE(GrammarMatcher::create(g)) << compiled->gbnf;
  for (const std::string& t : c.good) {
    EXPECT_TRUE(json::accept(t)) << "test text is not JSON: " << t;
    EXPECT_TRUE(grammar_accepts(g, t)) << "should accept: " << t << "\n" << compiled->gbnf;
    EXPECT_TRUE(matcher_accepts(g, t)) << "matcher should accept: " << t;
  }
  for (const std::string& t : c.bad) {
    EXPECT_FALSE(grammar_accepts(g, t)) << "should refuse: " << t << "\n" << compiled->gbnf;
    EXPECT_FALSE(matcher_accepts(g, t)) << "matcher should refuse: " << t;
  }
}

void check_all(const std::vector<Case>& cases) {
  for (const Case& c : cases) check(c);
}

TEST(JsonSchemaGrammar, PrimitiveTypes) {
  check_all({
      {"string",
       R"({"type": "string"})",
       {R"("abc")", R"("")", R"("a\"b")", R"("\\")", R"("\u00e9\uD83D\uDE00")", "\"\xC3\xA9\xE6\x97\xA5\"",
        R"("line\nbreak\ttab\/")"},
       {"abc", R"("abc)", R"("a"b")", "\"a\nb\"", R"("\x")", R"("\u12")", "123", "null", R"("\uD800")", R"("\udc00x")",
        R"("\uD83D\u0041")"}},
      {"integer",
       R"({"type": "integer"})",
       {"0", "-5", "123", "9999999999999999"},
       {"01", "1.5", "\"1\"", "+1", "1e5", "- 1"}},
      {"number",
       R"({"type": "number"})",
       {"0", "-1.5", "3.14", "1e10", "2.5E-3", "-0.0"},
       {".5", "1.", "01", "1e", "NaN", "--1"}},
      {"boolean", R"({"type": "boolean"})", {"true", "false"}, {"True", "1", "\"true\""}},
      {"null", R"({"type": "null"})", {"null"}, {"nil", "\"null\"", "0"}},
      {"type list", R"({"type": ["string", "null"]})", {R"("x")", "null"}, {"1", "false"}},
      {"integer or number", R"({"type": ["integer", "number"]})", {"1", "1.5"}, {"\"1\""}},
  });
}

TEST(JsonSchemaGrammar, AnyValue) {
  const std::vector<std::string> good = {"1",  R"("x")", R"([1, {"a": null}])", R"({"a": [true, {"b": -2.5e3}]})", "{}",
                                         "[]", "null"};
  const std::vector<std::string> bad = {"{a: 1}", "[1,]", "", "{\"a\" 1}", "[1 2]"};
  check_all({
      {"empty schema", "{}", good, bad},
      {"true", "true", good, bad},
      {"annotations only", R"({"description": "anything", "title": "T"})", good, bad},
  });
}

TEST(JsonSchemaGrammar, Objects) {
  check_all({
      {"required and optional",
       R"({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                                    "required": ["name"]})",
       {R"({"name":"x"})", R"({"age":3,"name":"x"})", R"({ "age": 3, "name": "x" })",
        "{\n  \"age\": 3,\n  \"name\": \"x\"\n}"},
       {R"({"name":"x","age":3})", "{}", R"({"age":3})", R"({"name":"x","extra":1})", R"({"name":1})",
        R"({"name":"x",})", R"({"name":"x","name":"y"})"}},
      {"required between optional ones",
       R"({"properties": {"a": {}, "b": {}, "c": {}}, "required": ["b"]})",
       {R"({"b":1})", R"({"a":1,"b":2})", R"({"b":1,"c":[]})", R"({"a":1,"b":1,"c":1})"},
       {R"({"a":1})", R"({"a":1,"c":1})", R"({"c":1,"b":1})", "{}"}},
      {"all required",
       R"({"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                           "required": ["x", "y"], "additionalProperties": false})",
       {R"({"x":1,"y":2.5})"},
       {R"({"x":1})", R"({"y":1})", R"({"x":1,"y":2,"z":3})"}},
      {"additionalProperties false",
       R"({"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false})",
       {"{}", R"({"a":1})"},
       {R"({"b":1})", R"({"a":1,"b":1})"}},
      {"additionalProperties true",
       R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                                        "additionalProperties": true})",
       {"{}", R"({"a":1,"zz":"x"})", R"({"zz":1})", R"({"a":1,"b":2,"c":[1],"d":null})", R"({"ab":1})", R"({"":1})",
        R"({"b\"":1})", R"({"b\n":1})"},
       {R"({"a":"x"})", R"({"a":1,"a":2})", R"({"b":1,"a":1})", R"({"zz":1,"a":1})", R"({"\u0061":1})"}},
      {"additionalProperties schema",
       R"({"type": "object", "additionalProperties": {"type": "integer"}})",
       {"{}", R"({"x":1,"y":2})"},
       {R"({"x":"s"})", "[]"}},
      {"additional names near declared ones",
       R"({"properties": {"ab": {"type": "null"}, "a\"b": {"type": "null"}},
                                                  "additionalProperties": {"type": "boolean"}})",
       {R"({"ab":null})", R"({"a\"b":null})", R"({"a":true})", R"({"abc":true})", R"({"b":false})",
        R"({"ab":null,"x":true})"},
       {R"({"ab":true})", R"({"a\"b":true})", R"({"x":null})"}},
      {"required without a declared schema",
       R"({"type": "object", "required": ["id"]})",
       {R"({"id":1})", R"({"id":"x","more":2})"},
       {"{}", R"({"more":2})"}},
      {"any object", R"({"type": "object"})", {"{}", R"({"a":1,"b":{"c":[]}})"}, {"[]", "1"}},
      {"empty properties", R"({"type": "object", "properties": {}})", {"{}", "{ }"}, {R"({"a":1})"}},
      {"nested",
       R"({"type": "object", "properties": {"user": {"type": "object", "properties": {"tags": {"type": "array",
                      "items": {"type": "string"}}}, "required": ["tags"]}}, "required": ["user"]})",
       {R"({"user":{"tags":[]}})", R"({"user": {"tags": ["a", "b"]}})"},
       {R"({"user":{}})", R"({"user":{"tags":[1]}})"}},
      {"property names needing escapes",
       R"({"properties": {"a\"b": {"type": "integer"}, "back\\slash": {"type": "integer"},
                                                            "\u00e9t\u00e9": {"type": "integer"}},
                                             "required": ["a\"b"]})",
       {R"({"a\"b":1})", R"({"a\"b":1,"back\\slash":2,"été":3})"},
       {R"({"ab":1})", R"({"a\\\"b":1})"}},
  });
}

TEST(JsonSchemaGrammar, Whitespace) {
  check_all({{"bounded",
              R"({"type": "array", "items": {"type": "integer"}})",
              {"[1,2]", "[ 1, 2 ]", "[\n  1,\n  2\n]", std::string("[\n").append(20, ' ').append("1]"), "[\n\t1]"},
              {"[  1]", std::string("[\n").append(21, ' ').append("1]"), "[\n\n1]", " [1]", "[1] ", "[1  ,2]"}}});
}

TEST(JsonSchemaGrammar, EnumAndConst) {
  check_all({
      {"enum of many kinds",
       R"({"enum": ["a\"b", "back\\slash", "new\nline", "\u00e9", 1, null, {"k": [1]}, [true]]})",
       {R"("a\"b")", R"("back\\slash")", R"("new\nline")", R"("é")", "1", "null", R"({"k":[1]})", "[true]"},
       {R"("ab")", R"("a")", "2", R"("é ")", R"({"k": [1]})", R"("backslash")"}},
      {"enum filtered by type", R"({"type": "string", "enum": ["a", 1, null]})", {R"("a")"}, {"1", "null"}},
      {"integer enum keeps whole floats", R"({"type": "integer", "enum": [1, 2.0, 2.5]})", {"1", "2.0"}, {"2.5", "2"}},
      {"const", R"({"const": "fixed"})", {R"("fixed")"}, {R"("other")", "fixed"}},
      {"const object", R"({"const": {"a": 1}})", {R"({"a":1})"}, {R"({"a":2})"}},
      {"const with enum", R"({"const": 2, "enum": [1, 2, 3]})", {"2"}, {"1", "3"}},
  });
}

TEST(JsonSchemaGrammar, Combinators) {
  check_all({
      {"anyOf",
       R"({"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 2}]})",
       {"1", R"("ab")"},
       {R"("abc")", "true"}},
      {"oneOf", R"({"oneOf": [{"const": "x"}, {"type": "null"}], "description": "d"})", {R"("x")", "null"}, {R"("y")"}},
      {"allOf merges objects",
       R"({"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                                              {"properties": {"b": {"type": "string"}}, "required": ["b"]}]})",
       {R"({"a":1,"b":"x"})"},
       {R"({"a":1})", R"({"b":"x"})", R"({"a":1,"b":"x","c":1})"}},
      {"allOf with a $ref",
       R"({"$defs": {"Base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}},
                                "allOf": [{"$ref": "#/$defs/Base"}, {"properties": {"name": {"type": "string"}}}]})",
       {R"({"id":1})", R"({"id":1,"name":"n"})"},
       {R"({"name":"n"})", "{}"}},
      {"allOf with keywords beside it",
       R"({"type": "object", "properties": {"a": {"type": "null"}}, "required": ["a"],
                                           "allOf": [{"properties": {"b": {"type": "null"}}, "required": ["b"]}]})",
       {R"({"a":null,"b":null})"},
       {R"({"a":null})"}},
      {"allOf of one schema", R"({"allOf": [{"type": "string", "maxLength": 1}]})", {R"("a")"}, {R"("ab")"}},
      {"allOf closed part",
       R"({"allOf": [{"properties": {"a": {}, "b": {}}, "additionalProperties": false},
                                          {"properties": {"a": {"type": "integer"}}, "required": ["a"]}]})",
       {R"({"a":1})", R"({"a":1,"b":2})"},
       {R"({"b":2})", R"({"a":1,"c":2})"}},
  });
}

TEST(JsonSchemaGrammar, Arrays) {
  check_all({
      {"items with bounds",
       R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3})",
       {"[1]", "[1,2,3]", "[ 1 , 2 ]"},
       {"[]", "[1,2,3,4]", "[\"a\"]", "[1,]", "[,1]"}},
      {"any items", R"({"type": "array"})", {"[]", R"([1,"a",null,[{}]])"}, {"[,]", "{}"}},
      {"exact count",
       R"({"items": {"type": "boolean"}, "minItems": 2, "maxItems": 2})",
       {"[true,false]"},
       {"[true]", "[true,true,true]"}},
      {"maxItems 0", R"({"type": "array", "maxItems": 0})", {"[]", "[ ]"}, {"[1]"}},
      {"tuple, closed",
       R"({"prefixItems": [{"type": "string"}, {"type": "integer"}]})",
       {R"(["a",1])", R"(["a"])", "[]"},
       {R"([1,"a"])", R"(["a",1,2])"}},
      {"tuple with items",
       R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"}, "minItems": 2})",
       {R"(["a",1])", R"(["a",1,true,false])"},
       {R"(["a"])", R"(["a",1,"x"])", "[]"}},
      {"tuple, items false",
       R"({"prefixItems": [{"type": "null"}], "items": false, "minItems": 1})",
       {"[null]"},
       {"[]", "[null,null]"}},
      {"tuple, maxItems below its length",
       R"({"prefixItems": [{"type": "null"}, {"type": "null"}, {"type": "null"}], "maxItems": 2})",
       {"[]", "[null]", "[null,null]"},
       {"[null,null,null]"}},
      {"tuple with minItems past the prefix",
       R"({"prefixItems": [{"const": 1}], "items": {"const": 2}, "minItems": 3, "maxItems": 4})",
       {"[1,2,2]", "[1,2,2,2]"},
       {"[1,2]", "[1,2,2,2,2]", "[2,2,2]"}},
      {"draft-07 tuple",
       R"({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}})",
       {R"(["a"])", R"(["a",1,2])", "[]"},
       {R"(["a","b"])"}},
  });
}

TEST(JsonSchemaGrammar, StringLengthsCountCharacters) {
  check_all({
      {"2 to 3",
       R"({"type": "string", "minLength": 2, "maxLength": 3})",
       {R"("ab")", R"("abc")", "\"\xC3\xA9\xC3\xA9\"", "\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\"", R"("a\"")",
        R"("\u00e9\u00e9")", "\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\""},
       {R"("a")", R"("abcd")", "\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9Ex\"", R"("")", "\"\xC3\xA9\""}},
      {"maxLength 0", R"({"type": "string", "maxLength": 0})", {R"("")"}, {R"("a")"}},
      {"minLength only", R"({"type": "string", "minLength": 1})", {R"("a")", R"("a long one")"}, {R"("")"}},
  });
}

TEST(JsonSchemaGrammar, Patterns) {
  check_all({
      {"phone",
       R"({"type": "string", "pattern": "^\\d{3}-\\d{4}$"})",
       {R"("555-1234")"},
       {R"("5551234")", R"("555-12345")", R"("55a-1234")", R"("x555-1234")", R"("555-123")"}},
      {"alternation",
       R"({"type": "string", "pattern": "^(cat|dog)s?$"})",
       {R"("cat")", R"("dogs")"},
       {R"("cow")", R"("cats!")", R"("")"}},
      {"top-level alternation keeps each anchor",
       R"({"pattern": "^ab|cd$"})",
       {R"("ab")", R"("abx")", R"("cd")", R"("xcd")"},
       {R"("xab")", R"("cdx")"}},
      {"unanchored",
       R"({"type": "string", "pattern": "ab"})",
       {R"("ab")", R"("xaby")", R"("\nab\"")", R"("\ud83d\ude00ab")"},
       {R"("a")", R"("ba")", R"("\ud83dab")"}},
      {"classes",
       R"({"type": "string", "pattern": "^[A-Z][a-z]+\\s\\w*$"})",
       {R"("Hello w0rld_")", R"("Ab\t")"},
       {R"("hello x")", R"("A x")", R"("Ab-")"}},
      {"negated class",
       R"({"pattern": "^[^0-9]+$"})",
       {R"("abc")", R"("a\"b")", R"("a\\b")", R"("\n")"},
       {R"("a1")", R"("")"}},
      {"quote in the pattern", R"({"pattern": "^\"x\"$"})", {R"("\"x\"")"}, {R"("x")", R"("\"x")"}},
      {"dot",
       R"({"pattern": "^a.c$"})",
       {R"("abc")", R"("a\"c")", R"("a\\c")", R"("a\tc")",
        "\"a\xC3\xA9"
        "c\""},
       {R"("a\nc")", R"("ac")", R"("abbc")"}},
      {"counted",
       R"({"pattern": "^x{2,3}y{2}z{1,}$"})",
       {R"("xxyyz")", R"("xxxyyzzz")"},
       {R"("xyyz")", R"("xxxxyyz")", R"("xxyz")"}},
      {"repeated parts that may be empty",
       R"({"pattern": "^(a*b?)*$"})",
       {R"("")", R"("aab")", R"("bbb")", R"("abab")"},
       {R"("c")", R"("abc")"}},
      {"nested empty repetitions",
       R"({"pattern": "^((a?)*|b){2,3}c$"})",
       {R"("c")", R"("aac")", R"("bbc")", R"("abbc")"},
       {R"("bbbbc")", R"("")"}},
      {"non-ASCII", "{\"pattern\": \"^\xC3\xA9+$\"}", {"\"\xC3\xA9\xC3\xA9\""}, {R"("e")", R"("")"}},
      {"escapes",
       R"({"pattern": "^\\x41\\u00e9\\.\\*\\t[\\-\\]]$"})",
       {"\"A\xC3\xA9.*\\t-\"", "\"A\xC3\xA9.*\\t]\""},
       {R"("A\u00e9x*\t-")", R"("Ae.*\t-")"}},
      {"lazy and named",
       R"({"pattern": "^(?<year>\\d{4})-(?:\\d+?)$"})",
       {R"("2024-1")", R"("2024-123")"},
       {R"("24-1")", R"("2024-")"}},
      {"control characters",
       R"({"pattern": "^[\\x00-\\x1f]$"})",
       {R"("\u0001")", R"("\n")", R"("\u001f")", R"("\b")"},
       {R"("a")", R"("\u0020")"}},
  });
}

TEST(JsonSchemaGrammar, Formats) {
  check_all({
      {"date",
       R"({"type": "string", "format": "date"})",
       {R"("2024-02-29")", R"("2023-12-31")", R"("2000-02-29")", R"("2023-04-30")", R"("1600-02-29")"},
       {R"("2023-02-29")", R"("1900-02-29")", R"("2023-13-01")", R"("2023-04-31")", R"("2023-1-01")", R"("20230101")",
        R"("2023-00-10")", R"("2023-01-00")"}},
      {"time",
       R"({"type": "string", "format": "time"})",
       {R"("12:34:56Z")", R"("23:59:59.123+02:00")", R"("00:00:00-11:30")"},
       {R"("24:00:00Z")", R"("12:60:00Z")", R"("12:34:56")", R"("1:02:03Z")"}},
      {"date-time",
       R"({"format": "date-time"})",
       {R"("2024-01-15T10:20:30Z")"},
       {R"("2024-01-15 10:20:30Z")", R"("2024-01-15")"}},
      {"uuid",
       R"({"type": "string", "format": "uuid"})",
       {R"("123e4567-e89b-12d3-a456-426614174000")", R"("ABCDEF01-2345-6789-abcd-ef0123456789")"},
       {R"("123e4567e89b12d3a456426614174000")", R"("g23e4567-e89b-12d3-a456-426614174000")",
        R"("123e4567-e89b-12d3-a456-42661417400")"}},
  });
}

TEST(JsonSchemaGrammar, References) {
  const char* tree = R"({"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
                         "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["value"]}},
                         "$ref": "#/$defs/node"})";
  std::string deep = R"({"value":0})";
  for (int i = 0; i < 30; ++i) deep = R"({"children":[)" + deep + R"(],"value":1})";
  check_all({
      {"tree",
       tree,
       {R"({"value":1})", R"({"children":[{"value":2},{"children":[],"value":3}],"value":1})", deep},
       {R"({"children":[{}],"value":1})", R"({"children":{},"value":1})"}},
      {"definitions",
       R"({"definitions": {"pos": {"type": "integer", "minimum": 1}}, "type": "array",
             "items": {"$ref": "#/definitions/pos"}})",
       {"[1,2]"},
       {"[0]"}},
      {"linked list",
       R"({"$defs": {"list": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"head": {"type": "integer"},
                         "tail": {"$ref": "#/$defs/list"}}, "required": ["head", "tail"]}]}}, "$ref": "#/$defs/list"})",
       {"null", R"({"head":1,"tail":null})", R"({"head":1,"tail":{"head":2,"tail":null}})"},
       {R"({"head":1})"}},
      {"the root itself",
       R"({"type": "object", "properties": {"next": {"$ref": "#"}}})",
       {"{}", R"({"next":{"next":{}}})"},
       {R"({"next":1})"}},
      {"a ref to a ref",
       R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"type": "boolean"}}, "$ref": "#/$defs/a"})",
       {"true"},
       {"1"}},
      {"escaped pointer", R"({"$defs": {"a/b~c": {"const": 7}}, "$ref": "#/$defs/a~1b~0c"})", {"7"}, {"8"}},
      {"mutual recursion",
       R"({"$defs": {"a": {"type": "array", "items": {"$ref": "#/$defs/b"}}, "b": {"anyOf": [{"type": "integer"},
                              {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})",
       {"[]", "[1,[2,[]],[[3]]]"},
       {"[[1],\"x\"]"}},
  });
}

TEST(JsonSchemaGrammar, AnnotationsAreIgnored) {
  check_all(
      {{"annotations",
        R"({"title": "T", "description": "d", "default": 1, "examples": [1],
               "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "$comment": "c",
               "deprecated": false, "readOnly": true, "writeOnly": false, "strict": true, "type": "integer"})",
        {"5"},
        {"\"5\""}}});
}

// ---- Numbers ----------------------------------------------------------------

bool accepts_text(const Grammar& g, const std::string& t) { return grammar_accepts(g, t); }

TEST(JsonSchemaGrammar, IntegerBoundsAreExact) {
  struct Bounds {
    const char* schema;
    int64_t lo, hi;  // inclusive
  };
  const Bounds cases[] = {
      {R"({"type": "integer", "minimum": 1, "maximum": 100})", 1, 100},
      {R"({"type": "integer", "minimum": -50, "maximum": -7})", -50, -7},
      {R"({"type": "integer", "minimum": -15, "maximum": 127})", -15, 127},
      {R"({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10})", 1, 9},
      {R"({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true})", 1, 9},
      {R"({"type": "integer", "minimum": 1.5, "maximum": 20.9})", 2, 20},
      {R"({"type": "integer", "minimum": 0, "maximum": 0})", 0, 0},
      {R"({"type": "integer", "minimum": 17})", 17, INT64_MAX},
      {R"({"type": "integer", "maximum": -3})", INT64_MIN, -3},
      {R"({"type": "integer", "exclusiveMaximum": 250})", INT64_MIN, 249},
      {R"({"type": "integer", "minimum": 99, "maximum": 1001})", 99, 1001},
      {R"({"type": "integer", "minimum": 5, "exclusiveMinimum": 7, "maximum": 300})", 8, 300},
  };
  for (const Bounds& b : cases) {
    SCOPED_TRACE(b.schema);
    auto compiled = compile(json::parse(b.schema));
    ASSERT_TRUE(compiled);
    for (int64_t v = -1200; v <= 1200; ++v) {
      const bool want = v >= b.lo && v <= b.hi;
      ASSERT_EQ(accepts_text(compiled->grammar, std::to_string(v)), want) << v;
    }
    for (int64_t v : {b.lo, b.hi, int64_t{0}, int64_t{-1}, int64_t{1}})
      if (v >= b.lo && v <= b.hi && v > -100000 && v < 100000) {
        EXPECT_TRUE(matcher_accepts(compiled->grammar, std::to_string(v))) << v;
      }
    EXPECT_FALSE(accepts_text(compiled->grammar, "01"));
    EXPECT_FALSE(accepts_text(compiled->grammar, "1.0"));
  }
}

TEST(JsonSchemaGrammar, LargeIntegerBounds) {
  auto compiled = compile(json::parse(R"({"type": "integer", "minimum": 1000000, "maximum": 1234567})"));
  ASSERT_TRUE(compiled);
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const int64_t v = 900000 + static_cast<int64_t>(rng() % 400000);
    ASSERT_EQ(accepts_text(compiled->grammar, std::to_string(v)), v >= 1000000 && v <= 1234567) << v;
  }
  for (int64_t v : {999999, 1000000, 1234567, 1234568, 10000000}) {
    const bool want = v >= 1000000 && v <= 1234567;
    EXPECT_EQ(accepts_text(compiled->grammar, std::to_string(v)), want) << v;
    EXPECT_EQ(matcher_accepts(compiled->grammar, std::to_string(v)), want) << v;
  }
  auto big =
      compile(json::parse(R"({"type": "integer", "minimum": -9000000000000000000, "maximum": 123456789012345678})"));
  ASSERT_TRUE(big);
  EXPECT_TRUE(accepts_text(big->grammar, "123456789012345678"));
  EXPECT_FALSE(accepts_text(big->grammar, "123456789012345679"));
  EXPECT_TRUE(accepts_text(big->grammar, "-999999999999999999"));
}

TEST(JsonSchemaGrammar, NumberBoundsAreExactAtWholeValues) {
  struct Bounds {
    const char* schema;
    double lo, hi;
    bool lo_excl, hi_excl;
  };
  const Bounds cases[] = {
      {R"({"type": "number", "minimum": 0, "maximum": 1})", 0, 1, false, false},
      {R"({"type": "number", "exclusiveMinimum": 0, "maximum": 10})", 0, 10, true, false},
      {R"({"type": "number", "minimum": -2, "exclusiveMaximum": 0})", -2, 0, false, true},
      {R"({"type": "number", "minimum": -3, "maximum": 4})", -3, 4, false, false},
      {R"({"type": "number", "exclusiveMinimum": -5, "exclusiveMaximum": -1})", -5, -1, true, true},
      {R"({"type": "number", "minimum": 2})", 2, 1e300, false, false},
      {R"({"type": "number", "exclusiveMaximum": 2.0})", -1e300, 2, false, true},
  };
  for (const Bounds& b : cases) {
    SCOPED_TRACE(b.schema);
    auto compiled = compile(json::parse(b.schema));
    ASSERT_TRUE(compiled);
    for (int q = -48; q <= 48; ++q) {  // -12 .. 12 by quarters, in several spellings
      const double v = q / 4.0;
      const bool want = (b.lo_excl ? v > b.lo : v >= b.lo) && (b.hi_excl ? v < b.hi : v <= b.hi);
      std::vector<std::string> spellings;
      const int whole = static_cast<int>(std::trunc(v));
      const int frac = std::abs(q % 4) * 25;
      const std::string sign = v < 0 ? "-" : "";
      const std::string integral = std::to_string(std::abs(whole));
      if (frac == 0) {
        spellings = {sign + integral, sign + integral + ".0", sign + integral + ".000"};
      } else {
        spellings = {sign + integral + "." + std::to_string(frac), sign + integral + "." + std::to_string(frac) + "00"};
      }
      for (const std::string& s : spellings) {
        if (s == "-0" || s == "-0.0" || s == "-0.000") continue;  // "-0" is left out (tighter)
        ASSERT_EQ(accepts_text(compiled->grammar, s), want) << s;
      }
    }
    EXPECT_FALSE(accepts_text(compiled->grammar, "1e0"));  // no exponents when bounded
  }
  auto unit = compile(json::parse(R"({"type": "number", "minimum": 0, "maximum": 1})"));
  ASSERT_TRUE(unit);
  for (const char* t : {"0", "0.5", "1", "1.0", "0.999", "0.0001"}) EXPECT_TRUE(matcher_accepts(unit->grammar, t)) << t;
  for (const char* t : {"1.01", "-0.1", "2", "1.00001"}) EXPECT_FALSE(matcher_accepts(unit->grammar, t)) << t;
}

// ---- Refusals ---------------------------------------------------------------

struct Refusal {
  const char* schema;
  std::vector<std::string> message_has;
};

TEST(JsonSchemaGrammar, RefusesWhatItCannotExpressNamingTheKeyword) {
  const Refusal cases[] = {
      {R"({"not": {"type": "string"}})", {"'not'"}},
      {R"({"if": {}, "then": {}})", {"'if'"}},
      {R"({"type": "object", "dependentRequired": {"a": ["b"]}})", {"'dependentRequired'"}},
      {R"({"type": "object", "patternProperties": {"^x": {}}})", {"'patternProperties'"}},
      {R"({"type": "object", "minProperties": 1})", {"'minProperties'"}},
      {R"({"type": "object", "propertyNames": {"maxLength": 3}})", {"'propertyNames'"}},
      {R"({"type": "array", "uniqueItems": true})", {"'uniqueItems'"}},
      {R"({"type": "array", "contains": {"type": "integer"}})", {"'contains'"}},
      {R"({"type": "number", "multipleOf": 0.5})", {"'multipleOf'"}},
      {R"({"type": "object", "properties": {"a": {"not": {}}}})", {"'not'", "#/properties/a"}},
      {R"({"x-custom": 1})", {"'x-custom'"}},
      {R"({"$ref": "https://example.com/schema.json"})", {"'$ref'", "https://example.com/schema.json"}},
      {R"({"$ref": "#/$defs/missing"})", {"'$ref'", "points to nothing"}},
      {R"({"$defs": {"a": {}}, "$ref": "#/$defs/a", "type": "object"})", {"'$ref'", "'type'"}},
      {R"({"type": "string", "pattern": "^(?=a)b$"})", {"'pattern'", "lookaround"}},
      {R"({"type": "string", "pattern": "^(a)\\1$"})", {"'pattern'", "backreference"}},
      {R"({"type": "string", "pattern": "\\bword"})", {"'pattern'", "\\b"}},
      {R"({"type": "string", "pattern": "^a^b$"})", {"'pattern'", "'^'"}},
      {R"({"type": "string", "pattern": "^a$b"})", {"'pattern'", "'$'"}},
      {R"({"type": "string", "pattern": "^\\p{L}$"})", {"'pattern'"}},
      {R"({"type": "string", "pattern": "^(a$"})", {"'pattern'"}},
      {R"({"type": "string", "pattern": "^[a$"})", {"'pattern'"}},
      {R"({"type": "string", "pattern": "^*a$"})", {"'pattern'"}},
      {R"({"type": "string", "pattern": "^a{20000}$"})", {"'pattern'", "10000"}},
      {R"({"type": "string", "pattern": "^[^\\s\\S]$"})", {"'pattern'", "no character"}},
      {R"({"type": "string", "format": "email"})", {"'format'", "email"}},
      {R"({"type": "string", "format": "date", "maxLength": 3})", {"'maxLength'", "'format'"}},
      {R"({"type": "string", "pattern": "^a$", "minLength": 1})", {"'minLength'", "'pattern'"}},
      {R"({"type": "string", "maxLength": 20000})", {"'maxLength'", "10000"}},
      {R"({"type": "string", "minLength": 5, "maxLength": 2})", {"'minLength'"}},
      {R"({"type": "string", "minLength": -1})", {"'minLength'"}},
      {R"({"type": "array", "minItems": 20000})", {"'minItems'"}},
      {R"({"type": "array", "maxItems": 100000})", {"'maxItems'"}},
      {R"({"type": "array", "minItems": 3, "maxItems": 2})", {"'minItems'"}},
      {R"({"prefixItems": [{}], "minItems": 2})", {"'minItems'"}},
      {R"({"type": "number", "minimum": 0.5})", {"'minimum'"}},
      {R"({"type": "number", "exclusiveMaximum": 2.5})", {"'exclusiveMaximum'"}},
      {R"({"type": "number", "minimum": 3, "maximum": 2})", {"'minimum'", "'maximum'"}},
      {R"({"type": "integer", "minimum": 5, "exclusiveMaximum": 5})", {"'minimum'"}},
      {R"({"type": "integer", "minimum": 1e30})", {"'minimum'"}},
      {R"({"type": "integer", "maximum": "ten"})", {"'maximum'"}},
      {R"({"allOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "integer"}}}]})",
       {"'allOf'", "'a'"}},
      {R"({"allOf": [{"type": "string"}, {"maxLength": 3}]})", {"'allOf'"}},
      {R"({"allOf": [{"properties": {"a": {}}, "additionalProperties": false}, {"properties": {"b": {}}}]})",
       {"'allOf'", "'b'"}},
      {R"({"anyOf": [{"type": "string"}], "type": "string"})", {"'anyOf'", "'type'"}},
      {R"({"anyOf": []})", {"'anyOf'"}},
      {R"({"anyOf": [{}], "oneOf": [{}]})", {"'anyOf'", "'oneOf'"}},
      {R"({"enum": ["a"], "minLength": 1})", {"'enum'", "'minLength'"}},
      {R"({"enum": []})", {"'enum'"}},
      {R"({"type": "string", "enum": [1, 2]})", {"'enum'"}},
      {R"({"type": "strnig"})", {"'type'"}},
      {R"({"type": []})", {"'type'"}},
      {R"({"type": "object", "properties": {"a": {}}, "required": ["b"], "additionalProperties": false})",
       {"'required'", "'b'"}},
      {R"({"type": "object", "required": "a"})", {"'required'"}},
      {R"({"type": "object", "properties": []})", {"'properties'"}},
      {R"({"type": "object", "additionalProperties": 3})", {"'additionalProperties'"}},
      {"false", {"false"}},
      {R"({"properties": {"a": false}, "required": ["a"]})", {"false", "#/properties/a"}},
      {"[1]", {"schema must be an object"}},
      {R"({"$defs": 3})", {"'$defs'"}},
      {R"({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}}, "$ref": "#/$defs/a"})", {"'$ref'"}},
      {R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})", {"'$ref'"}},
      {R"({"$defs": {"a": {"type": "array", "items": {"$ref": "#/$defs/a"}, "minItems": 1}}, "$ref": "#/$defs/a"})",
       {"'$ref'", "never ends"}},
      {R"({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})", {"'$ref'"}},
  };
  for (const Refusal& r : cases) {
    SCOPED_TRACE(r.schema);
    auto g = json_schema_to_gbnf(json::parse(r.schema), "response_format.json_schema.schema");
    ASSERT_FALSE(g) << *g;
    EXPECT_EQ(g.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(g.status().reason(), "invalid_schema");
    EXPECT_NE(g.error().find("response_format.json_schema.schema"), std::string::npos) << g.error();
    for (const std::string& part : r.message_has) EXPECT_NE(g.error().find(part), std::string::npos) << g.error();
  }
}

// ---- Hostile schemas ---------------------------------------------------------

TEST(JsonSchemaGrammar, HostileSchemasEndInAnError) {
  json deep = {{"type", "integer"}};
  for (int i = 0; i < 200; ++i) deep = {{"type", "array"}, {"items", deep}};
  auto r = json_schema_to_gbnf(deep, "deep");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("deeper"), std::string::npos) << r.error();

  json nested_ok = {{"type", "integer"}};
  for (int i = 0; i < 30; ++i) nested_ok = {{"type", "array"}, {"items", nested_ok}};
  EXPECT_TRUE(json_schema_to_gbnf(nested_ok, "nested"));

  json wide = {{"type", "object"}, {"properties", json::object()}};
  for (int i = 0; i < 300; ++i) wide["properties"][std::string("p").append(std::to_string(i))] = {{"type", "integer"}};
  r = json_schema_to_gbnf(wide, "wide");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("properties"), std::string::npos) << r.error();

  json big_enum = {{"enum", json::array()}};
  for (int i = 0; i < 20000; ++i) big_enum["enum"].push_back(i);
  EXPECT_FALSE(json_schema_to_gbnf(big_enum, "enum"));

  // Each definition refers to the previous one twice through allOf: the parts grow exponentially.
  json defs = json::object();
  defs["d0"] = {{"type", "object"}, {"properties", {{"x", {{"type", "integer"}}}}}};
  for (int i = 1; i < 40; ++i) {
    const std::string prev = std::string("#/$defs/d").append(std::to_string(i - 1));
    defs[std::string("d").append(std::to_string(i))] =
        json{{"allOf", json::array({json{{"$ref", prev}}, json{{"$ref", prev}}})}};
  }
  r = json_schema_to_gbnf(nlohmann::json{{"$defs", defs}, {"$ref", "#/$defs/d39"}}, "exponential");
  EXPECT_TRUE(r || r.code() == StatusCode::kInvalidArgument);

  // Many $refs to one recursive definition stay one rule each.
  json many = json::parse(
      R"({"$defs": {"t": {"type": "array", "items": {"$ref": "#/$defs/t"}}}, "type": "object", "properties": {}})");
  for (int i = 0; i < 150; ++i)
    many["properties"][std::string("p").append(std::to_string(i))] = json{{"$ref", "#/$defs/t"}};
  EXPECT_TRUE(json_schema_to_gbnf(many, "many"));

  // Invalid UTF-8 inside an enum value: an error, not an exception.
  json bad_text = json::object();
  bad_text["enum"] = json::array({std::string("a\xFF")});
  r = json_schema_to_gbnf(bad_text, "utf8");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), StatusCode::kInvalidArgument);
}

// Random schemas built from the supported keywords (and a few that are not):
// each gives a grammar the parser and matcher accept, or an invalid_argument.
TEST(JsonSchemaGrammar, RandomSchemasGiveUsableGrammarsOrErrors) {
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::function<json(int)> make = [&](int depth) -> json {
    if (depth > 4) return json{{"type", "integer"}};
    switch (pick(16)) {
      case 0:
        return json{{"type", "string"}, {"maxLength", pick(5)}};
      case 1:
        return json{{"type", "integer"}, {"minimum", pick(50) - 25}, {"maximum", 25 + pick(100)}};
      case 2:
        return json{{"type", "number"}, {"exclusiveMinimum", pick(5) - 2}};
      case 3:
        return json{{"enum", {"a", 1, nullptr, json::array({1})}}};
      case 4:
        return json{{"type", "array"}, {"items", make(depth + 1)}, {"minItems", pick(3)}, {"maxItems", 2 + pick(3)}};
      case 5: {
        json props = json::object();
        props["a"] = make(depth + 1);
        props["b"] = make(depth + 1);
        return json{{"type", "object"}, {"properties", props}, {"required", json::array({"b"})}};
      }
      case 6:
        return json{{"anyOf", json::array({make(depth + 1), make(depth + 1)})}};
      case 7:
        return json{{"type", json::array({"string", "null"})}, {"pattern", pick(2) ? "^[a-c]+x?$" : "(ab|c)*"}};
      case 8:
        return json{{"prefixItems", json::array({make(depth + 1)})},
                    {"items", pick(2) ? json(false) : make(depth + 1)}};
      case 9: {
        json props = json::object();
        props["k"] = make(depth + 1);
        return json{{"type", "object"}, {"additionalProperties", make(depth + 1)}, {"properties", props}};
      }
      case 10: {
        json first = json::object();
        first["properties"]["x"] = make(depth + 1);
        return json{{"allOf", json::array({first, json{{"required", json::array({"x"})}}})}};
      }
      case 11:
        return json{{"format", pick(2) ? "date" : "uuid"}};
      case 12:
        return json{{"not", make(depth + 1)}};
      case 13:
        return json{{"type", "string"}, {"pattern", "^(?!x)"}};
      case 14:
        return json::parse(R"({"const": {"a": [1, 2]}})");
      default:
        return json::object();
    }
  };
  int ok = 0;
  for (int i = 0; i < 300; ++i) {
    const json schema = make(0);
    auto gbnf = json_schema_to_gbnf(schema, "random");
    if (!gbnf) {  // only the keywords made to be refused
      EXPECT_EQ(gbnf.code(), StatusCode::kInvalidArgument) << schema.dump();
      EXPECT_TRUE(gbnf.error().find("'not'") != std::string::npos ||
                  gbnf.error().find("lookaround") != std::string::npos)
          << gbnf.error();
      continue;
    }
    ++ok;
    auto g = parse_gbnf(*gbnf);
    ASSERT_TRUE(g) << g.error() << "\n" << schema.dump();
    EXPECT_TRUE(GrammarMatcher::create(*g)) << schema.dump();
  }
  EXPECT_GT(ok, 150);
}

TEST(JsonSchemaGrammar, CountsAndBoundsMayBeAnyJsonNumberKind) {
  // Built in C++: signed integers; parsed: unsigned ones; and whole floats.
  for (const json& schema : {json{{"type", "string"}, {"minLength", 1}, {"maxLength", 2}},
                             json::parse(R"({"type": "string", "minLength": 1, "maxLength": 2})"),
                             json::parse(R"({"type": "string", "minLength": 1.0, "maxLength": 2.0})")}) {
    auto compiled = compile(schema);
    ASSERT_TRUE(compiled) << schema.dump();
    EXPECT_TRUE(grammar_accepts(compiled->grammar, R"("ab")"));
    EXPECT_FALSE(grammar_accepts(compiled->grammar, R"("abc")"));
  }
  auto items = compile(json{{"type", "array"}, {"minItems", 1}, {"maxItems", 1}});
  ASSERT_TRUE(items);
  EXPECT_TRUE(grammar_accepts(items->grammar, "[1]"));
  EXPECT_FALSE(grammar_accepts(items->grammar, "[]"));
  EXPECT_FALSE(json_schema_to_gbnf(json{{"type", "string"}, {"maxLength", 1.5}}, "t"));
  auto ints = compile(json{{"type", "integer"}, {"minimum", -2}, {"maximum", uint64_t{3}}});
  ASSERT_TRUE(ints);
  EXPECT_TRUE(grammar_accepts(ints->grammar, "-2"));
  EXPECT_FALSE(grammar_accepts(ints->grammar, "4"));
}

// ---- The builder and helpers ------------------------------------------------

TEST(JsonSchemaGrammar, BuilderCombinesSchemasAndRules) {
  SchemaGrammarBuilder b;
  auto weather = b.add_schema(
      json::parse(R"({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})"),
      "get_weather tool!", "tools[0].parameters");
  ASSERT_TRUE(weather) << weather.error();
  auto time = b.add_schema(
      json::parse(R"({"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]})"),
      "get_weather tool!", "tools[1].parameters");
  ASSERT_TRUE(time) << time.error();
  EXPECT_NE(*weather, *time);
  const std::string before = b.gbnf("calls");
  auto refused = b.add_schema(json::parse(R"({"type": "object", "properties": {"x": {"not": {}}}})"), "bad",
                              "tools[2].parameters");
  EXPECT_FALSE(refused);
  EXPECT_EQ(b.gbnf("calls"), before) << "a refused schema leaves no rules behind";
  const std::string call1 =
      b.add_rule("call", R"("{\"name\": \"get_weather\", \"arguments\": " )" + *weather + R"( "}")");
  const std::string call2 = b.add_rule("call", R"("{\"name\": \"get_time\", \"arguments\": " )" + *time + R"( "}")");
  EXPECT_NE(call1, call2);
  EXPECT_NE(b.add_rule("root", "\"x\""), "root");
  const std::string calls = b.add_rule("calls", call1 + " | " + call2);
  auto g = parse_gbnf(b.gbnf(calls));
  ASSERT_TRUE(g) << g.error() << "\n" << b.gbnf(calls);
  EXPECT_TRUE(grammar_accepts(*g, R"({"name": "get_weather", "arguments": {"city":"Paris"}})"));
  EXPECT_TRUE(grammar_accepts(*g, R"({"name": "get_time", "arguments": {"zone":"UTC"}})"));
  EXPECT_FALSE(grammar_accepts(*g, R"({"name": "get_time", "arguments": {"city":"Paris"}})"));
  EXPECT_TRUE(GrammarMatcher::create(*g));
  for (char c : *weather) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-') << *weather;
}

TEST(JsonSchemaGrammar, BuilderSharesPrimitivesWithoutTakingHandWrittenNames) {
  SchemaGrammarBuilder b;
  b.add_rule("string", R"("not a JSON string")");
  b.add_rule("value", R"("v")");
  auto s = b.add_schema(json::parse(R"({"type": "array", "items": {}})"), "list", "x");
  ASSERT_TRUE(s) << s.error();
  auto g = parse_gbnf(b.gbnf(*s));
  ASSERT_TRUE(g) << g.error();
  EXPECT_TRUE(grammar_accepts(*g, R"([1, "a", {"b": [null]}])"));
  EXPECT_FALSE(grammar_accepts(*g, R"(["not a JSON string"x])"));
}

TEST(JsonSchemaGrammar, JsonObjectGrammar) {
  auto g = parse_gbnf(json_object_gbnf());
  ASSERT_TRUE(g) << g.error();
  for (const char* t : {"{}", R"({"a": 1})", R"({"a": {"b": [1, "x", null]}})"}) {
    EXPECT_TRUE(grammar_accepts(*g, t)) << t;
    EXPECT_TRUE(matcher_accepts(*g, t)) << t;
  }
  for (const char* t : {"[]", "1", "\"x\"", "{"}) EXPECT_FALSE(grammar_accepts(*g, t)) << t;
}

TEST(JsonSchemaGrammar, GbnfLiteralMatchesExactlyItsText) {
  for (const std::string& text :
       {std::string("plain"), std::string("q\"uote"), std::string("back\\slash"), std::string("new\nline\r\t"),
        std::string("ctl\x01\x1f\x7f"), std::string("\xC3\xA9\xF0\x9F\x98\x80"), std::string("[x]{2}#")}) {
    auto g = parse_gbnf("root ::= " + gbnf_literal(text) + "\n");
    ASSERT_TRUE(g) << g.error() << " for " << gbnf_literal(text);
    EXPECT_TRUE(grammar_accepts(*g, text)) << gbnf_literal(text);
    EXPECT_FALSE(grammar_accepts(*g, text + "x"));
    EXPECT_FALSE(grammar_accepts(*g, text.substr(1)));
  }
}

}  // namespace
}  // namespace pg::grammar
