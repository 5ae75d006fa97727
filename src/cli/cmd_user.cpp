// `playground user add|list|rm|passwd`: manages the users of the data
// directory's database (the one `playground serve` uses; the same --data-dir,
// --database, PLAYGROUND_* variables, .env and config file apply). Passwords
// come from --password-stdin (one line) or an interactive prompt with echo
// off, asked twice; they are never taken as arguments, never printed.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/config_flags.h"
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
  add_data_dir_option(cmd, a.data_dir);
  add_database_option(cmd, a.database);
  add_config_file_options(cmd, a.config_file, a.env_file);
}

void add_password_options(CLI::App* cmd, UserArgs& a) {
  cmd->add_flag("--password-stdin", a.password_stdin, "read the password from one line of standard input");
  cmd->add_option("--password-cost", a.password_cost, "argon2id cost: min, interactive, moderate, sensitive");
}

Result<app::ServerConfig> config_for(const UserArgs& a) {
  return load_config_with_flags(
      {{"data_dir", a.data_dir}, {"database", a.database}, {"password_cost", a.password_cost}}, a.config_file,
      a.env_file);
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

// What one `user` subcommand does with the opened store: prints its result
// and returns ok, or returns what went wrong (printed as "error: ...").
using UserAction = std::function<Status(const UserArgs&, const app::ServerConfig&, store::Database&)>;

// Adds a `user` subcommand: what `options` adds, then the store options; it
// opens the store, runs `action` and exits with 0 exactly when both succeed.
void add_user_action(CLI::App* user, const std::string& name, const std::string& about, int& exit_code,
                     const std::function<void(CLI::App*, UserArgs&)>& options, UserAction action) {
  auto args = std::make_shared<UserArgs>();
  auto* cmd = user->add_subcommand(name, about);
  options(cmd, *args);
  add_store_options(cmd, *args);
  cmd->callback([args, action = std::move(action), &exit_code] {
    exit_code = 1;
    app::ServerConfig config;
    auto db = open_or_report(*args, config);
    if (!db) return;
    if (Status s = action(*args, config, *db); !s) return (void)std::fprintf(stderr, "error: %s\n", s.message().c_str());
    exit_code = 0;
  });
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

  add_user_action(
      user, "add", "Create a user (asks for the password)", exit_code,
      [](CLI::App* cmd, UserArgs& a) {
        cmd->add_option("name", a.name, "user name (letters, digits, . _ - @)")->required();
        cmd->add_option("--role", a.role, "admin or user")->check(CLI::IsMember({"admin", "user"}));
        add_password_options(cmd, a);
      },
      [](const UserArgs& a, const app::ServerConfig& config, store::Database& db) -> Status {
        store::UserStore users(db);
        if (!store::valid_username(a.name))
          return Status::error("'" + a.name + "' is not a valid user name (letters, digits, . _ - @)");
        auto existing = users.find_by_name(a.name);
        if (!existing) return existing.status();
        if (*existing) return Status::error("user '" + a.name + "' already exists");
        auto hash = new_hash(config, a.password_stdin, a.name);
        if (!hash) return hash.status();
        auto created = users.create(a.name, *hash, a.role);
        if (!created) return created.status();
        std::printf("created %s '%s' in %s\n", created->role.c_str(), created->username.c_str(), db.path().c_str());
        return Status::ok();
      });

  add_user_action(
      user, "list", "List the users", exit_code, [](CLI::App*, UserArgs&) {},
      [](const UserArgs&, const app::ServerConfig&, store::Database& db) -> Status {
        auto all = store::UserStore(db).list();
        if (!all) return all.status();
        for (const auto& u : *all)
          std::printf("%s\t%s\t%s\n", u.username.c_str(), u.role.c_str(),
                      server::rfc3339_from_unix(u.created_at).c_str());
        return Status::ok();
      });

  add_user_action(
      user, "rm", "Delete a user (with its API keys and conversations)", exit_code,
      [](CLI::App* cmd, UserArgs& a) { cmd->add_option("name", a.name, "user name")->required(); },
      [](const UserArgs& a, const app::ServerConfig&, store::Database& db) -> Status {
        auto removed = store::UserStore(db).remove(a.name);
        if (!removed) return removed.status();
        if (!*removed) return Status::error("no user '" + a.name + "'");
        std::printf("deleted '%s'\n", a.name.c_str());
        return Status::ok();
      });

  add_user_action(
      user, "passwd", "Set a user's password (its existing tokens stop working)", exit_code,
      [](CLI::App* cmd, UserArgs& a) {
        cmd->add_option("name", a.name, "user name")->required();
        add_password_options(cmd, a);
      },
      [](const UserArgs& a, const app::ServerConfig& config, store::Database& db) -> Status {
        store::UserStore users(db);
        auto existing = users.find_by_name(a.name);
        if (!existing) return existing.status();
        if (!*existing) return Status::error("no user '" + a.name + "'");
        auto hash = new_hash(config, a.password_stdin, a.name);
        if (!hash) return hash.status();
        auto changed = users.set_password(a.name, *hash);
        if (!changed || !*changed) return Status::error("cannot change the password");
        std::printf("password of '%s' changed\n", a.name.c_str());
        return Status::ok();
      });
}

}  // namespace pg::cli
