// From a requested output format to a grammar; see output_format.h.
#include "app/output_format.h"

#include "engine/grammar/grammar_matcher.h"
#include "engine/grammar/json_schema_grammar.h"

namespace pg::app {

Result<std::shared_ptr<const grammar::Grammar>> compile_grammar(const std::string& gbnf, const std::string& field) {
  auto parsed = grammar::parse_gbnf(gbnf);
  if (!parsed) return Status::invalid_argument("field '" + field + "': " + parsed.error(), "invalid_grammar");
  auto g = std::make_shared<const grammar::Grammar>(std::move(*parsed));
  if (auto m = grammar::GrammarMatcher::create(*g); !m)
    return Status::invalid_argument("field '" + field + "': " + m.error(), "invalid_grammar");
  return g;
}

Result<std::shared_ptr<const grammar::Grammar>> output_grammar(const OutputFormat& format) {
  switch (format.kind) {
    case OutputFormat::Kind::Text: return std::shared_ptr<const grammar::Grammar>();
    case OutputFormat::Kind::JsonObject: return compile_grammar(grammar::json_object_gbnf(), format.field);
    case OutputFormat::Kind::Grammar: return compile_grammar(format.grammar, format.field);
    case OutputFormat::Kind::JsonSchema: {
      auto gbnf = grammar::json_schema_to_gbnf(format.schema, format.field);
      if (!gbnf) return Status::invalid_argument(gbnf.error(), "invalid_schema");
      return compile_grammar(*gbnf, format.field);
    }
  }
  return std::shared_ptr<const grammar::Grammar>();
}

}  // namespace pg::app
