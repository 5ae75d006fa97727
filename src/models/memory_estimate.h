// How much memory a model will take once loaded, computed from its GGUF
// header before loading: the weights (all tensor bytes; they are mapped from
// the file and count as resident once read), the KV cache of every slot at
// the configured context (F16, as the engine allocates it up front), and the
// per-slot scratch buffers (logits, activations). Also the parsers of the
// memory_budget and keep_alive settings, and the machine's physical RAM.
// Reads headers only; never loads weights.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/result.h"

namespace pg::models {

struct MemoryEstimate {
  uint64_t weights = 0;
  uint64_t kv_cache = 0;
  uint64_t scratch = 0;
  uint64_t total() const { return weights + kv_cache + scratch; }
  int64_t context = 0;  // per slot
  int slots = 0;
};

// n_ctx: per-slot context (0: the training context, at most 4096, as the engine does);
// slots: the scheduler's parallel sequences (an encoder has none: pass 0);
// prompt_chunk: prompt tokens per step (sizes sliding-window layers' rings).
Result<MemoryEstimate> estimate_model_memory(const std::string& gguf_path, int64_t n_ctx, int slots,
                                             int64_t prompt_chunk = 256);

uint64_t physical_memory_bytes();
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
