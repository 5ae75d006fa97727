// Harmony message headers; see harmony_header.h. A small recursive-descent
// reader that reports Partial whenever the text ends before it can decide.
#include "engine/chat/harmony_header.h"

namespace pg::chat {
namespace {

bool is_name_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

enum class Match { No, Yes, Partial };

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  // The literal at the cursor (consumed), not there, or cut off by the end of the text.
  Match literal(std::string_view lit) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.size() >= lit.size()) {
      if (!rest.starts_with(lit)) return Match::No;
      pos_ += lit.size();
      return Match::Yes;
    }
    return lit.starts_with(rest) ? Match::Partial : Match::No;
  }

  std::string name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  void skip_spaces() {
    while (!at_end() && peek() == ' ') ++pos_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// A name after a part's keyword: Partial while it may still grow, Invalid when empty.
HarmonyHeaderScan read_name(Reader& r, std::string& out) {
  out = r.name();
  if (r.at_end()) return HarmonyHeaderScan::Partial;
  return out.empty() ? HarmonyHeaderScan::Invalid : HarmonyHeaderScan::Complete;
}

}  // namespace

HarmonyHeaderScan scan_harmony_header(std::string_view text, bool with_role, HarmonyHeader& header) {
  header = HarmonyHeader{};
  if (text.size() > kMaxHarmonyHeaderBytes) return HarmonyHeaderScan::Invalid;
  Reader r(text);
  if (with_role) {
    if (const HarmonyHeaderScan s = read_name(r, header.role); s != HarmonyHeaderScan::Complete) return s;
  }
  bool have_recipient = false, have_channel = false, have_type = false;
  while (true) {
    r.skip_spaces();
    if (r.at_end()) return HarmonyHeaderScan::Partial;
    struct Part {
      std::string_view keyword;
      bool* seen;
      std::string* value;
    };
    const Part parts[] = {{"<|channel|>", &have_channel, &header.channel},
                          {"<|constrain|>", &have_type, &header.content_type},
                          {"to=", &have_recipient, &header.recipient}};
    Match m = r.literal("<|message|>");
    if (m == Match::Yes) {
      if (!r.at_end() || (!have_channel && !have_recipient)) return HarmonyHeaderScan::Invalid;
      return HarmonyHeaderScan::Complete;
    }
    if (m == Match::Partial) return HarmonyHeaderScan::Partial;
    bool matched = false;
    for (const Part& part : parts) {
      m = r.literal(part.keyword);
      if (m == Match::Partial) return HarmonyHeaderScan::Partial;
      if (m == Match::No) continue;
      if (*part.seen) return HarmonyHeaderScan::Invalid;
      *part.seen = true;
      if (const HarmonyHeaderScan s = read_name(r, *part.value); s != HarmonyHeaderScan::Complete) return s;
      matched = true;
      break;
    }
    if (matched) continue;
    // A bare content type (" json") after the channel.
    if (!have_channel || have_type || !is_name_char(r.peek())) return HarmonyHeaderScan::Invalid;
    have_type = true;
    if (const HarmonyHeaderScan s = read_name(r, header.content_type); s != HarmonyHeaderScan::Complete) return s;
  }
}

}  // namespace pg::chat
