// Deterministic random-weight models with the shape of real ones (TinyLlama,
// Llama 7B, Mistral 7B, Llama 3 8B, Qwen2 0.5B, or custom dims), so benchmarks
// and tests need no download. Weights come from an explicit generator
// (splitmix64, seeded per tensor row) so the bytes depend only on the options,
// never on the platform or thread count. Tensors are streamed to disk, so a
// 7B-shape file needs no more memory than a few rows. Never leaves a partial file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/gguf_stream_writer.h"
#include "models/synth_weights.h"
#include "util/result.h"

namespace pg {

struct SynthShape {
  std::string name;           // "tinyllama-1.1b", or "custom"
  std::string arch = "llama"; // general.architecture: llama or qwen2
  int64_t dim = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0, vocab = 0, ctx = 0;
  bool qkv_bias = false;      // attn_q/k/v biases (qwen2)
  bool tied_embeddings = false;  // no output.weight: the embedding is reused
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
};

// The built-in shapes, in a stable order.
const std::vector<SynthShape>& synth_shapes();
std::optional<SynthShape> find_synth_shape(const std::string& name);
// Checks dims (positive, heads divide dim with an even head size, kv_heads divide heads).
Status validate_synth_shape(const SynthShape& shape);

// The tensors of a shape (llama.cpp names, GGML dims, all F32 before typing).
std::vector<StreamTensorSpec> synth_tensor_specs(const SynthShape& shape);
uint64_t synth_parameter_count(const SynthShape& shape);

struct SynthOptions : SynthFileOptions {
  SynthShape shape;
};

Result<SynthReport> synthesize_model(const std::string& out_path, const SynthOptions& options);

}  // namespace pg
