// Model management commands, Ollama-style: `list`, `show MODEL`, `rm MODEL...`
// and `pull REFERENCE` work on the models directory directly (no server
// needed); `list` and `show` also know the built-in demo model that `serve`
// serves by default, and `show` finds its model through the one resolver
// (models/model_resolver.h: a name, the demo's name or a GGUF path); `ps` asks the running server (--host/--port) which models are
// loaded. `pull` draws a progress bar on a terminal and prints plain lines
// elsewhere. Never loads a model.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/config_flags.h"
#include "cli/progress_bar.h"
#include "models/memory_estimate.h"
#include "models/model_resolver.h"
#include "models/pull.h"
#include "models/registry.h"
#include "app/server_config.h"

namespace pg::cli {
namespace {

struct DirFlags {
  std::string data_dir, models_dir, config_file, env_file = ".env";
};

// The flags and operands of a command on the models directory.
struct DirCommandArgs {
  DirFlags dirs;
  std::string name;                // show: the model; pull: the reference
  std::vector<std::string> names;  // rm: the models
  bool json = false, quiet = false;
};

void add_dir_flags(CLI::App* cmd, DirFlags& f) {
  add_data_dir_option(cmd, f.data_dir);
  cmd->add_option("--models-dir", f.models_dir, "models directory (default: <data_dir>/models, as for serve)");
  add_config_file_options(cmd, f.config_file, f.env_file);
}

Result<app::ServerConfig> load(const DirFlags& f) {
  return load_config_with_flags({{"data_dir", f.data_dir}, {"models_dir", f.models_dir}}, f.config_file, f.env_file);
}

std::string params_text(uint64_t n) {
  char buf[32];
  if (n >= 1000000000ull) std::snprintf(buf, sizeof buf, "%.1fB", n / 1e9);
  else if (n >= 1000000ull) std::snprintf(buf, sizeof buf, "%.0fM", n / 1e6);
  else if (n >= 1000ull) std::snprintf(buf, sizeof buf, "%.0fK", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  return buf;
}

std::string age_text(int64_t unix_time) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t d = std::max<int64_t>(0, now - unix_time);
  if (d < 60) return std::to_string(d) + " seconds ago";
  if (d < 3600) return std::to_string(d / 60) + " minutes ago";
  if (d < 86400) return std::to_string(d / 3600) + " hours ago";
  return std::to_string(d / 86400) + " days ago";
}

std::string duration_text(double s) {
  if (s < 0 || !std::isfinite(s)) return "?";
  const int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return std::to_string(t / 3600) + "h" + std::to_string(t % 3600 / 60) + "m";
  if (t >= 60) return std::to_string(t / 60) + "m" + std::to_string(t % 60) + "s";
  return std::to_string(t) + "s";
}

nlohmann::json entry_json(const models::RegistryEntry& e) {
  return {{"name", e.name}, {"aliases", e.aliases}, {"file", e.path}, {"parts", e.parts.size()},
          {"size_bytes", e.size_bytes}, {"modified_unix", e.modified_unix}, {"default", e.is_default},
          {"sha256", e.sha256}, {"source", e.source}, {"architecture", e.architecture},
          {"parameters", e.parameters}, {"quantization", e.quantization}, {"context_length", e.context_length},
          {"has_chat_template", e.has_chat_template}, {"builtin", e.builtin}, {"error", e.error}};
}

int run_list(const DirCommandArgs& a, const app::ServerConfig& config, models::ModelRegistry& registry) {
  const bool json = a.json;
  auto entries = registry.list(false);
  const bool none_in_dir = entries.empty();
  // The built-in demo model, which `serve` serves when no default is set.
  const bool demo_listed = std::any_of(entries.begin(), entries.end(), [](const models::RegistryEntry& e) {
    return models::is_demo_model_name(e.name);
  });
  if (!demo_listed)
    if (auto demo = models::demo_model_entry(false)) {
      demo->is_default = config.model.empty() && registry.default_name().empty();
      entries.push_back(std::move(*demo));
    }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries) out.push_back(entry_json(e));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-40s %-10s %-8s %-8s %-8s %-7s %s\n", "NAME", "SIZE", "QUANT", "ARCH", "PARAMS", "CTX", "MODIFIED");
  for (const auto& e : entries) {
    std::string name = e.name + (e.builtin ? " (built-in)" : "") + (e.is_default ? " (default)" : "");
    std::printf("%-40s %-10s %-8s %-8s %-8s %-7lld %s\n", name.c_str(), models::format_bytes(e.size_bytes).c_str(),
                e.quantization.c_str(), e.architecture.c_str(), params_text(e.parameters).c_str(),
                static_cast<long long>(e.context_length), age_text(e.modified_unix).c_str());
    for (const auto& a : e.aliases) std::printf("  alias %s\n", a.c_str());
    if (!e.error.empty()) std::printf("  unreadable: %s\n", e.error.c_str());
  }
  if (none_in_dir)
    std::cout << "no models in " << config.models_dir
              << " (pull one: playground pull hf.co/OWNER/REPO:Q4_K_M, or copy a .gguf file there)\n";
  return 0;
}

int run_show(const DirCommandArgs& a, const app::ServerConfig& config, models::ModelRegistry& registry) {
  const std::string& name = a.name;
  const bool json = a.json;
  auto e = registry.find(name, true);
  if (!e) {
    // The demo model's name or a GGUF path, as every command takes them.
    auto resolved = models::resolve_model(name, config.models_dir);
    if (!resolved) {
      std::cerr << "error: " << resolved.error() << "\n";
      return exit_code_for(resolved.code());
    }
    e = resolved->builtin ? *models::demo_model_entry(true) : models::describe_entry(resolved->name, resolved->path, true);
  }
  auto est = models::estimate_model_memory(e->path, config.ctx_size, config.slots, config.prompt_chunk, config.cache_types);
  nlohmann::json j = entry_json(*e);
  if (est) j["memory_estimate"] = {{"total_bytes", est->total()}, {"weights_bytes", est->weights},
                                   {"kv_cache_bytes", est->kv_cache}, {"required_bytes", est->required()},
                                   {"active_weights_bytes", est->active_weights},
                                   {"expert_weights_bytes", est->expert_weights}, {"context_length", est->context},
                                   {"slots", est->slots},
                                   {"cache_type_k", std::string(kv_cache_type_name(est->cache_types.k))},
                                   {"cache_type_v", std::string(kv_cache_type_name(est->cache_types.v))}};
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("  name            %s%s\n", e->name.c_str(), e->builtin ? " (built-in demo model)" : "");
  for (const auto& a : e->aliases) std::printf("  alias           %s\n", a.c_str());
  std::printf("  file            %s%s\n", e->path.c_str(), e->parts.size() > 1 ? (" (+" + std::to_string(e->parts.size() - 1) + " parts)").c_str() : "");
  std::printf("  size            %s (%llu bytes)\n", models::format_bytes(e->size_bytes).c_str(), static_cast<unsigned long long>(e->size_bytes));
  std::printf("  sha256          %s\n", e->sha256.c_str());
  std::printf("  architecture    %s\n", e->architecture.c_str());
  std::printf("  parameters      %s\n", params_text(e->parameters).c_str());
  std::printf("  quantization    %s\n", e->quantization.c_str());
  std::printf("  context length  %lld\n", static_cast<long long>(e->context_length));
  std::printf("  chat template   %s\n", e->has_chat_template ? "yes" : "no");
  if (est)
    std::printf("  memory (est.)   %s (weights %s + KV cache %s for %d slots x %lld tokens, keys %s, values %s)\n",
                models::format_bytes(est->total()).c_str(), models::format_bytes(est->weights).c_str(),
                models::format_bytes(est->kv_cache).c_str(), est->slots, static_cast<long long>(est->context),
                std::string(kv_cache_type_name(est->cache_types.k)).c_str(),
                std::string(kv_cache_type_name(est->cache_types.v)).c_str());
  if (est && est->n_expert > 0)
    std::printf("  experts         %lld, %lld per token: %s of experts; a token reads %s; needs %s resident\n",
                static_cast<long long>(est->n_expert), static_cast<long long>(est->n_expert_used),
                models::format_bytes(est->expert_weights).c_str(), models::format_bytes(est->active_weights).c_str(),
                models::format_bytes(est->required()).c_str());
  if (!e->source.is_null()) std::printf("  source          %s\n", e->source.value("reference", "").c_str());
  if (e->source.is_object() && e->source.contains("params"))
    std::printf("  ollama params   %s\n", e->source["params"].dump().c_str());
  if (!e->error.empty()) std::printf("  unreadable      %s\n", e->error.c_str());
  return 0;
}

int run_rm(const DirCommandArgs& a, const app::ServerConfig&, models::ModelRegistry& registry) {
  const std::vector<std::string>& names = a.names;
  int rc = 0;
  for (const auto& n : names) {
    auto removed = registry.remove(n);
    if (!removed) {
      std::cerr << "error: " << removed.error() << "\n";
      rc = 1;
      continue;
    }
    std::cout << "deleted '" << n << "'\n";
  }
  return rc;
}

int run_pull(const DirCommandArgs& a, const app::ServerConfig& config, models::ModelRegistry& registry) {
  const std::string& reference = a.name;
  const bool quiet = a.quiet;
  models::PullOptions options;
  options.endpoints = config.endpoints;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  ProgressBar bar;
  auto last_line = std::chrono::steady_clock::now() - std::chrono::hours(1);
  int last_percent = -1;
  std::string last_status;
  options.on_progress = [&](const models::PullProgress& p) {
    if (quiet) return;
    const int percent = p.total > 0 ? static_cast<int>(100.0 * p.completed / p.total) : 0;
    const std::string text = models::format_bytes(p.completed) + "/" + models::format_bytes(p.total) + " " +
                             models::format_bytes(static_cast<uint64_t>(p.bytes_per_second)) + "/s ETA " +
                             duration_text(p.eta_seconds);
    if (tty) {
      bar.update(static_cast<int64_t>(p.completed), static_cast<int64_t>(p.total), p.file + " " + text);
      return;
    }
    // Not a terminal: a plain line every 10 % (or 5 s), and on every change of stage.
    const auto now = std::chrono::steady_clock::now();
    if (p.status != last_status || percent / 10 != last_percent / 10 || now - last_line > std::chrono::seconds(5)) {
      std::fprintf(stderr, "%s %s: %d%% %s\n", p.status.c_str(), p.file.c_str(), percent, text.c_str());
      last_line = now;
      last_percent = percent;
      last_status = p.status;
    }
  };
  options.on_notice = [&](const std::string& n) {
    if (!quiet) bar.println(n);
  };
  if (!quiet) bar.println("pulling " + reference);
  auto plan = models::plan_pull(reference, options.endpoints);
  if (!plan) {
    bar.finish();
    std::cerr << "error: " << plan.error() << "\n";
    return 1;
  }
  if (!quiet)
    bar.println(plan->model_name + ": " + std::to_string(plan->files.size()) + " file(s), " +
                models::format_bytes(plan->total_bytes()));
  auto entry = models::execute_pull(*plan, registry, options);
  bar.finish();
  if (!entry) {
    std::cerr << "error: " << entry.error() << "\n";
    return 1;
  }
  std::cout << "success: " << entry->name << " (" << models::format_bytes(entry->size_bytes) << ", sha256 "
            << entry->sha256 << ")\n";
  for (const auto& a : entry->aliases) std::cout << "  alias " << a << "\n";
  return 0;
}

int run_ps(const std::string& host, int port, const std::string& api_key, bool json) {
  httplib::Client c(host, port);
  c.set_connection_timeout(3, 0);
  c.set_read_timeout(10, 0);
  httplib::Headers h;
  if (!api_key.empty()) h.emplace("Authorization", "Bearer " + api_key);
  auto r = c.Get("/api/v1/models", h);
  if (!r) {
    std::cerr << "no playground server is running at " << host << ":" << port
              << " (start one with `playground serve`, or pass --host/--port)\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << "error: the server at " << host << ":" << port << " answered HTTP " << r->status << ": " << r->body
              << (r->status == 401 ? " (pass --api-key or set PLAYGROUND_API_KEY)" : "") << "\n";
    return 1;
  }
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  if (!body.is_object() || !body.contains("models") || !body["models"].is_array()) {
    std::cerr << "error: the server's model list is not what playground ps expects\n";
    return 1;
  }
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& m : body["models"])
    if (m.value("loaded", false)) loaded.push_back(m);
  if (json) {
    std::cout << nlohmann::json{{"models", loaded}, {"memory", body.value("memory", nlohmann::json::object())}}.dump(2) << "\n";
    return 0;
  }
  std::printf("%-40s %-10s %-6s %-7s %-8s %s\n", "NAME", "MEMORY", "SLOTS", "ACTIVE", "CONTEXT", "UNTIL");
  for (const auto& m : loaded) {
    const auto rt = m.value("runtime", nlohmann::json::object());
    const std::string until = rt.contains("expires_at") && rt["expires_at"].is_string() ? rt["expires_at"].get<std::string>() : "forever";
    std::printf("%-40s %-10s %-6d %-7d %-8lld %s\n", m.value("name", "").c_str(),
                models::format_bytes(rt.value("memory_bytes", uint64_t{0})).c_str(), rt.value("slots", 0),
                rt.value("active", 0), static_cast<long long>(rt.value("context_length", int64_t{0})), until.c_str());
  }
  if (body.contains("memory") && body["memory"].is_object())
    std::printf("memory in use: %s of a %s budget\n",
                models::format_bytes(body["memory"].value("in_use_bytes", uint64_t{0})).c_str(),
                models::format_bytes(body["memory"].value("budget_bytes", uint64_t{0})).c_str());
  return 0;
}

