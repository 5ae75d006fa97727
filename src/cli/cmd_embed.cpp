// `playground embed [-m MODEL] [-t THREADS] [--pooling P] [--prefix TEXT] TEXT...`:
// prints the unit-length sentence vectors of the texts as one JSON object.
// Encoder models (bert, nomic-bert) embed all texts in one batch with the
// model's pooling; decoder models give the mean of their final hidden states
// (engine/model/embedding.h). `--bench` measures embeddings/s instead on a
// batch of synthetic inputs. Never writes files.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "util/env_lookup.h"
#include "engine/gguf/gguf.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "engine/model/embedding.h"
#include "engine/model/llama_model.h"
#include "models/default_model.h"

namespace pg::cli {
namespace {

struct EmbedArgs {
  ModelFlags model;
  std::string pooling, prefix;
  std::vector<std::string> texts;
  int threads = 0;
  bool bench = false;
  int batch = 32, tokens = 128, repetitions = 3;
};

std::optional<PoolingType> parse_pooling(const std::string& name) {
  if (name == "mean") return PoolingType::Mean;
  if (name == "cls") return PoolingType::Cls;
  if (name == "last") return PoolingType::Last;
  return std::nullopt;
}

// `batch` inputs of `tokens` ids each: CLS (or the first id the tokenizer
// adds), deterministic ids from the upper part of the vocabulary, then SEP.
std::vector<std::vector<TokenId>> bench_inputs(const BertModel& m, int batch, int tokens) {
  const TokenId first = m.tokenize("").empty() ? 0 : m.tokenize("").front();
  const TokenId last = m.tokenizer().sep_id() >= 0 ? m.tokenizer().sep_id() : first;
  const int64_t vocab = static_cast<int64_t>(m.tokenizer().vocab_size());
  const int64_t lo = std::min<int64_t>(1000, vocab / 2);
  std::vector<std::vector<TokenId>> inputs(static_cast<size_t>(batch));
  uint64_t state = 12345;
  for (auto& in : inputs) {
    in.push_back(first);
    for (int i = 2; i < tokens; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      in.push_back(static_cast<TokenId>(lo + static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab - lo))));
    }
    in.push_back(last);
  }
  return inputs;
}

int run_encoder_bench(const BertModel& m, ThreadPool& pool, const EmbedArgs& a) {
  const int tokens = std::clamp(a.tokens, 2, m.n_ctx());
  const auto inputs = bench_inputs(m, std::max(1, a.batch), tokens);
  std::vector<double> seconds;
  for (int r = 0; r <= std::max(1, a.repetitions); ++r) {  // r == 0: warm-up
    const auto start = std::chrono::steady_clock::now();
    auto v = m.embed(inputs, pool);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!v) {
      std::fprintf(stderr, "error: %s\n", v.error().c_str());
      return 1;
    }
    if (r > 0) seconds.push_back(s);
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const double n = static_cast<double>(inputs.size());
  std::printf("%s (%s, %s): %zu inputs x %d tokens, %d threads, kernels %s: %.3f s per batch, %.1f embeddings/s, "
              "%.0f tokens/s\n",
              m.file().path().c_str(), m.architecture().c_str(), std::string(pooling_type_name(m.pooling())).c_str(),
              inputs.size(), tokens, pool.size(),
              std::string(kernels::kernel_path_name(kernels::best_kernel_path())).c_str(), median, n / median,
              n * tokens / median);
  return 0;
}

