// The structured-output flags `run` and `bench` share, as llama.cpp's CLI
// names them: --grammar-file FILE (GBNF), --json-schema SCHEMA (inline JSON)
// and --json-schema-file FILE; turned into the grammar the decode loop holds
// the model to, through the same path the server takes (app/output_format.h).
// Never generates.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/grammar/gbnf.h"
#include "util/result.h"

namespace pg::cli {

struct OutputFormatFlags {
  std::string grammar_file, json_schema, json_schema_file;
};

void add_output_format_flags(CLI::App* cmd, OutputFormatFlags& flags);

// The grammar the flags ask for (null when none); errors name the flag.
Result<std::shared_ptr<const grammar::Grammar>> output_format_grammar(const OutputFormatFlags& flags);

}  // namespace pg::cli
