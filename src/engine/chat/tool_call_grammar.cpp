// Tool-call grammars (see tool_call_grammar.h): the OpenAI tool list is
// checked, each tool's parameters become a rule through the JSON-schema
// grammar builder, and the call syntax is written around them. Frames are
// tight (at most a space where the templates put one, a few newlines where
// they put one) so the model writes calls the way it was trained to. Never
// throws: the tool list is read through checks, not at() / get().
#include "engine/chat/tool_call_grammar.h"

#include <set>

#include "engine/grammar/json_schema_grammar.h"

namespace pg::chat {
namespace {

using grammar::gbnf_literal;
using grammar::SchemaGrammarBuilder;

constexpr size_t kMaxToolName = 64;

struct Tool {
  std::string name;
  nlohmann::ordered_json parameters;
  std::string where;  // "tools[i].function.parameters"
};

Status field_error(const std::string& field, const std::string& what) {
  return Status::invalid_argument(field + ": " + what, "invalid_field");
}

bool valid_tool_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxToolName) return false;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// An object schema: a JSON object whose "type" is "object", or that has "properties" and no type.
bool is_object_schema(const nlohmann::ordered_json& schema) {
  if (!schema.is_object()) return false;
  const auto type = schema.find("type");
  if (type != schema.end()) return type->is_string() && type->get_ref<const std::string&>() == "object";
  const auto properties = schema.find("properties");
  return properties != schema.end() && properties->is_object();
}

Result<Tool> read_tool(const nlohmann::ordered_json& entry, size_t i) {
  const std::string at = "tools[" + std::to_string(i) + "]";
  if (!entry.is_object()) return field_error(at, "expected an object");
  const auto type = entry.find("type");
  if (type != entry.end() && !(type->is_string() && type->get_ref<const std::string&>() == "function")) {
    return field_error(at + ".type", "only \"function\" tools are supported");
  }
  const auto function = entry.find("function");
  if (function == entry.end() || !function->is_object()) return field_error(at + ".function", "expected an object");
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string() || !valid_tool_name(name->get_ref<const std::string&>())) {
    return field_error(at + ".function.name", "expected 1 to 64 characters of A-Z, a-z, 0-9, '_', '-' or '.'");
  }
  Tool tool{name->get<std::string>(), nlohmann::ordered_json(), at + ".function.parameters"};
  const auto parameters = function->find("parameters");
  if (parameters == function->end() || parameters->is_null()) {
    // No parameters: the arguments are an empty object.
    tool.parameters = {{"type", "object"}, {"properties", nlohmann::ordered_json::object()}, {"additionalProperties", false}};
  } else if (is_object_schema(*parameters)) {
    tool.parameters = *parameters;
  } else {
    return field_error(tool.where, "expected a JSON Schema of type \"object\"");
  }
  return tool;
}

// The tools the grammar offers: all of them, or the one the choice names.
Result<std::vector<Tool>> read_tools(const nlohmann::ordered_json& tools, const ToolChoice& choice) {
  if (!tools.is_array() || tools.empty()) return field_error("tools", "expected a non-empty list of tools");
  std::vector<Tool> all;
  std::set<std::string> names;
  for (size_t i = 0; i < tools.size(); ++i) {
    Result<Tool> tool = read_tool(tools[i], i);
    if (!tool) return tool.status();
    if (!names.insert(tool->name).second) {
      return field_error("tools[" + std::to_string(i) + "].function.name", "'" + tool->name + "' is given twice");
    }
    all.push_back(std::move(*tool));
  }
  if (choice.mode != ToolChoice::Mode::Function) return all;
  for (Tool& tool : all) {
    if (tool.name == choice.function) return std::vector<Tool>{std::move(tool)};
  }
  return field_error("tool_choice", "no tool named '" + choice.function + "' in tools");
}

// A rule name hint from a tool name (rule names keep to letters, digits and '-').
std::string rule_hint(const std::string& prefix, const std::string& name) {
  std::string hint = prefix;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    hint.push_back(ok ? c : '-');
  }
  return hint;
}

// `name` as the JSON string a model writes, as a GBNF literal.
std::string json_name_literal(const std::string& name) { return gbnf_literal(nlohmann::json(name).dump()); }

// Rules shared by the frames.
struct Frame {
  std::string sp;  // an optional space
  std::string ws;  // a little whitespace (templates put a newline there)
};

Frame add_frame_rules(SchemaGrammarBuilder& b) {
  return {b.add_rule("tc-sp", "\" \"?"), b.add_rule("tc-ws", "[ \\t\\n]{0,3}")};
}