int run_encoder(const std::string& path, const EmbedArgs& a, ThreadPool& pool) {
  auto m = BertModel::load(path);
  if (!m) return std::fprintf(stderr, "error: %s\n", m.error().c_str()), 1;
  if (a.bench) return run_encoder_bench(**m, pool, a);
  std::vector<std::vector<TokenId>> inputs;
  for (const auto& t : a.texts) inputs.push_back((*m)->tokenize(a.prefix + t));
  BertModel::EmbedOptions o;
  o.pooling = parse_pooling(a.pooling);
  auto v = (*m)->embed(inputs, pool, o);
  if (!v) return std::fprintf(stderr, "error: %s\n", v.error().c_str()), 1;
  nlohmann::json out = {{"model", path},
                        {"architecture", (*m)->architecture()},
                        {"pooling", std::string(pooling_type_name(o.pooling.value_or((*m)->pooling())))},
                        {"n_embd", (*m)->n_embd()}};
  out["tokens"] = nlohmann::json::array();
  for (const auto& in : inputs) out["tokens"].push_back(in.size());
  out["embeddings"] = *v;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int run_decoder(const std::string& path, const EmbedArgs& a, ThreadPool& pool) {
  if (a.bench) return std::fprintf(stderr, "error: --bench measures encoder models; use `playground bench` for %s\n", path.c_str()), 1;
  if (!a.pooling.empty())
    return std::fprintf(stderr, "error: --pooling applies to encoder models; %s is a decoder (mean of its hidden states)\n",
                        path.c_str()), 1;
  auto m = LlamaModel::load(path);
  if (!m) return std::fprintf(stderr, "error: %s\n", m.error().c_str()), 1;
  InferenceSession session(**m, pool);
  nlohmann::json out = {{"model", path},
                        {"architecture", (*m)->config().architecture},
                        {"pooling", "mean"},
                        {"n_embd", (*m)->config().n_embd}};
  out["tokens"] = nlohmann::json::array();
  out["embeddings"] = nlohmann::json::array();
  for (size_t i = 0; i < a.texts.size(); ++i) {
    const auto ids = (*m)->tokenizer().encode(a.prefix + a.texts[i], true, false);
    auto v = sentence_embedding(session, ids);
    if (!v) return std::fprintf(stderr, "error: text %zu: %s\n", i, v.error().c_str()), 1;
    out["tokens"].push_back(ids.size());
    out["embeddings"].push_back(*v);
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

void add_embed_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("embed", "Print the sentence embeddings of texts as JSON (or measure embeddings/s)");
  auto a = std::make_shared<EmbedArgs>();
  add_model_flags(cmd, a->model, "model name or GGUF file: an encoder (bert, nomic-bert) or a decoder (default: "
                                          "$PLAYGROUND_MODEL or the demo model)");
  cmd->add_option("texts", a->texts, "texts to embed, one vector each");
  cmd->add_option("-t,--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("--pooling", a->pooling, "encoders: override the file's pooling (mean, cls, last)")
      ->check(CLI::IsMember({"mean", "cls", "last"}));
  cmd->add_option("--prefix", a->prefix, "text put before every input (e.g. \"search_query: \" for nomic-embed-text)");
  cmd->add_flag("--bench", a->bench, "encoders: measure embeddings/s on synthetic inputs instead");
  cmd->add_option("--batch", a->batch, "--bench: inputs per batch (default 32)")->check(CLI::Range(1, 4096));
  cmd->add_option("--tokens", a->tokens, "--bench: tokens per input, CLS and SEP included (default 128)")
      ->check(CLI::Range(2, 1 << 20));
  cmd->add_option("-r,--repetitions", a->repetitions, "--bench: timed runs after a warm-up; the median is shown (default 3)")
      ->check(CLI::Range(1, 1000));
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    if (!a->bench && a->texts.empty()) return (void)std::fprintf(stderr, "error: give at least one text to embed\n");
    auto resolved = resolve_model_flags(a->model, process_environment());
    if (!resolved) return (void)std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
    const std::string* path = &resolved->path;
    auto file = gguf::GgufFile::open(*path);
    if (!file) return (void)std::fprintf(stderr, "error: %s\n", file.error().c_str());
    const std::string arch = (*file)->get_string("general.architecture").value_or("");
    file->reset();
    ThreadPool pool(a->threads > 0 ? a->threads : physical_core_count());
    exit_code = BertModel::is_encoder_architecture(arch) ? run_encoder(*path, *a, pool) : run_decoder(*path, *a, pool);
  });
}

}  // namespace pg::cli
