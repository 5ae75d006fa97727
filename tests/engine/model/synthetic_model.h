// Builds small random-weight Llama-family GGUF images in memory for tests:
// any architecture name, optional QKV biases, F32 or F16 weights, and a minimal
// SentencePiece vocabulary (specials + 256 byte tokens + a few pieces).
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/quant/fp16.h"

namespace pg::test {

struct SynthSpec {
  std::string arch = "llama";
  int n_embd = 32, n_head = 4, n_head_kv = 2, n_ff = 64, n_layer = 2, n_ctx = 64;
  bool qkv_bias = false;
  float bias_scale = 0.5f;  // 0 writes all-zero biases
  bool tied_output = true;
  GgmlType type = GgmlType::F32;
  uint32_t seed = 1;
  std::set<std::string> omit;  // tensor names to leave out
  std::string chat_template;   // tokenizer.chat_template when not empty
};

inline std::vector<gguf::Value> synth_vocab_tokens(std::vector<gguf::Value>& scores, std::vector<gguf::Value>& types) {
  std::vector<gguf::Value> tokens;
  auto add = [&](std::string t, float score, int32_t type) {
    tokens.push_back(gguf::Value::str(std::move(t)));
    scores.push_back(gguf::Value::f32(score));
    types.push_back(gguf::Value::i32(type));
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, 6);
  }
  const char* pieces[] = {"\xE2\x96\x81", "\xE2\x96\x81" "the", "\xE2\x96\x81" "a", "e", "t", "h", "\xE2\x96\x81" "t", "he"};
  float s = -1;
  for (const char* p : pieces) add(p, s--, 1);
  return tokens;
}

inline std::vector<uint8_t> synth_tensor_bytes(GgmlType type, const std::vector<float>& v) {
  std::vector<uint8_t> out;
  if (type == GgmlType::F16) {
    out.resize(v.size() * 2);
    for (size_t i = 0; i < v.size(); ++i) {
      const uint16_t h = fp32_to_fp16(v[i]);
      std::memcpy(&out[i * 2], &h, 2);
    }
  } else {
    out.resize(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
  }
  return out;
}

// Returns the GGUF image, or an empty vector if the writer refused it.
inline std::vector<uint8_t> make_synthetic_model(const SynthSpec& s) {
  gguf::GgufWriter w;
  const std::string p = s.arch + ".";
  w.set("general.architecture", gguf::Value::str(s.arch));
  w.set(p + "context_length", gguf::Value::u32(static_cast<uint32_t>(s.n_ctx)));
  w.set(p + "embedding_length", gguf::Value::u32(static_cast<uint32_t>(s.n_embd)));
  w.set(p + "block_count", gguf::Value::u32(static_cast<uint32_t>(s.n_layer)));
  w.set(p + "feed_forward_length", gguf::Value::u32(static_cast<uint32_t>(s.n_ff)));
  w.set(p + "attention.head_count", gguf::Value::u32(static_cast<uint32_t>(s.n_head)));
  w.set(p + "attention.head_count_kv", gguf::Value::u32(static_cast<uint32_t>(s.n_head_kv)));
  w.set(p + "attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
  std::vector<gguf::Value> scores, types;
  auto tokens = synth_vocab_tokens(scores, types);
  const int n_vocab = static_cast<int>(tokens.size());
  w.set("tokenizer.ggml.model", gguf::Value::str("llama"));
  w.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::STRING, std::move(tokens)));
  w.set("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::FLOAT32, std::move(scores)));
  w.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::INT32, std::move(types)));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  if (!s.chat_template.empty()) w.set("tokenizer.chat_template", gguf::Value::str(s.chat_template));

  std::mt19937 rng(s.seed);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  const int hd = s.n_embd / s.n_head, kv = s.n_head_kv * hd;
  auto add = [&](const std::string& name, int cols, int rows, bool norm, float scale = 1.0f) {
    std::vector<float> v(static_cast<size_t>(cols) * static_cast<size_t>(rows));
    for (float& f : v) f = norm ? 1.0f + 0.1f * dist(rng) : dist(rng) * scale;
    if (s.omit.count(name)) return;
    std::vector<uint64_t> dims = {static_cast<uint64_t>(cols)};
    if (rows > 1) dims.push_back(static_cast<uint64_t>(rows));
    const GgmlType t = (norm || rows == 1) ? GgmlType::F32 : s.type;
    (void)w.add_tensor(name, t, dims, synth_tensor_bytes(t, v));
  };
  add("token_embd.weight", s.n_embd, n_vocab, false);
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", s.n_embd, 1, true);
    add(b + "attn_q.weight", s.n_embd, s.n_embd, false);
    add(b + "attn_k.weight", s.n_embd, kv, false);
    add(b + "attn_v.weight", s.n_embd, kv, false);
    if (s.qkv_bias) {
      add(b + "attn_q.bias", s.n_embd, 1, false, s.bias_scale);
      add(b + "attn_k.bias", kv, 1, false, s.bias_scale);
      add(b + "attn_v.bias", kv, 1, false, s.bias_scale);
    }
    add(b + "attn_output.weight", s.n_embd, s.n_embd, false);
    add(b + "ffn_norm.weight", s.n_embd, 1, true);
    add(b + "ffn_gate.weight", s.n_embd, s.n_ff, false);
    add(b + "ffn_down.weight", s.n_ff, s.n_embd, false);
    add(b + "ffn_up.weight", s.n_embd, s.n_ff, false);
  }
  add("output_norm.weight", s.n_embd, 1, true);
  if (!s.tied_output) add("output.weight", s.n_embd, n_vocab, false);
  auto bytes = w.to_bytes();
  return bytes ? std::move(*bytes) : std::vector<uint8_t>{};
}

}  // namespace pg::test
