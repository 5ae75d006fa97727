// The streaming reader of gpt-oss replies in OpenAI's harmony format
// (ToolCallSyntax::Harmony): messages framed as `<|channel|>CHANNEL<|message|>…<|end|>`, each
// after `<|start|>assistant` (the prompt holds the first one's), become reasoning (analysis
// channel), tool calls (a message addressed `to=functions.NAME`, its text the JSON arguments)
// and content (every other message). ChatOutputParser hands harmony formats here; this file
// follows that parser's contract (chat_output_parser.h): deltas independent of how the text is
// split, markers never leaked into content while the reply stays harmony, nothing thrown, nothing
// dropped but the framing itself. It never knows which tools exist and never renders prompts.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/chat/chat_output_parser.h"

namespace pg::chat {

// How a harmony reply is read:
// - The reply starts inside a message header (the prompt ended with `<|start|>assistant`; a
//   reply that opens with `<|start|>` again is read as if it had not), or
//   inside an analysis message when `prompt_opens_analysis`. A header is the role (only after an
//   output `<|start|>`), `to=RECIPIENT`, `<|channel|>CHANNEL` and an optional content type
//   (`<|constrain|>json` or `json`), then `<|message|>`; a message ends at `<|end|>`,
//   `<|return|>` or `<|call|>` (also at `<|start|>` or `<|channel|>`, which open the next one).
// - Analysis messages are reasoning (content when reasoning is disabled), messages to
//   `functions.NAME` are calls (content when tools are disabled), all others are content.
// - A call's text must be one JSON object: its compact form streams as the arguments from its
//   `{` on, and the call ends when the object closes (the `<|call|>` that follows is usually the
//   end-of-generation token, which the text never shows). A call whose text is not a JSON
//   object, or is cut off, is not a call: from its header on everything is content, markers
//   included, and nothing after it is parsed.
// - Text that is not a header where one was due is content as written; text between messages
//   is content too, except whitespace and stray end markers.
class HarmonyOutputParser {
 public:
  HarmonyOutputParser(bool tools_enabled, bool reasoning_enabled, bool prompt_opens_analysis, IdGenerator ids);
  ~HarmonyOutputParser();
  HarmonyOutputParser(HarmonyOutputParser&&) noexcept;
  HarmonyOutputParser& operator=(HarmonyOutputParser&&) noexcept;

  std::vector<ChatDelta> push(std::string_view text);
  std::vector<ChatDelta> finish();
  const ParsedChatOutput& result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg::chat
