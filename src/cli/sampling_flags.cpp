// Sampling flags from the sampling table; see sampling_flags.h.
#include "cli/sampling_flags.h"

#include <algorithm>
#include <string>

namespace pg::cli {

void add_sampling_flags(CLI::App* cmd, app::SamplingOptions& options, std::initializer_list<std::string_view> only) {
  for (const app::SamplingField& f : app::sampling_fields()) {
    if (only.size() && std::find(only.begin(), only.end(), std::string_view(f.name)) == only.end()) continue;
    std::string flag = std::string("--") + f.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (std::string_view(f.name) == "temperature") flag = "--temp," + flag;
    CLI::Option* opt = nullptr;
    if (f.integer) {
      opt = cmd->add_option_function<int64_t>(flag, [&options, &f](int64_t v) { options.*f.whole = v; }, f.description)
                ->check(CLI::Range(static_cast<int64_t>(f.min), static_cast<int64_t>(f.max)));
    } else {
      opt = cmd->add_option_function<double>(flag, [&options, &f](double v) { options.*f.number = v; }, f.description)
                ->check(CLI::Range(f.min, f.max));
    }
    (void)opt;
  }
}

}  // namespace pg::cli
