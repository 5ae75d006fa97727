// The architectures the decoder forward pass implements and what each one
// switches on (Q/K norms, post-norms, GeGLU, soft-capping, sliding windows,
// per-layer RoPE, scales), read from the metadata keys llama.cpp reads for
// that architecture, with llama.cpp's defaults. Called by read_model_config
// after the sizes and the shared RoPE keys are read; never touches tensors.
#pragma once

#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"
#include "util/result.h"

namespace pg {

// Sets the architecture-specific fields of `c` (whose sizes, RoPE base/scale
// and scaling type are already read) and fills layer_sliding and layer_rope.
Status read_architecture_features(const gguf::GgufFile& f, ModelConfig& c);

}  // namespace pg
