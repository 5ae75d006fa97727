// Mean-pooled, L2-normalized final hidden states; see embedding.h.
#include "engine/model/embedding.h"

#include <cmath>

namespace pg {

Result<std::vector<float>> sentence_embedding(InferenceSession& session, std::span<const int32_t> tokens) {
  const int64_t n_embd = session.model().config().n_embd;
  session.truncate(0);
  std::vector<float> hidden;
  if (Status s = session.eval_hidden(tokens, hidden); !s) return Error{s.message()};
  session.truncate(0);
  const int32_t bos = session.model().tokenizer().bos_id();
  const size_t first = tokens.size() > 1 && bos >= 0 && tokens[0] == bos ? 1 : 0;
  std::vector<double> sum(static_cast<size_t>(n_embd), 0.0);
  for (size_t t = first; t < tokens.size(); ++t)
    for (int64_t i = 0; i < n_embd; ++i) sum[static_cast<size_t>(i)] += hidden[t * static_cast<size_t>(n_embd) + i];
  double norm = 0.0;
  for (double v : sum) norm += v * v;
  norm = std::sqrt(norm);
  std::vector<float> out(static_cast<size_t>(n_embd), 0.0f);
  if (norm > 0)
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(sum[i] / norm);
  return out;
}

}  // namespace pg
