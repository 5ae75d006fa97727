// The batched forward pass of a BERT-family encoder: the tokens of several
// inputs go through each weight matrix together (one matrix-matrix product per
// weight and layer, multi-threaded by kernels::matmul), attention runs per
// input and head (bidirectional, an input never sees another's tokens) split
// across the pool. Holds the scratch buffers of one run; never modifies the
// model. Inputs must have passed BertModel::check_input.
//   bert:       x = LN(tok + type0 + pos); per layer: a = LN(x + O(attn(Qx+bq, Kx+bk, Vx+bv)) + bo);
//               x = LN(a + down(GELU(up a + b)) + b)
//   nomic-bert: x = LN(tok + type0); per layer: QKV fused, RoPE (NeoX) on Q and K;
//               a = LN(x + O(attn)); x = LN(a + down(silu(gate a) * up a))
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"

namespace pg {

class BertForward {
 public:
  BertForward(const BertModel& model, ThreadPool& pool, kernels::KernelPath path);

  // Replaces `hidden` with the final hidden states of every token of every
  // input, input after input (n_embd values per token).
  void run(std::span<const std::vector<TokenId>> inputs, std::vector<float>& hidden);

 private:
  // fn(t) for each of n rows, split across the pool (each row's result is the
  // same whichever thread computes it).
  template <typename Fn>
  void for_each_row(int64_t n, Fn&& fn) {
    if (n < 2 || pool_.size() < 2) {
      for (int64_t t = 0; t < n; ++t) fn(t);
      return;
    }
    pool_.run([&](int index, int parts) {
      const int64_t chunk = (n + parts - 1) / parts;
      for (int64_t t = chunk * index; t < std::min(n, chunk * (index + 1)); ++t) fn(t);
    });
  }
  void matmul(const kernels::WeightMatrix& w, const float* x, int64_t n_tokens, float* y);
  void embed_tokens(std::span<const std::vector<TokenId>> inputs);
  void project_qkv(const BertLayerWeights& w, int64_t T);
  void attention(std::span<const std::vector<TokenId>> inputs);
  void feed_forward(const BertLayerWeights& w, int64_t T);

  const BertModel& model_;
  ThreadPool& pool_;
  kernels::KernelPath path_;
  kernels::Scratch scratch_;
  std::vector<int64_t> starts_;  // first token row of each input
  std::vector<float> x_, q_, k_, v_, qkv_, attn_, cur_, up_, gate_;
  std::vector<float> per_thread_;  // attention: transposed keys and scores of one head
};

}  // namespace pg
