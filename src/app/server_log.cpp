// Text and JSON log lines; see server_log.h.
#include "app/server_log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace pg::app {
namespace {

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

std::string text_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return needs_quotes(s) ? v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : s;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ServerLog::ServerLog(const std::string& level, const std::string& format, spdlog::sink_ptr sink)
    : json_(format == "json") {
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  logger_ = std::make_shared<spdlog::logger>("playground-server", sink);
  logger_->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      json_ ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})" : "%Y-%m-%dT%H:%M:%S.%eZ %l %v",
      spdlog::pattern_time_type::utc));
  logger_->set_level(spdlog::level::from_str(level));
  logger_->flush_on(spdlog::level::trace);
}

void ServerLog::log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields) {
  if (!logger_->should_log(level)) return;
  std::string line;
  if (json_) {
    line = "\"msg\":" + nlohmann::json(std::string(message)).dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace);
    if (fields.is_object())
      for (const auto& [k, v] : fields.items())
        line += "," + nlohmann::json(k).dump() + ":" +
                v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::string(message);
    if (fields.is_object())
      for (const auto& [k, v] : fields.items()) line += " " + k + "=" + text_value(v);
  }
  logger_->log(level, "{}", line);
}

}  // namespace pg::app
