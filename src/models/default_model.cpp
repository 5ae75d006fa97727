// Locates the demo model; see default_model.h.
#include "models/default_model.h"

#include "build_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace pg {
namespace fs = std::filesystem;

namespace {
constexpr const char* kDemoFile = "stories260K.gguf";

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}
}  // namespace

Result<std::string> demo_model_path() {
  std::vector<fs::path> candidates;
  const fs::path exe = executable_dir();
  if (!exe.empty()) {
    candidates.push_back(exe / "models/demo" / kDemoFile);
    candidates.push_back(exe / "../models/demo" / kDemoFile);
    candidates.push_back(exe / "../share/playground/models/demo" / kDemoFile);
  }
  candidates.push_back(fs::path(PG_DEFAULT_MODEL_DIR) / kDemoFile);
  std::string tried;
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec).string();
    tried += "\n  " + p.string();
  }
  return Error{"demo model not found; looked in:" + tried};
}

Result<std::string> resolve_model_path(const std::string& requested, const EnvLookup& env) {
  if (!requested.empty()) return requested;
  if (auto v = env("PLAYGROUND_MODEL"); v && !v->empty()) return *v;
  return demo_model_path();
}

Result<std::unique_ptr<LlamaModel>> load_model_or_default(const std::string& requested, const EnvLookup& env) {
  auto path = resolve_model_path(requested, env);
  if (!path) return path.status();
  return LlamaModel::load(*path);
}

}  // namespace pg
