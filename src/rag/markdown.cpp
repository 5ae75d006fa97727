// Markdown heading scan (see markdown.h): one pass over the lines, tracking
// fenced code blocks so that "# comment" inside code is not a heading.
#include "rag/markdown.h"

namespace pg::rag {
namespace {

struct Line {
  size_t begin, end;  // end excludes the '\n'
  std::string_view text;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back({pos, nl, text.substr(pos, nl - pos)});
    if (nl == text.size()) break;
    pos = nl + 1;
  }
  return lines;
}

// Up to three spaces of indentation are allowed before block markers.
std::string_view strip_indent(std::string_view line, bool& ok) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  ok = n <= 3;
  return line.substr(n);
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// "```" or "~~~" (three or more) opening or closing a fenced block.
bool fence_marker(std::string_view line, char& ch, size_t& count) {
  bool ok;
  line = strip_indent(line, ok);
  if (!ok || line.size() < 3 || (line[0] != '`' && line[0] != '~')) return false;
  size_t n = 0;
  while (n < line.size() && line[n] == line[0]) ++n;
  if (n < 3) return false;
  ch = line[0];
  count = n;
  return true;
}

// "## Title ##" → level 2, "Title". False when the line is no ATX heading.
bool atx_heading(std::string_view line, int& level, std::string& text) {
  bool ok;
  line = strip_indent(line, ok);
  if (!ok) return false;
  size_t n = 0;
  while (n < line.size() && line[n] == '#') ++n;
  if (n == 0 || n > 6) return false;
  if (n < line.size() && line[n] != ' ' && line[n] != '\t') return false;
  std::string_view rest = trim(line.substr(n));
  // A closing run of #'s counts only after a space (or when it is all there is).
  size_t close = rest.size();
  while (close > 0 && rest[close - 1] == '#') --close;
  if (close == 0 || rest[close - 1] == ' ' || rest[close - 1] == '\t') rest = trim(rest.substr(0, close));
  level = static_cast<int>(n);
  text.assign(rest);
  return true;
}

// "====" → 1, "----" → 2, else 0.
int setext_underline(std::string_view line) {
  bool ok;
  line = trim(strip_indent(line, ok));
  if (!ok || line.empty() || (line[0] != '=' && line[0] != '-')) return 0;
  for (char c : line)
    if (c != line[0]) return 0;
  if (line[0] == '-' && line.size() < 2) return 0;
  return line[0] == '=' ? 1 : 2;
}

bool starts_block_marker(std::string_view line) {
  bool ok;
  line = strip_indent(line, ok);
  return !ok || line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") ||
         line.starts_with(">") || line.starts_with("|");
}

}  // namespace

std::vector<MarkdownHeading> markdown_headings(std::string_view text) {
  std::vector<MarkdownHeading> headings;
  const std::vector<Line> lines = split_lines(text);
  bool in_fence = false;
  char fence_char = 0;
  size_t fence_len = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i].text;
    char ch;
    size_t count;
    if (fence_marker(line, ch, count)) {
      if (!in_fence) {
        in_fence = true, fence_char = ch, fence_len = count;
        continue;
      }
      bool indent_ok;
      if (ch == fence_char && count >= fence_len && is_blank(strip_indent(line, indent_ok).substr(count))) {
        in_fence = false;
        continue;
      }
    }
    if (in_fence) continue;
    MarkdownHeading h;
    if (atx_heading(line, h.level, h.text)) {
      h.begin = lines[i].begin;
      h.end = lines[i].end;
      headings.push_back(std::move(h));
      continue;
    }
    // Setext: this line is a one-line paragraph and the next one underlines it.
    if (i + 1 < lines.size() && !is_blank(line) && !starts_block_marker(line) &&
        (i == 0 || is_blank(lines[i - 1].text))) {
      if (const int level = setext_underline(lines[i + 1].text); level > 0) {
        h.level = level;
        h.text.assign(trim(line));
        h.begin = lines[i].begin;
        h.end = lines[i + 1].end;
        headings.push_back(std::move(h));
        ++i;
      }
    }
  }
  return headings;
}

bool looks_like_markdown(std::string_view text) {
  if (markdown_headings(text).size() < 2) return false;
  if (text.find("](") != std::string_view::npos || text.find("**") != std::string_view::npos ||
      text.find("\n```") != std::string_view::npos || text.find("\n~~~") != std::string_view::npos ||
      text.find("\n- ") != std::string_view::npos)
    return true;
  return false;
}

}  // namespace pg::rag
