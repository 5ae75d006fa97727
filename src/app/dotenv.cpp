// .env parsing; see dotenv.h.
#include "app/dotenv.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pg::app {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') {
      if (end == text.size()) break;
      continue;
    }
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    const size_t eq = line.find('=');
    const std::string where = "line " + std::to_string(line_no);
    if (eq == std::string_view::npos) return Error{where + ": expected KEY=VALUE, got '" + std::string(line) + "'"};
    const std::string_view key = trim(line.substr(0, eq));
    if (!valid_key(key)) return Error{where + ": '" + std::string(key) + "' is not a valid variable name"};
    std::string_view raw = trim(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw[0] == '\'' || raw[0] == '"')) {
      const char quote = raw[0];
      size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
          const char n = raw[++i];
          value += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        } else {
          value += c;
        }
      }
      if (!closed) return Error{where + ": the value of " + std::string(key) + " has no closing " + quote};
      const std::string_view rest = trim(raw.substr(i + 1));
      if (!rest.empty() && rest[0] != '#')
        return Error{where + ": unexpected text after the quoted value of " + std::string(key)};
    } else {
      const size_t comment = raw.find(" #");
      value = std::string(trim(comment == std::string_view::npos ? raw : raw.substr(0, comment)));
    }
    out[std::string(key)] = std::move(value);
    if (end == text.size()) break;
  }
  return out;
}

Result<std::map<std::string, std::string>> read_dotenv_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::map<std::string, std::string>{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read the .env file " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  auto parsed = parse_dotenv(ss.str());
  if (!parsed) return Error{path + ": " + parsed.error()};
  return parsed;
}

}  // namespace pg::app
