// The streaming parser of generated text (see chat_output_parser.h). Two
// byte-at-a-time stages: the reasoning stage splits off a leading reasoning
// block, the tool stage splits the rest into content and calls with one
// reader per syntax. Every decision depends only on the bytes seen so far, so
// the output cannot depend on how the text was split. Never throws (JSON
// library exceptions are caught here) and never drops text silently.
#include "engine/chat/chat_output_parser.h"

#include <optional>
#include <random>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/chat/harmony_output_parser.h"
#include "engine/chat/json_scan.h"

namespace pg::chat {
namespace {

constexpr size_t kMistralIdLength = 9;
constexpr size_t kOpenAiIdLength = 24;
constexpr size_t kMaxNameBytes = 256;  // a longer Mistral function name is not a call
constexpr size_t kMaxIdBytes = 64;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }

bool is_mistral_id(std::string_view id) {
  if (id.size() != kMistralIdLength) return false;
  for (char c : id) {
    if (!is_alnum(c)) return false;
  }
  return true;
}

// The string a JSON string text stands for; nullopt when it is not one.
std::optional<std::string> json_string_value(std::string_view text) {
  if (text.empty() || text.front() != '"') return std::nullopt;
  try {
    const nlohmann::json value = nlohmann::json::parse(text);
    if (!value.is_string()) return std::nullopt;
    return value.get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// A call's arguments from the JSON text of its "arguments" value: an object, or a string holding
// one (as some models imitate from templates that quote string arguments); compact.
std::optional<std::string> arguments_text(std::string_view value) {
  if (!value.empty() && value.front() == '{') return compact_json_object(value);
  const std::optional<std::string> inner = json_string_value(value);
  if (!inner) return std::nullopt;
  return compact_json_object(*inner);
}

bool is_arguments_key(std::string_view key) { return key == "arguments" || key == "parameters"; }

// ------------------------------------------------------------------ output

// Collects deltas (merging adjacent ones of one kind and index) and keeps the result in step.
class Output {
 public:
  explicit Output(ParsedChatOutput& result) : result_(result) {}

  void content(std::string_view text) {
    result_.content.append(text);
    add(ChatDelta::Content, -1, text);
  }
  void reasoning(std::string_view text) {
    result_.reasoning.append(text);
    add(ChatDelta::Reasoning, -1, text);
  }
  void call_begin(int index, const std::string& id, const std::string& name) {
    ChatDelta d;
    d.kind = ChatDelta::ToolCallBegin;
    d.index = index;
    d.id = id;
    d.name = name;
    deltas_.push_back(std::move(d));
  }
  void call_arguments(int index, std::string_view text) { add(ChatDelta::ToolCallArguments, index, text); }
  void call_end(ToolCall call) { result_.tool_calls.push_back(std::move(call)); }

  std::vector<ChatDelta> take() { return std::exchange(deltas_, {}); }

 private:
  void add(ChatDelta::Kind kind, int index, std::string_view text) { append_delta(deltas_, kind, index, text); }

  ParsedChatOutput& result_;
  std::vector<ChatDelta> deltas_;
};

// ------------------------------------------------------------ marker scan

// Finds a marker in text fed byte by byte. Text that cannot be part of the marker, nor
// whitespace right before it, is released at once; whitespace and a partial marker are held.
class MarkerScan {
 public:
  explicit MarkerScan(std::string_view marker) : marker_(marker) {}

  // Feeds one byte, appending released text to `out`. True when the marker just completed: the
  // whitespace held before it is not released but moved to `space_before` (for the caller to
  // give back should what follows the marker prove not to be a call), and the scan starts afresh.
  bool feed(char c, std::string& out, std::string* space_before = nullptr) {
    if (partial_.empty() && (marker_.empty() || c != marker_.front())) {
      take_other(c, out);
      return false;
    }
    skip_space_ = false;
    partial_.push_back(c);
    if (partial_ == marker_) {
      if (space_before != nullptr) *space_before = skipped_ + space_;
      skipped_.clear();
      space_.clear();
      partial_.clear();
      return true;
    }
    if (marker_.starts_with(partial_)) return false;
    // The held partial marker broke off: its first byte starts no marker; rescan the rest, which
    // is shorter than the marker and so cannot complete it.
    const std::string rest = partial_.substr(1);
    out.append(space_).push_back(partial_.front());
    skipped_.clear();
    space_.clear();
    partial_.clear();
    for (char r : rest) feed(r, out);
    return false;
  }

  // Whitespace until the next other byte is not released: it is dropped, unless the marker
  // follows it directly (then it is part of `space_before`).
  void skip_space() { skip_space_ = true; }

  // Releases what is held: a partial marker with the whitespace before it, or trailing
  // whitespace alone when `keep_trailing_space` (skipped whitespace is dropped).
  void flush(std::string& out, bool keep_trailing_space) {
    if (!partial_.empty() || keep_trailing_space) out.append(space_).append(partial_);
    skipped_.clear();
    space_.clear();
    partial_.clear();
  }

 private:
  void take_other(char c, std::string& out) {
    if (is_space(c)) {
      (skip_space_ ? skipped_ : space_).push_back(c);
      return;
    }
    skip_space_ = false;
    skipped_.clear();
    out.append(space_).push_back(c);
    space_.clear();
  }

  std::string_view marker_;
  std::string skipped_, space_, partial_;
  bool skip_space_ = false;
};

// --------------------------------------------------------- reasoning stage

// Splits a leading reasoning block off the text; the rest passes through as content.
class ReasoningStage {
 public:
  ReasoningStage(const ChatOutputFormat& format, bool enabled)
      : open_(reasoning_open_tag(format.reasoning)),
        close_(reasoning_close_tag(format.reasoning)),
        forced_(format.prompt_opens_reasoning) {
    if (!enabled || open_.empty()) state_ = State::Content;
  }

  void feed(char c, std::string& reasoning, std::string& content) {
    switch (state_) {
      case State::Start: return at_start(c, reasoning, content);
      case State::Reasoning:
        if (close_.feed(c, reasoning)) state_ = State::AfterReasoning;
        return;
      case State::AfterReasoning:
        if (is_space(c)) return;
        state_ = State::Content;
        content.push_back(c);
        return;
      case State::Content: content.push_back(c); return;
    }
  }

  void finish(std::string& reasoning, std::string& content) {
    if (state_ == State::Start) {
      if (!forced_) {
        content.append(held_);
        return;
      }
      enter_reasoning_with(std::exchange(held_, {}), reasoning);
    }
    if (state_ == State::Reasoning) close_.flush(reasoning, /*keep_trailing_space=*/false);
  }

 private:
  enum class State { Start, Reasoning, AfterReasoning, Content };

  // Whitespace, then the opening tag or not.
  void at_start(char c, std::string& reasoning, std::string& content) {
    held_.push_back(c);
    if (tag_bytes_ == 0 && is_space(c)) return;
    ++tag_bytes_;
    const std::string_view tag(held_.data() + held_.size() - tag_bytes_, tag_bytes_);
    if (tag == open_) {
      if (!forced_) content.append(held_, 0, held_.size() - tag_bytes_);  // whitespace before the tag
      held_.clear();
      state_ = State::Reasoning;
      close_.skip_space();
      return;
    }
    if (open_.starts_with(tag)) return;
    if (!forced_) {
      state_ = State::Content;
      content.append(std::exchange(held_, {}));
      return;
    }
    enter_reasoning_with(std::exchange(held_, {}), reasoning);
  }

  // The prompt opened the block and the output did not open it again: `text` is reasoning.
  void enter_reasoning_with(const std::string& text, std::string& reasoning) {
    state_ = State::Reasoning;
    close_.skip_space();
    for (char c : text) {
      if (close_.feed(c, reasoning)) {
        state_ = State::AfterReasoning;  // cannot happen: `text` is shorter than a closing tag
      }
    }
  }

  std::string_view open_;
  MarkerScan close_;
  bool forced_;
  State state_ = State::Start;
  std::string held_;
  size_t tag_bytes_ = 0;
};

// ------------------------------------------------------------ call readers

// Where readers report calls.
class CallSink {
 public:
  virtual ~CallSink() = default;
  // A call starts; `model_id` is the id the model wrote ("" when none).
  virtual void begin(const std::string& name, const std::string& model_id) = 0;
  virtual void arguments(std::string_view text) = 0;
  virtual void end() = 0;  // the call begun last is complete
};

// Reads what follows a call marker (or, for Llama 3, the whole turn) byte by byte.
class CallReader {
 public:
  enum class Step { More, Done, Failed };
  virtual ~CallReader() = default;
  virtual Step feed(char c, CallSink& sink) = 0;
  // The output ended: true when what was read is complete (ending its call).
  virtual bool finish(CallSink& sink) = 0;
};

// A `{"name": …, "arguments": {…}}` object ("parameters" accepted for "arguments"; other keys
// ignored). Arguments stream once the name is known and the arguments object opens; otherwise
// the call is announced whole when the object closes.
class CallObject {
 public:
  enum class Step { More, Closed, Failed };

  Step feed(char c, CallSink& sink) {
    text_.push_back(c);
    const JsonScanner::Feed f = scan_.feed(c);
    if (f == JsonScanner::Feed::Error) return Step::Failed;
    if (scan_.key_ended() && !read_key()) return Step::Failed;
    if (scan_.value_began() && !value_began(c, sink)) return Step::Failed;
    if (streaming_ && in_arguments_ && scan_.significant()) sink.arguments(std::string_view(&c, 1));
    if (scan_.value_ended() && !value_ended()) return Step::Failed;
    if (f != JsonScanner::Feed::Closed) return Step::More;
    if (!name_ || !arguments_seen_) return Step::Failed;
    if (!streaming_) {
      sink.begin(*name_, "");
      sink.arguments(arguments_);
    }
    return Step::Closed;
  }

 private:
  bool read_key() {
    const std::optional<std::string> key = json_string_value(span(scan_.key_begin(), scan_.offset()));
    if (!key) return false;
    key_ = *key;
    return true;
  }

  bool value_began(char c, CallSink& sink) {
    if (!is_arguments_key(key_)) return true;
    if (arguments_seen_) return false;  // two argument objects
    arguments_seen_ = true;
    in_arguments_ = true;
    if (c == '{' && name_) {
      streaming_ = true;
      sink.begin(*name_, "");
    }
    return true;
  }

  bool value_ended() {
    const std::string_view value = span(scan_.value_begin(), scan_.value_end());
    if (key_ == "name") {
      if (name_) return false;
      name_ = json_string_value(value);
      return name_ && !name_->empty();
    }
    if (!is_arguments_key(key_)) return true;
    in_arguments_ = false;
    if (streaming_) return true;
    std::optional<std::string> args = arguments_text(value);
    if (!args) return false;
    arguments_ = std::move(*args);
    return true;
  }

  std::string_view span(size_t begin, size_t end) const {
    return std::string_view(text_).substr(begin, end - begin);
  }

  JsonScanner scan_;
  std::string text_;
  std::string key_;
  std::optional<std::string> name_;
  bool arguments_seen_ = false, in_arguments_ = false, streaming_ = false;
  std::string arguments_;  // compact, when not streamed
};

// After `<tool_call>`: whitespace, the call object, whitespace, `</tool_call>`.
class TaggedReader final : public CallReader {
 public:
  Step feed(char c, CallSink& sink) override {
    switch (phase_) {
      case Phase::BeforeObject:
        if (is_space(c)) return Step::More;
        if (c != '{') return Step::Failed;
        phase_ = Phase::Object;
        return object(c, sink);
      case Phase::Object: return object(c, sink);
      case Phase::AfterObject:
        if (tag_.empty() && is_space(c)) return Step::More;
        tag_.push_back(c);
        if (tag_ == kClose) {
          sink.end();
          return Step::Done;
        }
        return std::string_view(kClose).starts_with(tag_) ? Step::More : Step::Failed;
    }
    return Step::Failed;
  }

  // A complete object whose closing tag was cut off still counts.
  bool finish(CallSink& sink) override {
    if (phase_ != Phase::AfterObject) return false;
    sink.end();
    return true;
  }

 private:
  static constexpr const char* kClose = "</tool_call>";
  enum class Phase { BeforeObject, Object, AfterObject };

  Step object(char c, CallSink& sink) {
    const CallObject::Step s = object_.feed(c, sink);
    if (s == CallObject::Step::Failed) return Step::Failed;
    if (s == CallObject::Step::Closed) phase_ = Phase::AfterObject;
    return Step::More;
  }

  Phase phase_ = Phase::BeforeObject;
  CallObject object_;
  std::string tag_;
};

// Llama 3: the call object is the whole turn; only whitespace may follow it.
class Llama3Reader final : public CallReader {
 public:
  Step feed(char c, CallSink& sink) override {
    if (closed_) return is_space(c) ? Step::More : Step::Failed;
    const CallObject::Step s = object_.feed(c, sink);
    if (s == CallObject::Step::Failed) return Step::Failed;
    closed_ = s == CallObject::Step::Closed;
    return Step::More;
  }

  bool finish(CallSink& sink) override {
    if (!closed_) return false;
    sink.end();
    return true;
  }

 private:
  CallObject object_;
  bool closed_ = false;
};

// After `[TOOL_CALLS]`: NAME, optionally `[CALL_ID]`ID, then `[ARGS]` and the arguments object,
// which streams.
class MistralNamedReader final : public CallReader {
 public:
  Step feed(char c, CallSink& sink) override {
    switch (phase_) {
      case Phase::Name:
        if (c == '[' && !name_.empty()) return start_tag(c);
        if (!is_name_char(c) || name_.size() >= kMaxNameBytes) return Step::Failed;
        name_.push_back(c);
        return Step::More;
      case Phase::Tag: return in_tag(c);
      case Phase::Id:
        if (c == '[') return start_tag(c);
        if (!is_alnum(c) || id_.size() >= kMaxIdBytes) return Step::Failed;
        id_.push_back(c);
        return Step::More;
      case Phase::BeforeArgs:
        if (is_space(c)) return Step::More;
        if (c != '{') return Step::Failed;
        phase_ = Phase::Args;
        sink.begin(name_, id_);
        return args(c, sink);
      case Phase::Args: return args(c, sink);
    }
    return Step::Failed;
  }

  bool finish(CallSink&) override { return false; }  // a complete call has ended already

 private:
  static constexpr std::string_view kCallId = "[CALL_ID]";
  static constexpr std::string_view kArgs = "[ARGS]";
  enum class Phase { Name, Tag, Id, BeforeArgs, Args };

  Step start_tag(char c) {
    id_allowed_ = phase_ == Phase::Name;
    phase_ = Phase::Tag;
    tag_.assign(1, c);
    return Step::More;
  }

  Step in_tag(char c) {
    tag_.push_back(c);
    if (tag_ == kArgs) {
      phase_ = Phase::BeforeArgs;
      return Step::More;
    }
    if (id_allowed_ && tag_ == kCallId) {
      phase_ = Phase::Id;
      return Step::More;
    }
    const bool prefix = kArgs.starts_with(tag_) || (id_allowed_ && kCallId.starts_with(tag_));
    return prefix ? Step::More : Step::Failed;
  }

  Step args(char c, CallSink& sink) {
    const JsonScanner::Feed f = scan_.feed(c);
    if (f == JsonScanner::Feed::Error) return Step::Failed;
    if (scan_.significant()) sink.arguments(std::string_view(&c, 1));
    if (f != JsonScanner::Feed::Closed) return Step::More;
    sink.end();
    return Step::Done;
  }

  Phase phase_ = Phase::Name;
  std::string name_, id_, tag_;
  bool id_allowed_ = false;
  JsonScanner scan_;
};

// After `[TOOL_CALLS]`: a JSON list of `{"name", "arguments", "id"}` objects, each announced
// whole when its object closes (the id comes after the arguments).
class MistralListReader final : public CallReader {
 public:
  Step feed(char c, CallSink& sink) override {
    if (!started_) {
      if (is_space(c)) return Step::More;
      if (c != '[') return Step::Failed;
      started_ = true;
    }
    text_.push_back(c);
    const JsonScanner::Feed f = scan_.feed(c);
    if (f == JsonScanner::Feed::Error) return Step::Failed;
    if (scan_.value_ended() && !element(sink)) return Step::Failed;
    if (f != JsonScanner::Feed::Closed) return Step::More;
    return calls_ > 0 ? Step::Done : Step::Failed;
  }

  // A list cut off after a complete element (its `]` missing) still counts.
  bool finish(CallSink&) override { return calls_ > 0 && scan_.after_top_level_value(); }

 private:
  bool element(CallSink& sink) {
    const std::string_view text = std::string_view(text_).substr(scan_.value_begin(), scan_.value_end() - scan_.value_begin());
    const std::optional<std::vector<JsonMember>> members = json_object_members(text);
    if (!members) return false;
    std::optional<std::string> name, args, id;
    for (const JsonMember& m : *members) {
      const std::optional<std::string> key = json_string_value(m.key);
      if (!key) return false;
      std::optional<std::string>* slot = *key == "name" ? &name : *key == "arguments" ? &args : *key == "id" ? &id : nullptr;
      if (slot == nullptr) continue;
      if (slot->has_value()) return false;  // a key given twice
      *slot = slot == &args ? arguments_text(m.value) : json_string_value(m.value);
      if (!slot->has_value()) return false;
    }
    if (!name || name->empty() || !args) return false;
    sink.begin(*name, id.value_or(""));
    sink.arguments(*args);
    sink.end();
    ++calls_;
    return true;
  }

  bool started_ = false;
  JsonScanner scan_;
  std::string text_;
  int calls_ = 0;
};

// -------------------------------------------------------------- tool stage

// Splits content into text and calls for one syntax.
class ToolStage final : private CallSink {
 public:
  ToolStage(ToolCallSyntax syntax, bool enabled, IdGenerator& ids, Output& out)
      : syntax_(syntax), ids_(ids), out_(out), text_scan_(tool_call_marker(syntax)) {
    if (!enabled || syntax == ToolCallSyntax::None) {
      mode_ = Mode::PassThrough;
    } else if (syntax == ToolCallSyntax::Llama3Json) {
      mode_ = Mode::Llama3Start;
    }
  }

  void feed(char c) {
    switch (mode_) {
      case Mode::Text: return in_text(c);
      case Mode::Llama3Start: return at_llama3_start(c);
      case Mode::Call: return in_call(c);
      case Mode::PassThrough: out_.content(std::string_view(&c, 1)); return;
    }
  }

  void finish() {
    switch (mode_) {
      case Mode::Text: {
        std::string rest;
        text_scan_.flush(rest, /*keep_trailing_space=*/true);
        out_.content(rest);
        break;
      }
      case Mode::Llama3Start: out_.content(held_); break;
      case Mode::Call:
        if (!reader_->finish(*this)) fail_call();
        break;
      case Mode::PassThrough: break;
    }
    mode_ = Mode::PassThrough;
  }

 private:
  enum class Mode { Text, Llama3Start, Call, PassThrough };

  void in_text(char c) {
    std::string released, space_before;
    const bool marker = text_scan_.feed(c, released, &space_before);
    out_.content(released);
    if (!marker) return;
    uncommitted_ = space_before + std::string(tool_call_marker(syntax_));
    reader_ = make_reader();
    mode_ = Mode::Call;
  }

  // Llama 3: whitespace, optionally `<|python_tag|>` and whitespace, then `{` starts the call;
  // anything else makes the whole turn content.
  void at_llama3_start(char c) {
    static constexpr std::string_view kPythonTag = "<|python_tag|>";
    held_.push_back(c);
    if ((tag_.empty() || tag_ == kPythonTag) && is_space(c)) return;
    if (c == '{' && (tag_.empty() || tag_ == kPythonTag)) {
      uncommitted_ = held_.substr(0, held_.size() - 1);
      reader_ = make_reader();
      mode_ = Mode::Call;
      return in_call(c);
    }
    if (tag_ != kPythonTag) {
      tag_.push_back(c);
      if (kPythonTag.starts_with(tag_)) return;
    }
    out_.content(held_);
    mode_ = Mode::PassThrough;
  }

  void in_call(char c) {
    uncommitted_.push_back(c);
    const CallReader::Step step = reader_->feed(c, *this);
    if (step == CallReader::Step::Failed) return fail_call();
    if (step == CallReader::Step::Done) {
      uncommitted_.clear();
      reader_.reset();
      mode_ = Mode::Text;
      text_scan_.skip_space();
    }
  }

  // The open construct is no call: its text since the last complete call (with the whitespace
  // before its marker) is content, and so is everything after it.
  void fail_call() {
    out_.content(uncommitted_);
    uncommitted_.clear();
    reader_.reset();
    mode_ = Mode::PassThrough;
  }

  std::unique_ptr<CallReader> make_reader() const {
    switch (syntax_) {
      case ToolCallSyntax::MistralList: return std::make_unique<MistralListReader>();
      case ToolCallSyntax::MistralNamed: return std::make_unique<MistralNamedReader>();
      case ToolCallSyntax::Llama3Json: return std::make_unique<Llama3Reader>();
      case ToolCallSyntax::TaggedJson:
      case ToolCallSyntax::GenericJson:
      case ToolCallSyntax::Harmony:  // read by HarmonyOutputParser
      case ToolCallSyntax::None: break;
    }
    return std::make_unique<TaggedReader>();
  }

  bool mistral() const { return syntax_ == ToolCallSyntax::MistralList || syntax_ == ToolCallSyntax::MistralNamed; }

  void begin(const std::string& name, const std::string& model_id) override {
    call_ = ToolCall{};
    call_.name = name;
    if (mistral()) {
      call_.id = is_mistral_id(model_id) ? model_id : ids_(kMistralIdLength);
    } else {
      call_.id = "call_" + ids_(kOpenAiIdLength);
    }
    call_index_ = next_index_++;
    out_.call_begin(call_index_, call_.id, call_.name);
  }

  void arguments(std::string_view text) override {
    call_.arguments.append(text);
    out_.call_arguments(call_index_, text);
  }

  void end() override {
    out_.call_end(std::move(call_));
    call_ = ToolCall{};
    uncommitted_.clear();
  }

  ToolCallSyntax syntax_;
  IdGenerator& ids_;
  Output& out_;
  Mode mode_ = Mode::Text;
  MarkerScan text_scan_;
  std::unique_ptr<CallReader> reader_;
  std::string uncommitted_;  // the open construct's text since its last complete call
  std::string held_, tag_;   // Llama3Start
  ToolCall call_;
  int call_index_ = -1, next_index_ = 0;
};

}  // namespace

// ------------------------------------------------------------------ parser

void append_delta(std::vector<ChatDelta>& deltas, ChatDelta::Kind kind, int index, std::string_view text) {
  if (text.empty()) return;
  if (!deltas.empty() && deltas.back().kind == kind && deltas.back().index == index) {
    deltas.back().text.append(text);
    return;
  }
  ChatDelta d;
  d.kind = kind;
  d.index = index;
  d.text = std::string(text);
  deltas.push_back(std::move(d));
}

IdGenerator seeded_id_generator(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine](size_t length) {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
    std::string id(length, '0');
    for (char& c : id) c = kAlphabet[pick(*engine)];
    return id;
  };
}

IdGenerator random_id_generator() {
  std::random_device device;
  return seeded_id_generator((static_cast<uint64_t>(device()) << 32) ^ device());
}

struct ChatOutputParser::Impl {
  Impl(const ChatOutputFormat& format, bool tools_enabled, bool reasoning_enabled, IdGenerator id_gen)
      : ids(id_gen ? std::move(id_gen) : random_id_generator()),
        out(result),
        reasoning(format, reasoning_enabled),
        tools(format.tools, tools_enabled, ids, out) {
    if (format.tools == ToolCallSyntax::Harmony || format.reasoning == ReasoningSyntax::Harmony) {
      harmony = std::make_unique<HarmonyOutputParser>(tools_enabled, reasoning_enabled, format.prompt_opens_reasoning, ids);
    }
  }

