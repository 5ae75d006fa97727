// Conformance of the tokenizers with llama.cpp on real vocabularies: the
// ../shared/testdata/vocab vectors (46 inputs each for SentencePiece, byte-level
// BPE and WordPiece), round trips, the stories260K prompts of the llama.cpp
// reference file, special-token parsing, end-of-generation sets and load speed.
// Never writes to ../shared.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "test_paths.h"

namespace pg {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct VocabCase {
  std::string input;
  std::vector<TokenId> expected;
};

// NAME.inp: inputs separated by "\n__ggml_vocab_test__\n" (the file ends with
// one); NAME.out: one line of ids per input.
std::vector<VocabCase> load_cases(const std::string& name) {
  const std::string inp = read_bytes(test::shared_path("testdata/vocab/" + name + ".inp"));
  const std::string out = read_bytes(test::shared_path("testdata/vocab/" + name + ".out"));
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  size_t pos = 0;
  for (;;) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    inputs.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<TokenId>> ids;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream nums(line);
    std::vector<TokenId> row;
    TokenId id;
    while (nums >> id) row.push_back(id);
    ids.push_back(row);
  }
  std::vector<VocabCase> cases;
  EXPECT_EQ(inputs.size(), ids.size()) << name;
  for (size_t i = 0; i < inputs.size() && i < ids.size(); ++i) cases.push_back({inputs[i], ids[i]});
  return cases;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& rel) {
  auto file = gguf::GgufFile::open(test::shared_path(rel));
  EXPECT_TRUE(file) << rel << ": " << file.error();
  if (!file) return nullptr;
  auto tok = Tokenizer::from_gguf(**file);
  EXPECT_TRUE(tok) << rel << ": " << tok.error();
  if (!tok) return nullptr;
  return std::move(*tok);
}

std::string show(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) s += std::to_string(id) + " ";
  return s;
}

// Cached per process: loading the 128k-token vocabulary is the slow part.
const Tokenizer* shared_tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_tokenizer("testdata/vocab/" + name + ".gguf")).first;
  return it->second.get();
}

void check_vocab(const std::string& name, TokenizerKind kind) {
  const Tokenizer* tok = shared_tokenizer(name);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), kind);
  const auto cases = load_cases(name);
  ASSERT_EQ(cases.size(), 46u) << name;
  int passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = tok->encode(cases[i].input, false, false);
    EXPECT_EQ(got, cases[i].expected) << name << " case " << i << " input '" << cases[i].input
                                      << "'\n got:      " << show(got) << "\n expected: " << show(cases[i].expected);
    passed += got == cases[i].expected;
  }
  std::printf("[ %s ] %d/%zu cases match llama.cpp\n", name.c_str(), passed, cases.size());
}

TEST(TokenizerVocab, SentencePieceMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  check_vocab("llama-spm", TokenizerKind::SentencePiece);
}

TEST(TokenizerVocab, ByteLevelBpeMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  check_vocab("llama3-bpe", TokenizerKind::BytePairEncoding);
}

TEST(TokenizerVocab, WordPieceMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  check_vocab("bert-wordpiece", TokenizerKind::WordPiece);
}

// decode(encode(x)) == x for SentencePiece and BPE wherever llama.cpp's own
// round trip holds; the exceptions are listed with the reason.
void check_round_trip(const std::string& name, const std::map<size_t, std::string>& known_exceptions) {
  const Tokenizer* tok = shared_tokenizer(name);
  ASSERT_NE(tok, nullptr);
  const auto cases = load_cases(name);
  int round_trips = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string back = tok->decode(tok->encode(cases[i].input, false, false));
    if (known_exceptions.count(i)) {
      EXPECT_NE(back, cases[i].input) << name << " case " << i << " was expected not to round-trip ("
                                      << known_exceptions.at(i) << ")";
      continue;
    }
    EXPECT_EQ(back, cases[i].input) << name << " case " << i;
    round_trips += back == cases[i].input;
  }
  std::printf("[ %s ] %d/%zu inputs round-trip\n", name.c_str(), round_trips, cases.size());
}

