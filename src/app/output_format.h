// What shape a reply must take — free text, any JSON object, JSON valid for
// a schema, or a GBNF grammar — for every API (OpenAI response_format and
// llama.cpp's `grammar`, Ollama's `format`, the native API), turned into the
// grammar the decode loop holds the model to. Never speaks HTTP; errors are
// invalid_argument naming the request field (reasons invalid_schema,
// invalid_grammar).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/grammar/gbnf.h"
#include "util/result.h"

namespace pg::app {

struct OutputFormat {
  enum class Kind { Text, JsonObject, JsonSchema, Grammar };
  Kind kind = Kind::Text;
  nlohmann::ordered_json schema;  // JsonSchema, in the client's key order (properties are written in it)
  std::string grammar;    // Grammar: GBNF text
  std::string field;      // where the request gave it, for messages (e.g. "response_format.json_schema.schema")
};

// The grammar for `format`; null for Text.
Result<std::shared_ptr<const grammar::Grammar>> output_grammar(const OutputFormat& format);

// GBNF text parsed and checked as a grammar the decode loop can hold a model
// to; errors name `field`.
Result<std::shared_ptr<const grammar::Grammar>> compile_grammar(const std::string& gbnf, const std::string& field);

}  // namespace pg::app
