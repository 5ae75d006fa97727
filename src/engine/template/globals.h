// The global functions of Hugging Face's chat template environment: Jinja2's
// range (capped at 100000 items like the sandbox), dict, namespace, cycler,
// joiner, plus raise_exception(message) and strftime_now(format). They are
// fresh objects per render; this file must never keep state between renders.
#pragma once

#include <string>
#include <unordered_map>

#include "engine/template/value.h"

namespace pg::jinja {

inline constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE

std::unordered_map<std::string, Value> make_globals();

}  // namespace pg::jinja
