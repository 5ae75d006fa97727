// The incremental JSON checker (see json_scan.h): a byte-level state machine
// with a stack of open containers. It must never accept a byte that no valid
// JSON text could continue with, and never read past the byte it is given.
#include "engine/chat/json_scan.h"

namespace pg::chat {
namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Number sub-states: where in `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` we are.
enum NumberState : uint8_t {
  kAfterMinus,     // needs a digit
  kAfterZero,      // complete
  kIntDigits,      // complete
  kAfterDot,       // needs a digit
  kFracDigits,     // complete
  kAfterExp,       // needs a sign or digit
  kAfterExpSign,   // needs a digit
  kExpDigits,      // complete
  kNumberInvalid,  // not a continuation
};

bool number_complete(uint8_t s) { return s == kAfterZero || s == kIntDigits || s == kFracDigits || s == kExpDigits; }

uint8_t number_next(uint8_t s, char c) {
  const bool digit = is_digit(c);
  const bool exp = c == 'e' || c == 'E';
  switch (s) {
    case kAfterMinus: return c == '0' ? kAfterZero : digit ? kIntDigits : kNumberInvalid;
    case kAfterZero: return c == '.' ? kAfterDot : exp ? kAfterExp : kNumberInvalid;
    case kIntDigits: return digit ? kIntDigits : c == '.' ? kAfterDot : exp ? kAfterExp : kNumberInvalid;
    case kAfterDot: return digit ? kFracDigits : kNumberInvalid;
    case kFracDigits: return digit ? kFracDigits : exp ? kAfterExp : kNumberInvalid;
    case kAfterExp: return (c == '+' || c == '-') ? kAfterExpSign : digit ? kExpDigits : kNumberInvalid;
    case kAfterExpSign: return digit ? kExpDigits : kNumberInvalid;
    case kExpDigits: return digit ? kExpDigits : kNumberInvalid;
    default: return kNumberInvalid;
  }
}

// Continuation bytes a UTF-8 lead byte announces; -1 for bytes that cannot lead.
int utf8_continuations(unsigned char c) {
  if (c >= 0xC2 && c <= 0xDF) return 1;
  if (c >= 0xE0 && c <= 0xEF) return 2;
  if (c >= 0xF0 && c <= 0xF4) return 3;
  return -1;
}

}  // namespace

JsonScanner::Feed JsonScanner::feed(char c) {
  significant_ = key_ended_ = value_began_ = value_ended_ = false;
  const size_t pos = offset_++;
  return step(c, pos);
}

JsonScanner::Feed JsonScanner::fail() {
  state_ = State::Failed;
  return Feed::Error;
}

JsonScanner::Feed JsonScanner::step(char c, size_t pos) {
  switch (state_) {
    case State::Done:
    case State::Failed: return fail();
    case State::String: return in_string(static_cast<unsigned char>(c), pos);
    case State::Number: return in_number(c, pos);
    case State::Literal:
      if (c != literal_[literal_pos_]) return fail();
      significant_ = true;
      if (literal_[++literal_pos_] == '\0') end_value(pos + 1);
      return Feed::Ok;
    case State::Value:
      if (is_json_space(c)) return Feed::Ok;
      if (c == ']' && close_allowed_) return close_container(c, pos);
      return begin_value(c, pos);
    case State::Key:
    case State::KeyOrClose:
      if (is_json_space(c)) return Feed::Ok;
      if (c == '}' && state_ == State::KeyOrClose) return close_container(c, pos);
      if (c != '"') return fail();
      significant_ = true;
      string_is_key_ = true;
      if (stack_.size() == 1) key_begin_ = pos;
      state_ = State::String;
      return Feed::Ok;
    case State::Colon:
      if (is_json_space(c)) return Feed::Ok;
      if (c != ':') return fail();
      significant_ = true;
      state_ = State::Value;
      close_allowed_ = false;
      return Feed::Ok;
    case State::AfterValue: return after_value(c, pos);
  }
  return fail();
}

JsonScanner::Feed JsonScanner::begin_value(char c, size_t pos) {
  if (stack_.empty() && c != '{' && c != '[') return fail();
  if (stack_.size() == 1) {
    value_began_ = true;
    value_begin_ = pos;
  }
  significant_ = true;
  switch (c) {
    case '{':
      stack_.push_back('{');
      state_ = State::KeyOrClose;
      return Feed::Ok;
    case '[':
      stack_.push_back('[');
      state_ = State::Value;
      close_allowed_ = true;
      return Feed::Ok;
    case '"':
      string_is_key_ = false;
      state_ = State::String;
      return Feed::Ok;
    case 't': literal_ = "true"; break;
    case 'f': literal_ = "false"; break;
    case 'n': literal_ = "null"; break;
    default:
      if (c != '-' && !is_digit(c)) return fail();
      number_ = c == '-' ? kAfterMinus : c == '0' ? kAfterZero : kIntDigits;
      state_ = State::Number;
      return Feed::Ok;
  }
  literal_pos_ = 1;
  state_ = State::Literal;
  return Feed::Ok;
}

