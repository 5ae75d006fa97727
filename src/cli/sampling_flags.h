// The sampling flags of the CLI's generating commands, made from the one
// table of sampling fields (app/sampling_options.h): --temperature (also
// --temp), --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n,
// --frequency-penalty, --presence-penalty, each with the API's range. A flag
// not given stays unset, so the engine's (or the model's) default applies.
#pragma once

#include <initializer_list>
#include <string_view>

#include <CLI/CLI.hpp>

#include "app/sampling_options.h"

namespace pg::cli {

// `options` must outlive the command. `only`: the fields to offer (empty: all),
// for commands whose other flags take some of the names (ask's --top-k retrieves).
void add_sampling_flags(CLI::App* cmd, app::SamplingOptions& options, std::initializer_list<std::string_view> only = {});

}  // namespace pg::cli
