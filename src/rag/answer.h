// The model-facing half of answering from documents: which retrieved passages
// fit the context budget (in rank order; the best one cut to fit when it does
// not fit whole; every one left out is returned with a machine-readable
// reason, never dropped silently), the numbered source block and the
// chat messages that ask for an answer citing [n], and the check of the
// citations in the answer (numbers that match no source are flagged).
// Pure functions: no model, no database, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pg::rag {

struct SourcePassage {
  int number = 0;  // [n] in the prompt; 1-based, assigned by fit_sources
  int64_t collection_id = 0;
  int64_t chunk_id = 0;
  int64_t document_id = 0;
  std::string document_name;
  int page_start = 1, page_end = 1;
  std::string heading_path;
  std::string text;
  double score = 0;
  int rank = 0;             // 1-based position in the retrieved list (set by fit_sources)
  bool truncated = false;   // only its beginning fitted (see fit_sources)
  size_t tokens = 0;        // tokens its block takes in the prompt (set by fit_sources)
  size_t full_tokens = 0;   // tokens the whole, uncut block would take (set by fit_sources)
};

// Why a retrieved passage is not in the prompt (DroppedPassage::reason).
inline constexpr const char* kDropBudget = "budget";                       // did not fit in what was left
inline constexpr const char* kDropPromptOverflow = "prompt_overflow";      // removed once the whole prompt was counted
inline constexpr const char* kDropBudgetTooSmall = "budget_too_small";     // the budget holds no useful source at all

struct DroppedPassage {
  SourcePassage passage;  // number 0; tokens = what its whole block needs
  std::string reason;     // kDropBudget, kDropPromptOverflow or kDropBudgetTooSmall
  std::string detail;     // the same for people: sizes and what was left
};

struct ContextPlan {
  std::vector<SourcePassage> used;     // numbered 1..n in rank order
  std::vector<DroppedPassage> dropped; // in rank order
  size_t source_tokens = 0;            // tokens the used source blocks take
  bool budget_too_small = false;       // nothing useful fitted: used is empty although there were candidates
  std::string budget_note;             // says so for people when budget_too_small
};

// The fewest tokens of chunk text a cut source must keep to be worth showing.
inline constexpr size_t kMinSourceTextTokens = 8;

using CountTokens = std::function<size_t(std::string_view)>;

// One passage as the prompt shows it: "[n] NAME, page P (HEADING)\nTEXT".
std::string format_source(const SourcePassage& p);

// Takes candidates in rank order while their formatted blocks fit in
// budget_tokens; a candidate that does not fit is dropped (reason kDropBudget,
// its size and what was left in the detail), and smaller later ones are still
// tried. When the best candidate does not fit whole (a small context), its
// beginning is used, cut after a word (inside one when not even one word
// fits; without its heading when that is what it takes) and marked truncated,
// so the answer has a source. When not even that fits with
// kMinSourceTextTokens of text, nothing is used, every candidate is dropped
// with kDropBudgetTooSmall and budget_too_small/budget_note say so.
ContextPlan fit_sources(const std::vector<SourcePassage>& candidates, size_t budget_tokens,
                        const CountTokens& count_tokens);

// The tokens of a source block without its text (the "[n] NAME, page P"
// header and the separators): what a budget must hold besides the text.
size_t block_overhead_tokens(const SourcePassage& p, const CountTokens& count_tokens);

// The default instruction placed before the sources.
extern const char* const kDefaultAnswerInstruction;

// [{"role":"system","content": instruction + sources}, {"role":"user","content": question}],
// or, with system_role false (templates that refuse a system message), one
// user message holding all of it. A chat grounded in documents passes its
// earlier turns as `conversation` (chat messages in order, without the new
// question): they go between the system message and the question, and a
// system message among them (the conversation's own system prompt) opens
// ours instead of standing apart; with system_role false it leads the last
// user message, before the instruction and sources.
nlohmann::ordered_json answer_messages(std::string_view question, const std::vector<SourcePassage>& used,
                                       std::string_view instruction, bool system_role,
                                       const nlohmann::ordered_json& conversation = nlohmann::ordered_json::array());

struct CitationCheck {
  std::vector<int> cited;     // distinct source numbers cited, in order of first appearance
  std::vector<int> invented;  // cited numbers with no source (0 or > n_sources)
};

// Finds [n], [n, m], [n][m] and [n-m] in the answer (not Markdown links [text](url)).
CitationCheck check_citations(std::string_view answer, int n_sources);

}  // namespace pg::rag
