// The HTTP layer speaks about the application core's own types (models,
// jobs, outcomes, configuration): this makes the names of src/app usable
// unqualified inside pg::server. It declares nothing of its own.
#pragma once

namespace pg::app {}

namespace pg::server {
using namespace pg::app;  // NOLINT(google-build-using-namespace): the layer right below
}  // namespace pg::server
