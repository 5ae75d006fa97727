// Token masking over the grammar matcher; see token_constraint.h.
#include "engine/grammar/token_constraint.h"

#include <algorithm>
#include <limits>

#include "engine/tokenizer/utf8.h"

namespace pg::grammar {
namespace {

// The code points a valid UTF-8 prefix (lead byte plus some continuation
// bytes, not complete) can still become: [lo, hi].
std::pair<uint32_t, uint32_t> completions_of(std::string_view prefix) {
  const auto lead = static_cast<uint8_t>(prefix[0]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  uint32_t value = lead & (0x7Fu >> length);
  for (size_t i = 1; i < prefix.size(); ++i) value = (value << 6) | (static_cast<uint8_t>(prefix[i]) & 0x3Fu);
  const auto missing_bits = static_cast<uint32_t>(6 * (length - prefix.size()));
  const uint32_t lo = value << missing_bits;
  // The shortest form is the only valid one: a 3-byte sequence is at least U+0800, and so on.
  const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  return {std::max(lo, smallest), lo | ((1u << missing_bits) - 1)};
}

// A piece's start as an index into the quick check's memo: kEmptyKey for no
// text, kOneByte | b for a one-byte piece, b0 | b1 << 8 for a longer one.
constexpr uint32_t kOneByte = 0x10000;
constexpr uint32_t kEmptyKey = kOneByte + 0x100;
constexpr size_t kKeys = kEmptyKey + 1;

uint32_t key_of(std::string_view piece) {
  if (piece.empty()) return kEmptyKey;
  const auto first = static_cast<uint8_t>(piece[0]);
  if (piece.size() == 1) return kOneByte | first;
  return first | static_cast<uint32_t>(static_cast<uint8_t>(piece[1])) << 8;
}

}  // namespace

Result<TokenConstraint> TokenConstraint::create(std::shared_ptr<const Grammar> grammar,
                                                const std::vector<std::string>& pieces, std::vector<int32_t> end_ids,
                                                bool strip_first_space) {
  if (!grammar) return Status::invalid_argument("no grammar", "invalid_grammar");
  auto matcher = GrammarMatcher::create(*grammar);
  if (!matcher) return matcher.status();
  return TokenConstraint(std::move(grammar), std::move(*matcher), pieces, std::move(end_ids), strip_first_space);
}

TokenConstraint::TokenConstraint(std::shared_ptr<const Grammar> g, GrammarMatcher m,
                                 const std::vector<std::string>& pieces, std::vector<int32_t> end_ids,
                                 bool strip_first_space)
    : grammar_(std::move(g)),
      matcher_(std::move(m)),
      pieces_(&pieces),
      end_ids_(std::move(end_ids)),
      strip_first_space_(strip_first_space),
      key_state_(kKeys, 0) {
  rows_.reserve(128);
  row_of_.fill(kUnknownRow);
  keys_.resize(pieces.size());
  for (size_t id = 0; id < pieces.size(); ++id) keys_[id] = key_of(pieces[id]);
}

void TokenConstraint::forget_step_memo() {
  if (!memo_used_) return;
  std::fill(key_state_.begin(), key_state_.end(), uint8_t{0});
  rows_.clear();
  row_of_.fill(kUnknownRow);
  memo_used_ = false;
}

bool TokenConstraint::feed(GrammarMatcher& m, std::string& partial, std::string_view bytes) {
  partial.append(bytes);
  size_t i = 0;
  while (i < partial.size()) {
    const std::string_view rest(partial.data() + i, partial.size() - i);
    const int n = utf8::strict_sequence(rest);
    if (n < 0) return false;
    if (n == 0) {
      const auto [lo, hi] = completions_of(rest);
      if (!m.accepts_any_in(lo, hi)) return false;
      break;
    }
    size_t at = 0;
    if (!m.accept(utf8::decode_one(rest, at))) return false;
    i += static_cast<size_t>(n);
  }
  partial.erase(0, i);
  return true;
}

bool TokenConstraint::is_end(int32_t id) const {
  return std::find(end_ids_.begin(), end_ids_.end(), id) != end_ids_.end();
}

std::string_view TokenConstraint::piece_of(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_->size()) return {};
  std::string_view piece = (*pieces_)[static_cast<size_t>(id)];
  if (strip_first_space_ && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
  return piece;
}

void TokenConstraint::begin_step(int64_t tokens_left) {
  tokens_left_ = std::max<int64_t>(tokens_left, 1);
  forget_step_memo();
  first_byte_ok_.fill(false);
  if (!partial_.empty()) {
    // Inside a character: only a continuation byte that keeps it completable.
    char buffer[8] = {};
    const size_t held = std::min<size_t>(partial_.size(), 3);
    std::copy_n(partial_.data(), held, buffer);
    const std::string_view bytes(buffer, held + 1);
    for (uint32_t b = 0x80; b <= 0xBF; ++b) {
      buffer[held] = static_cast<char>(b);
      const int n = utf8::strict_sequence(bytes);
      if (n > 0) {
        size_t at = 0;
        first_byte_ok_[b] = matcher_.accepts_next(utf8::decode_one(bytes, at));
      } else if (n == 0) {
        const auto [lo, hi] = completions_of(bytes);
        first_byte_ok_[b] = matcher_.accepts_any_in(lo, hi);
      }
    }
    return;
  }
  for (uint32_t b = 0; b < 0x80; ++b) first_byte_ok_[b] = matcher_.accepts_next(b);
  for (uint32_t b = 0xC2; b <= 0xF4; ++b) {
    const char lead = static_cast<char>(b);
    const auto [lo, hi] = completions_of(std::string_view(&lead, 1));
    first_byte_ok_[b] = matcher_.accepts_any_in(lo, hi);
  }
}

int16_t TokenConstraint::row_after(uint8_t first) const {
  memo_used_ = true;
  int16_t& row = row_of_[first];
  if (row != kUnknownRow) return row;
  GrammarMatcher m = matcher_;
  if (!m.accept(first)) return row = kNoRow;
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].matcher.same_state(m)) return row = static_cast<int16_t>(i);
  rows_.push_back(Row{std::move(m), {}});
  return row = static_cast<int16_t>(rows_.size() - 1);
}

