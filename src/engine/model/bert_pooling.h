// Turns the final hidden states of a batch of encoder inputs into one
// unit-length sentence vector per input (mean over all of an input's tokens,
// its first token, or its last token; then L2 normalization as llama.cpp's
// embedding example and server do). Pure arithmetic on given buffers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/bert_config.h"
#include "engine/tokenizer/tokenizer.h"

namespace pg {

// hidden holds the inputs' token rows one input after another, n_embd values
// per token. pooling must be Mean, Cls or Last. A vector of length zero stays zero.
std::vector<std::vector<float>> pool_and_normalize(std::span<const float> hidden,
                                                   std::span<const std::vector<TokenId>> inputs, int64_t n_embd,
                                                   PoolingType pooling);

}  // namespace pg
