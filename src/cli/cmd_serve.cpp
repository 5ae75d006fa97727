// `playground serve`: runs the HTTP server (our API, OpenAI- and Ollama-
// compatible APIs) until SIGINT or SIGTERM. Every configuration key of
// server/server_config.h is a flag here; flags override the environment, the
// .env file and the TOML config file. Prints the URL it listens on (port 0
// picks a free one) as `listening on URL` on stdout.
#include <signal.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "server/http_server.h"
#include "app/server_config.h"

namespace pg::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Serve models over HTTP (OpenAI- and Ollama-compatible APIs)");
  struct Args {
    std::map<std::string, std::string> values;
    std::map<std::string, CLI::Option*> options;
    std::string config_file, env_file = ".env";
  };
  auto a = std::make_shared<Args>();
  const std::map<std::string, std::string> short_names = {{"model", "-m"}, {"threads", "-t"}, {"ctx_size", "-c"}};
  for (const app::ConfigKey& key : app::config_keys()) {
    std::string names = app::flag_name(key);
    if (auto it = short_names.find(key.name); it != short_names.end()) names = it->second + "," + names;
    a->options[key.name] = cmd->add_option(names, a->values[key.name],
                                           std::string(key.help) + " [default: " + key.default_text + "; env " +
                                               key.env + "]");
  }
  cmd->add_option("--config", a->config_file, "TOML config file (default: $PLAYGROUND_CONFIG, then "
                                              "$XDG_CONFIG_HOME/playground/config.toml if it exists)");
  cmd->add_option("--env-file", a->env_file, "the .env file to read (default: ./.env; missing is fine)");
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    app::ConfigInputs inputs;
    for (const auto& [name, opt] : a->options)
      if (opt->count() > 0) inputs.flags[name] = a->values[name];
    inputs.config_file = a->config_file;
    inputs.env_file = a->env_file;
    auto config = app::load_server_config(inputs);
    if (!config) return (void)std::fprintf(stderr, "error: %s\n", config.error().c_str());

    // Signals are taken synchronously by this thread; every thread the server
    // starts inherits the blocked mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    server::PlaygroundServer srv(*config);
    if (Status s = srv.start(); !s) {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
      return;
    }
    std::printf("listening on %s\n", srv.url().c_str());
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::fprintf(stderr, "received %s, shutting down\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    srv.shutdown();
    exit_code = 0;
  });
}

}  // namespace pg::cli
