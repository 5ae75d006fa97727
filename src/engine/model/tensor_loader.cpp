// Tensor lookup and shape/type validation for the model loaders; see tensor_loader.h.
#include "engine/model/tensor_loader.h"

#include "engine/quant/quant.h"

namespace pg {

std::string tensor_shape_string(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Result<kernels::WeightMatrix> TensorLoader::matrix(const std::string& name, int64_t cols, int64_t rows) const {
  return checked(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, cols, rows);
}

Result<kernels::WeightMatrix> TensorLoader::stacked_matrices(const std::string& name, int64_t cols, int64_t rows,
                                                             int64_t count) const {
  return checked(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows), static_cast<uint64_t>(count)},
                 cols, rows * count);
}

Result<kernels::WeightMatrix> TensorLoader::checked(const std::string& name, std::vector<uint64_t> want,
                                                    int64_t cols, int64_t rows) const {
  const gguf::TensorInfo* t = f_.find_tensor(name);
  if (!t) return Error{"missing tensor '" + name + "'"};
  std::vector<uint64_t> got = t->dims;
  while (got.size() > 1 && got.back() == 1) got.pop_back();
  while (want.size() > 1 && want.back() == 1) want.pop_back();
  if (got != want)
    return Error{"tensor '" + name + "' has shape " + tensor_shape_string(t->dims) + ", expected " +
                 tensor_shape_string(want)};
  if (!quant::supports_compute(t->type))
    return Error{"tensor '" + name + "' has type " + std::string(ggml_type_name(t->type)) +
                 ", which this engine cannot compute with"};
  kernels::WeightMatrix m;
  m.type = t->type;
  m.cols = cols;
  m.rows = rows;
  auto row_bytes = ggml_row_bytes(t->type, static_cast<uint64_t>(cols));
  if (!row_bytes)
    return Error{"tensor '" + name + "': a row of " + std::to_string(cols) + " values is not whole blocks of " +
                 std::string(ggml_type_name(t->type))};
  m.row_bytes = *row_bytes;
  m.data = t->data;
  if (Status s = kernels::validate_weight_matrix(m); !s) return Error{"tensor '" + name + "': " + s.message()};
  return m;
}

Result<std::vector<float>> TensorLoader::vector(const std::string& name, int64_t n) const {
  auto m = matrix(name, n, 1);
  if (!m) return m.status();
  std::vector<float> out(static_cast<size_t>(n));
  kernels::get_row(*m, 0, out.data());
  return out;
}

Result<std::vector<float>> TensorLoader::optional_vector(const std::string& name, int64_t n) const {
  if (!has(name)) return std::vector<float>{};
  return vector(name, n);
}

}  // namespace pg
