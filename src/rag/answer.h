// The model-facing half of answering from documents: which retrieved passages
// fit the context budget (in rank order; those that do not fit are returned
// with the reason, never dropped silently), the numbered source block and the
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
  int64_t chunk_id = 0;
  int64_t document_id = 0;
  std::string document_name;
  int page_start = 1, page_end = 1;
  std::string heading_path;
  std::string text;
  double score = 0;
  bool truncated = false;  // only its beginning fitted (see fit_sources)
};

struct DroppedPassage {
  SourcePassage passage;
  std::string reason;
};

struct ContextPlan {
  std::vector<SourcePassage> used;     // numbered 1..n in rank order
  std::vector<DroppedPassage> dropped;
  size_t source_tokens = 0;            // tokens the used source blocks take
};

using CountTokens = std::function<size_t(std::string_view)>;

// One passage as the prompt shows it: "[n] NAME, page P (HEADING)\nTEXT".
std::string format_source(const SourcePassage& p);

// Takes candidates in rank order while their formatted blocks fit in
// budget_tokens; a candidate that does not fit is dropped with its size and
// the budget in the reason, and smaller later ones are still tried. When not
// even the best candidate fits whole (a small context), its beginning is used,
// cut at a word boundary and marked truncated, so the answer has a source.
ContextPlan fit_sources(const std::vector<SourcePassage>& candidates, size_t budget_tokens,
                        const CountTokens& count_tokens);

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