bool TokenConstraint::pair_ok(uint8_t first, uint8_t second) const {
  const int16_t r = row_after(first);
  if (r == kNoRow) return false;
  Row& row = rows_[static_cast<size_t>(r)];
  uint8_t& state = row.next[second];
  if (state == 0) {
    bool ok = false;
    if (second < 0x80) {
      ok = row.matcher.accepts_next(second);
    } else if (second >= 0xC2 && second <= 0xF4) {
      const char lead = static_cast<char>(second);
      const auto [lo, hi] = completions_of(std::string_view(&lead, 1));
      ok = row.matcher.accepts_any_in(lo, hi);
    }  // else a continuation or invalid byte after an ASCII one: not UTF-8
    state = ok ? 2 : 1;
  }
  return state == 2;
}

bool TokenConstraint::key_ok(uint32_t key) const {
  memo_used_ = true;
  uint8_t& state = key_state_[key];
  if (state == 0) {
    const auto first = static_cast<uint8_t>(key & 0xFF);
    bool ok;
    if (key & kOneByte) {
      ok = first_byte_ok_[first];
    } else if (!first_byte_ok_[first]) {
      ok = false;
    } else if (first >= 0x80 || !partial_.empty()) {
      ok = true;  // inside or at the start of a multi-byte character: the exact check decides
    } else {
      ok = pair_ok(first, static_cast<uint8_t>(key >> 8));
    }
    state = ok ? 2 : 1;
  }
  return state == 2;
}

bool TokenConstraint::may_allow(int32_t id) const {
  uint32_t key = kEmptyKey;
  if (strip_first_space_) {
    key = key_of(piece_of(id));  // only before the first token: the piece may lose its space
  } else if (id >= 0 && static_cast<size_t>(id) < keys_.size()) {
    key = keys_[static_cast<size_t>(id)];
  }
  return key == kEmptyKey ? is_end(id) : key_ok(key);
}

size_t TokenConstraint::may_allow_all(std::span<const float> logits, int32_t* out) const {
  constexpr float kNoLogit = -std::numeric_limits<float>::infinity();
  const size_t n = std::min(logits.size(), keys_.size());
  size_t count = 0;
  if (strip_first_space_) {
    for (size_t i = 0; i < n; ++i)
      if (logits[i] != kNoLogit && may_allow(static_cast<int32_t>(i))) out[count++] = static_cast<int32_t>(i);
  } else {
    const uint32_t* keys = keys_.data();
    const uint8_t* states = key_state_.data();
    for (size_t i = 0; i < n; ++i) {
      if (logits[i] == kNoLogit) continue;
      const uint32_t key = keys[i];
      uint8_t state = states[key];
      if (state == 0) {
        if (key == kEmptyKey) {
          if (is_end(static_cast<int32_t>(i))) out[count++] = static_cast<int32_t>(i);
          continue;
        }
        state = key_ok(key) ? 2 : 1;
      }
      out[count] = static_cast<int32_t>(i);
      count += state == 2;
    }
  }
  // Ids past the pieces (a vocabulary larger than its pieces): the reference check.
  for (size_t i = n; i < logits.size(); ++i)
    if (logits[i] != kNoLogit && may_allow(static_cast<int32_t>(i))) out[count++] = static_cast<int32_t>(i);
  return count;
}

bool TokenConstraint::allows(int32_t id) {
  std::string_view piece = piece_of(id);
  if (piece.empty()) return is_end(id) && can_end();
  // After an ASCII first byte, start from the step's memo of that state.
  const GrammarMatcher* start = &matcher_;
  const auto first = static_cast<uint8_t>(piece[0]);
  if (partial_.empty() && first < 0x80 && memo_used_) {
    const int16_t row = row_after(first);
    if (row == kNoRow) return false;
    start = &rows_[static_cast<size_t>(row)].matcher;
    piece.remove_prefix(1);
  }
  GrammarMatcher next = *start;
  scratch_partial_ = partial_;
  if (!feed(next, scratch_partial_, piece)) return false;
  // What the grammar still needs must fit in the tokens left after this one.
  uint64_t needed = next.min_remaining();
  if (needed == 0 && !scratch_partial_.empty()) needed = 1;
  return needed <= static_cast<uint64_t>(tokens_left_ - 1);
}

bool TokenConstraint::accept_token(int32_t id) {
  const std::string_view piece = piece_of(id);
  if (piece.empty()) return is_end(id) && can_end();
  GrammarMatcher next = matcher_;
  std::string partial = partial_;
  if (!feed(next, partial, piece)) return false;
  matcher_ = std::move(next);
  partial_ = std::move(partial);
  forget_step_memo();
  strip_first_space_ = false;
  return true;
}

bool TokenConstraint::accept_text(std::string_view text) {
  GrammarMatcher next = matcher_;
  std::string partial = partial_;
  if (!feed(next, partial, text)) return false;
  matcher_ = std::move(next);
  partial_ = std::move(partial);
  forget_step_memo();
  strip_first_space_ = false;  // the text has begun: later pieces keep their spaces
  return true;
}

}  // namespace pg::grammar
