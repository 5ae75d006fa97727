// Loads a Vocab from GGUF metadata following llama.cpp's llama_vocab::load:
// per-model defaults, metadata overrides, auto-detection of end-of-generation
// tokens by their text, special-token list. Every array length, element type
// and token id is checked; a bad file yields an Error naming the key.
#include "engine/tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace pg::tok {

namespace {

constexpr size_t kMaxTokens = size_t{1} << 24;

const gguf::Array* find_array(const gguf::GgufFile& f, std::string_view key) {
  const gguf::Value* v = f.find(key);
  return v ? v->as_array() : nullptr;
}

bool is_string_array(const gguf::Array& a) { return a.elem_type == gguf::ValueType::STRING; }

TokenAttr type_from_int(int64_t t) {
  switch (t) {
    case 1: return TokenAttr::NORMAL;
    case 2: return TokenAttr::UNKNOWN;
    case 3: return TokenAttr::CONTROL;
    case 4: return TokenAttr::USER_DEFINED;
    case 5: return TokenAttr::UNUSED;
    case 6: return TokenAttr::BYTE;
    default: return TokenAttr::UNDEFINED;
  }
}

uint32_t bits_of_type(TokenAttr t) {
  switch (t) {
    case TokenAttr::NORMAL: return kAttrNormal;
    case TokenAttr::UNKNOWN: return kAttrUnknown;
    case TokenAttr::CONTROL: return kAttrControl;
    case TokenAttr::USER_DEFINED: return kAttrUserDefined;
    case TokenAttr::UNUSED: return kAttrUnused;
    case TokenAttr::BYTE: return kAttrByte;
    case TokenAttr::UNDEFINED: return 0;
  }
  return 0;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

Status read_tokens(const gguf::GgufFile& f, Vocab& v) {
  const gguf::Array* tokens = find_array(f, "tokenizer.ggml.tokens");
  if (tokens == nullptr) return Status::error("tokenizer.ggml.tokens is missing or not an array");
  if (!is_string_array(*tokens)) return Status::error("tokenizer.ggml.tokens is not an array of strings");
  const size_t n = tokens->items.size();
  if (n == 0) return Status::error("tokenizer.ggml.tokens is empty");
  if (n > kMaxTokens) return Status::error("tokenizer.ggml.tokens has " + std::to_string(n) + " tokens (too many)");

  const gguf::Array* scores = find_array(f, "tokenizer.ggml.scores");
  if (f.find("tokenizer.ggml.scores") != nullptr) {
    if (scores == nullptr || (scores->elem_type != gguf::ValueType::FLOAT32 &&
                              scores->elem_type != gguf::ValueType::INT32)) {
      return Status::error("tokenizer.ggml.scores is not an array of float32 or int32");
    }
    if (scores->items.size() < n) {
      return Status::error("tokenizer.ggml.scores has " + std::to_string(scores->items.size()) +
                           " entries for " + std::to_string(n) + " tokens");
    }
  }
  const gguf::Array* types = find_array(f, "tokenizer.ggml.token_type");
  if (f.find("tokenizer.ggml.token_type") != nullptr) {
    if (types == nullptr || types->elem_type != gguf::ValueType::INT32) {
      return Status::error("tokenizer.ggml.token_type is not an array of int32");
    }
    if (types->items.size() < n) {
      return Status::error("tokenizer.ggml.token_type has " + std::to_string(types->items.size()) +
                           " entries for " + std::to_string(n) + " tokens");
    }
  }

  v.texts.resize(n);
  v.scores.assign(n, 0.0f);
  v.types.assign(n, TokenAttr::NORMAL);
  v.attrs.assign(n, kAttrNormal);
  for (size_t i = 0; i < n; ++i) {
    const std::string* s = tokens->items[i].as_string();
    if (s == nullptr) return Status::error("tokenizer.ggml.tokens[" + std::to_string(i) + "] is not a string");
    v.texts[i] = s->empty() ? "[EMPTY_" + std::to_string(i) + "]" : *s;
    if (scores) v.scores[i] = static_cast<float>(scores->items[i].as_double().value_or(0.0));
    if (types) {
      v.types[i] = type_from_int(types->items[i].as_int().value_or(0));
      v.attrs[i] = bits_of_type(v.types[i]);
    }
    v.max_token_len = std::max(v.max_token_len, v.texts[i].size());
  }
  std::vector<int32_t> duplicates;
  if (!v.index.build(v.texts, duplicates)) {
    return Status::error("tokenizer.ggml.tokens: the token texts are too large to index (over 4 GiB)");
  }
  for (int32_t id : duplicates) {
    v.warnings.push_back("duplicate token text '" + v.texts[static_cast<size_t>(id)] + "' at ids " +
                         std::to_string(v.find(v.texts[static_cast<size_t>(id)])) + " and " + std::to_string(id) +
                         "; the first is used");
  }
  return Status::ok();
}

void set_model_defaults(Vocab& v) {
  switch (v.kind) {
    case TokenizerKind::SentencePiece:
      v.bos = 1, v.eos = 2, v.unk = 0;
      v.add_space_prefix = true;
      v.add_bos = true;
      v.clean_spaces = false;
      break;
    case TokenizerKind::WordPiece:
      v.bos = 101, v.eos = kNoToken, v.unk = 100, v.sep = 102, v.pad = 0, v.mask = 103;
      v.add_bos = true;
      v.add_sep = true;
      v.clean_spaces = true;
      break;
    case TokenizerKind::BytePairEncoding:
      v.bos = 11, v.eos = 11, v.unk = kNoToken;
      v.clean_spaces = true;
      break;
  }
}

void apply_pre_tokenizer(Vocab& v) {
  const PreTokenizerSpec* spec = nullptr;
  if (v.pre.empty()) {
    v.warnings.push_back("tokenizer.ggml.pre is missing; using the 'default' pre-tokenizer "
                         "(generation quality may be degraded; consider regenerating the model)");
  } else {
    spec = find_pre_tokenizer(v.pre);
    if (spec == nullptr) {
      v.warnings.push_back("unknown pre-tokenizer '" + v.pre + "' (tokenizer.ggml.pre); using 'default'");
    }
  }
  if (spec == nullptr) spec = &default_pre_tokenizer();
  v.pre_spec = spec;
  v.clean_spaces = spec->clean_spaces;
  v.ignore_merges = spec->ignore_merges;
  v.add_bos = spec->add_bos;
  v.add_sep = spec->add_sep;
  if (spec->no_bos_token) v.bos = kNoToken;
}

std::optional<bool> get_bool(const gguf::GgufFile& f, std::string_view key) {
  if (auto b = f.get_bool(key)) return b;
  if (auto i = f.get_int(key)) return *i != 0;
  return std::nullopt;
}

void read_special_ids(const gguf::GgufFile& f, Vocab& v) {
  struct Key {
    std::string_view key;
    TokenId* id;
  };
  const Key keys[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos},       {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},       {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},   {"tokenizer.ggml.seperator_token_id", &v.sep},
      {"tokenizer.ggml.padding_token_id", &v.pad},   {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre}, {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid}, {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep}, {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &v.fim_pre}, {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
      {"tokenizer.ggml.middle_token_id", &v.fim_mid},
  };
  for (const Key& k : keys) {
    if (*k.id != kNoToken && !v.valid(*k.id)) {
      v.warnings.push_back("default " + std::string(k.key) + " = " + std::to_string(*k.id) +
                           " is outside the vocabulary; disabled");
      *k.id = kNoToken;
    }
    const auto value = f.get_int(k.key);
    if (!value) {
      if (f.find(k.key) != nullptr) v.warnings.push_back(std::string(k.key) + " is not an integer; ignored");
      continue;
    }
    if (*value < 0 || static_cast<uint64_t>(*value) >= v.size()) {
      v.warnings.push_back("bad special token " + std::string(k.key) + " = " + std::to_string(*value) +
                           " (vocabulary has " + std::to_string(v.size()) + " tokens); using the default");
      continue;
    }
    *k.id = static_cast<TokenId>(*value);
  }
  // WordPiece's first token is the CLS token; older files only name it cls.
  if (v.kind == TokenizerKind::WordPiece && f.find("tokenizer.ggml.bos_token_id") == nullptr) {
    if (auto cls = f.get_int("tokenizer.ggml.cls_token_id"); cls && *cls >= 0 && static_cast<uint64_t>(*cls) < v.size()) {
      v.bos = static_cast<TokenId>(*cls);
    }
  }
}

void mark_control(Vocab& v, TokenId id) {
  uint32_t& a = v.attrs[static_cast<size_t>(id)];
  if ((a & kAttrControl) == 0) {
    v.warnings.push_back("control-looking token " + std::to_string(id) + " '" + v.texts[static_cast<size_t>(id)] +
                         "' was not control-type; treated as control");
    a |= kAttrControl;
  }
}

// Texts llama.cpp recognises as special even when the file does not say so.
void detect_by_text(Vocab& v) {
  static const std::string_view kEot[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
      "_<EOT>", "[EOT]", "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "<end_of_utterance>",
  };
  static const std::string_view kFimPre[] = {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
                                             "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>", "<PRE>",
                                             "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"};
  static const std::string_view kFimSuf[] = {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
                                             "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>", "<SUF>",
                                             "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"};
  static const std::string_view kFimMid[] = {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",
                                             "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>", "<MID>",
                                             "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"};
  static const std::string_view kFimPad[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
  static const std::string_view kFimRep[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
  static const std::string_view kFimSep[] = {"<|file_sep|>"};
  static const std::string_view kEog[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
      "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
      "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
      "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "[e~[",
  };

  // The first text of a list present in the vocabulary wins (llama.cpp's pick
  // depends on hash-map order; list order is the deterministic equivalent).
  auto detect = [&v](TokenId& id, const auto& texts) {
    if (id != kNoToken) return;
    for (std::string_view t : texts) {
      const TokenId found = v.find(t);
      if (found != kNoToken) {
        id = found;
        mark_control(v, found);
        return;
      }
    }
  };
  detect(v.eot, kEot);
  if (v.eom == kNoToken) {
    const TokenId eom = v.find("<|eom_id|>");
    if (eom != kNoToken) {
      v.eom = eom;
      mark_control(v, eom);
    }
  }
  detect(v.fim_pre, kFimPre);
  detect(v.fim_suf, kFimSuf);
  detect(v.fim_mid, kFimMid);
  detect(v.fim_pad, kFimPad);
  detect(v.fim_rep, kFimRep);
  detect(v.fim_sep, kFimSep);

  for (size_t i = 0; i < v.size(); ++i) {
    if ((v.attrs[i] & kAttrControl) && (v.attrs[i] & kAttrUnused) == 0 && contains(v.texts[i], "unused")) {
      v.attrs[i] |= kAttrUnused;
    }
  }

  std::vector<TokenId> eog;
  for (TokenId id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
    if (id != kNoToken) eog.push_back(id);
  }
  for (std::string_view t : kEog) {
    const TokenId id = v.find(t);
    if (id == kNoToken) continue;
    eog.push_back(id);
    mark_control(v, id);
  }
  // gpt-oss: these always render.
  for (std::string_view t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const TokenId id = v.find(t);
    if (id != kNoToken) v.attrs[static_cast<size_t>(id)] = kAttrUserDefined;
  }
  for (TokenId id : {v.eos, v.eot, v.eom}) {
    if (id != kNoToken) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  auto has = [&](std::string_view t) {
    const TokenId id = v.find(t);
    return id != kNoToken && std::binary_search(eog.begin(), eog.end(), id);
  };
  // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
  if (has("<|end|>") && ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>")))) {
    const TokenId end = v.find("<|end|>");
    eog.erase(std::find(eog.begin(), eog.end(), end));
    v.attrs[static_cast<size_t>(end)] = kAttrUserDefined;
  }
  // gemma4 / paddleocr: "</s>" is not an end of generation there.
  if (has("<|tool_response>") && has("</s>")) {
    const TokenId s = v.find("</s>");
    eog.erase(std::find(eog.begin(), eog.end(), s));
    v.attrs[static_cast<size_t>(s)] = kAttrNormal;
  }
  v.end_of_generation = std::move(eog);
}

void apply_name_quirks(const gguf::GgufFile& f, Vocab& v) {
  std::string name = f.get_string("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string arch = f.get_string("general.architecture").value_or("");
  auto set = [&v](std::string_view text, uint32_t bit, bool on) {
    const TokenId id = v.find(text);
    if (id == kNoToken) return;
    uint32_t& a = v.attrs[static_cast<size_t>(id)];
    a = on ? (a | bit) : (a & ~bit);
  };
  if (contains(v.pre, "jina-v2-de") || contains(v.pre, "jina-v2-es") || contains(v.pre, "jina-v2-code") ||
      contains(arch, "nomic-bert-moe") || contains(arch, "jina-bert-v3")) {
    set("<mask>", kAttrLStrip, true);
  } else if (contains(name, "phi-3") || contains(name, "phi3")) {
    for (TokenId id : v.special_tokens) v.attrs[static_cast<size_t>(id)] |= kAttrRStrip;
    set("</s>", kAttrRStrip, true);
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set(t, kAttrRStrip, false);
  } else if (contains(name, "modern-bert")) {
    set("[MASK]", kAttrLStrip, true);
  }
}

}  // namespace

TokenId Vocab::byte_token(uint8_t byte) const {
  static const char kHex[] = "0123456789ABCDEF";
  const char name[6] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  TokenId id = find(std::string_view(name, 6));
  if (id != kNoToken) return id;
  const char raw = static_cast<char>(byte);
  return find(std::string_view(&raw, 1));
}

uint8_t Vocab::token_byte(TokenId id) const {
  if (!valid(id)) return 0;
  // strtol semantics on text[3..4]: hexadecimal digits until the first other character.
  const std::string& t = texts[static_cast<size_t>(id)];
  unsigned value = 0;
  for (size_t i = 3; i < 5 && i < t.size(); ++i) {
    const char c = t[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else break;
    value = value * 16 + static_cast<unsigned>(d);
  }
  return static_cast<uint8_t>(value);
}

Status load_vocab(const gguf::GgufFile& f, Vocab& v) {
  const gguf::Value* model_value = f.find("tokenizer.ggml.model");
  if (model_value == nullptr) return Status::error("tokenizer.ggml.model is missing");
  const std::string* model = model_value->as_string();
  if (model == nullptr) return Status::error("tokenizer.ggml.model is not a string");
  v.model = *model;
  if (const gguf::Value* pre = f.find("tokenizer.ggml.pre")) {
    if (pre->as_string() == nullptr) return Status::error("tokenizer.ggml.pre is not a string");
    v.pre = *pre->as_string();
  }
  if (v.model == "llama") {
    v.kind = TokenizerKind::SentencePiece;
  } else if (v.model == "gpt2") {
    v.kind = TokenizerKind::BytePairEncoding;
  } else if (v.model == "bert") {
    v.kind = TokenizerKind::WordPiece;
  } else {
    return Status::error("unsupported tokenizer model '" + v.model +
                         "' (tokenizer.ggml.model; supported: llama, gpt2, bert)");
  }

  if (Status s = read_tokens(f, v); !s) return s;
  set_model_defaults(v);
  if (v.kind == TokenizerKind::BytePairEncoding) apply_pre_tokenizer(v);
  if (auto b = get_bool(f, "tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;

  read_special_ids(f, v);
  if (auto b = get_bool(f, "tokenizer.ggml.add_bos_token")) v.add_bos = *b;
  if (auto b = get_bool(f, "tokenizer.ggml.add_eos_token")) v.add_eos = *b;
  if (auto b = get_bool(f, "tokenizer.ggml.add_sep_token")) v.add_sep = *b;
  if (v.add_bos && v.bos == kNoToken) {
    return Status::error("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
  }
  if (v.add_eos && v.eos == kNoToken) {
    return Status::error("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
  }
  if (auto b = get_bool(f, "tokenizer.ggml.normalizer.lowercase")) v.lowercase = *b;
  v.strip_accents = v.lowercase;
  if (auto b = get_bool(f, "tokenizer.ggml.normalizer.strip_accents")) v.strip_accents = *b;

  detect_by_text(v);

  for (size_t i = 0; i < v.size(); ++i) {
    if (v.attrs[i] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special_tokens.push_back(static_cast<TokenId>(i));
  }
  std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(), [&v](TokenId a, TokenId b) {
    return v.texts[static_cast<size_t>(a)].size() > v.texts[static_cast<size_t>(b)].size();
  });
  apply_name_quirks(f, v);
  return Status::ok();
}

}  // namespace pg::tok
