// llama2.c checkpoint → GGUF (all tensors F32, SentencePiece vocabulary).
// Formats: model = 7 int32 header (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size (negative: separate classifier), seq_len) then float32
// tensors in llama2.c order; tokenizer = int32 max_token_length, then per token
// float32 score, int32 length, bytes.
#include "models/llama2c_import.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "engine/gguf/gguf.h"

namespace pg {
namespace {

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open '" + path + "'"};
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"cannot read '" + path + "'"};
  return bytes;
}

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

// Reads the checkpoint's tensors in order, checking each against the file size.
class FloatReader {
 public:
  FloatReader(const std::vector<uint8_t>& b, size_t offset) : b_(b), off_(offset) {}
  Result<std::vector<uint8_t>> take(uint64_t n_floats, const std::string& what) {
    const uint64_t bytes = n_floats * 4;
    if (n_floats > b_.size() / 4 || off_ + bytes > b_.size())
      return Error{"checkpoint is truncated: " + what + " needs " + std::to_string(bytes) +
                   " bytes at offset " + std::to_string(off_) + ", file has " + std::to_string(b_.size())};
    std::vector<uint8_t> out(b_.begin() + static_cast<std::ptrdiff_t>(off_),
                             b_.begin() + static_cast<std::ptrdiff_t>(off_ + bytes));
    off_ += bytes;
    return out;
  }
  Status skip(uint64_t n_floats, const std::string& what) {
    auto r = take(n_floats, what);
    return r ? Status::ok() : r.status();
  }
  size_t offset() const { return off_; }

 private:
  const std::vector<uint8_t>& b_;
  size_t off_;
};

struct Vocab {
  std::vector<gguf::Value> tokens, scores, types;
};

Result<Vocab> read_tokenizer(const std::string& path, int32_t vocab_size) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.status();
  const std::vector<uint8_t>& b = *bytes;
  size_t off = 0;
  auto read_i32 = [&](int32_t& v) {
    if (off + 4 > b.size()) return false;
    std::memcpy(&v, &b[off], 4);
    off += 4;
    return true;
  };
  int32_t max_len = 0;
  if (!read_i32(max_len) || max_len <= 0 || max_len > 1 << 16)
    return Error{path + ": bad tokenizer header (max_token_length)"};
  Vocab v;
  for (int32_t id = 0; id < vocab_size; ++id) {
    float score = 0;
    int32_t len = 0;
    if (off + 4 > b.size()) return Error{path + ": truncated at token " + std::to_string(id)};
    std::memcpy(&score, &b[off], 4);
    off += 4;
    if (!read_i32(len) || len < 0 || len > max_len || off + static_cast<size_t>(len) > b.size())
      return Error{path + ": bad or truncated length for token " + std::to_string(id)};
    std::string text(reinterpret_cast<const char*>(&b[off]), static_cast<size_t>(len));
    off += static_cast<size_t>(len);

    int32_t type = 1;  // NORMAL
    if (id == 0) {
      type = 2;  // UNKNOWN
    } else if (id == 1 || id == 2) {
      type = 3;  // CONTROL; llama2.c stores them as "\n<s>\n" and "\n</s>\n"
      text = id == 1 ? "<s>" : "</s>";
    } else if (text.size() == 6 && text.rfind("<0x", 0) == 0 && text[5] == '>') {
      type = 6;  // BYTE
    } else {
      std::string escaped;  // SentencePiece marks spaces with U+2581
      for (char ch : text) escaped += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
      text = std::move(escaped);
    }
    v.tokens.push_back(gguf::Value::str(std::move(text)));
    v.scores.push_back(gguf::Value::f32(score));
    v.types.push_back(gguf::Value::i32(type));
  }
  return v;
}

}  // namespace