TEST(TokenizerVocab, SentencePieceRoundTrips) {
  PG_REQUIRE_SHARED();
  check_round_trip("llama-spm", {});
}

TEST(TokenizerVocab, ByteLevelBpeRoundTrips) {
  PG_REQUIRE_SHARED();
  // Llama 3 decodes with clean_up_tokenization_spaces, which (in llama.cpp too)
  // drops the space of " ?" and so cannot give these two inputs back.
  check_round_trip("llama3-bpe", {{32, "\" ?\" becomes \"?\""}, {45, "\" ?\" becomes \"?\""}});
}

TEST(TokenizerVocab, ByteLevelBpePiecesConcatenateToTheInput) {
  PG_REQUIRE_SHARED();
  const Tokenizer* tok = shared_tokenizer("llama3-bpe");
  ASSERT_NE(tok, nullptr);
  for (const VocabCase& c : load_cases("llama3-bpe")) {
    std::string joined;
    for (TokenId id : c.expected) joined += tok->token_to_piece(id);
    EXPECT_EQ(joined, c.input);
  }
}

TEST(TokenizerVocab, Stories260KPromptsMatchLlamaCpp) {
  PG_REQUIRE_SHARED();
  auto tok = load_tokenizer("testdata/gguf/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("Once upon a time", true, false), (std::vector<TokenId>{1, 403, 407, 261, 378}));
  const auto ref = nlohmann::json::parse(read_bytes(test::shared_path("testdata/reference/llamacpp-logits.json")));
  int checked = 0;
  for (const auto& [model, runs] : ref.items()) {
    for (const auto& run : runs) {
      const std::string prompt = run.at("prompt").get<std::string>();
      const auto expected = run.at("prompt_ids").get<std::vector<TokenId>>();
      EXPECT_EQ(tok->encode(prompt, true, true), expected) << model << ": '" << prompt << "'";
      EXPECT_EQ(tok->decode(expected), prompt) << model;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

TEST(TokenizerVocab, SpecialTokensAreParsedOnlyOnRequest) {
  PG_REQUIRE_SHARED();
  const Tokenizer* tok = shared_tokenizer("llama3-bpe");
  ASSERT_NE(tok, nullptr);
  // This copy of the Llama 3 vocabulary (llama.cpp's ggml-vocab-llama-bpe)
  // names its 256 control tokens <|reserved_special_token_N|>; id 128000 is
  // the one real files call <|begin_of_text|>.
  const std::string bos_text = tok->token_text(128000);
  ASSERT_EQ(bos_text, "<|reserved_special_token_0|>");
  const auto parsed = tok->encode(bos_text + "hi", false, true);
  ASSERT_FALSE(parsed.empty());
  EXPECT_EQ(parsed[0], 128000);
  EXPECT_EQ(parsed, (std::vector<TokenId>{128000, tok->encode("hi", false, false)[0]}));
  const auto plain = tok->encode(bos_text + "hi", false, false);
  EXPECT_GT(plain.size(), 3u);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 128000), 0);
  // Control tokens render only when asked; decode of plain text round-trips them.
  EXPECT_EQ(tok->token_to_piece(128000), "");
  EXPECT_EQ(tok->token_to_piece(128000, true), bos_text);
  EXPECT_EQ(tok->decode(plain), bos_text + "hi");
  EXPECT_EQ(tok->decode(parsed), "hi");
  EXPECT_EQ(tok->decode(parsed, true), bos_text + "hi");
  // Special tokens back to back, with text between and around; the longest
  // text wins where one special text contains another (_1 vs _10).
  const std::string t6 = tok->token_text(128006), t7 = tok->token_text(128007), t10 = tok->token_text(128010);
  const auto chat = tok->encode(t6 + "user" + t7 + t10 + "\n\nHi" + t7, false, true);
  EXPECT_EQ(chat.front(), 128006);
  EXPECT_EQ(chat.back(), 128007);
  EXPECT_EQ(std::count(chat.begin(), chat.end(), 128007), 2);
  EXPECT_EQ(std::count(chat.begin(), chat.end(), 128010), 1);
  EXPECT_EQ(std::count(chat.begin(), chat.end(), 128001), 0);
}

TEST(TokenizerVocab, SpecialFlagsAndEndOfGeneration) {
  PG_REQUIRE_SHARED();
  const Tokenizer* bpe = shared_tokenizer("llama3-bpe");
  ASSERT_NE(bpe, nullptr);
  EXPECT_EQ(bpe->bos_id(), 128000);
  EXPECT_EQ(bpe->eos_id(), 128001);
  EXPECT_TRUE(bpe->add_bos());  // llama-bpe defaults to adding BOS
  EXPECT_FALSE(bpe->add_eos());
  EXPECT_EQ(bpe->pre_tokenizer_name(), "llama-bpe");
  EXPECT_EQ(bpe->pre_tokenizer_family(), "llama3");
  EXPECT_EQ(bpe->encode("Hello", true, false).front(), 128000);
  // Only EOS: this copy has no <|eot_id|> text (see above).
  EXPECT_EQ(bpe->end_of_generation_ids(), (std::vector<TokenId>{128001}));
  EXPECT_FALSE(bpe->is_end_of_generation(128000));  // BOS
  EXPECT_FALSE(bpe->is_end_of_generation(-1));
  EXPECT_EQ(bpe->eot_id(), -1);

  const Tokenizer* spm = shared_tokenizer("llama-spm");
  ASSERT_NE(spm, nullptr);
  EXPECT_TRUE(spm->add_bos());
  EXPECT_TRUE(spm->add_space_prefix());
  EXPECT_TRUE(spm->is_end_of_generation(2));
  EXPECT_FALSE(spm->is_end_of_generation(1));
  EXPECT_EQ(spm->encode("", true, false), (std::vector<TokenId>{1}));
  EXPECT_EQ(spm->encode("", false, false), (std::vector<TokenId>{}));
  EXPECT_EQ(spm->token_attr(1), TokenAttr::CONTROL);
  EXPECT_EQ(spm->token_attr(3), TokenAttr::BYTE);

  const Tokenizer* wpm = shared_tokenizer("bert-wordpiece");
  ASSERT_NE(wpm, nullptr);
  const auto ids = wpm->encode("Hello world", true, false);
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids.front(), 101);  // [CLS]
  EXPECT_EQ(ids.back(), 102);   // [SEP]
  EXPECT_EQ(std::vector<TokenId>(ids.begin() + 1, ids.end() - 1), wpm->encode("Hello world", false, false));
  EXPECT_EQ(wpm->decode(wpm->encode("hello world", false, false)), " hello world");
}

TEST(TokenizerVocab, ByteFallbackAndPieces) {
  PG_REQUIRE_SHARED();
  const Tokenizer* spm = shared_tokenizer("llama-spm");
  ASSERT_NE(spm, nullptr);
  // A character the vocabulary lacks is spelled in byte tokens <0xXX> (id = byte + 3).
  const auto ids = spm->encode("\xF0\x9F\xA6\x99", false, false);  // U+1F999
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[0], 29871);  // the leading U+2581
  EXPECT_EQ((std::vector<TokenId>(ids.begin() + 1, ids.end())), (std::vector<TokenId>{0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3}));
  EXPECT_EQ(spm->token_to_piece(0xF0 + 3), "\xF0");
  EXPECT_EQ(spm->token_to_piece(spm->encode("Hello", false, false)[0]), " Hello");
  EXPECT_EQ(spm->decode({1, spm->encode("Hello", false, false)[0]}), "Hello");
  EXPECT_EQ(spm->token_to_piece(-1), "");
  EXPECT_EQ(spm->token_to_piece(32000), "");
  EXPECT_EQ(spm->token_text(32000), "");

  const Tokenizer* bpe = shared_tokenizer("llama3-bpe");
  ASSERT_NE(bpe, nullptr);
  EXPECT_EQ(bpe->token_to_piece(220), " ");      // "Ġ"
  EXPECT_EQ(bpe->token_to_piece(198), "\n");     // "Ċ"
}

