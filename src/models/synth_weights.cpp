// The family-independent half of `playground synth`; see synth_weights.h.
#include "models/synth_weights.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "engine/gguf/gguf.h"
#include "engine/kernels/thread_pool.h"
#include "models/quantize.h"

namespace pg {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ull);
  return splitmix64(s);
}

// Approximately N(0, 1): the sum of four uniforms (Irwin-Hall), centred and
// scaled to unit variance. Only integer and IEEE double arithmetic, so every
// platform produces the same values.
double approx_normal(uint64_t& state) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
  return (sum - 2.0) * 1.7320508075688772;  // sqrt(3)
}

uint64_t name_seed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return mix(seed, h);
}

// Rows [first, first + rows) of a value-by-value tensor, as float.
void fill_rows(float* dst, int64_t first, int64_t rows, int64_t n_per_row, uint64_t tensor_seed, SynthFill fill,
               ThreadPool& pool) {
  pool.run([&](int th, int n) {
    for (int64_t r = rows * th / n; r < rows * (th + 1) / n; ++r) {
      float* row = dst + r * n_per_row;
      uint64_t state = mix(tensor_seed, static_cast<uint64_t>(first + r));
      for (int64_t k = 0; k < n_per_row; ++k) row[k] = static_cast<float>(fill.mean + fill.stddev * approx_normal(state));
    }
  });
}

// Elements per pool unit: a block of a quantized type; 32 values of a float
// type (1 where the row is not a multiple of 32).
int64_t pool_unit(GgmlType type, int64_t n_per_row) {
  const auto info = ggml_type_info(static_cast<uint32_t>(type));
  const int64_t block = info ? info->block_size : 1;
  if (block > 1) return block;
  return n_per_row % 32 == 0 ? 32 : 1;
}

// kSynthPoolUnits units of the tensor's type, each a conversion of its own normal draws.
Result<std::vector<uint8_t>> make_pool(const StreamTensorSpec& t, int64_t unit, uint64_t pool_seed, SynthFill fill,
                                       ThreadPool& pool) {
  std::vector<float> values(static_cast<size_t>(kSynthPoolUnits * unit));
  fill_rows(values.data(), 0, kSynthPoolUnits, unit, pool_seed, fill, pool);
  std::vector<uint8_t> out(static_cast<size_t>(kSynthPoolUnits) * *ggml_row_bytes(t.type, static_cast<uint64_t>(unit)));
  if (Status s = convert_rows(t.type, values.data(), kSynthPoolUnits, unit, out.data(), pool); !s) return Error{s.message()};
  return out;
}

}  // namespace

Result<int64_t> synth_vocab_from(GgufStreamWriter::Metadata& md, const std::string& path) {
  auto f = gguf::GgufFile::open(path);
  if (!f) return Error{"--vocab-from: " + f.error()};
  const gguf::Value* tokens = (*f)->find("tokenizer.ggml.tokens");
  const gguf::Array* arr = tokens ? tokens->as_array() : nullptr;
  if (arr == nullptr || arr->items.empty())
    return Error{"--vocab-from " + path + ": no tokenizer.ggml.tokens array (not a model with a vocabulary)"};
  for (const auto& [key, value] : (*f)->metadata())
    if (key.rfind("tokenizer.", 0) == 0) md.emplace_back(key, value);
  return static_cast<int64_t>(arr->items.size());
}

Status check_synth_sizes(const std::string& what, const std::string& flag, int64_t dim, int64_t layers, int64_t ffn,
                         int64_t heads) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  if (!in(dim, 2, 1 << 16)) return Status::error(what + flag + "dim " + std::to_string(dim) + " out of range 2..65536");
  if (!in(layers, 1, 1024))
    return Status::error(what + flag + "layers " + std::to_string(layers) + " out of range 1..1024");
  if (!in(ffn, 1, 1 << 18)) return Status::error(what + flag + "ffn " + std::to_string(ffn) + " out of range 1..262144");
  if (!in(heads, 1, dim) || dim % heads != 0)
    return Status::error(what + flag + "heads " + std::to_string(heads) + " does not divide " + flag + "dim " +
                         std::to_string(dim));
  return Status::ok();
}

Result<QuantFileType> synth_file_type(const std::string& type) {
  auto ftype = find_quant_file_type(type);
  if (ftype) return *ftype;
  std::string names;
  for (std::string_view n : quant_file_type_names()) names += (names.empty() ? "" : ", ") + std::string(n);
  return Error{"unknown --type '" + type + "' (supported: " + names + ")"};
}

void add_synth_header(GgufStreamWriter::Metadata& md, const SynthHeader& h) {
  const std::string p = h.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  md.emplace_back("general.architecture", gguf::Value::str(h.arch));
  md.emplace_back("general.name", gguf::Value::str("synth-" + h.shape_name));
  md.emplace_back("general.description",
                  gguf::Value::str("random weights from playground synth (seed " + std::to_string(h.seed) + ")"));
  md.emplace_back(p + "context_length", u32(h.ctx));
  md.emplace_back(p + "embedding_length", u32(h.dim));
  md.emplace_back(p + "block_count", u32(h.layers));
  md.emplace_back(p + "feed_forward_length", u32(h.ffn));
  md.emplace_back(p + "attention.head_count", u32(h.heads));
}

