// llama-quantize's tensor type rules (llama.cpp src/llama-quant.cpp,
// llama_tensor_get_type), restricted to the file types we produce and to
// quantization without an importance matrix. Mixture-of-experts models follow
// its rules too: the 8-expert bumps (attn_v/attn_k Q8_0, attn_output Q5_K),
// ffn_down's layer taken from the tensor's name when there are experts, the
// routers (ffn_gate_inp) kept, and MXFP4_MOE. Facts from that source; our own code.
#include "models/quant_recipe.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace pg {
namespace {

// LLAMA_FTYPE_* values (llama.h).
enum Ftype : uint32_t {
  ALL_F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 7, Q5_0 = 8, Q5_1 = 9, Q2_K = 10,
  Q3_K_S = 11, Q3_K_M = 12, Q3_K_L = 13, Q4_K_S = 14, Q4_K_M = 15, Q5_K_S = 16, Q5_K_M = 17,
  Q6_K = 18, IQ4_NL = 25, IQ4_XS = 30, BF16 = 32, MXFP4_MOE = 38,
};

constexpr std::array<QuantFileType, 20> kFileTypes = {{
    {"F32", ALL_F32, GgmlType::F32},       {"F16", F16, GgmlType::F16},
    {"BF16", BF16, GgmlType::BF16},        {"Q8_0", Q8_0, GgmlType::Q8_0},
    {"Q4_0", Q4_0, GgmlType::Q4_0},        {"Q4_1", Q4_1, GgmlType::Q4_1},
    {"Q5_0", Q5_0, GgmlType::Q5_0},        {"Q5_1", Q5_1, GgmlType::Q5_1},
    {"Q2_K", Q2_K, GgmlType::Q2_K},        {"Q3_K_S", Q3_K_S, GgmlType::Q3_K},
    {"Q3_K_M", Q3_K_M, GgmlType::Q3_K},    {"Q3_K_L", Q3_K_L, GgmlType::Q3_K},
    {"Q4_K_S", Q4_K_S, GgmlType::Q4_K},    {"Q4_K_M", Q4_K_M, GgmlType::Q4_K},
    {"Q5_K_S", Q5_K_S, GgmlType::Q5_K},    {"Q5_K_M", Q5_K_M, GgmlType::Q5_K},
    {"Q6_K", Q6_K, GgmlType::Q6_K},        {"IQ4_NL", IQ4_NL, GgmlType::IQ4_NL},
    {"IQ4_XS", IQ4_XS, GgmlType::IQ4_XS},  {"MXFP4_MOE", MXFP4_MOE, GgmlType::MXFP4},
}};

enum class Category { TokenEmbd, AttnQ, AttnV, AttnK, AttnOutput, FfnUp, FfnGate, FfnDown, Output, Other };

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

Category category_of(const std::string& name) {
  if (name == "output.weight") return Category::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Category::TokenEmbd;
  // attn_qkv and attn_kv_b are treated like attn_v (llama.cpp: category_is_attn_v).
  if (contains(name, "attn_qkv.weight") || contains(name, "attn_kv_b.weight") || contains(name, "attn_v.weight"))
    return Category::AttnV;
  if (contains(name, "attn_k.weight")) return Category::AttnK;
  if (contains(name, "attn_q.weight")) return Category::AttnQ;
  if (contains(name, "attn_output.weight")) return Category::AttnOutput;
  if (contains(name, "ffn_up")) return Category::FfnUp;
  if (contains(name, "ffn_gate")) return Category::FfnGate;
  if (contains(name, "ffn_down")) return Category::FfnDown;
  return Category::Other;
}

bool is_block_quant(GgmlType t) {
  return t != GgmlType::F32 && t != GgmlType::F16 && t != GgmlType::BF16;
}

uint64_t block_size(GgmlType t) {
  auto info = ggml_type_info(static_cast<uint32_t>(t));
  return info ? info->block_size : 1;
}

// Layers whose attn_v/ffn_down get more bits in the _M mixes: the first and
// last eighth, and every third layer in between.
bool use_more_bits(int64_t i_layer, int64_t n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

int block_number(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// MXFP4_MOE: expert tensors (a third dimension above 1, the stacked _exps
// matrices) get MXFP4, every other matrix Q8_0 (token_embd included). For
// bailingmoe3 only the FFN experts count: its 3-D MLA projections stay Q8_0.
GgmlType mxfp4_moe_type(const RecipeTensor& t, Category cat, const RecipeModel& m) {
  const bool stacked = t.dims.size() > 2 && t.dims[2] > 1;
  const bool ffn = cat == Category::FfnUp || cat == Category::FfnGate || cat == Category::FfnDown;
  return stacked && (m.arch != "bailingmoe3" || ffn) ? GgmlType::MXFP4 : GgmlType::Q8_0;
}

struct Counters {
  int64_t n_attention_wv = 0, i_attention_wv = 0, n_ffn_down = 0, i_ffn_down = 0;
  bool tied_embeddings = true;
};

GgmlType mix_type(GgmlType new_type, const RecipeTensor& t, Category cat, uint32_t ftype, const RecipeModel& m,
                  Counters& c) {
  const bool falcon = m.arch == "falcon";
  const int64_t n_gqa = m.n_head_kv > 0 ? m.n_head / m.n_head_kv : 0;
  const bool is_70b = m.arch == "llama" && m.n_layer == 80;
  if (cat == Category::Output || (c.tied_embeddings && cat == Category::TokenEmbd)) {
    if (ftype == MXFP4_MOE || falcon || t.dims[0] % block_size(new_type) != 0) return GgmlType::Q8_0;
    if (new_type != GgmlType::Q8_0) return GgmlType::Q6_K;
    return new_type;
  }
  if (ftype == MXFP4_MOE) return mxfp4_moe_type(t, cat, m);
  if (cat == Category::TokenEmbd) return new_type;
  if (cat == Category::AttnV) {
    if (ftype == Q2_K) new_type = n_gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
    else if (ftype == Q3_K_M) new_type = c.i_attention_wv < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
    else if (ftype == Q3_K_L) new_type = GgmlType::Q5_K;
    else if ((ftype == IQ4_NL || ftype == IQ4_XS) && n_gqa >= 4) new_type = GgmlType::Q5_K;
    else if ((ftype == Q4_K_M || ftype == Q5_K_M) && use_more_bits(c.i_attention_wv, c.n_attention_wv))
      new_type = GgmlType::Q6_K;
    else if (ftype == Q4_K_S && c.i_attention_wv < 4) new_type = GgmlType::Q5_K;
    if (is_70b && (new_type == GgmlType::Q3_K || new_type == GgmlType::Q4_K)) new_type = GgmlType::Q5_K;
    if (m.n_expert == 8) new_type = GgmlType::Q8_0;
    ++c.i_attention_wv;
    return new_type;
  }
  if (cat == Category::AttnK) return m.n_expert == 8 ? GgmlType::Q8_0 : new_type;
  if (cat == Category::FfnDown) {
    int64_t i_layer = c.i_ffn_down;
    const int64_t n_layer = c.n_ffn_down;
    if (m.n_expert > 1) i_layer = block_number(t.name);  // experts are not stored layer by layer
    if (ftype == Q2_K) new_type = GgmlType::Q3_K;
    else if (ftype == Q3_K_M)
      new_type = i_layer < n_layer / 16 ? GgmlType::Q5_K
                 : (!falcon || use_more_bits(i_layer, n_layer)) ? GgmlType::Q4_K : GgmlType::Q3_K;
    else if (ftype == Q3_K_L) new_type = falcon ? GgmlType::Q4_K : GgmlType::Q5_K;
    else if (ftype == Q4_K_M) {
      if (falcon)
        new_type = i_layer < n_layer / 16 ? GgmlType::Q6_K
                   : use_more_bits(i_layer, n_layer) ? GgmlType::Q5_K : GgmlType::Q4_K;
      else if (use_more_bits(i_layer, n_layer)) new_type = GgmlType::Q6_K;
    } else if (i_layer < n_layer / 8 && (ftype == IQ4_NL || ftype == IQ4_XS)) new_type = GgmlType::Q5_K;
    else if (ftype == Q5_K_M && use_more_bits(i_layer, n_layer)) new_type = GgmlType::Q6_K;
    else if (ftype == Q4_K_S && !falcon && i_layer < n_layer / 8) new_type = GgmlType::Q5_K;
    ++c.i_ffn_down;
    return new_type;
  }
  if (cat == Category::AttnOutput) {
    if (!falcon) {
      if (m.n_expert == 8) {
        if (ftype == Q2_K || ftype == Q3_K_S || ftype == Q3_K_M || ftype == IQ4_NL || ftype == Q4_K_S ||
            ftype == Q4_K_M || ftype == IQ4_XS)
          new_type = GgmlType::Q5_K;
      } else if (ftype == Q2_K) new_type = GgmlType::Q3_K;
      else if (ftype == Q3_K_M) new_type = GgmlType::Q4_K;
      else if (ftype == Q3_K_L) new_type = GgmlType::Q5_K;
    } else if (ftype == Q3_K_L) {
      new_type = GgmlType::Q4_K;
    }
    return new_type;
  }
  return new_type;
}

// A row length that is not a multiple of the block size falls back to a type
// with 32-element blocks, then to F16.
Result<GgmlType> fallback(GgmlType type, const RecipeTensor& t, int& n_fallback) {
  if (t.dims[0] % block_size(type) == 0) return type;
  ++n_fallback;
  GgmlType to;
  switch (type) {
    case GgmlType::IQ4_XS: to = GgmlType::IQ4_NL; break;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K: to = GgmlType::Q4_0; break;
    case GgmlType::Q4_K: to = GgmlType::Q5_0; break;
    case GgmlType::Q5_K: to = GgmlType::Q5_1; break;
    case GgmlType::Q6_K: to = GgmlType::Q8_0; break;
    default:
      return Error{"tensor '" + t.name + "': row length " + std::to_string(t.dims[0]) +
                   " is not a multiple of the block size of " + std::string(ggml_type_name(type)) +
                   " and that type has no fallback"};
  }
  if (t.dims[0] % block_size(to) != 0) to = GgmlType::F16;
  return to;
}

}  // namespace

std::optional<QuantFileType> find_quant_file_type(std::string_view name) {
  for (const QuantFileType& f : kFileTypes) {
    if (f.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(name[i])) == static_cast<unsigned char>(f.name[i]);
    if (same) return f;
  }
  return std::nullopt;
}

std::vector<std::string_view> quant_file_type_names() {
  std::vector<std::string_view> names;
  for (const QuantFileType& f : kFileTypes) names.push_back(f.name);
  return names;
}

bool tensor_is_quantizable(const RecipeTensor& t) {
  size_t n_dims = 0;  // ggml_n_dims: trailing dimensions of 1 do not count
  for (size_t d = 0; d < t.dims.size(); ++d)
    if (t.dims[d] != 1) n_dims = d + 1;
  if (n_dims < 2) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  static constexpr std::string_view kKeep[] = {
      "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
      "shortconv.conv.weight", "attn_rel_b.weight", "time_mix_first.weight", "time_mix_w0.weight",
      "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
      "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
      "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
      "time_mix_lerp_fused.weight", ".position_embd", ".patch_embd", ".rel_pos",
  };
  for (std::string_view k : kKeep)
    if (contains(n, k)) return false;
  return n != "position_embd.weight" && n != "token_types.weight";
}

std::vector<size_t> llama_tensor_order(const std::vector<RecipeTensor>& tensors) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = block_number(tensors[a].name), lb = block_number(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });
  return order;
}

Result<TensorPlan> plan_tensor_types(const QuantFileType& ftype, const RecipeModel& model,
                                     const std::vector<RecipeTensor>& tensors) {
  Counters c;
  for (const RecipeTensor& t : tensors) {
    const Category cat = category_of(t.name);
    if (cat == Category::AttnV) ++c.n_attention_wv;
    if (cat == Category::Output) c.tied_embeddings = false;
  }
  c.n_ffn_down = model.n_layer;
  TensorPlan plan;
  for (const RecipeTensor& t : tensors) {
    if (!tensor_is_quantizable(t)) {
      plan.types.push_back(t.type);
      continue;
    }
    GgmlType type = ftype.default_type;
    if (is_block_quant(type)) {
      type = mix_type(type, t, category_of(t.name), ftype.llama_ftype, model, c);
      auto fb = fallback(type, t, plan.n_fallback);
      if (!fb) return Error{fb.error()};
      type = *fb;
    }
    plan.types.push_back(type);
  }
  return plan;
}

}  // namespace pg
