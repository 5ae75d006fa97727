// The harmony reply reader (see harmony_output_parser.h): a byte-at-a-time
// state machine over headers, message bodies and the gaps between messages.
// Every decision depends only on the bytes seen so far, so the deltas cannot
// depend on how the text was split. Never throws.
#include "engine/chat/harmony_output_parser.h"

#include <array>
#include <utility>

#include "engine/chat/harmony_header.h"
#include "engine/chat/json_scan.h"

namespace pg::chat {
namespace {

constexpr size_t kCallIdLength = 24;  // after "call_", as OpenAI's

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The markers that end a message body (the last two also open the next message).
enum Marker { End, Return, Call, Start, Channel };
constexpr std::array<std::string_view, 5> kMarkers = {"<|end|>", "<|return|>", "<|call|>", "<|start|>", "<|channel|>"};

// Holds bytes while they may still become a marker; releases the rest into `out`. Returns the
// marker `c` completed, or -1.
int hold_marker(std::string& held, char c, std::string& out) {
  held.push_back(c);
  while (!held.empty()) {
    bool prefix = false;
    for (size_t i = 0; i < kMarkers.size(); ++i) {
      if (held == kMarkers[i]) {
        held.clear();
        return static_cast<int>(i);
      }
      prefix = prefix || kMarkers[i].starts_with(held);
    }
    if (prefix) return -1;
    out.push_back(held.front());
    held.erase(0, 1);
  }
  return -1;
}

}  // namespace

struct HarmonyOutputParser::Impl {
  enum class State { Header, Body, Between, PassThrough };
  enum class Body { Reasoning, Content, Call };

  Impl(bool tools_enabled, bool reasoning_enabled, bool prompt_opens_analysis, IdGenerator id_gen)
      : tools(tools_enabled), reasoning(reasoning_enabled), ids(std::move(id_gen)) {
    if (prompt_opens_analysis) {
      state = State::Body;
      body = reasoning ? Body::Reasoning : Body::Content;
    }
  }

  // ------------------------------------------------------------ output

  void add(ChatDelta::Kind kind, int index, std::string_view text) { append_delta(deltas, kind, index, text); }
  void content(std::string_view text) {
    result.content.append(text);
    add(ChatDelta::Content, -1, text);
  }
  void reasoning_text(std::string_view text) {
    result.reasoning.append(text);
    add(ChatDelta::Reasoning, -1, text);
  }

  // ------------------------------------------------------------ states

  void feed(char c) {
    switch (state) {
      case State::Header: return in_header(c);
      case State::Body: return in_body(c);
      case State::Between: return between(c);
      case State::PassThrough: content(std::string_view(&c, 1)); return;
    }
  }

  // The header's text as written, with the `<|start|>` that opened it.
  std::string header_text() const { return (header_with_role ? std::string(kMarkers[Marker::Start]) : std::string()) + header; }

  void open_header(bool with_role, std::string_view start) {
    state = State::Header;
    header_with_role = with_role;
    header.assign(start);
  }

  void in_header(char c) {
    header.push_back(c);
    // A header without a role may still restate the one the prompt opened: `<|start|>assistant…`.
    if (!header_with_role && kMarkers[Marker::Start].starts_with(header)) {
      if (header == kMarkers[Marker::Start]) open_header(true, "");
      return;
    }
    HarmonyHeader h;
    const HarmonyHeaderScan scan = scan_harmony_header(header, header_with_role, h);
    if (scan == HarmonyHeaderScan::Partial) return;
    if (scan == HarmonyHeaderScan::Invalid) return header_failed();
    open_body(h);
  }

  // No header after all: its text is content, but a marker it may have begun (after its first
  // byte) is read again between messages.
  void header_failed() {
    std::string text = header_text();
    header.clear();
    const size_t last = text.rfind('<');
    std::string again;
    if (last != std::string::npos && last > 0) {
      again = text.substr(last);
      text.resize(last);
    }
    content(text);
    state = State::Between;
    for (char b : again) between(b);
  }

  void open_body(const HarmonyHeader& h) {
    seen_message = true;
    state = State::Body;
    held.clear();
    constexpr std::string_view kFunctions = "functions.";
    if (h.recipient.starts_with(kFunctions) && h.recipient.size() > kFunctions.size() && tools) {
      body = Body::Call;
      call = ToolCall{};
      call.name = h.recipient.substr(kFunctions.size());
      call_raw = header_text();
      call_begun = call_closed = false;
      scan = JsonScanner{};
    } else {
      body = h.channel == "analysis" && reasoning ? Body::Reasoning : Body::Content;
    }
    header.clear();
  }

  void in_body(char c) {
    if (body == Body::Call && !call_closed) call_raw.push_back(c);
    std::string text;
    const int marker = hold_marker(held, c, text);
    body_text(text);
    if (state != State::Body || marker < 0) return;
    end_body(static_cast<Marker>(marker));
  }

