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

// The longest beginning of p's text, cut after a word, whose block fits in `budget` tokens ("" if none).
std::string fitting_prefix(SourcePassage p, size_t budget, const CountTokens& count_tokens) {
  const std::string text = p.text;
  std::vector<size_t> cuts;  // word boundaries
  for (size_t i = 1; i < text.size(); ++i)
    if (text[i] == ' ' && text[i - 1] != ' ') cuts.push_back(i);
  auto fits = [&](size_t cut) {
    p.text = text.substr(0, cut) + " ...";
    return count_tokens(format_source(p) + "\n\n") <= budget;
  };
  // Longer beginnings never take fewer tokens: binary search for the last cut that fits.
  size_t lo = 0, hi = cuts.size();
  std::string best;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (fits(cuts[mid])) {
      best = p.text;
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return best;
}

}  // namespace

ContextPlan fit_sources(const std::vector<SourcePassage>& candidates, size_t budget_tokens,
                        const CountTokens& count_tokens) {
  ContextPlan plan;
  for (const SourcePassage& candidate : candidates) {
    SourcePassage p = candidate;
    p.number = static_cast<int>(plan.used.size()) + 1;
    // Blocks are separated by a blank line; count it with the block.
    const size_t tokens = count_tokens(format_source(p) + "\n\n");
    if (plan.source_tokens + tokens > budget_tokens && plan.used.empty()) {
      std::string prefix = fitting_prefix(p, budget_tokens, count_tokens);
      if (!prefix.empty()) {
        p.text = std::move(prefix);
        p.truncated = true;
        plan.source_tokens += count_tokens(format_source(p) + "\n\n");
        plan.used.push_back(std::move(p));
        continue;
      }
    }
    if (plan.source_tokens + tokens > budget_tokens) {
      p.number = 0;
      plan.dropped.push_back({std::move(p), "needs " + std::to_string(tokens) + " tokens, " +
                                                std::to_string(budget_tokens - plan.source_tokens) + " of the " +
                                                std::to_string(budget_tokens) + "-token source budget were left"});
      continue;
    }
    plan.source_tokens += tokens;
    plan.used.push_back(std::move(p));
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
