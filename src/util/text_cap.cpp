// UTF-8-safe capping of foreign text; see text_cap.h.
#include "util/text_cap.h"

namespace pg {

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the lead byte, then drop
  // the lead too unless its whole sequence fits.
  size_t lead = end;
  while (lead > 0 && (static_cast<unsigned char>(s[lead]) & 0xC0) == 0x80 && end - lead < 4) --lead;
  return s.substr(0, lead);
}

std::string cap_text(std::string_view s, size_t max_bytes) {
  const bool cut = s.size() > max_bytes;
  std::string out(utf8_prefix(s, max_bytes));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < ' ' || c == '\x7f') c = ' ';
  if (cut) out += "...";
  return out;
}

}  // namespace pg