  void body_text(std::string_view text) {
    switch (body) {
      case Body::Reasoning: return reasoning_text(text);
      case Body::Content: return content(text);
      case Body::Call:
        for (char b : text) {
          call_byte(b);
          if (state != State::Body) return;  // the call failed; the rest went to content
        }
        return;
    }
  }

  void call_byte(char b) {
    if (call_closed) {
      if (!is_space(b)) content(std::string_view(&b, 1));  // text after the arguments
      return;
    }
    const JsonScanner::Feed f = scan.feed(b);
    if (f == JsonScanner::Feed::Error || (!call_begun && scan.significant() && b != '{')) return call_failed();
    if (!scan.significant()) return;
    if (!call_begun) {
      call_begun = true;
      call.id = "call_" + ids(kCallIdLength);
      call_index = next_index++;
      ChatDelta d;
      d.kind = ChatDelta::ToolCallBegin;
      d.index = call_index;
      d.id = call.id;
      d.name = call.name;
      deltas.push_back(std::move(d));
    }
    call.arguments.push_back(b);
    add(ChatDelta::ToolCallArguments, call_index, std::string_view(&b, 1));
    if (f == JsonScanner::Feed::Closed) {
      call_closed = true;
      call_raw.clear();
      result.tool_calls.push_back(std::exchange(call, ToolCall{}));
    }
  }

  // Not a call: everything from its header on is content, and so is all that follows.
  void call_failed() {
    content(call_raw);
    call_raw.clear();
    held.clear();
    state = State::PassThrough;
  }

  void end_body(Marker marker) {
    if (body == Body::Call && !call_closed) return call_failed();
    switch (marker) {
      case Marker::Start: return open_header(true, "");
      case Marker::Channel: return open_header(false, kMarkers[Marker::Channel]);
      case Marker::End:
      case Marker::Return:
      case Marker::Call: state = State::Between; return;
    }
  }

  // Outside messages: whitespace is held (and dropped before a message), other text is content.
  void between(char c) {
    if (held.empty() && is_space(c)) {
      gap.push_back(c);
      return;
    }
    std::string text;
    const int marker = hold_marker(held, c, text);
    if (!text.empty()) content(std::exchange(gap, {}) + text);
    if (marker < 0) return;
    gap.clear();
    if (marker == Marker::Start) open_header(true, "");
    if (marker == Marker::Channel) open_header(false, kMarkers[Marker::Channel]);
    // A stray end marker is dropped.
  }

  void finish() {
    switch (state) {
      case State::Header:
        content(header_text());
        header.clear();
        break;
      case State::Body: {
        const std::string rest = std::exchange(held, {});
        body_text(rest);
        if (state == State::Body && body == Body::Call && !call_closed) call_failed();
        break;
      }
      case State::Between:
        content((seen_message ? std::string() : gap) + held);
        gap.clear();
        held.clear();
        break;
      case State::PassThrough: break;
    }
    state = State::PassThrough;
  }

  bool tools, reasoning;
  IdGenerator ids;
  ParsedChatOutput result;
  std::vector<ChatDelta> deltas;
  bool finished = false;

  State state = State::Header;
  std::string header;  // Header: the bytes so far
  bool header_with_role = false;
  Body body = Body::Content;
  std::string held;  // Body, Between: a partial marker
  std::string gap;   // Between: whitespace
  bool seen_message = false;

  // Body::Call
  ToolCall call;
  std::string call_raw;  // the call's text since its header began, while it may still fail
  JsonScanner scan;
  bool call_begun = false, call_closed = false;
  int call_index = -1, next_index = 0;
};

HarmonyOutputParser::HarmonyOutputParser(bool tools_enabled, bool reasoning_enabled, bool prompt_opens_analysis,
                                         IdGenerator ids)
    : impl_(std::make_unique<Impl>(tools_enabled, reasoning_enabled, prompt_opens_analysis,
                                   ids ? std::move(ids) : random_id_generator())) {}

HarmonyOutputParser::~HarmonyOutputParser() = default;
HarmonyOutputParser::HarmonyOutputParser(HarmonyOutputParser&&) noexcept = default;
HarmonyOutputParser& HarmonyOutputParser::operator=(HarmonyOutputParser&&) noexcept = default;

std::vector<ChatDelta> HarmonyOutputParser::push(std::string_view text) {
  if (impl_->finished) return {};
  for (char c : text) impl_->feed(c);
  return std::exchange(impl_->deltas, {});
}

std::vector<ChatDelta> HarmonyOutputParser::finish() {
  if (impl_->finished) return {};
  impl_->finished = true;
  impl_->finish();
  return std::exchange(impl_->deltas, {});
}

const ParsedChatOutput& HarmonyOutputParser::result() const { return impl_->result; }

}  // namespace pg::chat
