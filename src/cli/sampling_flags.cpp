// Sampling flags from the sampling table; see sampling_flags.h.
#include "cli/sampling_flags.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "util/float_text.h"

namespace pg::cli {
namespace {

// Checks a flag's text against its row of the table. Text that is not a number
// passes here and is refused by the flag's own conversion.
CLI::Validator table_range(const app::SamplingField& f) {
  return CLI::Validator(
      [&f](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) return "";
        return app::sampling_value_error(f, value, text);
      },
      "in [" + shortest_text(f.min) + " - " + shortest_text(f.max) + "]", "table range");
}

}  // namespace

void add_sampling_flags(CLI::App* cmd, app::SamplingOptions& options, std::initializer_list<std::string_view> only) {
  for (const app::SamplingField& f : app::sampling_fields()) {
    if (only.size() && std::find(only.begin(), only.end(), std::string_view(f.name)) == only.end()) continue;
    std::string flag = std::string("--") + f.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (std::string_view(f.name) == "temperature") flag = "--temp," + flag;
    if (f.integer)
      cmd->add_option_function<int64_t>(flag, [&options, &f](int64_t v) { options.*f.whole = v; }, f.description)
          ->check(table_range(f));
    else
      cmd->add_option_function<double>(flag, [&options, &f](double v) { options.*f.number = v; }, f.description)
          ->check(table_range(f));
  }
}

void add_seed_flag(CLI::App* cmd, int64_t& seed) {
  const app::SamplingField& f = app::seed_field();
  cmd->add_option("--seed", seed, f.description)->check(table_range(f));
}

}  // namespace pg::cli
