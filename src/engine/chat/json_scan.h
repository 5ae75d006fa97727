// An incremental JSON checker for streamed model output: fed one byte at a
// time, it says at once whether the text so far can still be the start of a
// JSON object or array (RFC 8259, UTF-8 checked inside strings), when that
// value is complete, which bytes belong to its compact form (everything but
// whitespace between tokens), and where the keys and values of the top-level
// container begin and end. It never builds a value and never allocates per
// byte; the parser of tool calls builds on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pg::chat {

class JsonScanner {
 public:
  enum class Feed {
    Ok,      // consumed; the text so far is a prefix of a JSON object or array
    Closed,  // consumed; it closed the top-level value (feed nothing more)
    Error,   // cannot continue valid JSON (or fed after Closed); the scanner stays failed
  };

  // Leading whitespace is skipped; the top-level value must be an object or array.
  Feed feed(char c);

  // About the byte just fed:
  bool significant() const { return significant_; }  // part of the compact form
  // A key of the top-level object ended with this byte: bytes [key_begin(), offset()) are the
  // key's JSON string, quotes included.
  bool key_ended() const { return key_ended_; }
  size_t key_begin() const { return key_begin_; }
  // A value directly inside the top-level container (a member value or an element) began with
  // this byte, at offset() - 1.
  bool value_began() const { return value_began_; }
  // Such a value ended: with this byte, or (a number) just before it. Its bytes are
  // [value_begin(), value_end()).
  bool value_ended() const { return value_ended_; }
  size_t value_begin() const { return value_begin_; }
  size_t value_end() const { return value_end_; }

  size_t offset() const { return offset_; }  // bytes fed so far
  size_t depth() const { return stack_.size(); }
  bool closed() const { return state_ == State::Done; }
  // Between values of the top-level container: a value just ended and a ',' or the closing
  // bracket comes next.
  bool after_top_level_value() const { return state_ == State::AfterValue && stack_.size() == 1; }

 private:
  enum class State : uint8_t { Value, Key, KeyOrClose, Colon, AfterValue, String, Number, Literal, Done, Failed };

  Feed step(char c, size_t pos);
  Feed begin_value(char c, size_t pos);
  Feed in_string(unsigned char c, size_t pos);
  Feed in_number(char c, size_t pos);
  Feed close_container(char c, size_t pos);
  Feed after_value(char c, size_t pos);
  void end_value(size_t end);
  Feed fail();

  std::vector<char> stack_;  // '{' or '[' per open container
  State state_ = State::Value;
  bool close_allowed_ = false;  // in Value right after '[': ']' may come
  bool string_is_key_ = false;
  bool escape_ = false;
  uint8_t hex_left_ = 0;   // hex digits still due in a \u escape
  uint8_t utf8_left_ = 0;  // continuation bytes still due
  uint8_t number_ = 0;     // number sub-state (see json_scan.cpp)
  const char* literal_ = nullptr;
  size_t literal_pos_ = 0;
  size_t offset_ = 0;
  bool significant_ = false, key_ended_ = false, value_began_ = false, value_ended_ = false;
  size_t key_begin_ = 0, value_begin_ = 0, value_end_ = 0;
};

// A JSON object text (whitespace around allowed) without the whitespace between its tokens;
// nullopt when it is not exactly one valid JSON object.
std::optional<std::string> compact_json_object(std::string_view text);

struct JsonMember {
  std::string_view key;    // the key's JSON string, quotes included
  std::string_view value;  // the value's JSON text
};
// The members of a JSON object text, in order (duplicates kept); nullopt when it is not exactly
// one valid JSON object.
std::optional<std::vector<JsonMember>> json_object_members(std::string_view text);

}  // namespace pg::chat
