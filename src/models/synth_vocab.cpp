// Built-in decoder vocabularies for `playground synth`; see synth_vocab.h.
#include "models/synth_vocab.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include "engine/gguf/gguf.h"

namespace pg {
namespace {

// SentencePiece token types (llama.cpp's LLAMA_TOKEN_TYPE_*).
constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUnused = 5, kByte = 6;

// Phi-3-mini's added tokens from id 32000 on (its tokenizer.json), before the padding ids.
constexpr const char* kPhi3Added[] = {
    "<|endoftext|>",   "<|assistant|>",   "<|placeholder1|>", "<|placeholder2|>", "<|placeholder3|>", "<|placeholder4|>",
    "<|system|>",      "<|end|>",         "<|placeholder5|>", "<|placeholder6|>", "<|user|>",
};
constexpr int64_t kPhi3Tail = 64;  // 32064 - 32000

// gpt-oss's o200k_harmony ids 199998..200018 (nullptr: a reserved id). In a
// vocabulary of 200019 tokens or more they keep their real ids (the rest up to
// the end reserved, as in the real 201088); in a smaller one they are its last 21.
constexpr const char* kHarmony[] = {
    "<|startoftext|>", "<|endoftext|>", nullptr,   nullptr,       "<|return|>", "<|constrain|>", nullptr,
    "<|channel|>",     "<|start|>",     "<|end|>", "<|message|>", nullptr,      nullptr,         nullptr,
    "<|call|>",        nullptr,         nullptr,   nullptr,       nullptr,      nullptr,         "<|endofprompt|>",
};
constexpr int64_t kHarmonyCount = 21, kHarmonyFirstId = 199998;
int64_t harmony_first(int64_t vocab) { return std::min(kHarmonyFirstId, vocab - kHarmonyCount); }

}  // namespace

void add_synth_builtin_vocab(GgufStreamWriter::Metadata& md, int64_t vocab, const std::string& arch) {
  std::vector<gguf::Value> tokens, scores, types;
  auto push = [&](std::string text, float score, int32_t type) {
    tokens.push_back(gguf::Value::str(std::move(text)));
    scores.push_back(gguf::Value::f32(score));
    types.push_back(gguf::Value::i32(type));
  };
  const bool phi3 = arch == "phi3", harmony = arch == "gpt-oss";
  // ids before any chat tokens
  const int64_t pieces = phi3 ? vocab - kPhi3Tail : harmony ? harmony_first(vocab) : vocab;
  push("<unk>", 0, kUnknown);
  push("<s>", 0, kControl);
  push("</s>", 0, kControl);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    push(buf, 0, kByte);
  }
  const std::string space = "\xE2\x96\x81";  // SentencePiece's word-start mark
  auto next_score = [&] { return -static_cast<float>(tokens.size()); };
  auto full = [&] { return static_cast<int64_t>(tokens.size()) >= pieces; };
  if (!full()) push(space, next_score(), kNormal);
  for (int c = 33; c < 127 && !full(); ++c) push(std::string(1, static_cast<char>(c)), next_score(), kNormal);
  // Then lowercase letter strings of growing length, each as a word start and (length >= 2) inside a word.
  for (int len = 1; !full(); ++len) {
    std::string s(static_cast<size_t>(len), 'a');
    while (!full()) {
      push(space + s, next_score(), kNormal);
      if (len >= 2 && !full()) push(s, next_score(), kNormal);
      int i = len - 1;
      while (i >= 0 && s[static_cast<size_t>(i)] == 'z') s[static_cast<size_t>(i--)] = 'a';
      if (i < 0) break;
      ++s[static_cast<size_t>(i)];
    }
  }
  int64_t bos = 1, eos = phi3 ? pieces : 2;
  if (phi3) {  // as convert_hf_to_gguf.py writes Phi-3: added tokens score -1000, padding -10000
    for (const char* t : kPhi3Added) push(t, -1000.0f, kControl);
    while (static_cast<int64_t>(tokens.size()) < vocab) push("[PAD" + std::to_string(tokens.size()) + "]", -10000.0f, kUnused);
  }
  if (harmony) {  // control tokens, so a chat template's <|start|> etc. are single ids
    for (const char* t : kHarmony) {
      const std::string id = std::to_string(tokens.size());
      push(t != nullptr ? t : "<|reserved_" + id + "|>", 0, kControl);
    }
    while (static_cast<int64_t>(tokens.size()) < vocab)
      push("<|reserved_" + std::to_string(tokens.size()) + "|>", 0, kControl);
    bos = pieces;      // <|startoftext|>
    eos = pieces + 4;  // <|return|>, as gpt-oss's files (llama.cpp adds <|call|> and drops <|end|> from end-of-generation)
  }
  md.emplace_back("tokenizer.ggml.model", gguf::Value::str("llama"));
  md.emplace_back("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::STRING, std::move(tokens)));
  md.emplace_back("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::FLOAT32, std::move(scores)));
  md.emplace_back("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::INT32, std::move(types)));
  md.emplace_back("tokenizer.ggml.bos_token_id", gguf::Value::u32(static_cast<uint32_t>(bos)));
  md.emplace_back("tokenizer.ggml.eos_token_id", gguf::Value::u32(static_cast<uint32_t>(eos)));
  md.emplace_back("tokenizer.ggml.unknown_token_id", gguf::Value::u32(0));
  if (phi3) md.emplace_back("tokenizer.ggml.padding_token_id", gguf::Value::u32(static_cast<uint32_t>(eos)));
  if (harmony) {  // <|endoftext|> pads; harmony prompts start with <|start|>, no BOS
    md.emplace_back("tokenizer.ggml.padding_token_id", gguf::Value::u32(static_cast<uint32_t>(pieces + 1)));
    md.emplace_back("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));
  }
  // Gemma's converter writes its SentencePiece vocabulary without the space prefix.
  if (arch == "gemma2" || arch == "gemma3") md.emplace_back("tokenizer.ggml.add_space_prefix", gguf::Value::boolean(false));
}

Status check_synth_vocab_for_name(const GgufStreamWriter::Metadata& md, const std::string& general_name) {
  std::string name = general_name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.find("phi3") == std::string::npos && name.find("phi-3") == std::string::npos) return Status::ok();
  const gguf::Array* tokens = nullptr;
  for (const auto& [key, value] : md)
    if (key == "tokenizer.ggml.tokens") tokens = value.as_array();
  std::string missing;
  for (const char* needed : {"</s>", "<unk>", "<s>", "<|endoftext|>"}) {
    bool found = false;
    for (size_t i = 0; tokens != nullptr && i < tokens->items.size() && !found; ++i) {
      const std::string* t = tokens->items[i].as_string();
      found = t != nullptr && *t == needed;
    }
    if (!found) missing += (missing.empty() ? "" : ", ") + std::string(needed);
  }
  if (missing.empty()) return Status::ok();
  return Status::error("llama.cpp refuses a model named '" + general_name +
                       "' (it names Phi-3) whose vocabulary lacks " + missing +
                       ": copy a Phi-3 vocabulary with --vocab-from, or use the built-in one");
}

}  // namespace pg
