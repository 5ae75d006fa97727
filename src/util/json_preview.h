// Short renderings of JSON values for error messages ("got array [1,2,...").
// Bounded: the work and the memory are proportional to max_chars, never to the
// value's size or depth (it never calls dump() on a container, and stops
// descending after a fixed depth), so describing a hostile value is cheap.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace pg {

// Compact JSON text of `value`, cut to at most max_chars bytes (ending in "..."
// when cut; never inside a UTF-8 sequence).
std::string json_preview(const nlohmann::json& value, size_t max_chars = 60);
std::string json_preview(const nlohmann::ordered_json& value, size_t max_chars = 60);

}  // namespace pg
