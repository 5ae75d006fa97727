// The Jinja2 parser: tokens to the syntax tree of ast.h, following
// jinja2/parser.py (operator precedence, `is` tests, filters binding to the
// nearest unary operand, tuples, assignment targets, statement tags). Tags are
// those of Hugging Face's environment: the builtin ones plus break/continue
// (loopcontrols) and generation (AssistantTracker). Nesting is limited so a
// hostile template cannot exhaust the stack. It must never evaluate anything.
#pragma once

#include <memory>
#include <string_view>

#include "engine/template/ast.h"

namespace pg::jinja {

inline constexpr int kMaxParseNesting = 100;  // Jinja2 itself fails near 90 nested parentheses

// Normalizes, tokenizes and parses a template. Throws TemplateError (Syntax)
// with the offset of the problem.
std::unique_ptr<Program> parse_program(std::string_view source);

}  // namespace pg::jinja
