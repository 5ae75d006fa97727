// Sentence embeddings from a decoder-only (Llama-family) model: the tokens run
// through the forward pass, the final hidden states (after the output
// RMSNorm) are averaged over the tokens (a leading BOS followed by text is
// evaluated but not averaged), and the mean is scaled to unit L2 norm. The
// vector has n_embd values. Encoder models (BERT) will provide the same
// function shape later. Uses the session from position 0 (it is reset first).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/inference_session.h"
#include "util/result.h"

namespace pg {

Result<std::vector<float>> sentence_embedding(InferenceSession& session, std::span<const int32_t> tokens);

}  // namespace pg