// `"name": "NAME", "<args_key>": ARGS` for each tool, as alternatives of one rule.
std::string json_functions_rule(SchemaGrammarBuilder& b, const Frame& f, const std::vector<Tool>& tools,
                                const std::vector<std::string>& args_rules, const std::string& args_key) {
  std::string alternatives;
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string body = gbnf_literal("\"name\"") + " " + f.sp + " \":\" " + f.sp + " " +
                             json_name_literal(tools[i].name) + " " + f.sp + " \",\" " + f.sp + " " +
                             gbnf_literal("\"" + args_key + "\"") + " " + f.sp + " \":\" " + f.sp + " " + args_rules[i];
    alternatives += (i == 0 ? "" : " | ") + b.add_rule(rule_hint("tc-fn-", tools[i].name), body);
  }
  return b.add_rule("tc-function", alternatives);
}

std::string repeated(const std::string& call, const std::string& separator, bool parallel) {
  return parallel ? call + " ( " + separator + " " + call + " )*" : call;
}

// After `<tool_call>`: `\n{"name": …, "arguments": …}\n</tool_call>`, repeated with `<tool_call>`.
std::string tagged_root(SchemaGrammarBuilder& b, const std::vector<Tool>& tools,
                        const std::vector<std::string>& args_rules, bool parallel) {
  const Frame f = add_frame_rules(b);
  const std::string fn = json_functions_rule(b, f, tools, args_rules, "arguments");
  const std::string call = b.add_rule("tc-call", f.ws + " \"{\" " + f.sp + " " + fn + " " + f.sp + " \"}\" " + f.ws +
                                                     " " + gbnf_literal("</tool_call>"));
  return b.add_rule("tc-calls", repeated(call, f.ws + " " + gbnf_literal("<tool_call>"), parallel));
}

// After `[TOOL_CALLS]`: `NAME[CALL_ID]ID[ARGS]{…}` or `NAME[ARGS]{…}`, repeated with `[TOOL_CALLS]`.
std::string mistral_named_root(SchemaGrammarBuilder& b, const std::vector<Tool>& tools,
                               const std::vector<std::string>& args_rules, bool parallel) {
  const std::string id = b.add_rule("tc-call-id", gbnf_literal("[CALL_ID]") + " [a-zA-Z0-9]{9}");
  std::string alternatives;
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string body = gbnf_literal(tools[i].name) + " " + id + "? " + gbnf_literal("[ARGS]") + " " + args_rules[i];
    alternatives += (i == 0 ? "" : " | ") + b.add_rule(rule_hint("tc-fn-", tools[i].name), body);
  }
  const std::string call = b.add_rule("tc-call", alternatives);
  return b.add_rule("tc-calls", repeated(call, gbnf_literal("[TOOL_CALLS]"), parallel));
}

// After `[TOOL_CALLS]`: `[{"name": …, "arguments": …, "id": "ID"}, …]`.
std::string mistral_list_root(SchemaGrammarBuilder& b, const std::vector<Tool>& tools,
                              const std::vector<std::string>& args_rules, bool parallel) {
  const Frame f = add_frame_rules(b);
  const std::string fn = json_functions_rule(b, f, tools, args_rules, "arguments");
  const std::string id = b.add_rule("tc-call-id", "\",\" " + f.sp + " " + gbnf_literal("\"id\"") + " " + f.sp +
                                                      " \":\" " + f.sp + " \"\\\"\" [a-zA-Z0-9]{9} \"\\\"\"");
  const std::string call =
      b.add_rule("tc-call", "\"{\" " + f.sp + " " + fn + " " + f.sp + " " + id + "? " + f.sp + " \"}\"");
  return b.add_rule("tc-calls", f.sp + " \"[\" " + f.sp + " " + repeated(call, "\",\" " + f.sp, parallel) + " " + f.sp +
                                    " \"]\"");
}

// After the turn's opening `{`: `"name": …, "parameters": …}`; one call.
std::string llama3_root(SchemaGrammarBuilder& b, const std::vector<Tool>& tools,
                        const std::vector<std::string>& args_rules) {
  const Frame f = add_frame_rules(b);
  const std::string fn = json_functions_rule(b, f, tools, args_rules, "parameters");
  return b.add_rule("tc-calls", f.ws + " " + fn + " " + f.ws + " \"}\"");
}