TEST(TokenizerVocab, InvalidUtf8NeverCrashes) {
  PG_REQUIRE_SHARED();
  const std::string nasty[] = {
      std::string("\xFF\xFE\x80 abc \xC3", 9), std::string("\xE4\xB8", 2), std::string("a\0b", 3),
      std::string("\xF7\xBF\xBF\xBF\xED\xA0\x80", 7), std::string("\xC0\xAF<|eot_id|>\xF0\x9F", 14),
  };
  for (const char* name : {"llama-spm", "llama3-bpe", "bert-wordpiece"}) {
    const Tokenizer* tok = shared_tokenizer(name);
    ASSERT_NE(tok, nullptr);
    for (const std::string& s : nasty) {
      for (bool special : {false, true}) {
        const auto ids = tok->encode(s, special, special);
        for (TokenId id : ids) EXPECT_TRUE(id >= 0 && static_cast<size_t>(id) < tok->vocab_size()) << name;
        (void)tok->decode(ids, special);
      }
    }
  }
  // SentencePiece keeps invalid bytes as byte tokens; BPE sees U+FFFD.
  const Tokenizer* spm = shared_tokenizer("llama-spm");
  EXPECT_EQ(spm->decode(spm->encode(std::string("a\xFF", 2), false, false)), std::string("a\xFF", 2));
  const Tokenizer* bpe = shared_tokenizer("llama3-bpe");
  EXPECT_EQ(bpe->decode(bpe->encode(std::string("a\xFF", 2), false, false)), "a\xEF\xBF\xBD");
}

