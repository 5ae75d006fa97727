// Fuzz target: the JSON request readers of every route family (server/
// request_fields, chat_messages, sampling_fields, remote_fields,
// collection_name). Input: a request body. It goes through what the routes do
// with a body: parse_json_object, the shared sampling fields (top level,
// Ollama's options{}, a conversation's params{}, a remote model's), the chat
// message normalizer (on the body parsed by parse_ordered_json_object, as
// request_chat_messages does), token-id prompts, remote inputs, the collection
// name check, Ollama's keep_alive durations, and the fields the OpenAI,
// Ollama, native, RAG/collections, conversations, auth and models routes read
// with FieldReader. An ApiError (4xx) is a normal outcome; any other
// exception escapes and is a finding, as is a crash. Never touches a server.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "models/memory_estimate.h"
#include "server/chat_messages.h"
#include "server/api_error.h"
#include "app/chat_prompt.h"
#include "server/generation_runner.h"
#include "server/rag_json.h"
#include "server/remote_generation.h"
#include "server/request_fields.h"

namespace {

using pg::server::ApiError;
using pg::server::FieldReader;

// Runs one reader; a refusal must be a 4xx ApiError with a code and a message.
template <typename Fn>
void reader(Fn&& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    if (e.status < 400 || e.status > 499 || e.code.empty() || e.message.empty()) std::abort();
  }
}

void read_route_fields(const FieldReader& r) {
  // OpenAI / Ollama / native generation.
  (void)r.string("model", 256);
  (void)r.string("name", 256);
  (void)r.string("prompt");
  (void)r.string("system");
  (void)r.string("suffix");
  (void)r.boolean("stream");
  (void)r.boolean("echo");
  (void)r.boolean("raw");
  (void)r.integer("n", 1, 128);
  (void)r.integer("best_of", 1, 128);
  (void)r.integer("max_tokens", INT64_MIN, INT64_MAX);
  (void)r.integer("max_completion_tokens", INT64_MIN, INT64_MAX);
  (void)r.string_list("input", 2048);
  (void)r.string("encoding_format", 16);
  (void)r.integer("dimensions", 1, 1 << 16);
  if (auto so = r.object("stream_options")) (void)so->boolean("include_usage");
  // RAG and collections.
  (void)r.string("query", 4096);
  (void)r.string("question", 4096);
  (void)r.string("collection", 200);
  (void)r.string("description", 4096);
  (void)r.integer("top_k", 1, 100);
  (void)r.number("min_score", -1, 1);
  (void)r.string_list("tags", 32);
  if (auto c = r.object("chunking")) {
    (void)c->string("unit", 32);
    (void)c->integer("size", 16, 8192);
    (void)c->integer("overlap", 0, 4096);
  }
  if (auto m = r.object("metadata"))
    for (const char* k : {"author", "source", "year"}) (void)m->string(k, 1024);
  // Conversations, auth, models.
  (void)r.string("title", 512);
  (void)r.string("role", 16);
  (void)r.string("content");
  (void)r.string("username", 64);
  (void)r.string("password", 1024);
  (void)r.boolean("is_admin");
  (void)r.integer("expires_in_days", 1, 3650);
  (void)r.string("source", 1024);
  (void)r.string("quantization", 32);
  (void)r.raw("keep_alive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string body(reinterpret_cast<const char*>(data), size);

  reader([&] {
    const nlohmann::json j = pg::server::parse_json_object(body);
    (void)pg::server::describe_json(j);
    const FieldReader r(j);
    reader([&] {
      pg::app::GenerationParams p;
      pg::server::read_sampling_fields(r, p);
    });
    reader([&] {
      if (auto opts = r.object("options")) {
        pg::app::GenerationParams p;
        pg::server::read_sampling_fields(*opts, p);
        (void)opts->integer("num_ctx", 1, int64_t{1} << 24);
        (void)opts->integer("num_predict", -2, int64_t{1} << 24);
      }
    });
    reader([&] {
      if (const nlohmann::json* params = r.raw("params")) {
        const FieldReader pr(*params, "params.");
        pg::app::GenerationParams p;
        pg::server::read_sampling_fields(pr, p);
      }
    });
    reader([&] {
      if (const nlohmann::json* prompt = r.raw("prompt"); prompt && prompt->is_array())
        (void)pg::server::read_token_ids(*prompt, "prompt", 512);
    });
    reader([&] { (void)pg::server::remote_sampling_json(pg::server::read_sampling_options(r)); });
    reader([&] { (void)pg::server::read_remote_inputs(r.raw("input"), "input"); });
    reader([&] { (void)pg::server::checked_collection_name(r.string("name", 4096)); });
    reader([&] {
      // As request_keep_alive: a duration string must give forever (-1) or finite seconds below the cap.
      if (auto ka = r.string("keep_alive", 4096))
        if (auto secs = pg::models::parse_keep_alive(*ka))
          if (!(*secs == -1.0 || (*secs >= 0 && *secs < pg::models::kKeepAliveForever))) std::abort();
    });
    reader([&] { read_route_fields(r); });
  });

  reader([&] {
    // As request_chat_messages: the body again as ordered_json, then the normalizer.
    const nlohmann::ordered_json body_ordered = pg::server::parse_ordered_json_object(body);
    const nlohmann::ordered_json* messages = nullptr;
    if (body_ordered.is_object()) {
      auto it = body_ordered.find("messages");
      if (it != body_ordered.end() && !it->is_null()) messages = &*it;
    }
    const nlohmann::ordered_json out = pg::server::normalize_chat_messages(messages, "messages");
    for (const auto& m : out)
      if (!m.at("role").is_string() || !m.at("content").is_string()) std::abort();
  });
  return 0;
}
