// Scalar double-precision BERT / nomic-bert forward pass; see bert_reference.h.
// Written as the textbook formulas (GELU with tanh as GGML, RoPE angles
// pos * base^(-2i/d) computed directly, NeoX pairs (i, i + d/2)).
#include "engine/model/bert_reference.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "engine/quant/quant.h"

namespace pg {
namespace {

using Matrix = std::vector<double>;  // row-major

// A tensor dequantized to double: rows x cols (a vector is one row). Absent
// optional tensors give an empty matrix.
struct Dense {
  int64_t rows = 0, cols = 0;
  Matrix v;
  bool empty() const { return v.empty(); }
};

Dense read(const gguf::GgufFile& f, const std::string& name, bool required = true) {
  const gguf::TensorInfo* t = f.find_tensor(name);
  if (t == nullptr) {
    if (required) throw std::runtime_error("reference: missing tensor '" + name + "'");
    return {};
  }
  Dense d;
  d.cols = static_cast<int64_t>(t->dims[0]);
  d.rows = static_cast<int64_t>(t->n_elements) / d.cols;
  const uint64_t row_bytes = *ggml_row_bytes(t->type, static_cast<uint64_t>(d.cols));
  std::vector<float> row(static_cast<size_t>(d.cols));
  d.v.resize(static_cast<size_t>(d.rows * d.cols));
  for (int64_t r = 0; r < d.rows; ++r) {
    quant::dequantize_row(t->type, t->data + static_cast<uint64_t>(r) * row_bytes, row.data(), d.cols);
    for (int64_t c = 0; c < d.cols; ++c) d.v[static_cast<size_t>(r * d.cols + c)] = row[static_cast<size_t>(c)];
  }
  return d;
}

// y (n x W.rows) = x (n x W.cols) * W^T (+ b)
Matrix linear(const Matrix& x, int64_t n, const Dense& W, const Dense& b) {
  Matrix y(static_cast<size_t>(n * W.rows));
  for (int64_t t = 0; t < n; ++t)
    for (int64_t r = 0; r < W.rows; ++r) {
      double s = b.empty() ? 0.0 : b.v[static_cast<size_t>(r)];
      for (int64_t c = 0; c < W.cols; ++c)
        s += x[static_cast<size_t>(t * W.cols + c)] * W.v[static_cast<size_t>(r * W.cols + c)];
      y[static_cast<size_t>(t * W.rows + r)] = s;
    }
  return y;
}

void layer_norm(Matrix& x, int64_t n, int64_t E, const Dense& w, const Dense& b, double eps) {
  for (int64_t t = 0; t < n; ++t) {
    double* row = &x[static_cast<size_t>(t * E)];
    double mean = 0, var = 0;
    for (int64_t i = 0; i < E; ++i) mean += row[i];
    mean /= static_cast<double>(E);
    for (int64_t i = 0; i < E; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(E);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < E; ++i)
      row[i] = (row[i] - mean) * inv * w.v[static_cast<size_t>(i)] + b.v[static_cast<size_t>(i)];
  }
}

// NeoX rotary embedding of one head vector at position pos.
void rotate(double* head, int64_t hd, int64_t pos, double base) {
  const int64_t half = hd / 2;
  for (int64_t i = 0; i < half; ++i) {
    const double theta = static_cast<double>(pos) * std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(hd));
    const double a = head[i], b = head[i + half];
    head[i] = a * std::cos(theta) - b * std::sin(theta);
    head[i + half] = a * std::sin(theta) + b * std::cos(theta);
  }
}

std::vector<float> hidden_states(const BertModel& model, std::span<const TokenId> tokens) {
  const gguf::GgufFile& f = model.file();
  const BertConfig& c = model.config();
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t E = c.n_embd, KV = c.n_embd_kv(), hd = c.head_dim, H = c.n_head;
  const bool nomic = c.rotary();

  const Dense tok = read(f, "token_embd.weight");
  const Dense types = read(f, "token_types.weight", false);
  Matrix x(static_cast<size_t>(n * E));
  const Dense pos = nomic ? Dense{} : read(f, "position_embd.weight");
  for (int64_t t = 0; t < n; ++t)
    for (int64_t i = 0; i < E; ++i) {
      double v = tok.v[static_cast<size_t>(tokens[static_cast<size_t>(t)] * E + i)];
      if (!types.empty()) v += types.v[static_cast<size_t>(i)];
      if (!nomic) v += pos.v[static_cast<size_t>(t * E + i)];
      x[static_cast<size_t>(t * E + i)] = v;
    }
  layer_norm(x, n, E, read(f, "token_embd_norm.weight"), read(f, "token_embd_norm.bias"), c.norm_eps);

  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    Matrix q, k, v;
    if (f.find_tensor(b + "attn_qkv.weight")) {
      const Matrix qkv = linear(x, n, read(f, b + "attn_qkv.weight"), read(f, b + "attn_qkv.bias", false));
      const int64_t R = E + 2 * KV;
      for (int64_t t = 0; t < n; ++t) {
        const double* row = &qkv[static_cast<size_t>(t * R)];
        q.insert(q.end(), row, row + E);
        k.insert(k.end(), row + E, row + E + KV);
        v.insert(v.end(), row + E + KV, row + R);
      }
    } else {
      q = linear(x, n, read(f, b + "attn_q.weight"), read(f, b + "attn_q.bias", false));
      k = linear(x, n, read(f, b + "attn_k.weight"), read(f, b + "attn_k.bias", false));
      v = linear(x, n, read(f, b + "attn_v.weight"), read(f, b + "attn_v.bias", false));
    }
    if (nomic)
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t h = 0; h < H; ++h) rotate(&q[static_cast<size_t>(t * E + h * hd)], hd, t, c.rope_freq_base);
        for (int64_t h = 0; h < c.n_head_kv; ++h)
          rotate(&k[static_cast<size_t>(t * KV + h * hd)], hd, t, c.rope_freq_base);
      }
    Matrix attn(static_cast<size_t>(n * E), 0.0);
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    std::vector<double> p(static_cast<size_t>(n));
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kvh = h / (H / c.n_head_kv);
      for (int64_t i = 0; i < n; ++i) {
        double max = -INFINITY;
        for (int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (int64_t d = 0; d < hd; ++d)
            s += q[static_cast<size_t>(i * E + h * hd + d)] * k[static_cast<size_t>(j * KV + kvh * hd + d)];
          p[static_cast<size_t>(j)] = s * scale;
          max = std::max(max, s * scale);
        }
        double sum = 0;
        for (double& e : p) sum += (e = std::exp(e - max));
        for (int64_t j = 0; j < n; ++j)
          for (int64_t d = 0; d < hd; ++d)
            attn[static_cast<size_t>(i * E + h * hd + d)] +=
                p[static_cast<size_t>(j)] / sum * v[static_cast<size_t>(j * KV + kvh * hd + d)];
      }
    }
    Matrix a = linear(attn, n, read(f, b + "attn_output.weight"), read(f, b + "attn_output.bias", false));
    for (size_t i = 0; i < a.size(); ++i) a[i] += x[i];
    layer_norm(a, n, E, read(f, b + "attn_output_norm.weight"), read(f, b + "attn_output_norm.bias"), c.norm_eps);

    Matrix up = linear(a, n, read(f, b + "ffn_up.weight"), read(f, b + "ffn_up.bias", false));
    if (nomic) {
      const Matrix gate = linear(a, n, read(f, b + "ffn_gate.weight"), Dense{});
      for (size_t i = 0; i < up.size(); ++i) up[i] *= gate[i] / (1.0 + std::exp(-gate[i]));
    } else {
      const double k0 = std::sqrt(2.0 / std::numbers::pi);
      for (double& u : up) u = 0.5 * u * (1.0 + std::tanh(k0 * (u + 0.044715 * u * u * u)));
    }
    Matrix out = linear(up, n, read(f, b + "ffn_down.weight"), read(f, b + "ffn_down.bias", false));
    for (size_t i = 0; i < out.size(); ++i) out[i] += a[i];
    layer_norm(out, n, E, read(f, b + "layer_output_norm.weight"), read(f, b + "layer_output_norm.bias"), c.norm_eps);
    x = std::move(out);
  }
  return std::vector<float>(x.begin(), x.end());
}

}  // namespace

