// Helpers for the chat output tests: a deterministic id generator, parsing a
// text whole and split at every byte (and one byte at a time) with the
// invariants every parse must keep checked on the way, and the JSON
// comparison of arguments.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_output_parser.h"
#include "engine/chat/json_scan.h"

namespace pg::chat::test {

// Ids "AAAAAAAA0", "AAAAAAAA1", ... (the counter's digits right-aligned, 'A' before them).
inline IdGenerator counting_ids() {
  auto next = std::make_shared<int>(0);
  return [next](size_t length) {
    std::string digits = std::to_string((*next)++);
    if (digits.size() >= length) return digits.substr(digits.size() - length);
    return std::string(length - digits.size(), 'A') + digits;
  };
}

struct ParserSetup {
  ChatOutputFormat format;
  bool tools = true;
  bool reasoning = true;
};

struct Parsed {
  ParsedChatOutput result;
  std::vector<ChatDelta> deltas;  // adjacent deltas of one kind and index merged
};

inline void append_merged(std::vector<ChatDelta>& all, std::vector<ChatDelta> more) {
  for (ChatDelta& d : more) {
    if (d.kind != ChatDelta::ToolCallBegin && !all.empty() && all.back().kind == d.kind && all.back().index == d.index) {
      all.back().text += d.text;
    } else {
      all.push_back(std::move(d));
    }
  }
}

// Parses `text` pushed in the given pieces.
inline Parsed parse_pieces(const ParserSetup& s, const std::vector<std::string_view>& pieces) {
  ChatOutputParser parser(s.format, s.tools, s.reasoning, counting_ids());
  Parsed p;
  for (std::string_view piece : pieces) append_merged(p.deltas, parser.push(piece));
  append_merged(p.deltas, parser.finish());
  p.result = parser.result();
  return p;
}

// What every parse must keep: deltas add up to the result; arguments are compact JSON objects.
inline void expect_consistent(const Parsed& p, std::string_view text) {
  std::string content, reasoning;
  std::vector<ToolCall> announced;
  for (const ChatDelta& d : p.deltas) {
    switch (d.kind) {
      case ChatDelta::Content: content += d.text; break;
      case ChatDelta::Reasoning: reasoning += d.text; break;
      case ChatDelta::ToolCallBegin:
        ASSERT_EQ(d.index, static_cast<int>(announced.size())) << text;
        announced.push_back({d.id, d.name, ""});
        break;
      case ChatDelta::ToolCallArguments:
        ASSERT_EQ(d.index + 1, static_cast<int>(announced.size())) << "arguments of a call not begun last: " << text;
        announced.back().arguments += d.text;
        break;
    }
  }
  EXPECT_EQ(content, p.result.content) << text;
  EXPECT_EQ(reasoning, p.result.reasoning) << text;
  // Complete calls are the first ones announced (a failed call can only be the last).
  ASSERT_LE(p.result.tool_calls.size(), announced.size()) << text;
  EXPECT_LE(announced.size(), p.result.tool_calls.size() + 1) << text;
  for (size_t i = 0; i < p.result.tool_calls.size(); ++i) {
    EXPECT_EQ(announced[i], p.result.tool_calls[i]) << text;
    const std::string& args = p.result.tool_calls[i].arguments;
    EXPECT_EQ(compact_json_object(args).value_or("<not an object>"), args) << text;
  }
}

// Parses `text` whole, split in two at every byte, and one byte at a time: all must agree.
inline ParsedChatOutput parse_every_way(const ParserSetup& s, std::string_view text) {
  const Parsed whole = parse_pieces(s, {text});
  expect_consistent(whole, text);
  for (size_t k = 0; k <= text.size(); ++k) {
    const Parsed split = parse_pieces(s, {text.substr(0, k), text.substr(k)});
    EXPECT_EQ(split.result, whole.result) << "split at " << k << ": " << text;
    EXPECT_EQ(split.deltas, whole.deltas) << "split at " << k << ": " << text;
  }
  std::vector<std::string_view> bytes;
  for (size_t k = 0; k < text.size(); ++k) bytes.push_back(text.substr(k, 1));
  const Parsed one_by_one = parse_pieces(s, bytes);
  EXPECT_EQ(one_by_one.result, whole.result) << "byte by byte: " << text;
  EXPECT_EQ(one_by_one.deltas, whole.deltas) << "byte by byte: " << text;
  return whole.result;
}

inline bool same_json(const std::string& a, const std::string& b) {
  return nlohmann::json::parse(a, nullptr, false) == nlohmann::json::parse(b, nullptr, false) &&
         !nlohmann::json::parse(a, nullptr, false).is_discarded();
}

inline ChatOutputFormat format_of(ToolCallSyntax tools, ReasoningSyntax reasoning = ReasoningSyntax::None,
                                  bool prompt_opens_reasoning = false) {
  ChatOutputFormat f;
  f.tools = tools;
  f.reasoning = reasoning;
  f.prompt_opens_reasoning = prompt_opens_reasoning;
  return f;
}

}  // namespace pg::chat::test
