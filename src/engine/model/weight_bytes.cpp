// Expert tensor names for the per-token weight count; see weight_bytes.h.
#include "engine/model/weight_bytes.h"

#include <cctype>
#include <string>

namespace pg {

bool is_expert_tensor(std::string_view name) {
  if (name.find("_exps.") != std::string_view::npos) return true;
  for (std::string_view ffn : {".ffn_gate.", ".ffn_up.", ".ffn_down."}) {
    const size_t at = name.find(ffn);
    if (at == std::string_view::npos) continue;
    const size_t digits = at + ffn.size();
    size_t end = digits;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    return end > digits && name.substr(end) == ".weight";
  }
  return false;
}

}  // namespace pg
