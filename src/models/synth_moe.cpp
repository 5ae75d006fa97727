// Routed experts of synthesized decoders; see synth_moe.h. Facts from
// llama.cpp's src/models/{llama,qwen3moe,openai-moe}.cpp and its converter
// (conversion/{base,qwen,gpt_oss}.py); our own code.
#include "models/synth_moe.h"

#include <cmath>

#include "engine/gguf/gguf.h"

namespace pg {

int64_t synth_expert_width(const SynthShape& s) { return s.expert_ffn > 0 ? s.expert_ffn : s.ffn; }

void add_synth_expert_specs(std::vector<StreamTensorSpec>& t, const SynthShape& s, const SynthArchLayout& l,
                            const std::string& b) {
  const uint64_t dim = static_cast<uint64_t>(s.dim), n = static_cast<uint64_t>(s.experts);
  const uint64_t f = static_cast<uint64_t>(synth_expert_width(s));
  auto add = [&](std::string name, std::vector<uint64_t> dims) { t.push_back({std::move(name), GgmlType::F32, std::move(dims)}); };
  add(b + "ffn_gate_inp.weight", {dim, n});
  if (l.gpt_oss_extras) add(b + "ffn_gate_inp.bias", {n});
  add(b + "ffn_gate_exps.weight", {dim, f, n});
  add(b + "ffn_up_exps.weight", {dim, f, n});
  add(b + "ffn_down_exps.weight", {f, dim, n});
  if (l.gpt_oss_extras) {
    add(b + "ffn_gate_exps.bias", {f, n});
    add(b + "ffn_up_exps.bias", {f, n});
    add(b + "ffn_down_exps.bias", {dim, n});
  }
}

void add_synth_expert_metadata(GgufStreamWriter::Metadata& md, const SynthShape& s, const SynthArchLayout& l) {
  if (s.experts <= 0) return;
  const std::string p = s.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  md.emplace_back(p + "expert_count", u32(s.experts));
  md.emplace_back(p + "expert_used_count", u32(s.experts_used));
  if (l.expert_ffn_key) md.emplace_back(p + "expert_feed_forward_length", u32(synth_expert_width(s)));
}

Status check_synth_experts(const std::string& what, const SynthShape& s, const SynthArchLayout& l) {
  const std::string a = "architecture " + s.arch;
  if (s.experts == 0 && s.experts_used == 0 && s.expert_ffn == 0) {
    if (l.moe == MoeSupport::Required) return Status::error(what + a + " needs routed experts (expert count > 0)");
    return Status::ok();
  }
  if (l.moe == MoeSupport::None) return Status::error(what + a + " has no mixture-of-experts layers");
  // llama.cpp's LLAMA_MAX_EXPERTS is 1024; a single expert is a dense FFN.
  if (s.experts < 2 || s.experts > 1024)
    return Status::error(what + "expert count " + std::to_string(s.experts) + " out of range 2..1024");
  if (s.experts_used < 1 || s.experts_used > s.experts)
    return Status::error(what + "experts used per token " + std::to_string(s.experts_used) + " out of range 1.." +
                         std::to_string(s.experts));
  if (s.expert_ffn != 0 && !l.expert_ffn_key)
    return Status::error(what + a + " has no expert width of its own: its experts are feed_forward_length (" +
                         std::to_string(s.ffn) + ") wide");
  if (s.expert_ffn < 0 || s.expert_ffn > (1 << 18))
    return Status::error(what + "expert width " + std::to_string(s.expert_ffn) + " out of range 1..262144");
  return Status::ok();
}

bool is_synth_expert_tensor(const std::string& name) { return name.find("_exps.") != std::string::npos; }

std::optional<SynthFill> synth_moe_fill(const StreamTensorSpec& t) {
  if (t.name.find("ffn_gate_inp.weight") != std::string::npos)
    return SynthFill{0, 1.0 / std::sqrt(static_cast<double>(t.dims[0]))};
  if (t.name.find("ffn_gate_inp.bias") != std::string::npos) return SynthFill{0, 0.1};
  if (t.name.find("attn_sinks.weight") != std::string::npos) return SynthFill{0, 0.5};
  return std::nullopt;
}

}  // namespace pg
