// The mixture-of-experts part of synthesized decoders (Mixtral as `llama`,
// `qwen3moe`, `gpt-oss`): the routed-expert tensors of a block as llama.cpp's
// converter writes them (router ffn_gate_inp F32 [dim, experts], merged 3-D
// ffn_{gate,up,down}_exps [cols, rows, experts], gpt-oss's router and expert
// biases), the expert metadata keys, the checks that a shape's experts are
// ones llama.cpp loads, and the distributions of the router-side tensors.
// Decides on shapes and names only; never writes a file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/gguf_stream_writer.h"
#include "models/synth.h"
#include "models/synth_weights.h"
#include "util/result.h"

namespace pg {

// Each expert's FFN width: expert_ffn, or ffn where the arch has no key of its own (Mixtral).
int64_t synth_expert_width(const SynthShape& shape);

// Appends block `blk`'s ("blk.N.") router and expert tensors (all F32 before typing).
void add_synth_expert_specs(std::vector<StreamTensorSpec>& specs, const SynthShape& shape,
                            const SynthArchLayout& layout, const std::string& blk);

// expert_count, expert_used_count and (where the arch writes it) expert_feed_forward_length.
void add_synth_expert_metadata(GgufStreamWriter::Metadata& md, const SynthShape& shape, const SynthArchLayout& layout);

// Whether the arch takes the shape's experts (or requires some) and their counts are in range.
Status check_synth_experts(const std::string& what, const SynthShape& shape, const SynthArchLayout& layout);

// A merged expert matrix or expert bias ("blk.N.ffn_up_exps.weight", "...exps.bias").
bool is_synth_expert_tensor(const std::string& name);

// The distribution of the MoE-specific tensors whose scale is not 1/sqrt(fan-in):
// the router gives unit-variance logits for a unit-variance input, so the top-k
// choice varies from token to token; attention sinks are logits of about the
// scores' size. nullopt for every other tensor.
std::optional<SynthFill> synth_moe_fill(const StreamTensorSpec& tensor);

}  // namespace pg
