// quantize_model: plan per-tensor types, copy metadata (general.file_type and
// general.quantization_version moved to the end, as llama-quantize does), then
// stream each tensor: copied when its type is unchanged, else converted rows
// at a time in bounded chunks.
#include "models/quantize.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/quant/quant.h"
#include "models/gguf_stream_writer.h"
#include "models/quant_recipe.h"

namespace pg {
namespace {

constexpr uint64_t kChunkOutputBytes = uint64_t{32} << 20;  // bounds memory per tensor

bool is_float_type(GgmlType t) { return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16; }

std::string joined_type_names() {
  std::string s;
  for (std::string_view n : quant_file_type_names()) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

int64_t int_key(const gguf::GgufFile& f, const std::string& key) {
  if (auto v = f.get_int(key)) return *v;
  if (auto a = f.get_int_array(key); a && !a->empty()) return (*a)[0];  // per-layer arrays
  return 0;
}

}  // namespace

Status convert_rows(GgmlType type, const float* src, int64_t n_rows, int64_t n_per_row, uint8_t* dst,
                    ThreadPool& pool) {
  const quant::TypeOps* ops = quant::reference_ops(type);
  auto row_bytes = ggml_row_bytes(type, static_cast<uint64_t>(n_per_row));
  if (ops == nullptr || ops->quantize_row_model == nullptr)
    return Status::error("no quantizer for type " + std::string(ggml_type_name(type)));
  if (!row_bytes || n_per_row <= 0)
    return Status::error("row length " + std::to_string(n_per_row) + " does not fit type " +
                         std::string(ggml_type_name(type)));
  pool.run([&](int t, int n) {
    const int64_t begin = n_rows * t / n, end = n_rows * (t + 1) / n;
    for (int64_t r = begin; r < end; ++r)
      ops->quantize_row_model(src + r * n_per_row, dst + static_cast<uint64_t>(r) * *row_bytes, n_per_row);
  });
  return Status::ok();
}

bool can_convert_rows(GgmlType type) {
  const quant::TypeOps* ops = quant::reference_ops(type);
  return ops != nullptr && ops->quantize_row_model != nullptr;
}

Status check_convertible(const std::vector<GgmlType>& types, const std::string& file_type) {
  for (GgmlType t : types)
    if (!can_convert_rows(t))
      return Status::error(file_type + " needs " + std::string(ggml_type_name(t)) +
                           " tensors, and this build has no quantizer for " + std::string(ggml_type_name(t)));
  return Status::ok();
}

Result<QuantizeReport> quantize_model(const std::string& in_path, const std::string& out_path,
                                      const std::string& type_name, const QuantizeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto ftype = find_quant_file_type(type_name);
  if (!ftype) return Error{"unknown quantization type '" + type_name + "' (supported: " + joined_type_names() + ")"};
  auto opened = gguf::GgufFile::open(in_path);
  if (!opened) return Error{opened.error()};
  const gguf::GgufFile& in = **opened;

  std::vector<RecipeTensor> listed;
  for (const gguf::TensorInfo& t : in.tensors()) listed.push_back({t.name, t.type, t.dims});
  const std::vector<size_t> order = llama_tensor_order(listed);
  std::vector<RecipeTensor> ordered;
  for (size_t i : order) ordered.push_back(listed[i]);
  for (const RecipeTensor& t : ordered) {
    if (tensor_is_quantizable(t) && !is_float_type(t.type))
      return Error{in_path + ": requantizing from " + std::string(ggml_type_name(t.type)) +
                   " is not supported (tensor '" + t.name + "'); quantize from an F32, F16 or BF16 file"};
  }

  RecipeModel model;
  model.arch = in.get_string("general.architecture").value_or("");
  model.n_layer = int_key(in, model.arch + ".block_count");
  model.n_head = int_key(in, model.arch + ".attention.head_count");
  model.n_head_kv = int_key(in, model.arch + ".attention.head_count_kv");
  if (model.n_head_kv == 0) model.n_head_kv = model.n_head;
  model.n_expert = int_key(in, model.arch + ".expert_count");
  auto plan = plan_tensor_types(*ftype, model, ordered);
  if (!plan) return Error{in_path + ": " + plan.error()};
  std::vector<GgmlType> converted;
  for (size_t i = 0; i < ordered.size(); ++i)
    if (plan->types[i] != ordered[i].type) converted.push_back(plan->types[i]);
  if (Status s = check_convertible(converted, std::string(ftype->name)); !s) return Error{s.message()};

  GgufStreamWriter::Metadata metadata;
  for (const auto& [key, value] : in.metadata()) {
    if (key == "general.file_type" || key == "general.quantization_version" || key == "split.no" ||
        key == "split.count" || key == "split.tensors.count")
      continue;
    metadata.emplace_back(key, value);
  }
  metadata.emplace_back("general.quantization_version", gguf::Value::u32(2));  // GGML_QNT_VERSION
  metadata.emplace_back("general.file_type", gguf::Value::u32(ftype->llama_ftype));

  std::vector<StreamTensorSpec> specs;
  for (size_t i = 0; i < ordered.size(); ++i) specs.push_back({ordered[i].name, plan->types[i], ordered[i].dims});
  auto writer = GgufStreamWriter::create(out_path, metadata, specs);
  if (!writer) return Error{writer.error()};

  QuantizeReport report;
  report.tensors = ordered.size();
  report.fallbacks = plan->n_fallback;
  ThreadPool pool(options.threads > 0 ? options.threads : physical_core_count());
  std::vector<std::vector<float>> scratch(static_cast<size_t>(pool.size()));
  std::vector<uint8_t> out_buf;
  for (size_t i = 0; i < ordered.size(); ++i) {
    const gguf::TensorInfo& src = in.tensors()[order[i]];
    const GgmlType to = plan->types[i];
    if (options.progress) options.progress(i, ordered.size(), src.name, std::string(ggml_type_name(to)));
    if (to == src.type) {
      if (Status s = (*writer)->append(src.data, src.n_bytes); !s) return Error{s.message()};
      continue;
    }
    ++report.quantized;
    const quant::TypeOps* from_ops = quant::reference_ops(src.type);
    const quant::TypeOps* to_ops = quant::reference_ops(to);
    if (from_ops == nullptr || from_ops->dequantize_row == nullptr)
      return Error{in_path + ": cannot read tensor '" + src.name + "' of type " +
                   std::string(ggml_type_name(src.type))};
    if (to_ops == nullptr || to_ops->quantize_row_model == nullptr)
      return Error{"no quantizer for type " + std::string(ggml_type_name(to)) + " (tensor '" + src.name + "')"};
    const int64_t n_per_row = static_cast<int64_t>(src.dims[0]);
    const int64_t n_rows = static_cast<int64_t>(src.n_elements / src.dims[0]);
    const uint64_t in_row = *ggml_row_bytes(src.type, src.dims[0]);
    const uint64_t out_row = (*writer)->tensor_bytes(i) / static_cast<uint64_t>(n_rows);
    const int64_t chunk_rows = std::max<int64_t>(1, static_cast<int64_t>(kChunkOutputBytes / out_row));
    for (auto& s : scratch) s.resize(static_cast<size_t>(n_per_row));
    for (int64_t first = 0; first < n_rows; first += chunk_rows) {
      const int64_t rows = std::min(chunk_rows, n_rows - first);
      out_buf.resize(static_cast<size_t>(rows) * out_row);
      std::atomic<int64_t> bad_row{-1};
      pool.run([&](int t, int n) {
        float* row = scratch[static_cast<size_t>(t)].data();
        const int64_t begin = rows * t / n, end = rows * (t + 1) / n;
        for (int64_t r = begin; r < end; ++r) {
          from_ops->dequantize_row(src.data + static_cast<uint64_t>(first + r) * in_row, row, n_per_row);
          for (int64_t k = 0; k < n_per_row; ++k) {
            if (!std::isfinite(row[k])) {
              int64_t expected = -1;
              bad_row.compare_exchange_strong(expected, first + r);
              break;
            }
          }
          to_ops->quantize_row_model(row, out_buf.data() + static_cast<uint64_t>(r) * out_row, n_per_row);
        }
      });
      if (bad_row.load() >= 0)
        return Error{in_path + ": tensor '" + src.name + "' holds a non-finite value (row " +
                     std::to_string(bad_row.load()) + ")"};
      if (Status s = (*writer)->append(out_buf.data(), out_buf.size()); !s) return Error{s.message()};
    }
  }
  if (Status s = (*writer)->finish(); !s) return Error{s.message()};
  report.input_bytes = in.file_size();
  auto out_size = GgufStreamWriter::file_size(metadata, specs);
  report.output_bytes = out_size ? *out_size : 0;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
