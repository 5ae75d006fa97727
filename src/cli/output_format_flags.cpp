// Structured-output flags; see output_format_flags.h.
#include "cli/output_format_flags.h"

#include <nlohmann/json.hpp>

#include "app/output_format.h"
#include "cli/input_file.h"

namespace pg::cli {

void add_output_format_flags(CLI::App* cmd, OutputFormatFlags& flags) {
  auto* g = cmd->add_option("--grammar-file", flags.grammar_file, "constrain the output to a GBNF grammar (llama.cpp's syntax)");
  auto* j = cmd->add_option("--json-schema", flags.json_schema, "constrain the output to JSON valid for this JSON Schema");
  auto* f = cmd->add_option("--json-schema-file", flags.json_schema_file, "the same, with the schema read from a file");
  g->excludes(j)->excludes(f);
  j->excludes(f);
}

Result<std::shared_ptr<const grammar::Grammar>> output_format_grammar(const OutputFormatFlags& flags) {
  app::OutputFormat format;
  std::string schema_text = flags.json_schema;
  std::string field = "--json-schema";
  if (!flags.grammar_file.empty()) {
    auto text = read_input_file(flags.grammar_file, "grammar file");
    if (!text) return text.status();
    format.kind = app::OutputFormat::Kind::Grammar;
    format.grammar = std::move(*text);
    format.field = "--grammar-file";
  } else if (!flags.json_schema_file.empty()) {
    auto text = read_input_file(flags.json_schema_file, "schema file");
    if (!text) return text.status();
    schema_text = std::move(*text);
    field = "--json-schema-file";
  }
  if (!schema_text.empty()) {
    const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(schema_text, nullptr, false);
    if (schema.is_discarded()) return Status::invalid_argument(field + " is not valid JSON");
    format.kind = app::OutputFormat::Kind::JsonSchema;
    format.schema = schema;
    format.field = field;
  }
  return app::output_grammar(format);
}

}  // namespace pg::cli