Status convert_llama2c(const std::string& model_path, const std::string& tokenizer_path,
                       const std::string& out_path, const Llama2cImportOptions& options) {
  auto bytes = read_file(model_path);
  if (!bytes) return bytes.status();
  const std::vector<uint8_t>& b = *bytes;
  if (b.size() < sizeof(Header)) return Status::error(model_path + ": too small for a llama2.c header");
  Header h;
  std::memcpy(&h, b.data(), sizeof(Header));
  const bool shared_classifier = h.vocab_size > 0;
  const int64_t vocab = h.vocab_size < 0 ? -static_cast<int64_t>(h.vocab_size) : h.vocab_size;
  auto bad = [&](const char* what) {
    return Status::error(model_path + ": header field " + what + " is out of range (dim " +
                         std::to_string(h.dim) + ", hidden " + std::to_string(h.hidden_dim) +
                         ", layers " + std::to_string(h.n_layers) + ", heads " + std::to_string(h.n_heads) +
                         ", kv heads " + std::to_string(h.n_kv_heads) + ", vocab " +
                         std::to_string(h.vocab_size) + ", seq_len " + std::to_string(h.seq_len) + ")");
  };
  if (h.dim <= 0 || h.dim > 1 << 16) return bad("dim");
  if (h.hidden_dim <= 0 || h.hidden_dim > 1 << 18) return bad("hidden_dim");
  if (h.n_layers <= 0 || h.n_layers > 1024) return bad("n_layers");
  if (h.n_heads <= 0 || h.dim % h.n_heads != 0) return bad("n_heads");
  if (h.n_kv_heads <= 0 || h.n_heads % h.n_kv_heads != 0) return bad("n_kv_heads");
  if (vocab <= 0 || vocab > 1 << 22) return bad("vocab_size");
  if (h.seq_len <= 0 || h.seq_len > 1 << 22) return bad("seq_len");
  const int64_t head = h.dim / h.n_heads;
  if (head % 2 != 0) return bad("dim / n_heads (must be even)");
  const int64_t dim = h.dim, hid = h.hidden_dim, kv = h.n_kv_heads * head, L = h.n_layers;

  auto vocab_data = read_tokenizer(tokenizer_path, static_cast<int32_t>(vocab));
  if (!vocab_data) return vocab_data.status();

  FloatReader r(b, sizeof(Header));
  auto embd = r.take(static_cast<uint64_t>(vocab * dim), "token embedding");
  if (!embd) return embd.status();
  // Per-layer tensors are stored layer-major per kind: all attention norms, then all wq, ...
  struct Kind { const char* gguf; const char* what; int64_t cols, rows; };
  const Kind kinds[] = {
      {"attn_norm", "attention norms", dim, 1}, {"attn_q", "wq", dim, dim},
      {"attn_k", "wk", dim, kv},                {"attn_v", "wv", dim, kv},
      {"attn_output", "wo", dim, dim},          {"ffn_norm", "ffn norms", dim, 1},
      {"ffn_gate", "w1", dim, hid},             {"ffn_down", "w2", hid, dim},
      {"ffn_up", "w3", dim, hid},
  };
  std::vector<std::vector<std::vector<uint8_t>>> per_kind;
  for (const Kind& k : kinds) {
    std::vector<std::vector<uint8_t>> layers;
    for (int64_t l = 0; l < L; ++l) {
      auto t = r.take(static_cast<uint64_t>(k.cols * k.rows), k.what);
      if (!t) return t.status();
      layers.push_back(std::move(*t));
    }
    per_kind.push_back(std::move(layers));
  }
  auto final_norm = r.take(static_cast<uint64_t>(dim), "final norm");
  if (!final_norm) return final_norm.status();
  if (Status s = r.skip(static_cast<uint64_t>(h.seq_len) * static_cast<uint64_t>(head), "RoPE tables"); !s) return s;
  std::vector<uint8_t> classifier;
  if (!shared_classifier) {
    auto c = r.take(static_cast<uint64_t>(vocab * dim), "classifier");
    if (!c) return c.status();
    classifier = std::move(*c);
  }
  if (r.offset() != b.size())
    return Status::error(model_path + ": " + std::to_string(b.size() - r.offset()) +
                         " unexpected bytes after the last tensor (wrong header?)");

  gguf::GgufWriter w;
  std::string name = options.model_name;
  if (name.empty()) name = std::filesystem::path(model_path).stem().string();
  w.set("general.architecture", gguf::Value::str("llama"));
  w.set("general.name", gguf::Value::str(name));
  w.set("general.file_type", gguf::Value::u32(0));  // all F32
  w.set("llama.context_length", gguf::Value::u32(static_cast<uint32_t>(h.seq_len)));
  w.set("llama.embedding_length", gguf::Value::u32(static_cast<uint32_t>(dim)));
  w.set("llama.block_count", gguf::Value::u32(static_cast<uint32_t>(L)));
  w.set("llama.feed_forward_length", gguf::Value::u32(static_cast<uint32_t>(hid)));
  w.set("llama.attention.head_count", gguf::Value::u32(static_cast<uint32_t>(h.n_heads)));
  w.set("llama.attention.head_count_kv", gguf::Value::u32(static_cast<uint32_t>(h.n_kv_heads)));
  w.set("llama.rope.dimension_count", gguf::Value::u32(static_cast<uint32_t>(head)));
  w.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
  w.set("llama.rope.freq_base", gguf::Value::f32(10000.0f));
  w.set("tokenizer.ggml.model", gguf::Value::str("llama"));
  w.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::STRING, std::move(vocab_data->tokens)));
  w.set("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::FLOAT32, std::move(vocab_data->scores)));
  w.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::INT32, std::move(vocab_data->types)));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  w.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(0));

  auto add = [&](std::string tname, std::vector<uint64_t> dims, std::vector<uint8_t> data) {
    return w.add_tensor(std::move(tname), GgmlType::F32, std::move(dims), std::move(data));
  };
  if (Status s = add("token_embd.weight", {uint64_t(dim), uint64_t(vocab)}, std::move(*embd)); !s) return s;
  for (int64_t l = 0; l < L; ++l) {
    for (size_t k = 0; k < std::size(kinds); ++k) {
      std::vector<uint64_t> dims = {uint64_t(kinds[k].cols)};
      if (kinds[k].rows > 1) dims.push_back(uint64_t(kinds[k].rows));
      std::string tname = "blk." + std::to_string(l) + "." + kinds[k].gguf + ".weight";
      if (Status s = add(std::move(tname), dims, std::move(per_kind[k][size_t(l)])); !s) return s;
    }
  }
  if (Status s = add("output_norm.weight", {uint64_t(dim)}, std::move(*final_norm)); !s) return s;
  if (!shared_classifier) {
    if (Status s = add("output.weight", {uint64_t(dim), uint64_t(vocab)}, std::move(classifier)); !s) return s;
  }
  return w.write(out_path);
}

}  // namespace pg
