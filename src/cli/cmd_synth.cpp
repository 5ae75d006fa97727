// `playground synth (--shape NAME [--layers L] | --dim D --layers L --heads H
// --kv-heads K --ffn F [--arch llama|qwen2]) [--vocab-from VOCAB.gguf]
// [--type F16] [--ctx N] [--seed S] OUT.gguf`: writes a deterministic
// random-weight model of a real model's shape (decoder shapes through
// models/synth.h, BERT-family encoder shapes through models/synth_bert.h).
// Parses and reports only; never writes anything but OUT.gguf.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "models/synth.h"
#include "models/synth_bert.h"

namespace pg::cli {
namespace {

struct SynthArgs {
  std::string shape, vocab_from, type = "F16", out, pooling, arch = "llama";
  int64_t dim = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0, vocab = 32000, ctx = 0;
  uint64_t seed = 1;
  int threads = 0;
};

// The options of the written file, the same for decoder and encoder shapes.
void set_file_options(SynthFileOptions& o, const SynthArgs& a) {
  o.vocab_from = a.vocab_from;
  o.type = a.type;
  o.ctx = a.ctx;
  o.seed = a.seed;
  o.threads = a.threads;
  o.progress = tensor_progress(" ");
}

// Prints what was written (or the error); the exit code.
int report_written(const Result<SynthReport>& r, const std::string& out, const std::string& shape_name) {
  if (!r) {
    std::fprintf(stderr, "\nerror: %s\n", r.error().c_str());
    return 1;
  }
  std::printf("wrote %s: %s shape, %.3g parameters, %.2f MiB, %.2f s\n", out.c_str(), shape_name.c_str(),
              static_cast<double>(r->parameters), static_cast<double>(r->output_bytes) / (1024.0 * 1024.0), r->seconds);
  return 0;
}

}  // namespace

void add_synth_command(CLI::App& app, int& exit_code) {
  std::string shapes;
  for (const SynthShape& s : synth_shapes()) {
    char line[300];
    std::snprintf(line, sizeof line, "\n  %-18s %s", s.name.c_str(), synth_shape_summary(s).c_str());
    shapes += line;
  }
  for (const BertSynthShape& s : bert_synth_shapes()) {
    char line[200];
    std::snprintf(line, sizeof line, "\n  %-18s %s dim %lld, %lld layers, %lld heads, ffn %lld, ctx %lld, %s pooling",
                  s.name.c_str(), s.arch.c_str(), static_cast<long long>(s.dim), static_cast<long long>(s.layers),
                  static_cast<long long>(s.heads), static_cast<long long>(s.ffn), static_cast<long long>(s.ctx),
                  std::string(pooling_type_name(s.pooling)).c_str());
    shapes += line;
  }
  auto* cmd = app.add_subcommand("synth", "Write a deterministic random-weight model of a real model's shape");
  cmd->footer("Shapes:" + shapes);
  auto a = std::make_shared<SynthArgs>();
  cmd->add_option("out", a->out, "output GGUF file")->required();
  auto* shape = cmd->add_option("--shape", a->shape, "a built-in shape (listed below)");
  auto* dim = cmd->add_option("--dim", a->dim, "custom shape: embedding size");
  cmd->add_option("--layers", a->layers, "custom shape: number of blocks; with --shape: fewer (or more) blocks");
  auto* heads = cmd->add_option("--heads", a->heads, "custom shape: attention heads");
  auto* kv_heads = cmd->add_option("--kv-heads", a->kv_heads, "custom shape: KV heads (default: --heads)");
  auto* ffn = cmd->add_option("--ffn", a->ffn, "custom shape: feed-forward size");
  auto* vocab = cmd->add_option("--vocab", a->vocab,
                                "custom shape: vocabulary size of the built-in vocabulary (default 32000)");
  auto* arch = cmd->add_option("--arch", a->arch, "custom shape: llama (default) or qwen2 (QKV biases, tied output)")
                   ->check(CLI::IsMember({"llama", "qwen2"}));
  for (CLI::Option* custom_only : {dim, heads, kv_heads, ffn, vocab, arch}) shape->excludes(custom_only);
  cmd->add_option("--vocab-from", a->vocab_from, "copy the vocabulary (tokenizer.* keys) from this GGUF");
  cmd->add_option("--type", a->type, "weight type: F32, F16 (default), BF16 or a quantize type (Q4_0, Q4_K_M, ...)");
  cmd->add_option("--ctx", a->ctx, "context length to store (default: the shape's; 2048 for custom shapes)");
  cmd->add_option("--seed", a->seed, "random seed (default 1)");
  cmd->add_option("--threads", a->threads, "worker threads (default: physical cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("--pooling", a->pooling, "encoder shapes: pooling type stored in the file (mean, cls, last)")
      ->check(CLI::IsMember({"mean", "cls", "last"}));
  cmd->callback([a, &exit_code] {
    if (auto encoder = find_bert_synth_shape(a->shape)) {
      BertSynthOptions opts;
      opts.shape = *encoder;
      if (a->layers != 0) opts.shape.layers = a->layers;
      set_file_options(opts, *a);
      if (a->pooling == "mean") opts.pooling = PoolingType::Mean;
      if (a->pooling == "cls") opts.pooling = PoolingType::Cls;
      if (a->pooling == "last") opts.pooling = PoolingType::Last;
      exit_code = report_written(synthesize_bert_model(a->out, opts), a->out, encoder->name);
      return;
    }
    if (!a->pooling.empty()) {
      std::fprintf(stderr, "error: --pooling applies to encoder shapes only\n");
      exit_code = 1;
      return;
    }
    SynthOptions opts;
    if (!a->shape.empty()) {
      auto s = find_synth_shape(a->shape);
      if (!s) {
        std::string names;
        for (const SynthShape& x : synth_shapes()) names += (names.empty() ? "" : ", ") + x.name;
        for (const BertSynthShape& x : bert_synth_shapes()) names += ", " + x.name;
        std::fprintf(stderr, "error: unknown shape '%s' (known: %s)\n", a->shape.c_str(), names.c_str());
        exit_code = 1;
        return;
      }
      opts.shape = *s;
      if (a->layers != 0) opts.shape.layers = a->layers;  // e.g. a 2-block file with a real model's widths
    } else {
      if (a->dim == 0 || a->layers == 0 || a->heads == 0 || a->ffn == 0) {
        std::fprintf(stderr, "error: give --shape NAME, or all of --dim --layers --heads --ffn (and --kv-heads)\n");
        exit_code = 1;
        return;
      }
      opts.shape.name = "custom";
      opts.shape.arch = a->arch;
      opts.shape.qkv_bias = opts.shape.tied_embeddings = a->arch == "qwen2";
      opts.shape.dim = a->dim;
      opts.shape.layers = a->layers;
      opts.shape.heads = a->heads;
      opts.shape.kv_heads = a->kv_heads > 0 ? a->kv_heads : a->heads;
      opts.shape.ffn = a->ffn;
      opts.shape.vocab = a->vocab;
      opts.shape.ctx = 2048;
    }
    set_file_options(opts, *a);
    exit_code = report_written(synthesize_model(a->out, opts), a->out, opts.shape.name);
  });
}

}  // namespace pg::cli
