// Token masking over the grammar matcher; see token_constraint.h.
#include "engine/grammar/token_constraint.h"

#include <algorithm>

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
      strip_first_space_(strip_first_space) {}

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
  first_byte_ok_.fill(false);
  if (!partial_.empty()) {
    first_byte_ok_.fill(true);  // a continuation byte is checked exactly in allows()
    return;
  }
  for (uint32_t b = 0; b < 0x80; ++b) first_byte_ok_[b] = matcher_.accepts_next(b);
  for (uint32_t b = 0xC2; b <= 0xF4; ++b) {
    const char lead = static_cast<char>(b);
    const auto [lo, hi] = completions_of(std::string_view(&lead, 1));
    first_byte_ok_[b] = matcher_.accepts_any_in(lo, hi);
  }
}

bool TokenConstraint::may_allow(int32_t id) const {
  const std::string_view piece = piece_of(id);
  if (piece.empty()) return is_end(id);
  return first_byte_ok_[static_cast<uint8_t>(piece[0])];
}

bool TokenConstraint::allows(int32_t id) {
  const std::string_view piece = piece_of(id);
  if (piece.empty()) return is_end(id) && can_end();
  GrammarMatcher next = matcher_;
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
  strip_first_space_ = false;
  return true;
}

bool TokenConstraint::accept_text(std::string_view text) {
  GrammarMatcher next = matcher_;
  std::string partial = partial_;
  if (!feed(next, partial, text)) return false;
  matcher_ = std::move(next);
  partial_ = std::move(partial);
  strip_first_space_ = false;  // the text has begun: later pieces keep their spaces
  return true;
}

}  // namespace pg::grammar
