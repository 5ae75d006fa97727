// Fuzz target: the GBNF parser and the grammar matcher (engine/grammar).
// Input: a grammar's text, then optionally a NUL byte and a text to match.
// A grammar refused with an error is normal; so is a text that does not fit.
// Anything else escaping (a crash, a hang, unbounded memory) is a finding.
// Must never read files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view grammar_text = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  auto grammar = pg::grammar::parse_gbnf(grammar_text);
  if (!grammar) return 0;
  auto matcher = pg::grammar::GrammarMatcher::create(*grammar);
  if (!matcher) return 0;
  (void)matcher->accept_text(text);
  for (char c : text) {
    if (!matcher->accept(static_cast<unsigned char>(c))) break;
  }
  (void)matcher->can_end();
  (void)matcher->finished();
  return 0;
}
