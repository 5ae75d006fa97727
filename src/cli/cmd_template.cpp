// `playground template --file TEMPLATE --messages MESSAGES.json`: renders a
// Hugging Face chat template and prints exactly the rendered text (nothing
// added). The template comes from a text file, or from a GGUF model's
// tokenizer.chat_template (--file may be a GGUF file, or use --model); a GGUF
// also supplies the BOS/EOS token text unless --bos-token/--eos-token are given.
// --tools TOOLS.json gives the `tools` variable (an OpenAI tool list) and wins over
// a "tools" key of the messages file; with neither, `tools` is None, as
// transformers passes it. Never changes the messages it is given.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "cli/input_file.h"
#include "engine/gguf/gguf.h"
#include "engine/template/chat_template.h"

namespace pg::cli {
namespace {

bool is_gguf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string(magic, 4) == "GGUF";
}

struct GgufTemplate {
  std::string chat_template;
  std::optional<std::string> bos, eos;
};

std::optional<std::string> token_text(const gguf::GgufFile& f, std::string_view id_key) {
  const auto id = f.get_int(id_key);
  const gguf::Value* tokens = f.find("tokenizer.ggml.tokens");
  if (!id || !tokens) return std::nullopt;
  const gguf::Array* arr = tokens->as_array();
  if (!arr || *id < 0 || static_cast<uint64_t>(*id) >= arr->items.size()) return std::nullopt;
  const std::string* s = arr->items[static_cast<size_t>(*id)].as_string();
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

Result<GgufTemplate> read_gguf_template(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  if (!file) return Error{file.error()};
  GgufTemplate out;
  auto tmpl = (*file)->get_string("tokenizer.chat_template");
  if (!tmpl) return Error{"'" + path + "' has no tokenizer.chat_template"};
  out.chat_template = std::move(*tmpl);
  out.bos = token_text(**file, "tokenizer.ggml.bos_token_id");
  out.eos = token_text(**file, "tokenizer.ggml.eos_token_id");
  return out;
}

}  // namespace

void add_template_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("template", "Render a chat template (Jinja2, as Hugging Face does) for messages");
  struct Args {
    std::string file, messages, tools;
    ModelFlags model;
    bool add_generation_prompt = false;
    std::optional<std::string> bos, eos;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("-f,--file", a->file, "chat template file (Jinja2 text, or a GGUF model carrying one)");
  add_model_flags(cmd, a->model, "model name or GGUF file: its tokenizer.chat_template and BOS/EOS token text");
  cmd->add_option("--messages", a->messages,
                  "JSON file: an array of messages, or an object {\"messages\": [...], \"tools\": [...], ...}")
      ->required();
  cmd->add_option("--tools", a->tools,
                  "JSON file: an OpenAI tool list [{\"type\": \"function\", \"function\": {...}}, ...], "
                  "passed as the `tools` variable");
  cmd->add_flag("--add-generation-prompt", a->add_generation_prompt, "set add_generation_prompt to true");
  cmd->add_option("--bos-token", a->bos, "text of bos_token");
  cmd->add_option("--eos-token", a->eos, "text of eos_token");
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    if (a->file.empty() && a->model.model.empty())
      return (void)std::fprintf(stderr, "error: give the template with --file or a GGUF model with --model\n");

    std::string source;
    GgufTemplate from_model;
    std::string gguf_path = is_gguf_file(a->file) ? a->file : "";
    if (!a->model.model.empty()) {
      auto resolved = resolve_model_flags(a->model, process_environment());
      if (!resolved) return (void)std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
      gguf_path = resolved->path;
    }
    if (!gguf_path.empty()) {
      auto t = read_gguf_template(gguf_path);
      if (!t) return (void)std::fprintf(stderr, "error: %s\n", t.error().c_str());
      from_model = std::move(*t);
      source = from_model.chat_template;
    }
    if (!a->file.empty() && a->file != gguf_path) {
      auto text = read_input_file(a->file, "template file");
      if (!text) return (void)std::fprintf(stderr, "error: %s\n", text.error().c_str());
      source = std::move(*text);
    }

    auto messages_text = read_input_file(a->messages, "messages file");
    if (!messages_text) return (void)std::fprintf(stderr, "error: %s\n", messages_text.error().c_str());
    nlohmann::ordered_json input;
    try {
      input = nlohmann::ordered_json::parse(*messages_text);
    } catch (const nlohmann::json::exception& e) {
      return (void)std::fprintf(stderr, "error: '%s' is not valid JSON: %s\n", a->messages.c_str(), e.what());
    }
    nlohmann::ordered_json context;
    if (input.is_array()) {
      context["messages"] = std::move(input);
    } else if (input.is_object()) {
      context = std::move(input);
    } else {
      return (void)std::fprintf(stderr, "error: '%s' must hold a JSON array of messages or an object\n",
                                a->messages.c_str());
    }
    if (!a->tools.empty()) {
      auto tools_text = read_input_file(a->tools, "tools file");
      if (!tools_text) return (void)std::fprintf(stderr, "error: %s\n", tools_text.error().c_str());
      nlohmann::ordered_json tools;
      try {
        tools = nlohmann::ordered_json::parse(*tools_text);
      } catch (const nlohmann::json::exception& e) {
        return (void)std::fprintf(stderr, "error: '%s' is not valid JSON: %s\n", a->tools.c_str(), e.what());
      }
      if (!tools.is_array())
        return (void)std::fprintf(stderr, "error: '%s' must hold a JSON array of tools, got %s\n", a->tools.c_str(),
                                  tools.type_name());
      context["tools"] = std::move(tools);
    }
    if (a->add_generation_prompt) context["add_generation_prompt"] = true;
    if (a->bos) context["bos_token"] = *a->bos;
    else if (!context.contains("bos_token") && from_model.bos) context["bos_token"] = *from_model.bos;
    if (a->eos) context["eos_token"] = *a->eos;
    else if (!context.contains("eos_token") && from_model.eos) context["eos_token"] = *from_model.eos;

    auto rendered = jinja::render_chat_template(source, context);
    if (!rendered) return (void)std::fprintf(stderr, "error: %s\n", rendered.error().c_str());
    std::fwrite(rendered->data(), 1, rendered->size(), stdout);
    std::fflush(stdout);
    exit_code = 0;
  });
}

}  // namespace pg::cli
