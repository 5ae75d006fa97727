// Memory estimates and the budget/keep-alive parsers; see memory_estimate.h.
#include "models/memory_estimate.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"
#include "engine/model/weight_bytes.h"

namespace pg::models {

void count_weights(MemoryEstimate& e, const std::vector<WeightTensor>& tensors) {
  e.weights = e.expert_weights = 0;
  for (const WeightTensor& t : tensors) {
    e.weights += t.n_bytes;
    if (is_expert_tensor(t.name)) e.expert_weights += t.n_bytes;
  }
  if (e.n_expert <= 0) e.expert_weights = 0;  // no routing: every weight is read, whatever the names
  e.active_weights = active_weight_bytes(tensors, e.n_expert, e.n_expert_used);
}

Result<MemoryEstimate> estimate_model_memory(const std::string& path, int64_t n_ctx, int slots, int64_t prompt_chunk,
                                             const KvCacheTypes& cache_types) {
  auto file = gguf::GgufFile::open(path, MapMode::Plain);
  if (!file) return Error{"cannot estimate the memory of " + path + ": " + file.error()};
  const gguf::GgufFile& f = **file;
  MemoryEstimate e;
  const std::string arch = f.get_string("general.architecture").value_or("llama");
  auto key = [&](const char* k) { return f.get_int(arch + "." + k); };
  e.n_expert = std::max<int64_t>(0, key("expert_count").value_or(0));
  e.n_expert_used = std::clamp<int64_t>(key("expert_used_count").value_or(0), 0, e.n_expert);
  std::vector<WeightTensor> tensors;
  int64_t n_vocab = 0, n_embd = 0;
  for (const auto& t : f.tensors()) {
    tensors.push_back({t.name, t.n_bytes, t.dims});
    if (t.name == "token_embd.weight" && t.dims.size() == 2) {
      n_embd = static_cast<int64_t>(t.dims[0]);
      n_vocab = static_cast<int64_t>(t.dims[1]);
    }
  }
  count_weights(e, tensors);
  const int64_t layers = key("block_count").value_or(0);
  const int64_t heads = key("attention.head_count").value_or(0);
  const int64_t kv_heads = key("attention.head_count_kv").value_or(heads);
  n_embd = key("embedding_length").value_or(n_embd);
  const int64_t head_dim = key("attention.key_length").value_or(heads > 0 ? n_embd / heads : 0);
  // The FFN activations: the dense width, or the experts a token uses side by side.
  const int64_t n_ff_dense = key("feed_forward_length").value_or(4 * n_embd);
  const int64_t n_ff = e.n_expert > 0 ? std::max<int64_t>(1, e.n_expert_used) *
                                            key("expert_feed_forward_length").value_or(n_ff_dense)
                                      : n_ff_dense;
  const int64_t train_ctx = key("context_length").value_or(2048);
  e.slots = std::max(0, slots);
  e.context = n_ctx > 0 ? n_ctx : std::min<int64_t>(train_ctx, 4096);
  const uint64_t kv_embd = static_cast<uint64_t>(kv_heads * head_dim);
  e.head_dim = head_dim;
  e.cache_types = cache_types;
  // K and V, in the cache types, per layer and cached position, for every slot: the context
  // on full-attention layers, the window plus a batch on sliding ones.
  uint64_t kv_rows = static_cast<uint64_t>(layers) * static_cast<uint64_t>(e.context);
  if (auto config = read_model_config(f, n_vocab); config && config->has_sliding_layers()) {
    kv_rows = 0;
    for (int64_t l = 0; l < config->n_layer; ++l)
      kv_rows += static_cast<uint64_t>(kv_cache_rows(*config, l, e.context, std::max<int64_t>(1, prompt_chunk)));
  }
  e.kv_cache = kv_rows * kv_cache_position_bytes(cache_types, kv_heads, head_dim) * static_cast<uint64_t>(e.slots);
  // Logits per slot, and the activations of one prompt chunk (256 tokens, the
  // scheduler's default) for the widest layer; allocated as requests arrive.
  e.scratch = 4ull * static_cast<uint64_t>(n_vocab) * std::max(1, e.slots) +
              4ull * 256ull * static_cast<uint64_t>(3 * n_embd + 2 * n_ff + 2 * kv_embd);
  return e;
}

MemoryFit fit_in_memory(uint64_t required, uint64_t budget, uint64_t others, uint64_t physical) {
  MemoryFit f;
  f.from_budget = budget > 0;
  f.limit = f.from_budget ? budget : physical;
  f.fits = required <= f.limit;
  f.fits_now = f.fits && others <= f.limit - required;
  return f;
}

uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size) : 0;
}

Result<uint64_t> parse_memory_budget(const std::string& text) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.empty() || t == "auto") return physical_memory_bytes() / 4 * 3;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  const std::string unit = end ? std::string(end) : "";
  if (end == t.c_str() || !std::isfinite(v) || v <= 0)
    return Error{"memory_budget '" + text + "' is not a size (e.g. 8GiB, 512MiB, 75%, auto)"};
  if (unit == "%") {
    if (v > 100) return Error{"memory_budget '" + text + "' is over 100%"};
    return static_cast<uint64_t>(physical_memory_bytes() * (v / 100.0));
  }
  double mul = 0;
  if (unit.empty() || unit == "b") mul = 1;
  else if (unit == "k" || unit == "kb") mul = 1e3;
  else if (unit == "kib") mul = 1024.0;
  else if (unit == "m" || unit == "mb") mul = 1e6;
  else if (unit == "mib") mul = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb") mul = 1e9;
  else if (unit == "gib") mul = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb") mul = 1e12;
  else if (unit == "tib") mul = 1024.0 * 1024 * 1024 * 1024;
  else return Error{"memory_budget '" + text + "' has an unknown unit '" + unit + "' (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB, %)"};
  return static_cast<uint64_t>(v * mul);
}

Result<double> parse_keep_alive(const std::string& text) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '"') t += c;
  if (t.empty()) return Error{"keep_alive is empty (e.g. 5m, 1h, 30s, 0, -1)"};
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || !std::isfinite(v)) return Error{"keep_alive '" + text + "' is not a duration (e.g. 5m, 1h, 30s, 0, -1)"};
  if (*end == '\0') return v < 0 || v >= kKeepAliveForever ? -1.0 : v;
  if (v < 0) return -1.0;
  // Go-style duration: number+unit pairs.
  double total = 0;
  const char* p = t.c_str();
  while (*p) {
    v = std::strtod(p, &end);
    if (end == p || !std::isfinite(v))
      return Error{"keep_alive '" + text + "' is not a duration (e.g. 5m, 1h, 30s, 0, -1)"};
    p = end;
    std::string unit;
    while (*p && std::isalpha(static_cast<unsigned char>(*p))) unit += *p++;
    double mul = 0;
    if (unit == "h") mul = 3600;
    else if (unit == "m") mul = 60;
    else if (unit == "s") mul = 1;
    else if (unit == "ms") mul = 1e-3;
    else if (unit == "us" || unit == "µs") mul = 1e-6;
    else if (unit == "ns") mul = 1e-9;
    else return Error{"keep_alive '" + text + "' has an unknown unit '" + unit + "' (h, m, s, ms)"};
    total += v * mul;
  }
  if (!std::isfinite(total)) return Error{"keep_alive '" + text + "' is not a duration (e.g. 5m, 1h, 30s, 0, -1)"};
  return total < 0 || total >= kKeepAliveForever ? -1.0 : total;
}

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace pg::models
