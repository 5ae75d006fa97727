// `playground user add|list|rm|passwd`: manages the users of the data
// directory's database (the one `playground serve` uses; the same --data-dir,
// --database, PLAYGROUND_* variables, .env and config file apply). Passwords
// come from --password-stdin (one line) or an interactive prompt with echo
// off, asked twice; they are never taken as arguments, never printed.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "server/auth/crypto.h"
#include "server/auth/password_policy.h"
#include "server/http_util.h"
#include "app/server_config.h"
#include "store/data_dir.h"
#include "store/user_store.h"

namespace pg::cli {
namespace {

struct UserArgs {
  std::string data_dir, database, config_file, env_file = ".env", password_cost;
  std::string name, role = "user";
  bool password_stdin = false;
};

void add_store_options(CLI::App* cmd, UserArgs& a) {
  cmd->add_option("--data-dir", a.data_dir, "data directory (as for serve)");
  cmd->add_option("--database", a.database, "SQLite database file (default: <data_dir>/playground.db)");
  cmd->add_option("--config", a.config_file, "TOML config file (as for serve)");
  cmd->add_option("--env-file", a.env_file, "the .env file to read (default: ./.env)");
}

Result<app::ServerConfig> config_for(const UserArgs& a) {
  app::ConfigInputs in;
  if (!a.data_dir.empty()) in.flags["data_dir"] = a.data_dir;
  if (!a.database.empty()) in.flags["database"] = a.database;
  if (!a.password_cost.empty()) in.flags["password_cost"] = a.password_cost;
  in.config_file = a.config_file;
  in.env_file = a.env_file;
  return app::load_server_config(in);
}

// The new password of user `name`, checked against the password policy.
Result<std::string> read_password(bool from_stdin, const std::string& name) {
  std::string first;
  if (from_stdin) {
    if (!std::getline(std::cin, first)) return Error{"no password on standard input"};
    if (!first.empty() && first.back() == '\r') first.pop_back();
  } else {
    if (!isatty(STDIN_FILENO)) return Error{"standard input is not a terminal; use --password-stdin"};
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    auto ask = [&](const char* prompt, std::string& out) {
      std::fprintf(stderr, "%s", prompt);
      std::fflush(stderr);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
      const bool ok = static_cast<bool>(std::getline(std::cin, out));
      tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::fprintf(stderr, "\n");
      return ok;
    };
    std::string second;
    if (!ask("Password: ", first) || !ask("Repeat password: ", second)) return Error{"no password entered"};
    if (first != second) return Error{"the passwords do not match"};
  }
  if (Status s = server::auth::check_new_password(first, name); !s)
    return Error{"weak password: " + s.message() + " (nothing was changed)"};
  return first;
}

// Opens the store for a command; prints the error and returns nullptr on failure.
std::unique_ptr<store::Database> open_or_report(const UserArgs& a, app::ServerConfig& config) {
  auto c = config_for(a);
  if (!c) {
    std::fprintf(stderr, "error: %s\n", c.error().c_str());
    return nullptr;
  }
  config = *c;
  auto db = store::open_store(config.data_dir, config.database);
  if (!db) {
    std::fprintf(stderr, "error: %s\n", db.error().c_str());
    return nullptr;
  }
  return std::move(*db);
}

Result<std::string> new_hash(const app::ServerConfig& config, bool from_stdin, const std::string& name) {
  auto password = read_password(from_stdin, name);
  if (!password) return password;
  auto cost = server::auth::parse_password_cost(config.password_cost);
  if (!cost) return Error{cost.error()};
  return server::auth::hash_password(*password, *cost);
}

}  // namespace

void add_user_command(CLI::App& app, int& exit_code) {
  auto* user = app.add_subcommand("user", "Manage the users of the server's database");
  user->require_subcommand(1);

  auto add_args = std::make_shared<UserArgs>();
  auto* add = user->add_subcommand("add", "Create a user (asks for the password)");
  add->add_option("name", add_args->name, "user name (letters, digits, . _ - @)")->required();
  add->add_option("--role", add_args->role, "admin or user")->check(CLI::IsMember({"admin", "user"}));
  add->add_flag("--password-stdin", add_args->password_stdin, "read the password from one line of standard input");
  add->add_option("--password-cost", add_args->password_cost, "argon2id cost: min, interactive, moderate, sensitive");
  add_store_options(add, *add_args);
  add->callback([add_args, &exit_code] {
    exit_code = 1;
    app::ServerConfig config;
    auto db = open_or_report(*add_args, config);
    if (!db) return;
    store::UserStore users(*db);
    if (!store::valid_username(add_args->name))
      return (void)std::fprintf(stderr, "error: '%s' is not a valid user name (letters, digits, . _ - @)\n",
                                add_args->name.c_str());
    auto existing = users.find_by_name(add_args->name);
    if (!existing) return (void)std::fprintf(stderr, "error: %s\n", existing.error().c_str());
    if (*existing) return (void)std::fprintf(stderr, "error: user '%s' already exists\n", add_args->name.c_str());
    auto hash = new_hash(config, add_args->password_stdin, add_args->name);
    if (!hash) return (void)std::fprintf(stderr, "error: %s\n", hash.error().c_str());
    auto created = users.create(add_args->name, *hash, add_args->role);
    if (!created) return (void)std::fprintf(stderr, "error: %s\n", created.error().c_str());
    std::printf("created %s '%s' in %s\n", created->role.c_str(), created->username.c_str(), db->path().c_str());
    exit_code = 0;
  });

  auto list_args = std::make_shared<UserArgs>();
  auto* list = user->add_subcommand("list", "List the users");
  add_store_options(list, *list_args);
  list->callback([list_args, &exit_code] {
    exit_code = 1;
    app::ServerConfig config;
    auto db = open_or_report(*list_args, config);
    if (!db) return;
    auto all = store::UserStore(*db).list();
    if (!all) return (void)std::fprintf(stderr, "error: %s\n", all.error().c_str());
    for (const auto& u : *all)
      std::printf("%s\t%s\t%s\n", u.username.c_str(), u.role.c_str(), server::rfc3339_from_unix(u.created_at).c_str());
    exit_code = 0;
  });

  auto rm_args = std::make_shared<UserArgs>();
  auto* rm = user->add_subcommand("rm", "Delete a user (with its API keys and conversations)");
  rm->add_option("name", rm_args->name, "user name")->required();
  add_store_options(rm, *rm_args);
  rm->callback([rm_args, &exit_code] {
    exit_code = 1;
    app::ServerConfig config;
    auto db = open_or_report(*rm_args, config);
    if (!db) return;
    auto removed = store::UserStore(*db).remove(rm_args->name);
    if (!removed) return (void)std::fprintf(stderr, "error: %s\n", removed.error().c_str());
    if (!*removed) return (void)std::fprintf(stderr, "error: no user '%s'\n", rm_args->name.c_str());
    std::printf("deleted '%s'\n", rm_args->name.c_str());
    exit_code = 0;
  });

  auto pw_args = std::make_shared<UserArgs>();
  auto* pw = user->add_subcommand("passwd", "Set a user's password (its existing tokens stop working)");
  pw->add_option("name", pw_args->name, "user name")->required();
  pw->add_flag("--password-stdin", pw_args->password_stdin, "read the password from one line of standard input");
  pw->add_option("--password-cost", pw_args->password_cost, "argon2id cost: min, interactive, moderate, sensitive");
  add_store_options(pw, *pw_args);
  pw->callback([pw_args, &exit_code] {
    exit_code = 1;
    app::ServerConfig config;
    auto db = open_or_report(*pw_args, config);
    if (!db) return;
    store::UserStore users(*db);
    auto existing = users.find_by_name(pw_args->name);
    if (!existing) return (void)std::fprintf(stderr, "error: %s\n", existing.error().c_str());
    if (!*existing) return (void)std::fprintf(stderr, "error: no user '%s'\n", pw_args->name.c_str());
    auto hash = new_hash(config, pw_args->password_stdin, pw_args->name);
    if (!hash) return (void)std::fprintf(stderr, "error: %s\n", hash.error().c_str());
    auto changed = users.set_password(pw_args->name, *hash);
    if (!changed || !*changed) return (void)std::fprintf(stderr, "error: cannot change the password\n");
    std::printf("password of '%s' changed\n", pw_args->name.c_str());
    exit_code = 0;
  });
}

}  // namespace pg::cli
