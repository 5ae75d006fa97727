// One sequence being evaluated by a LlamaModel: its KV cache, position and
// scratch buffers. Sliding-window layers keep only their window (plus one
// batch) in a ring of cache rows, so their memory follows the window, not the
// context. Evaluates batches of tokens (the prompt as matrix-matrix
// products, then one token per step) and exposes the logits. Never modifies
// the model; several sessions may share one model (each needs its own pool
// or must not run concurrently on the same pool).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/llama_model.h"
#include "engine/model/moe_ffn.h"
#include "engine/model/kv_cache_type.h"
#include "engine/model/ops.h"
#include "util/result.h"

namespace pg {

struct SessionOptions {
  int64_t n_ctx = 0;        // 0: the model's training context, capped at 4096
  int64_t max_batch = 512;  // prompt tokens evaluated per forward pass
  // What the cache stores keys and values as (llama.cpp's -ctk/-ctv; F16 is its
  // default). Quantized types need heads of a multiple of 32 values
  // (check_kv_cache_type; a session given a type the model cannot take uses F16).
  KvCacheType type_k = kDefaultKvCacheType;
  KvCacheType type_v = kDefaultKvCacheType;
  // Kernel family for the matrix products; nullopt (or a path this CPU lacks)
  // uses the best one. Tests pick Scalar to compare SIMD results with it.
  std::optional<kernels::KernelPath> kernel_path;
};

// What a batch of tokens is. Prompt tokens go through the kernels made for
// matrix-matrix products (AMX tiles where the CPU has them), generated tokens
// through the ones made for streaming weights one token at a time. Within a
// role a token's result never depends on the batch it is in, so a prompt
// evaluated in any chunks, or a sequence generated alone or beside others,
// gives the same logits.
enum class EvalRole { Prompt, Generated };

class InferenceSession {
 public:
  InferenceSession(const LlamaModel& model, ThreadPool& pool, SessionOptions options = {});

  // Evaluates `tokens` at positions [position(), position() + size). With
  // all_logits the logits of every token are kept, else only the last one's.
  // Fails (changing nothing) on an id outside the vocabulary or when the
  // context would overflow.
  Status eval(std::span<const int32_t> tokens, bool all_logits = false, EvalRole role = EvalRole::Prompt);
  // eval of tokens the model generated (EvalRole::Generated), last logits only.
  Status eval_generated(std::span<const int32_t> tokens) { return eval(tokens, false, EvalRole::Generated); }
  // One generated token for each of several sessions in a single forward pass
  // (continuous batching): tokens[i] is appended to sessions[i]. The weight
  // matrices are multiplied once for the whole batch; attention runs on each
  // session's own cache. Each session ends exactly as eval_generated of its
  // token alone would leave it (same logits, bit for bit). All sessions must
  // share one model, thread pool and kernel path, and be distinct; on an
  // error nothing changes.
  static Status eval_generated_batch(std::span<InferenceSession* const> sessions, std::span<const int32_t> tokens);

  // Like eval(), but instead of logits appends each token's final hidden state
  // (after the output RMSNorm, n_embd values per token) to `hidden`; the
  // output layer is skipped. For embeddings (engine/model/embedding.h).
  Status eval_hidden(std::span<const int32_t> tokens, std::vector<float>& hidden);

  // Logits of the last evaluated token (n_vocab values).
  std::span<const float> last_logits() const;
  // With all_logits: logits of token i of the last eval call.
  std::span<const float> logits_at(int64_t i) const;

  int64_t position() const { return n_past_; }
  int64_t context_size() const { return n_ctx_; }
  const LlamaModel& model() const { return model_; }
  // Forgets everything after the first n positions (0 = start over) and
  // returns the positions kept: n, or 0 when a sliding-window layer no longer
  // holds the keys position n would attend to (its ring has moved on), in
  // which case the sequence must be evaluated again from the start.
  int64_t truncate(int64_t n);
  // The smallest n that truncate(n) keeps as it is (0 without sliding layers
  // or while the rings still hold every position).
  int64_t earliest_reusable_position() const;
  // Bytes held by the KV cache.
  uint64_t kv_cache_bytes() const;
  // Cache rows of one layer: the context for full-attention layers, the
  // window plus one batch for sliding ones.
  int64_t kv_rows(int64_t layer) const { return layer_rows_[static_cast<size_t>(layer)]; }

