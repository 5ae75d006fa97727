// The little of Markdown that extraction and chunking need: where the headings
// are (ATX "## Title" and setext "Title\n===="), outside fenced code blocks,
// and whether an unnamed text clearly is Markdown. Never changes the text;
// everything is byte offsets into the text it was given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

struct MarkdownHeading {
  int level = 1;            // 1..6
  std::string text;         // without the #'s, the closing #'s and surrounding spaces
  size_t begin = 0;         // byte offset of the heading's first line
  size_t end = 0;           // byte offset just past its last line (the underline of a setext heading), before '\n'
};

// Headings in order. A setext heading is recognized after a one-line paragraph
// ("===" for level 1, "---" (two or more) for level 2); "---" after a longer
// paragraph is taken as a rule, not a heading.
std::vector<MarkdownHeading> markdown_headings(std::string_view text);

// True for text with clear Markdown structure: at least two headings and one
// more Markdown sign (a fenced code block, a link "](", emphasis "**", a "- "
// list item). Used only for files whose name does not say .md or .txt.
bool looks_like_markdown(std::string_view text);

}  // namespace pg::rag
