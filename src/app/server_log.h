// Structured logging of the server over spdlog: every line is a message plus
// key/value fields, written as text (`ts level message key=value ...`) or as one
// JSON object per line. Each server owns its logger (no global registry), so
// tests can capture lines with their own sink.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace pg::app {

class ServerLog {
 public:
  // level: trace|debug|info|warn|error|off; format: text|json; sink: nullptr = stderr.
  ServerLog(const std::string& level, const std::string& format, spdlog::sink_ptr sink = nullptr);

  void log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields = nullptr);
  void debug(std::string_view m, const nlohmann::json& f = nullptr) { log(spdlog::level::debug, m, f); }
  void info(std::string_view m, const nlohmann::json& f = nullptr) { log(spdlog::level::info, m, f); }
  void warn(std::string_view m, const nlohmann::json& f = nullptr) { log(spdlog::level::warn, m, f); }
  void error(std::string_view m, const nlohmann::json& f = nullptr) { log(spdlog::level::err, m, f); }
  bool enabled(spdlog::level::level_enum level) const { return logger_->should_log(level); }
  void flush() { logger_->flush(); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  bool json_ = false;
};

}  // namespace pg::app
