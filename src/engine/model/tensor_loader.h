// Weight views of a GGUF model's tensors for the model loaders (llama_model.cpp,
// bert_model.cpp): a tensor looked up by name, its shape checked against the
// one the hyper-parameters imply, its type checked as one the engine computes
// with, and a WeightMatrix (or a float vector) returned that points into the
// file. Only reads the file; never copies a matrix or keeps state of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "util/result.h"

namespace pg {

// "[a, b, ...]", for error messages.
std::string tensor_shape_string(const std::vector<uint64_t>& dims);

class TensorLoader {
 public:
  explicit TensorLoader(const gguf::GgufFile& f) : f_(f) {}

  bool has(const std::string& name) const { return f_.find_tensor(name) != nullptr; }

  // A 2-D weight of `rows` rows of `cols` values (GGML dims [cols, rows];
  // trailing dims of 1 are ignored on both sides).
  Result<kernels::WeightMatrix> matrix(const std::string& name, int64_t cols, int64_t rows) const;

  // A 3-D stack of `count` matrices of `rows` × `cols` (GGML dims [cols, rows,
  // count], e.g. merged MoE experts), as one matrix of count × rows rows.
  Result<kernels::WeightMatrix> stacked_matrices(const std::string& name, int64_t cols, int64_t rows,
                                                 int64_t count) const;

  // A 1-D vector of n values, converted to float.
  Result<std::vector<float>> vector(const std::string& name, int64_t n) const;

  // Like vector(), but an absent tensor gives an empty vector.
  Result<std::vector<float>> optional_vector(const std::string& name, int64_t n) const;

 private:
  Result<kernels::WeightMatrix> checked(const std::string& name, std::vector<uint64_t> want, int64_t cols,
                                        int64_t rows) const;

  const gguf::GgufFile& f_;
};

}  // namespace pg
