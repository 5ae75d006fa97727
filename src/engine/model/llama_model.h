// A loaded Llama-family model: its GGUF file (mmapped), hyper-parameters,
// tokenizer and weight views that point into the file. Immutable after load, so
// any number of inference sessions can share it. Never holds per-sequence state
// (that is InferenceSession's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg {

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  kernels::WeightMatrix wq, wk, wv, wo;
  std::vector<float> bq, bk, bv;  // empty when the model has no QKV bias
  kernels::WeightMatrix w_gate, w_up, w_down;
};

class LlamaModel {
 public:
  static Result<std::unique_ptr<LlamaModel>> load(const std::string& path);
  // Builds a model from an already opened file (takes ownership).
  static Result<std::unique_ptr<LlamaModel>> from_file(std::unique_ptr<gguf::GgufFile> file);

  const ModelConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return *file_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  const kernels::WeightMatrix& token_embedding() const { return token_embd_; }
  const kernels::WeightMatrix& output() const { return output_; }  // the embedding when tied
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<float>& rope_freq_factors() const { return rope_freqs_; }  // empty if none
  const LayerWeights& layer(int64_t i) const { return layers_[static_cast<size_t>(i)]; }
  uint64_t parameter_count() const;
  uint64_t weight_bytes() const;

 private:
  LlamaModel() = default;

  std::unique_ptr<gguf::GgufFile> file_;
  ModelConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  kernels::WeightMatrix token_embd_, output_;
  std::vector<float> output_norm_, rope_freqs_;
  std::vector<LayerWeights> layers_;
};

}  // namespace pg
