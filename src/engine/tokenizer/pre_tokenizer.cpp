// The pre-tokenizer table (tokenizer.ggml.pre name -> regex list and flags),
// transcribed from llama.cpp's llama-vocab.cpp, and the splitting loop that
// applies a regex list the way llama.cpp's unicode_regex_split does. Pure data
// plus one function; no model or vocabulary state.
#include "engine/tokenizer/pre_tokenizer.h"

#include <utility>

#include "engine/tokenizer/utf8.h"

namespace pg {

namespace {

// Regex lists, named after llama.cpp's LLAMA_VOCAB_PRE_TYPE_* they belong to.
// Raw strings: what is written is exactly the pattern text.
const std::vector<std::string_view> kGpt2 = {
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
};
const std::vector<std::string_view> kDefault = {
    R"([\p{P}\$\+<=>\^~\|]+)",
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
    R"(\p{N}+)",
    R"([0-9][0-9][0-9])",
};
const std::vector<std::string_view> kLlama3 = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kJais2 = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})",
};
const std::vector<std::string_view> kDeepseekLlm = {
    "[\r\n]",
    "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF"
    "\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5"
    "\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA"
    "\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45"
    "\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE"
    "\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC"
    "\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139"
    "\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3"
    "\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06"
    "\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3"
    "\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2\U000118A0-\U000118DF"
    "\U0001E900-\U0001E943]+",
    "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
    "\\s+$",
    "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
    "\\p{N}+",
};
const std::vector<std::string_view> kDeepseek3 = {
    R"(\p{N}{1,3})",
    "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
    "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
};
const std::vector<std::string_view> kSpark25 = {
    R"(\p{N}{1,3})",
    "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
    "?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
    R"(\p{N})",
};
const std::vector<std::string_view> kYoutu = {
    "[\uAC00-\uD7A3\u3131-\u318E]+|[\uFF01\u2026\u201C\u201D\u2018\u2019\u2014\uFF1A\uFF1B\uFF0C\u3001-\u303F"
    "\uFE30-\uFE4F]+|[\u3105-\u312F]+|[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kDeepseekCoder = {
    "[\r\n]",
    R"(\s?\p{L}+)",
    R"(\s?\p{P}+)",
    "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
    R"(\p{N})",
};
const std::vector<std::string_view> kFalcon = {
    R"([\p{P}\$\+<=>\^~\|`]+)",
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
    R"([0-9][0-9][0-9])",
};
const std::vector<std::string_view> kStarcoder = {
    R"(\p{N})",
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
};
const std::vector<std::string_view> kQwen2 = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kQwen35 = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kPoro = {
    " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+",
};
const std::vector<std::string_view> kViking = {
    " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+",
    R"(\p{N})",
};
const std::vector<std::string_view> kTekken = {
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kChameleon = {
    R"(<sentinel:[0-9]+>)",
    R"((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)",
    R"(([\t\n]|    |  ))",
    R"(\p{N})",
    R"([\p{P}!-/:-@\[-`{-~])",
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
};
const std::vector<std::string_view> kGpt4o = {
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kGraniteEmbMulti = {
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kTinyAya = {
    R"(\d{1,3}(?=(?:\d{3})*\b))",
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kSuperBpe = {
    R"(\p{N}+)",
    R"((?=(\d{3})+(?!\d)))",
};
const std::vector<std::string_view> kBailingMoe = {
    R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kSeedCoder = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kUfakzeka = {
    R"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kLaguna = {
    R"([^\n]+|[\n]+)",
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kExaoneMoe = {
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)",
};
const std::vector<std::string_view> kMiniCpm5 = {
    R"(\p{N}{1,3})",
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
};

struct NamedSpec {
  std::vector<std::string_view> names;
  PreTokenizerSpec spec;
};

PreTokenizerSpec make(std::string_view family, const std::vector<std::string_view>& regexes,
                      bool clean_spaces = true) {
  PreTokenizerSpec s;
  s.family = family;
  s.regexes = regexes;
  s.clean_spaces = clean_spaces;
  return s;
}

PreTokenizerSpec with(PreTokenizerSpec s, bool ignore_merges, bool add_bos) {
  s.ignore_merges = ignore_merges;
  s.add_bos = add_bos;
  return s;
}

const std::vector<NamedSpec>& table() {
  static const std::vector<NamedSpec> kTable = [] {
    std::vector<NamedSpec> t;
    t.push_back({{"default"}, make("default", kDefault)});
    t.push_back({{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                  "jina-v5-nano"},
                 with(make("llama3", kLlama3), true, true)});
    t.push_back({{"jais-2"}, make("jais-2", kJais2)});
    t.push_back({{"dbrx"}, make("dbrx", kLlama3)});
    t.push_back({{"smaug-bpe"}, make("smaug-bpe", kLlama3)});
    t.push_back({{"deepseek-llm"}, make("deepseek-llm", kDeepseekLlm, false)});
    t.push_back({{"deepseek-coder"}, make("deepseek-coder", kDeepseekCoder, false)});
    t.push_back({{"deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm"}, make("deepseek-v3", kDeepseek3, false)});
    t.push_back({{"spark2_5"}, make("spark2_5", kSpark25, false)});
    t.push_back({{"youtu"}, with(make("youtu", kYoutu, false), true, false)});
    t.push_back({{"falcon"}, make("falcon", kFalcon)});
    t.push_back({{"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"},
                 make("starcoder", kStarcoder)});
    t.push_back({{"command-r", "smollm"}, make("starcoder", kStarcoder, false)});
    t.push_back({{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                  "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4"},
                 make("gpt-2", kGpt2)});
    {
      PreTokenizerSpec s = make("gpt-2", kGpt2);
      s.add_sep = true;
      t.push_back({{"jina-v1-en", "jina-v2-code", "roberta-bpe"}, s});
    }
    t.push_back({{"trillion", "granite-docling"}, make("gpt-2", kGpt2, false)});
    t.push_back({{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"},
                 make("qwen2", kQwen2, false)});
    t.push_back({{"stablelm2", "megrez"}, make("qwen2", kQwen2)});
    t.push_back({{"qwen35"}, make("qwen35", kQwen35, false)});
    t.push_back({{"poro-chat"}, make("poro-chat", kPoro, false)});
    t.push_back({{"bloom", "gpt3-finnish"}, make("bloom", kPoro)});
    {
      PreTokenizerSpec s = make("chatglm4", kLlama3);
      s.no_bos_token = true;
      t.push_back({{"glm4", "chatglm-bpe"}, s});
    }
    t.push_back({{"viking"}, make("viking", kViking, false)});
    t.push_back({{"tekken"}, with(make("tekken", kTekken, false), true, true)});
    t.push_back({{"exaone-moe"}, make("exaone-moe", kExaoneMoe)});
    t.push_back({{"chameleon"}, with(make("chameleon", kChameleon, false), false, true)});
    t.push_back({{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, make("gpt-4o", kGpt4o, false)});
    t.push_back({{"granite-embed-multi-97m"},
                 with(make("granite-embed-multi", kGraniteEmbMulti, false), true, false)});
    t.push_back({{"tiny_aya", "cohere2moe"}, make("tiny_aya", kTinyAya, false)});
    t.push_back({{"superbpe"}, make("superbpe", kSuperBpe, false)});
    t.push_back({{"bailingmoe", "bailingmoe2", "llada-moe"}, make("bailingmoe", kBailingMoe, false)});
    t.push_back({{"seed-coder"}, make("seed-coder", kSeedCoder, false)});
    t.push_back({{"ufakzeka"}, make("ufakzeka", kUfakzeka, false)});
    t.push_back({{"grok-2"}, make("qwen2", kQwen2, false)});
    t.push_back({{"laguna"}, make("laguna", kLaguna, false)});
    t.push_back({{"minicpm5"}, with(make("minicpm5", kMiniCpm5), true, false)});
    return t;
  }();
  return kTable;
}

}  // namespace

const PreTokenizerSpec* find_pre_tokenizer(std::string_view name) {
  for (const NamedSpec& e : table()) {
    for (std::string_view n : e.names) {
      if (n == name) return &e.spec;
    }
  }
  return nullptr;
}

const PreTokenizerSpec& default_pre_tokenizer() { return table().front().spec; }

std::vector<std::string_view> known_pre_tokenizer_names() {
  std::vector<std::string_view> names;
  for (const NamedSpec& e : table()) names.insert(names.end(), e.names.begin(), e.names.end());
  return names;
}

Result<PreTokenizer> PreTokenizer::create(const PreTokenizerSpec& spec) {
  PreTokenizer p;
  for (std::string_view pattern : spec.regexes) {
    auto re = regex::Regex::compile(pattern);
    if (!re) return Error{"pre-tokenizer '" + std::string(spec.family) + "': " + re.error()};
    p.regexes_.push_back(std::move(*re));
  }
  return p;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  const regex::Subject subject(utf8::decode(text));
  std::vector<size_t> pieces = {subject.size()};
  std::vector<size_t> next;
  for (const regex::Regex& re : regexes_) {
    next.clear();
    size_t start = 0;
    for (size_t len : pieces) {
      re.split(regex::Window{&subject, start, start + len}, next);
      start += len;
    }
    pieces.swap(next);
  }
  std::vector<std::string> words;
  words.reserve(pieces.size());
  size_t start = 0;
  for (size_t len : pieces) {
    if (len > 0) {
      std::string w;
      for (size_t i = start; i < start + len; ++i) utf8::append(w, subject.cp(i));
      words.push_back(std::move(w));
    }
    start += len;
  }
  return words;
}

}  // namespace pg
