// The models directory catalogue; see registry.h.
#include "models/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "models/quant_recipe.h"
#include "models/model_details.h"
#include "util/sha256.h"

namespace pg::models {
namespace fs = std::filesystem;

namespace {
constexpr const char* kManifest = ".playground-models.json";
constexpr const char* kLock = ".playground-models.lock";

int64_t mtime_unix(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::file_clock::to_sys(t).time_since_epoch())
      .count();
}

// An exclusive flock on the lock file for the life of the object.
class DirLock {
 public:
  explicit DirLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// The header's summary of an entry's file (architecture, parameters, ...); `error` when it does not parse.
void read_header(RegistryEntry& r) {
  auto d = describe_gguf_file(r.path);
  if (!d) {
    r.error = d.error();
    return;
  }
  r.architecture = d->architecture;
  r.general_name = d->general_name;
  r.quantization = d->quantization;
  // The file type llama.cpp names ("Q4_K_M") says more than the dominant tensor type ("Q4_K").
  if (d->metadata.contains("general.file_type") && d->metadata["general.file_type"].is_number_integer()) {
    const auto ftype = d->metadata["general.file_type"].get<int64_t>();
    for (std::string_view n : quant_file_type_names())
      if (auto f = find_quant_file_type(n); f && static_cast<int64_t>(f->llama_ftype) == ftype) r.quantization = std::string(n);
  }
  r.parameters = d->parameters;
  r.context_length = d->context_length;
  r.has_chat_template = !d->chat_template.empty();
}
}  // namespace

std::optional<SplitPart> parse_split_name(const std::string& stem) {
  // "<base>-NNNNN-of-MMMMM"
  if (stem.size() < 17) return std::nullopt;
  const std::string tail = stem.substr(stem.size() - 15);
  if (tail[0] != '-' || tail.substr(6, 4) != "-of-") return std::nullopt;
  for (int i : {1, 2, 3, 4, 5, 10, 11, 12, 13, 14})
    if (!std::isdigit(static_cast<unsigned char>(tail[i]))) return std::nullopt;
  SplitPart p;
  p.base = stem.substr(0, stem.size() - 15);
  p.index = std::stoi(tail.substr(1, 5));
  p.count = std::stoi(tail.substr(10, 5));
  if (p.index < 1 || p.count < 1 || p.index > p.count) return std::nullopt;
  return p;
}

bool ModelRegistry::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

bool ModelRegistry::valid_alias(const std::string& alias) {
  if (alias.empty() || alias.size() > 200) return false;
  for (char c : alias)
    if (c == '\\' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

ModelRegistry::ModelRegistry(std::string models_dir) : dir_(std::move(models_dir)) {}

std::string ModelRegistry::partial_dir() const { return (fs::path(dir_) / ".partial").string(); }

nlohmann::json ModelRegistry::read_manifest() const {
  std::ifstream in(fs::path(dir_) / kManifest);
  nlohmann::json j = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json::object();
  if (!j.is_object()) j = nlohmann::json::object();
  for (const char* key : {"aliases", "sources", "sha256"})
    if (!j.contains(key) || !j[key].is_object()) j[key] = nlohmann::json::object();
  if (!j.contains("default") || !j["default"].is_string()) j["default"] = "";
  return j;
}

Status ModelRegistry::update_manifest(const std::function<void(nlohmann::json&)>& change) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::error("cannot create the models directory " + dir_ + ": " + ec.message());
  DirLock lock((fs::path(dir_) / kLock).string());
  if (!lock.ok()) return Status::error("cannot lock " + (fs::path(dir_) / kLock).string());
  nlohmann::json j = read_manifest();
  change(j);
  const fs::path tmp = fs::path(dir_) / (std::string(kManifest) + ".tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) return Status::error("cannot write " + tmp.string());
  }
  fs::rename(tmp, fs::path(dir_) / kManifest, ec);
  if (ec) return Status::error("cannot replace " + (fs::path(dir_) / kManifest).string() + ": " + ec.message());
  return Status::ok();
}

std::vector<RegistryEntry> ModelRegistry::scan() const {
  std::vector<RegistryEntry> out;
  std::error_code ec;
  if (dir_.empty() || !fs::is_directory(dir_, ec)) return out;
  std::map<std::string, std::vector<std::pair<int, fs::path>>> splits;  // base -> parts
  std::map<std::string, int> split_counts;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".gguf" || !e.is_regular_file(ec)) continue;
    const std::string stem = e.path().stem().string();
    if (!valid_name(stem)) continue;
    if (auto sp = parse_split_name(stem)) {
      splits[sp->base].push_back({sp->index, e.path()});
      split_counts[sp->base] = sp->count;
      continue;
    }
    RegistryEntry r;
    r.name = stem;
    r.path = e.path().string();
    r.parts = {r.path};
    r.size_bytes = e.file_size(ec);
    r.modified_unix = mtime_unix(e.path());
    out.push_back(std::move(r));
  }
  for (auto& [base, parts] : splits) {
    std::sort(parts.begin(), parts.end());
    // Only complete sets are models; a set still downloading stays hidden.
    if (static_cast<int>(parts.size()) != split_counts[base] || parts.front().first != 1) continue;
    RegistryEntry r;
    r.name = parts.front().second.stem().string();
    r.path = parts.front().second.string();
    for (const auto& [i, p] : parts) {
      r.parts.push_back(p.string());
      r.size_bytes += fs::file_size(p, ec);
      r.modified_unix = std::max(r.modified_unix, mtime_unix(p));
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const RegistryEntry& a, const RegistryEntry& b) { return a.name < b.name; });
  return out;
}

