// Deterministic random-weight BERT-family encoders ("bert": all-MiniLM-L6,
// bge-small/base shapes; "nomic-bert": nomic-embed-text) for tests and
// benchmarks without a download. Weights come from an explicit generator
// (splitmix64 seeded per tensor name and row), so the bytes depend only on the
// options, never on platform or thread count. The vocabulary is copied from a
// GGUF (every tokenizer.* key) or a small built-in WordPiece one. Streamed to
// disk through GgufStreamWriter; never leaves a partial file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/bert_config.h"
#include "models/gguf_stream_writer.h"
#include "models/synth_weights.h"
#include "util/result.h"

namespace pg {

struct BertSynthShape {
  std::string name;           // "minilm-l6", ...
  std::string arch = "bert";  // general.architecture: bert or nomic-bert
  int64_t dim = 0, layers = 0, heads = 0, ffn = 0, ctx = 0;
  PoolingType pooling = PoolingType::Mean;
  float norm_eps = 1e-12f;
  float rope_base = 1000.0f;  // nomic-bert only
};

// The built-in encoder shapes, in a stable order (real ones first, then the
// tiny test shapes bert-tiny and nomic-tiny).
const std::vector<BertSynthShape>& bert_synth_shapes();
std::optional<BertSynthShape> find_bert_synth_shape(const std::string& name);
Status validate_bert_synth_shape(const BertSynthShape& shape);

// The tensors of a shape with `vocab` tokens (llama.cpp names, GGML dims, F32 before typing).
std::vector<StreamTensorSpec> bert_synth_tensor_specs(const BertSynthShape& shape, int64_t vocab);

// The built-in vocabulary (vocab_from empty) is a small WordPiece one.
struct BertSynthOptions : SynthFileOptions {
  BertSynthShape shape;
  std::optional<PoolingType> pooling;  // nullopt: the shape's
};

Result<SynthReport> synthesize_bert_model(const std::string& out_path, const BertSynthOptions& options);

}  // namespace pg
