// Whole-file reads for commands; see input_file.h.
#include "cli/input_file.h"

#include <fstream>

namespace pg::cli {

Result<std::string> read_input_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{std::string("cannot open ") + what + " '" + path + "'"};
  std::string data;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxInputFileBytes) return Error{std::string(what) + " '" + path + "' is larger than 256 MiB"};
  }
  return data;
}

}  // namespace pg::cli