 private:
  Status check_tokens(std::span<const int32_t> tokens) const;
  // hidden != nullptr: append the normed final states instead of computing logits.
  void forward(std::span<const int32_t> tokens, bool all_logits, kernels::KernelPath path,
               std::vector<float>* hidden = nullptr);
  // The forward pass of the tokens described by slots_ (token t goes to
  // slots_[t].session at slots_[t].position), with this session's scratch;
  // leaves positions to the caller.
  void forward_slots(std::span<const int32_t> tokens, bool all_logits, kernels::KernelPath path,
                     std::vector<float>* hidden);
  void attention(int64_t layer, int64_t n_tokens);
  // Q/K norms, RoPE and the query scales for token t of the batch, in place.
  void prepare_qk(int64_t layer, int64_t t);
  // The ring row that holds position `position` of a layer (K and V alike).
  int64_t kv_row(int64_t layer, int64_t position) const {
    return position % layer_rows_[static_cast<size_t>(layer)];
  }
  // Stores token t of the batch's K and V in the cache.
  void store_kv(int64_t layer, int64_t t);
  // fn(t) for every token t of a batch of n, split across the pool for
  // batches (each token's work is the same whichever thread runs it).
  template <typename Fn>
  void for_each_token(int64_t n, Fn&& fn) {
    if (n < 2 || pool_.size() < 2) {
      for (int64_t t = 0; t < n; ++t) fn(t);
      return;
    }
    pool_.run([&](int index, int parts) {
      const int64_t chunk = (n + parts - 1) / parts;
      for (int64_t t = chunk * index; t < std::min(n, chunk * (index + 1)); ++t) fn(t);
    });
  }
  void matmul(kernels::KernelPath path, const kernels::WeightMatrix& w, const float* x, int64_t n_tokens, float* y);
  void matmul_many(kernels::KernelPath path, std::span<const kernels::MatmulJob> jobs);

  const LlamaModel& model_;
  ThreadPool& pool_;
  SessionOptions options_;
  kernels::KernelPath kernel_path_;
  int64_t n_ctx_ = 0;
  int64_t n_past_ = 0;

  // KV cache, head-major so that attention streams each head's rows: per layer,
  // per KV head, layer_rows_[l] rows of head_dim values; position p lives in
  // row p % layer_rows_[l]. A head row is k_head_bytes_ (v_head_bytes_) bytes of
  // options_.type_k (type_v): F32, F16 bits, or Q8_0/Q4_0 blocks. Layer l's
  // heads start at head row layer_first_row_[l] * n_head_kv.
  std::vector<int64_t> layer_rows_, layer_first_row_;
  uint64_t k_head_bytes_ = 0, v_head_bytes_ = 0;
  std::vector<uint8_t> k_cache_, v_cache_;
  uint64_t head_row_index(int64_t layer, int64_t kv_head, int64_t row) const {
    const size_t l = static_cast<size_t>(layer);
    return static_cast<uint64_t>(layer_first_row_[l] * model_.config().n_head_kv + kv_head * layer_rows_[l] + row);
  }
  uint8_t* k_at(int64_t layer, int64_t kv_head, int64_t row) {
    return k_cache_.data() + head_row_index(layer, kv_head, row) * k_head_bytes_;
  }
  uint8_t* v_at(int64_t layer, int64_t kv_head, int64_t row) {
    return v_cache_.data() + head_row_index(layer, kv_head, row) * v_head_bytes_;
  }
  // Each layer's RoPE, with the frequency factors this context length selects.
  std::vector<ops::RopeParams> layer_rope_;

  // Where each token of the batch being evaluated belongs.
  struct TokenSlot {
    InferenceSession* session;
    int64_t position;
  };
  std::vector<TokenSlot> slots_;
  // Scratch for one batch.
  std::vector<float> x_, xb_, q_, k_, v_, attn_out_, gate_, up_, logits_, moe_in_;
  MoeFeedForward moe_;
  std::vector<float> rope_cs_;  // per token: cos/sin of its position for the current layer
  std::vector<float> scores_;  // per thread: n_ctx scores + head_dim accumulators
  std::vector<uint8_t> query_bytes_;  // per thread: the query head in the key cache's dot type (F16 or Q8_0)
  int64_t logits_rows_ = 0;
  kernels::Scratch scratch_;
};

}  // namespace pg
