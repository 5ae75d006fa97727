// Data directory and database opening; see data_dir.h.
#include "store/data_dir.h"

#include <sys/stat.h>

#include <filesystem>

#include "store/migrations.h"

namespace pg::store {
namespace fs = std::filesystem;

Status ensure_private_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::ok();
  if (fs::exists(dir, ec)) return Status::error("data directory " + dir + " exists and is not a directory");
  fs::create_directories(dir, ec);
  if (ec) return Status::error("cannot create data directory " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::error("cannot set the mode of " + dir + " to 0700: " + ec.message());
  return Status::ok();
}

std::string database_path(const std::string& data_dir, const std::string& database) {
  return database.empty() ? (fs::path(data_dir) / "playground.db").string() : database;
}

Result<std::unique_ptr<Database>> open_store(const std::string& data_dir, const std::string& database) {
  if (database.rfind("postgres://", 0) == 0 || database.rfind("postgresql://", 0) == 0) {
    auto db = Database::open_url(database);
    if (!db) return db;
    auto version = migrate(**db);
    if (!version) return Error{version.error()};
    return db;
  }
  const std::string path =
      database_path(data_dir, database.rfind("sqlite:", 0) == 0 ? database.substr(7) : database);
  const std::string parent = fs::path(path).parent_path().string();
  if (!parent.empty()) {
    if (Status s = ensure_private_dir(parent); !s) return Error{s.message()};
  }
  auto db = Database::open(path);
  if (!db) return db;
  auto version = migrate(**db);
  if (!version) return Error{version.error()};
  return db;
}

}  // namespace pg::store