  void feed(char c) {
    reasoning_text.clear();
    content_text.clear();
    reasoning.feed(c, reasoning_text, content_text);
    forward();
  }

  void forward() {
    out.reasoning(reasoning_text);
    for (char b : content_text) tools.feed(b);
  }

  ParsedChatOutput result;
  IdGenerator ids;
  Output out;
  ReasoningStage reasoning;
  ToolStage tools;
  std::string reasoning_text, content_text;
  bool finished = false;
  std::unique_ptr<HarmonyOutputParser> harmony;  // harmony formats: reads the whole reply instead
};

ChatOutputParser::ChatOutputParser(ChatOutputFormat format, bool tools_enabled, bool reasoning_enabled, IdGenerator ids)
    : impl_(std::make_unique<Impl>(format, tools_enabled, reasoning_enabled, std::move(ids))) {}

ChatOutputParser::~ChatOutputParser() = default;
ChatOutputParser::ChatOutputParser(ChatOutputParser&&) noexcept = default;
ChatOutputParser& ChatOutputParser::operator=(ChatOutputParser&&) noexcept = default;

std::vector<ChatDelta> ChatOutputParser::push(std::string_view text) {
  if (impl_->harmony) return impl_->harmony->push(text);
  if (impl_->finished) return {};
  for (char c : text) impl_->feed(c);
  return impl_->out.take();
}

std::vector<ChatDelta> ChatOutputParser::finish() {
  if (impl_->harmony) return impl_->harmony->finish();
  if (impl_->finished) return {};
  impl_->finished = true;
  impl_->reasoning_text.clear();
  impl_->content_text.clear();
  impl_->reasoning.finish(impl_->reasoning_text, impl_->content_text);
  impl_->forward();
  impl_->tools.finish();
  return impl_->out.take();
}

const ParsedChatOutput& ChatOutputParser::result() const {
  return impl_->harmony ? impl_->harmony->result() : impl_->result;
}

ParsedChatOutput parse_chat_output(std::string_view text, const ChatOutputFormat& format, bool tools_enabled,
                                   bool reasoning_enabled, IdGenerator ids) {
  ChatOutputParser parser(format, tools_enabled, reasoning_enabled, std::move(ids));
  parser.push(text);
  parser.finish();
  return parser.result();
}

}  // namespace pg::chat
