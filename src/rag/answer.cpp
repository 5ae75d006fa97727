// Context budget, source block and citation check; see answer.h.
#include "rag/answer.h"

#include <algorithm>
#include <cctype>

namespace pg::rag {

const char* const kDefaultAnswerInstruction =
    "Answer the question using only the numbered sources below. After each statement, cite the source it "
    "comes from with its number in square brackets, like [1] or [2][3]. If the sources do not contain the "
    "answer, say that you do not know.";

std::string format_source(const SourcePassage& p) {
  std::string out = "[" + std::to_string(p.number) + "] " + p.document_name;
  if (p.page_start > 0) {
    out += p.page_end > p.page_start ? ", pages " + std::to_string(p.page_start) + "-" + std::to_string(p.page_end)
                                     : ", page " + std::to_string(p.page_start);
  }
  if (!p.heading_path.empty()) out += " (" + p.heading_path + ")";
  out += "\n";
  out += p.text;
  return out;
}

namespace {

constexpr const char* kEllipsis = " ...";

size_t block_tokens(const SourcePassage& p, const CountTokens& count_tokens) {
  // Blocks are separated by a blank line; count it with the block.
  return count_tokens(format_source(p) + "\n\n");
}

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The last of `cuts` (ascending byte positions in text) whose "text[0, cut) ..."
// block fits in `budget` tokens; the cut text, or "" when none fits. Longer
// beginnings never take fewer tokens, so a binary search finds it.
std::string last_fitting_cut(SourcePassage p, const std::string& text, const std::vector<size_t>& cuts,
                             size_t budget, const CountTokens& count_tokens) {
  size_t lo = 0, hi = cuts.size();
  std::string best;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    p.text = text.substr(0, cuts[mid]) + kEllipsis;
    if (block_tokens(p, count_tokens) <= budget) {
      best = p.text;
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return best;
}

// The longest beginning of p's text whose block fits in `budget` tokens and
// keeps at least kMinSourceTextTokens of text: cut after a word, else (one
// long first word) at a character boundary; "" when none does.
std::string fitting_prefix(const SourcePassage& p, size_t budget, const CountTokens& count_tokens) {
  const std::string& text = p.text;
  std::vector<size_t> words, chars;
  for (size_t i = 1; i < text.size(); ++i) {
    const bool space = text[i] == ' ' || text[i] == '\n' || text[i] == '\t';
    const bool prev_space = text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\t';
    if (space && !prev_space) words.push_back(i);
    if (!utf8_continuation(text[i])) chars.push_back(i);
  }
  auto useful = [&](const std::string& cut) {
    return !cut.empty() && count_tokens(cut.substr(0, cut.size() - std::string_view(kEllipsis).size())) >=
                               std::min(kMinSourceTextTokens, count_tokens(text));
  };
  std::string best = last_fitting_cut(p, text, words, budget, count_tokens);
  if (useful(best)) return best;
  best = last_fitting_cut(p, text, chars, budget, count_tokens);
  return useful(best) ? best : std::string();
}

std::string drop_detail(size_t needs, size_t left, size_t budget) {
  return "needs " + std::to_string(needs) + " tokens, " + std::to_string(left) + " of the " + std::to_string(budget) +
         "-token source budget were left";
}

}  // namespace

size_t block_overhead_tokens(const SourcePassage& p, const CountTokens& count_tokens) {
  SourcePassage header = p;
  header.text.clear();
  return block_tokens(header, count_tokens);
}

ContextPlan fit_sources(const std::vector<SourcePassage>& candidates, size_t budget_tokens,
                        const CountTokens& count_tokens) {
  ContextPlan plan;
  for (size_t i = 0; i < candidates.size(); ++i) {
    SourcePassage p = candidates[i];
    p.rank = static_cast<int>(i) + 1;
    p.number = static_cast<int>(plan.used.size()) + 1;
    p.truncated = false;
    p.tokens = p.full_tokens = block_tokens(p, count_tokens);
    const size_t left = budget_tokens - plan.source_tokens;
    if (p.tokens <= left) {
      plan.source_tokens += p.tokens;
      plan.used.push_back(std::move(p));
      continue;
    }
    if (i == 0) {  // the best does not fit whole: its beginning, as plain as it takes
      std::string prefix = fitting_prefix(p, left, count_tokens);
      if (prefix.empty() && !p.heading_path.empty()) {
        SourcePassage plain = p;
        plain.heading_path.clear();
        prefix = fitting_prefix(plain, left, count_tokens);
        if (!prefix.empty()) p.heading_path.clear();
      }
      if (!prefix.empty()) {
        p.text = std::move(prefix);
        p.truncated = true;
        p.tokens = block_tokens(p, count_tokens);
        plan.source_tokens += p.tokens;
        plan.used.push_back(std::move(p));
        continue;
      }
    }
    p.number = 0;
    const size_t needs = p.tokens;
    plan.dropped.push_back({std::move(p), kDropBudget, drop_detail(needs, left, budget_tokens)});
  }
  if (plan.used.empty() && !candidates.empty()) {
    plan.budget_too_small = true;
    const size_t least = block_overhead_tokens(candidates.front(), count_tokens) + kMinSourceTextTokens;
    plan.budget_note = "the " + std::to_string(budget_tokens) +
                       "-token source budget cannot hold any source: the best one needs at least " +
                       std::to_string(least) + " tokens even cut short (use a model with a larger context, "
                       "a smaller max_tokens or a shorter system_prompt)";
    for (DroppedPassage& d : plan.dropped) {
      d.reason = kDropBudgetTooSmall;
      d.detail = plan.budget_note;
    }
  }
  return plan;
}

nlohmann::ordered_json answer_messages(std::string_view question, const std::vector<SourcePassage>& used,
                                       std::string_view instruction, bool system_role,
                                       const nlohmann::ordered_json& conversation) {
  // The conversation's own system prompt(s) first, then the instruction and the sources.
  std::string context;
  nlohmann::ordered_json turns = nlohmann::ordered_json::array();
  if (conversation.is_array())
    for (const auto& m : conversation) {
      const bool system = m.is_object() && m.value("role", "") == "system";
      if (!system) {
        turns.push_back(m);
        continue;
      }
      const auto content = m.find("content");
      if (content != m.end() && content->is_string() && !content->get<std::string>().empty())
        context += content->get<std::string>() + "\n\n";
    }
  context += instruction;
  context += "\n\nSources:\n\n";
  for (const SourcePassage& p : used) {
    context += format_source(p);
    context += "\n\n";
  }
  if (used.empty()) context += "(no sources were found)\n\n";
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (system_role) {
    while (!context.empty() && context.back() == '\n') context.pop_back();
    messages.push_back({{"role", "system"}, {"content", context}});
    for (auto& t : turns) messages.push_back(std::move(t));
    messages.push_back({{"role", "user"}, {"content", std::string(question)}});
  } else {
    for (auto& t : turns) messages.push_back(std::move(t));
    messages.push_back({{"role", "user"}, {"content", context + "Question: " + std::string(question)}});
  }
  return messages;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses "n", "n, m", "n-m" lists between brackets; false when the content is anything else.
bool parse_number_list(std::string_view s, std::vector<int>& out) {
  std::vector<int> found;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < s.size() && s[i] == ' ') ++i;
  };
  auto read_number = [&](int& value) {
    skip_spaces();
    const size_t start = i;
    value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 6) value = value * 10 + (s[i++] - '0');
    return i > start && (i >= s.size() || !is_digit(s[i]));
  };
  while (true) {
    int first = 0;
    if (!read_number(first)) return false;
    skip_spaces();
    if (i < s.size() && s[i] == '-') {
      ++i;
      int last = 0;
      if (!read_number(last) || last < first || last - first > 50) return false;
      for (int n = first; n <= last; ++n) found.push_back(n);
    } else {
      found.push_back(first);
    }
    skip_spaces();
    if (i == s.size()) break;
    if (s[i] != ',' && s[i] != ';') return false;
    ++i;
  }
  out.insert(out.end(), found.begin(), found.end());
  return true;
}

}  // namespace

CitationCheck check_citations(std::string_view answer, int n_sources) {
  CitationCheck check;
  size_t pos = 0;
  while ((pos = answer.find('[', pos)) != std::string_view::npos) {
    const size_t close = answer.find(']', pos + 1);
    if (close == std::string_view::npos) break;
    const std::string_view inside = answer.substr(pos + 1, close - pos - 1);
    const bool markdown_link = close + 1 < answer.size() && answer[close + 1] == '(';
    std::vector<int> numbers;
    if (!markdown_link && inside.size() <= 64 && parse_number_list(inside, numbers)) {
      for (int n : numbers) {
        auto& list = (n >= 1 && n <= n_sources) ? check.cited : check.invented;
        if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
      }
      pos = close + 1;
    } else {
      pos += 1;
    }
  }
  return check;
}

}  // namespace pg::rag
