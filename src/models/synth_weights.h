// What `playground synth` does the same way for every model family: copying a
// vocabulary from another GGUF, choosing the file type, the common metadata
// keys, typing tensors as `playground quantize` would, and streaming row-seeded
// random weights (splitmix64 per tensor name and row, so the bytes depend only
// on the seed, never on platform or thread count) through GgufStreamWriter.
// Tensors the caller marks as pooled (the merged expert matrices of MoE
// models, most of their bytes) are assembled from a per-tensor pool of
// independently drawn and quantized blocks instead, so a 30B-parameter file
// takes minutes, not hours; every block is a real quantization of normal
// values at the tensor's scale.
// Knows no architecture: the callers (synth.cpp, synth_bert.cpp) give the
// shape's tensor list, its own metadata and each tensor's distribution. Also
// what both families' options, reports, shape look-up and size checks share.
// Never leaves a partial file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/gguf_stream_writer.h"
#include "models/quant_recipe.h"
#include "util/result.h"

namespace pg {

using SynthProgress = std::function<void(size_t index, size_t count, const std::string& name, const std::string& type)>;

// How a synthesized file is written, whatever its shape.
struct SynthFileOptions {
  std::string vocab_from;     // GGUF whose tokenizer.* keys are copied; empty: the family's built-in vocabulary
  std::string type = "F16";   // F32, F16, BF16 or any quantize file type (Q4_0, Q8_0, Q4_K_M, ...)
  int64_t ctx = 0;            // context length to store; 0: the shape's
  uint64_t seed = 1;
  int threads = 0;            // <= 0: physical cores
  SynthProgress progress;
};

struct SynthReport {
  uint64_t parameters = 0;
  uint64_t output_bytes = 0;
  double seconds = 0;
};

// The shape called `name` in `shapes`, or nullopt.
template <typename Shape>
std::optional<Shape> find_shape_named(const std::vector<Shape>& shapes, const std::string& name) {
  for (const Shape& s : shapes)
    if (s.name == name) return s;
  return std::nullopt;
}

// The sizes every transformer shape has: dim, layers and ffn in range, heads
// dividing dim. `what` starts each message ("shape 'x': "); `flag` comes
// before each size's name ("--" where the sizes are the CLI's flags).
Status check_synth_sizes(const std::string& what, const std::string& flag, int64_t dim, int64_t layers, int64_t ffn,
                         int64_t heads);

// Copies every tokenizer.* key of the GGUF at `path` into `md`; returns the vocabulary size.
Result<int64_t> synth_vocab_from(GgufStreamWriter::Metadata& md, const std::string& path);

// The file type named by --type, or an error that lists the supported names.
Result<QuantFileType> synth_file_type(const std::string& type);

// general.architecture, general.name ("synth-" + shape name), general.description
// (with the seed) and the {arch}.* dimensions every transformer has.
struct SynthHeader {
  std::string arch, shape_name;
  uint64_t seed = 0;
  int64_t ctx = 0, dim = 0, layers = 0, ffn = 0, heads = 0;
};
void add_synth_header(GgufStreamWriter::Metadata& md, const SynthHeader& header);

// The tensors in llama.cpp's order, typed the way `playground quantize` types an F32 file.
Result<std::vector<StreamTensorSpec>> synth_typed_specs(const QuantFileType& ftype, const RecipeModel& model,
                                                        const std::vector<StreamTensorSpec>& natural);

// Each value of a tensor is mean + stddev * N(0, 1).
struct SynthFill {
  double mean = 0, stddev = 0;
};

struct SynthWeightsOptions {
  uint64_t seed = 1;
  int threads = 0;  // <= 0: physical cores
  SynthProgress progress;
  std::function<SynthFill(const StreamTensorSpec&)> fill;
  // Tensors built from a block pool (see the top of this file); unset: none. A
  // tensor no bigger than a few pools is generated value by value all the same.
  std::function<bool(const StreamTensorSpec&)> pooled;
};

// The pool's size in units (a quantization block, or 32 values of a float type)
// and the smallest tensor, in units, that is built from it.
inline constexpr int64_t kSynthPoolUnits = 4096;
inline constexpr int64_t kSynthPoolMinUnits = 4 * kSynthPoolUnits;

struct SynthWritten {
  uint64_t parameters = 0;
  uint64_t output_bytes = 0;
};

// Writes `md` and random values for `specs` (already typed) to out_path.
Result<SynthWritten> write_synth_weights(const std::string& out_path, const GgufStreamWriter::Metadata& md,
                                         const std::vector<StreamTensorSpec>& specs,
                                         const SynthWeightsOptions& options);

}  // namespace pg
