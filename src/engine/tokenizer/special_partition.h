// Splits text at occurrences of special-token texts, as llama.cpp's
// tokenizer_st_partition: each special token (longest text first) is searched
// in every remaining plain-text fragment. Control and unknown tokens are only
// recognised with parse_special; user-defined tokens always are. Internal;
// never yields an empty or out-of-range text fragment.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace pg::tok {

struct Fragment {
  TokenId token = kNoToken;  // a special token, or kNoToken for plain text
  size_t offset = 0, length = 0;  // the plain text's byte range
};

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace pg::tok
