// The check of a collection name from a request (checked_collection_name,
// declared in rag_json.h): a pure function, kept apart from the store lookups so
// it links without the server (the fuzz targets use it). It must never touch
// the store; a bad name is an ApiError 400.
#include <algorithm>

#include "server/rag_json.h"

namespace pg::server {

std::string checked_collection_name(const std::optional<std::string>& name) {
  if (!name || name->empty()) throw invalid_field("name", "is required");
  if (name->size() > 128) throw invalid_field("name", "is longer than 128 bytes");
  if (std::all_of(name->begin(), name->end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw invalid_field("name", "must not be all digits (numbers are collection ids)");
  for (unsigned char c : *name)
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      throw invalid_field("name", "must not contain control characters, '/' or '\\'");
  return *name;
}

}  // namespace pg::server
