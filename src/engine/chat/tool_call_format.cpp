// Detection of a model's tool-call and reasoning syntaxes from its chat
// template source and vocabulary (see tool_call_format.h). Plain substring
// tests on the template text: the template is never rendered or executed.
#include "engine/chat/tool_call_format.h"

namespace pg::chat {
namespace {

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

bool vocab_has(const std::function<bool(std::string_view)>& vocab_has_token, std::string_view token) {
  return vocab_has_token && vocab_has_token(token);
}

// gpt-oss: messages framed by `<|start|>`ROLE`<|channel|>`CHANNEL`<|message|>`.
bool is_harmony_template(std::string_view tmpl) {
  return contains(tmpl, "<|channel|>") && contains(tmpl, "<|start|>") && contains(tmpl, "<|message|>");
}

// A vocabulary with harmony's framing tokens (o200k_harmony).
bool is_harmony_vocab(const std::function<bool(std::string_view)>& vocab_has_token) {
  return vocab_has(vocab_has_token, "<|channel|>") && vocab_has(vocab_has_token, "<|start|>") &&
         vocab_has(vocab_has_token, "<|message|>");
}

// The syntax named by the template itself, or GenericJson when it names none known.
ToolCallSyntax tools_from_template(std::string_view tmpl) {
  if (is_harmony_template(tmpl)) return ToolCallSyntax::Harmony;
  if (contains(tmpl, "[TOOL_CALLS]")) {
    return contains(tmpl, "[ARGS]") ? ToolCallSyntax::MistralNamed : ToolCallSyntax::MistralList;
  }
  // Qwen3-Coder, Qwen3.5, Nemotron 3 (`<function=…>`) and GLM (`<arg_key>`) put XML, not JSON,
  // inside <tool_call>: not this syntax.
  if (contains(tmpl, "<tool_call>") && contains(tmpl, "\"arguments\"") && !contains(tmpl, "<function=") &&
      !contains(tmpl, "<arg_key>")) {
    return ToolCallSyntax::TaggedJson;
  }
  if (contains(tmpl, "<|start_header_id|>") && contains(tmpl, "\"parameters\"")) return ToolCallSyntax::Llama3Json;
  return ToolCallSyntax::GenericJson;
}

// For templates that show no syntax: the family's special tokens.
ToolCallSyntax tools_from_vocab(const std::function<bool(std::string_view)>& vocab_has_token) {
  if (is_harmony_vocab(vocab_has_token)) return ToolCallSyntax::Harmony;
  if (vocab_has(vocab_has_token, "[TOOL_CALLS]")) {
    return vocab_has(vocab_has_token, "[ARGS]") ? ToolCallSyntax::MistralNamed : ToolCallSyntax::MistralList;
  }
  if (vocab_has(vocab_has_token, "<tool_call>")) return ToolCallSyntax::TaggedJson;
  if (vocab_has(vocab_has_token, "<|python_tag|>")) return ToolCallSyntax::Llama3Json;
  return ToolCallSyntax::GenericJson;
}

ReasoningSyntax detect_reasoning(std::string_view tmpl, const std::function<bool(std::string_view)>& vocab_has_token) {
  if (is_harmony_template(tmpl)) return ReasoningSyntax::Harmony;
  if (contains(tmpl, "[THINK]") || vocab_has(vocab_has_token, "[THINK]")) return ReasoningSyntax::MistralThink;
  if (contains(tmpl, "<think>") || vocab_has(vocab_has_token, "<think>")) return ReasoningSyntax::ThinkTags;
  return ReasoningSyntax::None;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

ChatOutputFormat detect_chat_output_format(std::string_view chat_template,
                                           const std::function<bool(std::string_view)>& vocab_has_token) {
  ChatOutputFormat format;
  format.tools = tools_from_template(chat_template);
  if (format.tools == ToolCallSyntax::GenericJson) format.tools = tools_from_vocab(vocab_has_token);
  format.reasoning = detect_reasoning(chat_template, vocab_has_token);
  // Harmony frames every message, so its reasoning and calls go together.
  if (format.tools == ToolCallSyntax::Harmony) format.reasoning = ReasoningSyntax::Harmony;
  if (format.reasoning == ReasoningSyntax::Harmony) format.tools = ToolCallSyntax::Harmony;
  return format;
}

bool prompt_ends_inside_reasoning(ReasoningSyntax syntax, std::string_view prompt) {
  const std::string_view open = reasoning_open_tag(syntax), close = reasoning_close_tag(syntax);
  if (open.empty()) return false;
  const size_t opened = prompt.rfind(open);
  if (opened == std::string_view::npos) return false;
  const size_t closed = prompt.rfind(close);
  if (closed != std::string_view::npos && closed > opened) return false;
  for (size_t i = opened + open.size(); i < prompt.size(); ++i) {
    if (!is_space(prompt[i])) return false;
  }
  return true;
}

std::string_view reasoning_open_tag(ReasoningSyntax syntax) {
  switch (syntax) {
    case ReasoningSyntax::ThinkTags: return "<think>";
    case ReasoningSyntax::MistralThink: return "[THINK]";
    case ReasoningSyntax::Harmony: return "<|channel|>analysis<|message|>";
    case ReasoningSyntax::None: break;
  }
  return "";
}

std::string_view reasoning_close_tag(ReasoningSyntax syntax) {
  switch (syntax) {
    case ReasoningSyntax::ThinkTags: return "</think>";
    case ReasoningSyntax::MistralThink: return "[/THINK]";
    case ReasoningSyntax::Harmony: return "<|end|>";
    case ReasoningSyntax::None: break;
  }
  return "";
}

std::string_view tool_call_marker(ToolCallSyntax syntax) {
  switch (syntax) {
    case ToolCallSyntax::MistralList:
    case ToolCallSyntax::MistralNamed: return "[TOOL_CALLS]";
    case ToolCallSyntax::TaggedJson:
    case ToolCallSyntax::GenericJson: return "<tool_call>";
    case ToolCallSyntax::Harmony: return "to=functions.";
    case ToolCallSyntax::Llama3Json:
    case ToolCallSyntax::None: break;
  }
  return "";
}

const char* tool_call_syntax_name(ToolCallSyntax syntax) {
  switch (syntax) {
    case ToolCallSyntax::None: return "none";
    case ToolCallSyntax::MistralList: return "mistral_list";
    case ToolCallSyntax::MistralNamed: return "mistral_named";
    case ToolCallSyntax::Llama3Json: return "llama3_json";
    case ToolCallSyntax::TaggedJson: return "tagged_json";
    case ToolCallSyntax::GenericJson: return "generic_json";
    case ToolCallSyntax::Harmony: return "harmony";
  }
  return "unknown";
}

const char* reasoning_syntax_name(ReasoningSyntax syntax) {
  switch (syntax) {
    case ReasoningSyntax::None: return "none";
    case ReasoningSyntax::ThinkTags: return "think_tags";
    case ReasoningSyntax::MistralThink: return "mistral_think";
    case ReasoningSyntax::Harmony: return "harmony";
  }
  return "unknown";
}

}  // namespace pg::chat
