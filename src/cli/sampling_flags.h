// The sampling flags of the CLI's generating commands, made from the one
// table of sampling fields (app/sampling_options.h): --temperature (also
// --temp), --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n,
// --frequency-penalty, --presence-penalty, and --seed, each with the API's
// range and a message that names the flag, the value and the range. A flag not
// given stays unset, so the engine's (or the model's) default applies. Never
// writes a range of its own: every limit comes from the table.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <CLI/CLI.hpp>

#include "app/sampling_options.h"

namespace pg::cli {

// `options` must outlive the command. `only`: the fields to offer (empty: all),
// for commands whose other flags take some of the names (ask's --top-k retrieves).
void add_sampling_flags(CLI::App* cmd, app::SamplingOptions& options, std::initializer_list<std::string_view> only = {});

// --seed with the table's seed range (-1 = random, else 0 to 2^53 - 1); `seed`
// (which must outlive the command) stays -1 unless given.
void add_seed_flag(CLI::App* cmd, int64_t& seed);

}  // namespace pg::cli