JsonScanner::Feed JsonScanner::in_string(unsigned char c, size_t pos) {
  significant_ = true;
  if (utf8_left_ > 0) {
    if ((c & 0xC0) != 0x80) return fail();
    --utf8_left_;
    return Feed::Ok;
  }
  if (hex_left_ > 0) {
    if (!is_hex(static_cast<char>(c))) return fail();
    --hex_left_;
    return Feed::Ok;
  }
  if (escape_) {
    escape_ = false;
    if (c == 'u') {
      hex_left_ = 4;
      return Feed::Ok;
    }
    switch (c) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return Feed::Ok;
      default: return fail();
    }
  }
  if (c == '\\') {
    escape_ = true;
    return Feed::Ok;
  }
  if (c < 0x20) return fail();
  if (c >= 0x80) {
    const int more = utf8_continuations(c);
    if (more < 0) return fail();
    utf8_left_ = static_cast<uint8_t>(more);
    return Feed::Ok;
  }
  if (c != '"') return Feed::Ok;
  if (!string_is_key_) {
    end_value(pos + 1);
    return Feed::Ok;
  }
  key_ended_ = stack_.size() == 1;
  state_ = State::Colon;
  return Feed::Ok;
}

JsonScanner::Feed JsonScanner::in_number(char c, size_t pos) {
  const uint8_t next = number_next(number_, c);
  if (next != kNumberInvalid) {
    number_ = next;
    significant_ = true;
    return Feed::Ok;
  }
  if (!number_complete(number_)) return fail();
  end_value(pos);
  return after_value(c, pos);
}

JsonScanner::Feed JsonScanner::after_value(char c, size_t pos) {
  if (is_json_space(c)) return Feed::Ok;
  if (c == ',') {
    significant_ = true;
    if (stack_.back() == '{') {
      state_ = State::Key;
    } else {
      state_ = State::Value;
      close_allowed_ = false;
    }
    return Feed::Ok;
  }
  if ((c == '}' && stack_.back() == '{') || (c == ']' && stack_.back() == '[')) return close_container(c, pos);
  return fail();
}

JsonScanner::Feed JsonScanner::close_container(char c, size_t pos) {
  significant_ = true;
  stack_.pop_back();
  if (stack_.empty()) {
    state_ = State::Done;
    return Feed::Closed;
  }
  end_value(pos + 1);
  return Feed::Ok;
}

void JsonScanner::end_value(size_t end) {
  if (stack_.size() == 1) {
    value_ended_ = true;
    value_end_ = end;
  }
  state_ = State::AfterValue;
}

namespace {

// Runs a scanner over `text`: true when it is exactly one object, whitespace around allowed.
// `on_byte(scanner, index)` sees every byte after it was fed.
template <typename OnByte>
bool scan_object(std::string_view text, OnByte on_byte) {
  JsonScanner scanner;
  size_t i = 0;
  while (i < text.size() && is_json_space(text[i])) ++i;
  if (i == text.size() || text[i] != '{') return false;
  for (; i < text.size(); ++i) {
    const JsonScanner::Feed f = scanner.feed(text[i]);
    if (f == JsonScanner::Feed::Error) return false;
    on_byte(scanner, i);
    if (f == JsonScanner::Feed::Closed) break;
  }
  if (!scanner.closed()) return false;
  for (++i; i < text.size(); ++i) {
    if (!is_json_space(text[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> compact_json_object(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const bool ok = scan_object(text, [&](const JsonScanner& s, size_t i) {
    if (s.significant()) out.push_back(text[i]);
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<JsonMember>> json_object_members(std::string_view text) {
  std::vector<JsonMember> members;
  size_t base = 0;  // index in `text` of the scanner's offset 0
  bool base_set = false;
  const bool ok = scan_object(text, [&](const JsonScanner& s, size_t i) {
    if (!base_set) {
      base = i + 1 - s.offset();
      base_set = true;
    }
    if (s.key_ended()) members.push_back({text.substr(base + s.key_begin(), i + 1 - (base + s.key_begin())), {}});
    if (s.value_ended() && !members.empty()) {
      members.back().value = text.substr(base + s.value_begin(), s.value_end() - s.value_begin());
    }
  });
  if (!ok) return std::nullopt;
  return members;
}

}  // namespace pg::chat
