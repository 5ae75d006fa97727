// How much memory a model will take once loaded, computed from its GGUF
// header before loading: the weights (all tensor bytes; they are mapped from
// the file and count as resident once read), the KV cache of every slot at
// the configured context (in the chosen KV cache types, f16 by default, as the
// engine allocates it up front: models/kv_cache_choice.h), and the
// per-slot scratch buffers (logits, activations). For a mixture-of-experts
// model also what one token reads (the active weights) and the part of the
// weights that must stay in memory, which is what a "will it fit" decision
// counts (see required()). Also the parsers of the
// memory_budget and keep_alive settings, and the machine's physical RAM.
// Reads headers only; never loads weights.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/kv_cache_choice.h"
#include "util/result.h"

namespace pg::models {

// Why a mixture-of-experts model is budgeted by its working set, not its size:
// the weights are mapped from the file, so their pages are clean and the kernel
// can drop any of them under memory pressure and read them back later. A dense
// model reads every weight for every token, so all of them must stay resident
// or each token re-reads the file: we count them all. An MoE model reads, per
// token and layer, only experts_used of its n_expert experts; the other experts'
// pages are touched now and then (another token's route) and may be evicted and
// re-read at the cost of some speed, never of memory. So the memory a model
// must have is its dense weights (attention, routers, norms, embeddings,
// output) plus the experts one token uses, plus the KV cache and scratch (both
// anonymous memory). A 30B MoE file (18 GB at Q4_K_M, 3B active) then fits a
// 24 GiB machine, as it does under llama.cpp's mmap; with plenty of RAM every
// expert stays cached anyway. `total()` still reports everything resident.
struct MemoryEstimate {
  uint64_t weights = 0;         // every tensor's bytes (all mapped from the file)
  uint64_t expert_weights = 0;  // of which routed experts (`*_exps.*` tensors); 0 for a dense model
  uint64_t active_weights = 0;  // bytes one token reads: all but the token embedding (one row of it;
                                // all of it when the output is tied to it) and the experts
                                // (experts_used of n_expert of them)
  int64_t n_expert = 0, n_expert_used = 0;  // expert_count, expert_used_count (0: dense)
  uint64_t kv_cache = 0;
  uint64_t scratch = 0;
  // Everything resident: all weights, KV cache and scratch.
  uint64_t total() const { return weights + kv_cache + scratch; }
  // The weights that must stay resident: all of a dense model's; an MoE model's
  // dense weights plus experts_used / n_expert of its experts.
  uint64_t resident_weights() const {
    if (n_expert <= 0 || expert_weights == 0) return weights;
    const double used = static_cast<double>(std::min(n_expert_used, n_expert)) / static_cast<double>(n_expert);
    return weights - expert_weights + static_cast<uint64_t>(static_cast<double>(expert_weights) * used);
  }
  // What a model needs to run without thrashing, and what memory_budget counts:
  // resident_weights() + KV cache + scratch (== total() for a dense model).
  uint64_t required() const { return resident_weights() + kv_cache + scratch; }
  int64_t context = 0;  // per slot
  int slots = 0;
  int64_t head_dim = 0;      // values per attention head (what the cache types are checked against)
  KvCacheTypes cache_types;  // what kv_cache was counted in
};

// Sets weights, expert_weights and active_weights from a model's tensors; n_expert
// and n_expert_used must be set first (0: dense). Pure: the header part of
// estimate_model_memory, also for tensor lists that have no file yet.
struct WeightTensor {
  std::string name;
  uint64_t n_bytes = 0;
  std::vector<uint64_t> dims;  // GGML order
};
void count_weights(MemoryEstimate& e, const std::vector<WeightTensor>& tensors);

// n_ctx: per-slot context (0: the training context, at most 4096, as the engine does);
// slots: the scheduler's parallel sequences (an encoder has none: pass 0);
// prompt_chunk: prompt tokens per step (sizes sliding-window layers' rings);
// cache_types: the KV cache's key and value types (f16: 2 bytes a value, q8_0:
// 34 bytes per 32, q4_0: 18 per 32). A type the heads cannot take is counted as
// f16, as a session would fall back; loaders refuse it first (check_kv_cache_types
// with the estimate's head_dim).
Result<MemoryEstimate> estimate_model_memory(const std::string& gguf_path, int64_t n_ctx, int slots,
                                             int64_t prompt_chunk = 256, const KvCacheTypes& cache_types = {});

uint64_t physical_memory_bytes();

// Whether a model needing `required` bytes (MemoryEstimate::required()) fits:
// against the memory budget when there is one (budget > 0), else against the
// machine's physical memory. fits: with every other model unloaded (the model
// manager unloads idle ones to make room); fits_now: beside the `others`
// bytes the loaded models hold.
struct MemoryFit {
  uint64_t limit = 0;
  bool from_budget = false;
  bool fits = false, fits_now = false;
};
MemoryFit fit_in_memory(uint64_t required, uint64_t budget, uint64_t others, uint64_t physical);
// "8GiB", "8G", "512MiB", "75%" (of physical RAM), a plain byte count, or
// "auto"/"" (75 % of physical RAM). Errors name the text.
Result<uint64_t> parse_memory_budget(const std::string& text);
// Ollama's keep_alive: "5m", "1h30m", "30s", "250ms", a number of seconds,
// 0 (unload right after the request) or any negative value (never unload).
// Returns seconds; negative means forever, and so does kKeepAliveForever or more
// (-1 is returned), so that the value in milliseconds always fits an int64_t.
// Errors: not a duration, an unknown unit, a value that is not finite (nan, 1e999s).
inline constexpr double kKeepAliveForever = 1e15;
Result<double> parse_keep_alive(const std::string& text);
// "3.2 GiB" style.
std::string format_bytes(uint64_t bytes);

}  // namespace pg::models