std::vector<RegistryEntry> ModelRegistry::list(bool with_sha256, const std::atomic<bool>* stop, bool with_metadata) const {
  std::vector<RegistryEntry> entries = scan();
  const nlohmann::json m = read_manifest();
  std::map<std::string, std::string> new_digests;  // file name -> sha256, to cache
  for (RegistryEntry& r : entries) {
    for (const auto& [alias, target] : m["aliases"].items())
      if (target.is_string() && target.get<std::string>() == r.name) r.aliases.push_back(alias);
    r.is_default = m["default"].get<std::string>() == r.name;
    if (m["sources"].contains(r.name)) r.source = m["sources"][r.name];
    const std::string file = fs::path(r.path).filename().string();
    const uint64_t first_size = r.parts.size() == 1 ? r.size_bytes : fs::file_size(r.path);
    const int64_t first_mtime = mtime_unix(r.path);
    if (m["sha256"].contains(file)) {
      const auto& c = m["sha256"][file];
      if (c.is_object() && c.value("size", uint64_t{0}) == first_size && c.value("mtime", int64_t{0}) == first_mtime)
        r.sha256 = c.value("sha256", "");
    }
    if (r.sha256.empty() && with_sha256) {
      if (auto d = sha256_of_file(r.path, stop)) {
        r.sha256 = *d;
        new_digests[file] = *d;
      }
    }
    if (with_metadata) read_header(r);
  }
  if (!new_digests.empty()) {
    std::map<std::string, std::pair<uint64_t, int64_t>> stamps;
    for (const RegistryEntry& r : entries)
      stamps[fs::path(r.path).filename().string()] = {fs::file_size(r.path), mtime_unix(r.path)};
    (void)update_manifest([&](nlohmann::json& j) {
      for (const auto& [file, digest] : new_digests)
        j["sha256"][file] = {{"size", stamps[file].first}, {"mtime", stamps[file].second}, {"sha256", digest}};
    });
  }
  return entries;
}

