// Template variables from requests; see template_vars.h.
#include "server/template_vars.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "server/api_error.h"
#include "server/routes.h"

namespace pg::server {
namespace {

// Deeper values would only be refused later by the template interpreter.
constexpr int kMaxKwargsDepth = 64;

constexpr std::array<std::string_view, 5> kServerVariables = {"messages", "tools", "add_generation_prompt", "bos_token",
                                                              "eos_token"};

int depth_of(const nlohmann::ordered_json& v) {
  if (!v.is_structured()) return 0;
  int deepest = 0;
  for (const auto& item : v) deepest = std::max(deepest, depth_of(item));
  return deepest + 1;
}

}  // namespace

void read_chat_template_kwargs(const ApiRequest& req, const FieldReader& r, app::GenerationInput& in) {
  const nlohmann::json* raw = r.raw("chat_template_kwargs");
  if (!raw) return;
  const std::string field = r.name("chat_template_kwargs");
  if (!raw->is_object()) throw invalid_field(field, "must be an object of template variables, got " + describe_json(*raw));
  const nlohmann::ordered_json kwargs = request_ordered_field(req, "chat_template_kwargs");
  for (const auto& [name, value] : kwargs.items()) {
    for (std::string_view reserved : kServerVariables)
      if (name == reserved) throw invalid_field(field + "." + name, "is set by the server and cannot be given here");
    if (name == "enable_thinking" && !value.is_boolean())
      throw invalid_field(field + ".enable_thinking", "must be a boolean, got " + describe_json(value));
    if (depth_of(value) > kMaxKwargsDepth)
      throw invalid_field(field + "." + name, "is nested deeper than " + std::to_string(kMaxKwargsDepth) + " levels");
    in.template_vars[name] = value;
  }
  if (!kwargs.empty()) in.template_vars_field = field;
}

void read_reasoning_effort(const FieldReader& r, app::GenerationInput& in) {
  const auto effort = r.string("reasoning_effort", 16);
  if (!effort) return;
  if (*effort == "none") {
    in.template_vars["enable_thinking"] = false;
    in.template_vars.erase("reasoning_effort");
  } else if (*effort == "minimal" || *effort == "low" || *effort == "medium" || *effort == "high") {
    in.template_vars["reasoning_effort"] = *effort;
  } else {
    throw invalid_field(r.name("reasoning_effort"), "must be \"none\", \"minimal\", \"low\", \"medium\" or \"high\", got \"" +
                                                        *effort + "\"");
  }
}

void apply_think(const FieldReader& r, std::optional<bool> think, app::GenerationInput& in) {
  if (!think) return;
  in.template_vars["enable_thinking"] = *think;
  if (const nlohmann::json* level = r.raw("think"); level && level->is_string()) {
    const std::string effort = level->get<std::string>();
    if (effort == "low" || effort == "medium" || effort == "high") in.template_vars["reasoning_effort"] = effort;
  }
}

}  // namespace pg::server