Result<std::vector<float>> bert_reference_hidden(const BertModel& model, std::span<const TokenId> tokens) {
  if (Status s = model.check_input(tokens, 0); !s) return Error{s.message()};
  try {
    return hidden_states(model, tokens);
  } catch (const std::exception& e) {
    return Error{model.file().path() + ": " + e.what()};
  }
}

Result<std::vector<float>> bert_reference_embedding(const BertModel& model, std::span<const TokenId> tokens,
                                                    PoolingType pooling) {
  auto states = bert_reference_hidden(model, tokens);
  if (!states) return states.status();
  const std::vector<float>& hidden = *states;
  const size_t E = static_cast<size_t>(model.config().n_embd), n = tokens.size();
  std::vector<double> s(E, 0.0);
  for (size_t i = 0; i < E; ++i) {
    if (pooling == PoolingType::Mean) {
      for (size_t t = 0; t < n; ++t) s[i] += hidden[t * E + i];
      s[i] /= static_cast<double>(n);
    } else {
      s[i] = hidden[(pooling == PoolingType::Cls ? 0 : n - 1) * E + i];
    }
  }
  double norm = 0;
  for (double e : s) norm += e * e;
  norm = std::sqrt(norm);
  std::vector<float> out(E);
  for (size_t i = 0; i < E; ++i) out[i] = norm > 0 ? static_cast<float>(s[i] / norm) : 0.0f;
  return out;
}

}  // namespace pg
