// JSON Schema to GBNF: rules whose language is exactly the JSON texts valid
// for a schema, as far as a grammar can say it. Whatever a grammar cannot
// express faithfully is refused with invalid_argument naming the keyword and
// its place in the schema (a JSON pointer) — never a silently looser grammar.
// Whitespace between tokens is bounded (as llama.cpp's converter does), so
// outputs stay compact. Never matches text itself (see grammar_matcher.h).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace pg::grammar {

// Builds one grammar from several schemas and hand-written rules (tool-call
// grammars combine one schema per tool with the call syntax around them).
class SchemaGrammarBuilder {
 public:
  // Adds the rules for `schema` and returns the name of the rule matching
  // exactly the JSON values valid for it. `where` names the schema in errors
  // (e.g. "response_format.json_schema.schema"). `name_hint` seeds rule names.
  // Properties are written in the schema's own order (ordered_json keeps the
  // client's), as OpenAI's structured outputs and llama.cpp write them.
  Result<std::string> add_schema(const nlohmann::ordered_json& schema, std::string_view name_hint, std::string_view where);
  // The same for a schema whose keys are sorted (nlohmann::json): properties by name.
  Result<std::string> add_schema(const nlohmann::json& schema, std::string_view name_hint, std::string_view where);
  // Adds `name ::= body` (body in GBNF) under a unique name derived from
  // `name_hint`, and returns that name.
  std::string add_rule(std::string_view name_hint, const std::string& body);
  // The whole grammar: `root ::= <root_rule>` and every rule added.
  std::string gbnf(std::string_view root_rule) const;

 private:
  struct Impl;
  std::vector<std::pair<std::string, std::string>> rules_;  // name, body, in order added
  std::map<std::string, std::string> by_name_;
  friend struct Impl;
};

// A whole grammar whose root is a value valid for `schema`.
Result<std::string> json_schema_to_gbnf(const nlohmann::ordered_json& schema, std::string_view where);
Result<std::string> json_schema_to_gbnf(const nlohmann::json& schema, std::string_view where);
// A whole grammar whose root is any JSON object (OpenAI's json_object mode, Ollama's format "json").
std::string json_object_gbnf();
// `text` as a GBNF string literal, escaped.
std::string gbnf_literal(std::string_view text);

}  // namespace pg::grammar
