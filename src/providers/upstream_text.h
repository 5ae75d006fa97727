// What a provider said when it refused or failed, made fit to quote in our own
// error messages: the message from its JSON error shapes, or its raw text,
// capped at kMaxUpstreamTextBytes (cut on a UTF-8 boundary, control characters
// blanked). An HTML page is summarised (its size and <title>), never echoed.
// Callers label the result as the provider's words ("provider 'x' answered
// HTTP 500: ..."). Never passes a huge or raw HTML body through.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pg::providers {

inline constexpr size_t kMaxUpstreamTextBytes = 512;

// From {"error":{"message":...}}, {"error":"..."}, {"message":"..."} or the raw body.
std::string upstream_message(std::string_view body);
// The same for an already parsed JSON value (a streamed error line); the raw
// text is used when the value has none of those shapes.
std::string upstream_message(const nlohmann::json& value, std::string_view raw);

}  // namespace pg::providers
