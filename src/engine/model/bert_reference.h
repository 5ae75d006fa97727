// The scalar reference of the BERT-family forward pass, which the tests
// compare BertModel::embed against: one input at a time, every weight read by
// its tensor name straight from the GGUF file and dequantized with the
// reference dequantizers (not through BertModel's weight views), all
// arithmetic in double, no threads, no SIMD. Slow by design; for tests and
// checks on small models only. Shares no code with bert_forward.cpp beyond
// the config and the file.
#pragma once

#include <span>
#include <vector>

#include "engine/model/bert_model.h"

namespace pg {

// Final hidden states of one input: tokens.size() rows of n_embd values.
// Errors: the input fails model.check_input.
Result<std::vector<float>> bert_reference_hidden(const BertModel& model, std::span<const TokenId> tokens);

// The pooled (Mean, Cls or Last) and L2-normalized sentence vector of one input.
Result<std::vector<float>> bert_reference_embedding(const BertModel& model, std::span<const TokenId> tokens,
                                            PoolingType pooling);

}  // namespace pg
