// What a model writes when it calls a tool or reasons, read off its chat
// template (and the special tokens of its vocabulary): the tool-call syntax
// and the reasoning syntax that the output parser and the call grammar follow.
// Detection looks at text only: it never renders a template, never parses
// model output and never fails (unknown templates get the generic syntax).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace pg::chat {

enum class ToolCallSyntax {
  // No tool calling: output is content only.
  None,
  // Mistral Nemo / Mistral 7B v0.3: `[TOOL_CALLS][{"name": N, "arguments": {…}, "id": ID}, …]`,
  // one JSON list for all calls, no closing marker.
  MistralList,
  // Mistral Small 3.2 / Ministral 3 / Devstral: `[TOOL_CALLS]NAME[CALL_ID]ID[ARGS]{…}` or
  // `[TOOL_CALLS]NAME[ARGS]{…}`, once per call.
  MistralNamed,
  // Llama 3.1 / 3.2 / 3.3: the whole turn is one `{"name": N, "parameters": {…}}` (key
  // "arguments" accepted too), optionally after `<|python_tag|>`. One call per turn.
  Llama3Json,
  // Hermes / Qwen 2.5 / Qwen3 / Granite 4: optional text, then per call
  // `<tool_call>\n{"name": N, "arguments": {…}}\n</tool_call>`.
  TaggedJson,
  // Templates with no tool-call syntax of their own (or one this parser does not read, such as
  // Qwen3-Coder's XML parameters): exactly the TaggedJson form. A server offering tools to such a
  // model describes this form to it (the template does not); the `<tool_call>` markers are plain
  // text there rather than special tokens, which changes nothing for parsing or grammars.
  GenericJson,
  // gpt-oss (OpenAI's harmony format): a message on the commentary channel addressed to the tool,
  // `<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{…}<|call|>` (the
  // `to=functions.NAME` may come before `<|channel|>` instead), one call per message; the reply's
  // other messages are `<|channel|>analysis<|message|>…<|end|>` (reasoning) and
  // `<|channel|>final<|message|>…<|return|>` (content), each after `<|start|>assistant`.
  Harmony,
};

enum class ReasoningSyntax {
  None,
  ThinkTags,     // <think>…</think> at the start of the turn (Qwen3, DeepSeek-R1, SmolLM3, QwQ)
  MistralThink,  // [THINK]…[/THINK] at the start of the turn (Magistral, Ministral 3 Reasoning)
  Harmony,       // gpt-oss: every message on the analysis channel is reasoning (see ToolCallSyntax::Harmony)
};

struct ChatOutputFormat {
  ToolCallSyntax tools = ToolCallSyntax::None;
  ReasoningSyntax reasoning = ReasoningSyntax::None;
  // The prompt already ends inside an opened reasoning block (DeepSeek-R1 distill's generation
  // prompt `<｜Assistant｜><think>\n`), so output is reasoning up to the closing tag.
  // detect_chat_output_format() leaves it false: only the rendered prompt tells (that template
  // closes the block again unless enable_thinking is set). Set it from
  // prompt_ends_inside_reasoning() once the prompt is rendered.
  bool prompt_opens_reasoning = false;

  bool operator==(const ChatOutputFormat&) const = default;
};

// The syntaxes a model with this chat template (source text) writes. `vocab_has_token(text)` says
// whether the vocabulary has a token that is exactly `text` (special tokens such as "[TOOL_CALLS]",
// "<think>"); it decides when the template names no known syntax. May be empty (no vocabulary).
ChatOutputFormat detect_chat_output_format(std::string_view chat_template,
                                           const std::function<bool(std::string_view)>& vocab_has_token);

// Whether a rendered prompt ends inside a reasoning block of `syntax`: its last opening tag comes
// after its last closing tag and only whitespace follows that opening tag.
bool prompt_ends_inside_reasoning(ReasoningSyntax syntax, std::string_view prompt);

// The tags of a reasoning syntax ("" for None). Harmony: those of one analysis message,
// "<|channel|>analysis<|message|>" and "<|end|>".
std::string_view reasoning_open_tag(ReasoningSyntax syntax);
std::string_view reasoning_close_tag(ReasoningSyntax syntax);

// The text that starts tool calls in the output ("[TOOL_CALLS]", "<tool_call>", "to=functions." for
// Harmony, whose call header holds it wherever the recipient stands; "" for None and Llama3Json,
// whose call is recognised by the shape of the whole turn).
std::string_view tool_call_marker(ToolCallSyntax syntax);

// Stable lower-case names for logs and model details ("mistral_list", "think_tags", ...).
const char* tool_call_syntax_name(ToolCallSyntax syntax);
const char* reasoning_syntax_name(ReasoningSyntax syntax);

}  // namespace pg::chat
