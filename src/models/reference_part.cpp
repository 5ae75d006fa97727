// Model reference parts; see reference_part.h.
#include "models/reference_part.h"

#include <cctype>

namespace pg::models {

bool is_reference_part(const std::string& s, size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes || s[0] == '.' || s[0] == '-') return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace pg::models