using DirCommand =
    std::function<int(const DirCommandArgs&, const app::ServerConfig&, models::ModelRegistry&)>;

// Adds a command on the models directory: the directory flags, then what
// `options` adds. It loads the configuration and exits with what `run` returns.
CLI::App* add_dir_command(CLI::App& app, const std::string& name, const std::string& about, int& exit_code,
                          const std::function<void(CLI::App*, DirCommandArgs&)>& options, DirCommand run) {
  auto* cmd = app.add_subcommand(name, about);
  auto args = std::make_shared<DirCommandArgs>();
  add_dir_flags(cmd, args->dirs);
  options(cmd, *args);
  cmd->callback([args, run = std::move(run), &exit_code] {
    auto config = load(args->dirs);
    if (!config) {
      std::cerr << "error: " << config.error() << "\n";
      exit_code = 1;
      return;
    }
    models::ModelRegistry registry(config->models_dir);
    exit_code = run(*args, *config, registry);
  });
  return cmd;
}

void add_json_flag(CLI::App* cmd, DirCommandArgs& a) { cmd->add_flag("--json", a.json, "print JSON"); }

}  // namespace

void add_model_commands(CLI::App& app, int& exit_code) {
  add_dir_command(app, "list", "list the models in the models directory (name, size, quantization, ...)", exit_code,
                  add_json_flag, run_list)
      ->alias("ls");
  add_dir_command(
      app, "show", "show a model's metadata, sha256, aliases, source and memory estimate", exit_code,
      [](CLI::App* cmd, DirCommandArgs& a) {
        cmd->add_option("model", a.name, "model name or alias")->required();
        add_json_flag(cmd, a);
      },
      run_show);
  add_dir_command(
      app, "rm", "delete models (their files, aliases and cached digests)", exit_code,
      [](CLI::App* cmd, DirCommandArgs& a) { cmd->add_option("models", a.names, "model names or aliases")->required(); },
      run_rm);
  add_dir_command(
      app, "pull",
      "download a model: hf.co/OWNER/REPO[:QUANT], hf.co/OWNER/REPO/FILE.gguf or ollama.com/library/NAME[:TAG] "
      "(resumable, sha256-verified; HF_TOKEN for gated repositories, HF_ENDPOINT for a mirror)",
      exit_code,
      [](CLI::App* cmd, DirCommandArgs& a) {
        cmd->add_option("reference", a.name, "what to pull")->required();
        cmd->add_flag("-q,--quiet", a.quiet, "no progress output");
      },
      run_pull);
  {
    auto* cmd = app.add_subcommand("ps", "list the models a running server has loaded (memory, slots, keep-alive)");
    auto host = std::make_shared<std::string>("127.0.0.1");
    auto port = std::make_shared<int>(8080);
    auto key = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--host", *host, "server address (default 127.0.0.1)");
    cmd->add_option("--port", *port, "server port (default 8080)");
    cmd->add_option("--api-key", *key, "API key when the server requires one")->envname("PLAYGROUND_API_KEY");
    cmd->add_flag("--json", *json, "print JSON");
    cmd->callback([host, port, key, json, &exit_code] { exit_code = run_ps(*host, *port, *key, *json); });
  }
}

}  // namespace pg::cli