std::optional<std::string> ModelRegistry::resolve(const std::string& requested) const {
  const std::vector<RegistryEntry> entries = scan();
  auto exists = [&](const std::string& n) {
    return std::any_of(entries.begin(), entries.end(), [&](const RegistryEntry& e) { return e.name == n; });
  };
  const nlohmann::json m = read_manifest();
  for (const std::string& n : {requested, requested.size() > 7 && requested.ends_with(":latest")
                                              ? requested.substr(0, requested.size() - 7)
                                              : std::string()}) {
    if (n.empty()) continue;
    if (exists(n)) return n;
    if (m["aliases"].contains(n) && m["aliases"][n].is_string() && exists(m["aliases"][n].get<std::string>()))
      return m["aliases"][n].get<std::string>();
  }
  // "NAME" for an alias "NAME:latest" (Ollama's default tag).
  const std::string with_latest = requested + ":latest";
  if (requested.find(':') == std::string::npos && m["aliases"].contains(with_latest) &&
      m["aliases"][with_latest].is_string() && exists(m["aliases"][with_latest].get<std::string>()))
    return m["aliases"][with_latest].get<std::string>();
  return std::nullopt;
}

std::optional<RegistryEntry> ModelRegistry::find(const std::string& requested, bool with_sha256) const {
  const auto name = resolve(requested);
  if (!name) return std::nullopt;
  for (RegistryEntry& e : list(with_sha256))
    if (e.name == *name) return std::move(e);
  return std::nullopt;
}

Status ModelRegistry::set_alias(const std::string& alias, const std::string& name) {
  if (!valid_alias(alias)) return Status::error("'" + alias + "' is not a valid alias (1-200 characters, no spaces)");
  if (!valid_name(name)) return Status::error("'" + name + "' is not a valid model name");
  return update_manifest([&](nlohmann::json& j) { j["aliases"][alias] = name; });
}

Status ModelRegistry::remove_alias(const std::string& alias) {
  return update_manifest([&](nlohmann::json& j) { j["aliases"].erase(alias); });
}

Status ModelRegistry::set_default(const std::string& requested) {
  std::string name;
  if (!requested.empty()) {
    auto n = resolve(requested);
    if (!n) return Status::error("model '" + requested + "' is not in " + dir_);
    name = *n;
  }
  return update_manifest([&](nlohmann::json& j) { j["default"] = name; });
}

std::string ModelRegistry::default_name() const {
  const std::string d = read_manifest()["default"].get<std::string>();
  return d.empty() ? d : resolve(d).value_or("");
}

Status ModelRegistry::record_source(const std::string& name, const nlohmann::json& source) {
  return update_manifest([&](nlohmann::json& j) { j["sources"][name] = source; });
}

Result<std::vector<std::string>> ModelRegistry::remove(const std::string& requested) {
  const auto name = resolve(requested);
  if (!name) return Error{"model '" + requested + "' is not in " + dir_};
  std::vector<std::string> removed;
  for (const RegistryEntry& e : scan()) {
    if (e.name != *name) continue;
    for (const std::string& p : e.parts) {
      std::error_code ec;
      if (fs::remove(p, ec)) removed.push_back(p);
      else if (ec) return Error{"cannot delete " + p + ": " + ec.message()};
    }
  }
  Status s = update_manifest([&](nlohmann::json& j) {
    for (auto it = j["aliases"].begin(); it != j["aliases"].end();) {
      if (it->is_string() && it->get<std::string>() == *name) it = j["aliases"].erase(it);
      else ++it;
    }
    j["sources"].erase(*name);
    if (j["default"] == *name) j["default"] = "";
    for (const std::string& p : removed) j["sha256"].erase(fs::path(p).filename().string());
  });
  if (!s) return s;
  return removed;
}

RegistryEntry describe_entry(const std::string& name, const std::string& path, bool with_sha256) {
  RegistryEntry r;
  r.name = name;
  r.path = path;
  r.parts = {path};
  std::error_code ec;
  r.size_bytes = fs::file_size(path, ec);
  r.modified_unix = ec ? 0 : mtime_unix(path);
  if (with_sha256)
    if (auto d = sha256_of_file(path, nullptr)) r.sha256 = *d;
  read_header(r);
  return r;
}

}  // namespace pg::models