Result<std::vector<StreamTensorSpec>> synth_typed_specs(const QuantFileType& ftype, const RecipeModel& model,
                                                        const std::vector<StreamTensorSpec>& natural) {
  std::vector<RecipeTensor> recipe;
  for (const auto& t : natural) recipe.push_back({t.name, t.type, t.dims});
  const std::vector<size_t> order = llama_tensor_order(recipe);
  std::vector<RecipeTensor> ordered;
  for (size_t i : order) ordered.push_back(recipe[i]);
  auto plan = plan_tensor_types(ftype, model, ordered);
  if (!plan) return Error{plan.error()};
  if (Status s = check_convertible(plan->types, std::string(ftype.name)); !s) return Error{s.message()};
  std::vector<StreamTensorSpec> specs;
  for (size_t i = 0; i < ordered.size(); ++i) specs.push_back({ordered[i].name, plan->types[i], ordered[i].dims});
  return specs;
}

Result<SynthWritten> write_synth_weights(const std::string& out_path, const GgufStreamWriter::Metadata& md,
                                         const std::vector<StreamTensorSpec>& specs,
                                         const SynthWeightsOptions& options) {
  auto writer = GgufStreamWriter::create(out_path, md, specs);
  if (!writer) return Error{writer.error()};
  ThreadPool pool(options.threads > 0 ? options.threads : physical_core_count());
  std::vector<float> rows_f32;
  std::vector<uint8_t> rows_out;
  SynthWritten written;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StreamTensorSpec& t = specs[i];
    if (options.progress) options.progress(i, specs.size(), t.name, std::string(ggml_type_name(t.type)));
    const SynthFill fill = options.fill(t);
    const int64_t n_per_row = static_cast<int64_t>(t.dims[0]);
    int64_t n_rows = 1;  // every dimension after the first (3-D expert tensors: rows x experts)
    for (size_t d = 1; d < t.dims.size(); ++d) n_rows *= static_cast<int64_t>(t.dims[d]);
    written.parameters += static_cast<uint64_t>(n_per_row * n_rows);
    const uint64_t out_row = *ggml_row_bytes(t.type, t.dims[0]);
    const int64_t chunk_rows = std::max<int64_t>(1, (int64_t{1} << 22) / n_per_row);
    // Seeds depend on the tensor's name, not its position, so reordering never changes values.
    const uint64_t tensor_seed = name_seed(options.seed, t.name);
    const int64_t unit = pool_unit(t.type, n_per_row);
    const bool from_pool = options.pooled && options.pooled(t) && n_per_row % unit == 0 &&
                           n_rows * (n_per_row / unit) >= kSynthPoolMinUnits;
    std::vector<uint8_t> units;
    if (from_pool) {
      auto made = make_pool(t, unit, name_seed(tensor_seed, "pool"), fill, pool);
      if (!made) return Error{"tensor '" + t.name + "': " + made.error()};
      units = std::move(*made);
    }
    const uint64_t unit_bytes = from_pool ? units.size() / kSynthPoolUnits : 0;
    for (int64_t first = 0; first < n_rows; first += chunk_rows) {
      const int64_t rows = std::min(chunk_rows, n_rows - first);
      rows_out.resize(static_cast<size_t>(rows) * out_row);
      if (from_pool) {
        // Each unit of each row is a pool entry picked by the row's own generator.
        pool.run([&](int th, int n) {
          for (int64_t r = rows * th / n; r < rows * (th + 1) / n; ++r) {
            uint8_t* dst = rows_out.data() + static_cast<uint64_t>(r) * out_row;
            uint64_t state = mix(tensor_seed, static_cast<uint64_t>(first + r));
            for (int64_t u = 0; u < n_per_row / unit; ++u, dst += unit_bytes) {
              const uint64_t pick = splitmix64(state) % static_cast<uint64_t>(kSynthPoolUnits);
              std::memcpy(dst, units.data() + pick * unit_bytes, unit_bytes);
            }
          }
        });
      } else {
        rows_f32.resize(static_cast<size_t>(rows * n_per_row));
        fill_rows(rows_f32.data(), first, rows, n_per_row, tensor_seed, fill, pool);
        if (Status s = convert_rows(t.type, rows_f32.data(), rows, n_per_row, rows_out.data(), pool); !s)
          return Error{"tensor '" + t.name + "': " + s.message()};
      }
      if (Status s = (*writer)->append(rows_out.data(), rows_out.size()); !s) return Error{s.message()};
    }
  }
  if (Status s = (*writer)->finish(); !s) return Error{s.message()};
  auto size = GgufStreamWriter::file_size(md, specs);
  written.output_bytes = size ? *size : 0;
  return written;
}

}  // namespace pg
