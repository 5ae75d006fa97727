// Mean/CLS/last pooling and L2 normalization in double; see bert_pooling.h.
#include "engine/model/bert_pooling.h"

#include <cmath>

namespace pg {

std::vector<std::vector<float>> pool_and_normalize(std::span<const float> hidden,
                                                   std::span<const std::vector<TokenId>> inputs, int64_t n_embd,
                                                   PoolingType pooling) {
  const size_t E = static_cast<size_t>(n_embd);
  std::vector<std::vector<float>> out;
  out.reserve(inputs.size());
  size_t row = 0;  // first token row of the current input
  std::vector<double> sum(E);
  for (const auto& input : inputs) {
    const size_t n = input.size();
    std::fill(sum.begin(), sum.end(), 0.0);
    if (pooling == PoolingType::Mean) {
      for (size_t t = 0; t < n; ++t)
        for (size_t i = 0; i < E; ++i) sum[i] += hidden[(row + t) * E + i];
      for (double& v : sum) v /= static_cast<double>(n);
    } else {
      const size_t pick = pooling == PoolingType::Cls ? row : row + n - 1;
      for (size_t i = 0; i < E; ++i) sum[i] = hidden[pick * E + i];
    }
    double norm = 0.0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> v(E, 0.0f);
    if (norm > 0.0)
      for (size_t i = 0; i < E; ++i) v[i] = static_cast<float>(sum[i] / norm);
    out.push_back(std::move(v));
    row += n;
  }
  return out;
}

}  // namespace pg
