// Streaming parser of a model's generated text (special tokens rendered as
// their text) into content, reasoning and tool calls, in the syntaxes of
// tool_call_format.h. Text is pushed as it is generated, in pieces split
// anywhere (even inside a UTF-8 character); the deltas returned are the same
// whatever the split, and text that might start a marker is held back until
// it is known not to. It never throws, never drops text (what is not a
// reasoning block or a well-formed call stays content) and never knows which
// tools exist: grammars (tool_call_grammar.h) keep calls to the declared ones.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/tool_call_format.h"

namespace pg::chat {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // a compact JSON object text (no whitespace between tokens)
  bool operator==(const ToolCall&) const = default;
};

struct ParsedChatOutput {
  std::string content, reasoning;
  std::vector<ToolCall> tool_calls;  // complete calls only, in output order
  bool operator==(const ParsedChatOutput&) const = default;
};

struct ChatDelta {
  enum Kind { Content, Reasoning, ToolCallBegin, ToolCallArguments };
  Kind kind = Content;
  int index = -1;    // the call's number (0, 1, ...) for ToolCallBegin and ToolCallArguments; else -1
  std::string text;  // Content, Reasoning, ToolCallArguments: the new text
  std::string id, name;  // ToolCallBegin
  bool operator==(const ChatDelta&) const = default;
};

// Appends text as a delta of `kind` (and call `index`) to `deltas`, joined to
// the last one when that has the same kind and index; empty text adds nothing.
void append_delta(std::vector<ChatDelta>& deltas, ChatDelta::Kind kind, int index, std::string_view text);

// Makes call ids: given a length, returns that many characters of [A-Za-z0-9].
using IdGenerator = std::function<std::string(size_t length)>;
// Deterministic for a seed (tests); each generator has its own state.
IdGenerator seeded_id_generator(uint64_t seed);
// Seeded from std::random_device once, when made.
IdGenerator random_id_generator();

// Deltas and the result:
// - Content and Reasoning deltas concatenate to result().content and .reasoning.
// - A call is announced by ToolCallBegin (id, name) once its name is known; its
//   ToolCallArguments deltas concatenate to exactly its final `arguments`. Arguments stream as
//   they are written where the syntax puts the name first (MistralNamed, TaggedJson, GenericJson,
//   Llama3Json); MistralList, whose id follows the arguments, announces each call whole when its
//   object is complete.
// - A call that proves malformed, or is incomplete at finish(), is not a call: from the start of
//   that call (its marker and the whitespace before it included) everything becomes content,
//   reported as one Content delta,
//   and nothing after it is parsed as a call; result() lists only complete calls. If the call had
//   been announced, its index is not reused, and a consumer that forwarded its deltas should
//   treat that Content delta as replacing them.
// - Call ids: the model's own id when MistralNamed / MistralList give one of 9 alphanumerics,
//   else a generated one: 9 alphanumerics for Mistral syntaxes, "call_" + 24 alphanumerics for
//   the others (as OpenAI's).
// - Reasoning: a block that opens the turn (after optional whitespace, which stays content) or
//   that the prompt opened (format.prompt_opens_reasoning); its text is stripped of whitespace at
//   both ends, and whitespace right after the closing tag is dropped (as llama.cpp does). An
//   unclosed block is reasoning to the end. With reasoning disabled, tags and text are content.
// - Whitespace right before a call marker and after a call is not content (unless that call
//   fails, see above).
// - Harmony (gpt-oss) replies are read by HarmonyOutputParser (harmony_output_parser.h), which
//   keeps this contract with the rules written there.
class ChatOutputParser {
 public:
  // `ids` empty: random_id_generator().
  explicit ChatOutputParser(ChatOutputFormat format, bool tools_enabled, bool reasoning_enabled, IdGenerator ids = {});
  ~ChatOutputParser();
  ChatOutputParser(ChatOutputParser&&) noexcept;
  ChatOutputParser& operator=(ChatOutputParser&&) noexcept;

  // Feeds generated text; returns the deltas it makes certain (adjacent deltas of one kind and
  // index merged). Pushing after finish() returns nothing.
  std::vector<ChatDelta> push(std::string_view text);
  // The end of generation: releases held-back text and settles an open call.
  std::vector<ChatDelta> finish();
  // Everything the deltas so far said; final after finish().
  const ParsedChatOutput& result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a whole output at once (push + finish).
ParsedChatOutput parse_chat_output(std::string_view text, const ChatOutputFormat& format, bool tools_enabled,
                                   bool reasoning_enabled, IdGenerator ids);

}  // namespace pg::chat