// Random bytes (with fragments of special-token texts mixed in) through every
// vocabulary: ids stay in range, decoding works, and the stream decoder only
// ever emits valid UTF-8.
TEST(TokenizerVocab, RandomBytesNeverCrash) {
  PG_REQUIRE_SHARED();
  std::mt19937 rng(42);
  const std::string fragments[] = {"<s>", "</s>", "<unk>", "<|reserved_special_token_3|>", "[CLS]", "[SEP]",
                                   "\xE2\x96\x81", " ", "\n", "'s", "\xC3", "\xA9", "\xF0\x9F"};
  for (const char* name : {"llama-spm", "llama3-bpe", "bert-wordpiece"}) {
    const Tokenizer* tok = shared_tokenizer(name);
    ASSERT_NE(tok, nullptr);
    for (int iter = 0; iter < 300; ++iter) {
      std::string text;
      const int parts = static_cast<int>(rng() % 12);
      for (int k = 0; k < parts; ++k) {
        if (rng() % 3 == 0) {
          text += fragments[rng() % (sizeof(fragments) / sizeof(fragments[0]))];
        } else {
          for (int b = static_cast<int>(rng() % 6); b > 0; --b) text.push_back(static_cast<char>(rng() & 0xFF));
        }
      }
      const bool special = iter % 2 == 0;
      const auto ids = tok->encode(text, special, special);
      for (TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < tok->vocab_size()) << name;
      (void)tok->decode(ids, special);
      StreamDecoder stream(*tok);
      std::string streamed;
      for (TokenId id : ids) streamed += stream.push(id);
      streamed += stream.flush();
      for (size_t i = 0; i < streamed.size();) {
        const int n = utf8::strict_sequence(std::string_view(streamed).substr(i));
        ASSERT_GT(n, 0) << name << ": invalid UTF-8 streamed at byte " << i;
        i += static_cast<size_t>(n);
      }
    }
  }
}

TEST(TokenizerVocab, Llama3VocabularyLoadsQuickly) {
  PG_REQUIRE_SHARED();
  auto file = gguf::GgufFile::open(test::shared_path("testdata/vocab/llama3-bpe.gguf"));
  ASSERT_TRUE(file) << file.error();
  // CPU time of this thread: the build machine is shared, so wall time is noisy.
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  const double start = cpu_now();
  auto tok = Tokenizer::from_gguf(**file);
  const double seconds = cpu_now() - start;
  ASSERT_TRUE(tok) << tok.error();
  EXPECT_EQ((*tok)->vocab_size(), 128256u);
  std::printf("[ llama3-bpe ] tokenizer built in %.3f s of CPU time\n", seconds);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(seconds, 1.0);
#endif
}

}  // namespace
}  // namespace pg
