// The header of one harmony message (gpt-oss), the text between `<|start|>` and `<|message|>`:
// `ROLE to=RECIPIENT<|channel|>CHANNEL <|constrain|>TYPE`, read as it streams in. Only reads
// text: it never sees message bodies, never allocates beyond the fields it returns and never
// throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pg::chat {

// A header longer than this is not one (the longest real ones name a tool: under 100 bytes).
constexpr size_t kMaxHarmonyHeaderBytes = 512;

struct HarmonyHeader {
  std::string role;       // "" when the header had none (the reply's first, whose role the prompt gave)
  std::string recipient;  // after "to=": "functions.get_weather", "assistant"; "" when none
  std::string channel;    // "analysis", "commentary", "final"; "" when none
  std::string content_type;  // "json" from " <|constrain|>json" or " json"; "" when none
};

enum class HarmonyHeaderScan {
  Invalid,   // no header starts so
  Partial,   // could still become one
  Complete,  // a header ending with `<|message|>` (and nothing after it)
};

// Reads `text`, the bytes after `<|start|>` (with_role: a role comes first) or after the prompt's
// `<|start|>assistant` (no role). Parts come in any order, each at most once, spaces between them
// optional: `to=RECIPIENT`, `<|channel|>CHANNEL`, `<|constrain|>TYPE`, and a bare TYPE after the
// channel; names are [A-Za-z0-9_.:-]+. A header needs a channel or a recipient. `header` is
// filled when Complete (partly otherwise).
HarmonyHeaderScan scan_harmony_header(std::string_view text, bool with_role, HarmonyHeader& header);

}  // namespace pg::chat