// Harmony, after the recipient's "to=functions.": `NAME`, then the content type (optional) when
// the recipient was in the channel part (`NAME <|constrain|>json<|message|>`), or, only where the
// header may have put the recipient in the role part (`with_channel`), the channel and content
// type (`NAME<|channel|>commentary json<|message|>`); then the arguments. One call: `<|call|>` (an
// end-of-generation token) follows it.
std::string harmony_call_rule(SchemaGrammarBuilder& b, const std::vector<Tool>& tools,
                              const std::vector<std::string>& args_rules, bool with_channel) {
  const std::string type = b.add_rule("tc-h-type", "( \" \" " + gbnf_literal("<|constrain|>") + "? | " +
                                                       gbnf_literal("<|constrain|>") + " ) \"json\"");
  std::string after_name = type + "?";
  if (with_channel) {
    const std::string channel = b.add_rule(
        "tc-h-channel", gbnf_literal("<|channel|>") + " ( \"commentary\" | \"analysis\" ) " + type + "?");
    after_name = "( " + type + " | " + channel + " )?";
  }
  std::string alternatives;
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string body =
        gbnf_literal(tools[i].name) + " " + after_name + " " + gbnf_literal("<|message|>") + " " + args_rules[i];
    alternatives += (i == 0 ? "" : " | ") + b.add_rule(rule_hint("tc-fn-", tools[i].name), body);
  }
  return b.add_rule("tc-function", alternatives);
}

// Harmony, the whole reply when a call is forced: an optional analysis message (or the rest of
// the one the prompt opened), then the call on the commentary channel.
std::string harmony_forced_root(SchemaGrammarBuilder& b, const std::string& call, bool prompt_opens_analysis) {
  // Analysis text: anything but a marker (no "<|").
  const std::string text = b.add_rule("tc-h-text", "( [^<] | \"<\" [^|] )*");
  const std::string analysis_end = text + " " + gbnf_literal("<|end|><|start|>assistant");
  const std::string analysis =
      prompt_opens_analysis ? analysis_end
                            : "( " + gbnf_literal("<|channel|>analysis<|message|>") + " " + analysis_end + " )?";
  return b.add_rule("tc-calls", analysis + " " + gbnf_literal("<|channel|>commentary to=functions.") + " " + call);
}

// The text that starts calls in this syntax.
std::string call_start(ToolCallSyntax syntax) {
  return syntax == ToolCallSyntax::Llama3Json ? "{" : std::string(tool_call_marker(syntax));
}

// What ends a reasoning block the prompt opened, before a forced call.
std::string reasoning_exit(const ChatOutputFormat& format) {
  if (!format.prompt_opens_reasoning || format.reasoning == ReasoningSyntax::None) return "";
  const std::string close(reasoning_close_tag(format.reasoning));
  return format.reasoning == ReasoningSyntax::ThinkTags ? close + "\n\n" : close;
}

}  // namespace

Result<ToolCallConstraint> tool_call_constraint(const ChatOutputFormat& format, const nlohmann::ordered_json& tools,
                                                const ToolChoice& choice, bool parallel_calls) {
  if (format.tools == ToolCallSyntax::None) {
    return Status::invalid_argument("tools: this model's chat format has no tool-call syntax", "tools_unsupported");
  }
  Result<std::vector<Tool>> offered = read_tools(tools, choice);
  if (!offered) return offered.status();

  SchemaGrammarBuilder b;
  std::vector<std::string> args_rules;
  for (const Tool& tool : *offered) {
    Result<std::string> rule = b.add_schema(tool.parameters, rule_hint("tool-", tool.name) + "-args", tool.where);
    if (!rule) return rule.status();
    args_rules.push_back(std::move(*rule));
  }

  std::string root;
  switch (format.tools) {
    case ToolCallSyntax::MistralList: root = mistral_list_root(b, *offered, args_rules, parallel_calls); break;
    case ToolCallSyntax::MistralNamed: root = mistral_named_root(b, *offered, args_rules, parallel_calls); break;
    case ToolCallSyntax::Llama3Json: root = llama3_root(b, *offered, args_rules); break;
    case ToolCallSyntax::Harmony: {
      const bool automatic = choice.mode == ToolChoice::Mode::Auto;
      const std::string call = harmony_call_rule(b, *offered, args_rules, /*with_channel=*/automatic);
      root = automatic ? call : harmony_forced_root(b, call, format.prompt_opens_reasoning);
      break;
    }
    case ToolCallSyntax::TaggedJson:
    case ToolCallSyntax::GenericJson:
    case ToolCallSyntax::None: root = tagged_root(b, *offered, args_rules, parallel_calls); break;
  }

  ToolCallConstraint constraint;
  constraint.gbnf = b.gbnf(root);
  if (choice.mode == ToolChoice::Mode::Auto) {
    constraint.triggers = {call_start(format.tools)};
    constraint.triggers_at_start = format.tools == ToolCallSyntax::Llama3Json;
  } else if (format.tools != ToolCallSyntax::Harmony) {  // harmony's grammar starts at the reply
    constraint.forced_prefix = reasoning_exit(format) + call_start(format.tools);
  }
  return constraint;
}

}  // namespace pg::chat
