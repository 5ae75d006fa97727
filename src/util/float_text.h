// Numbers as short decimal text: the shortest digits that read back as the
// same value, for floats and doubles. A float parameter (temperature 0.8f)
// widened to double prints as 0.800000011920929; float_as_decimal gives the
// double of its shortest text (0.8) for JSON writers and exports. Pure
// functions; never allocates beyond the returned string, never throws.
#pragma once

#include <string>

namespace pg {

// Shortest text that reads back (strtod / strtof) as exactly `v`: "0.8", "5", "1e-05".
std::string shortest_text(double v);
std::string shortest_text(float v);

// The double nearest the shortest decimal of `v` (0.8f -> 0.8): what a JSON
// writer should print for a float, so the text is short and reads back as `v`.
// NaN and infinities come back unchanged.
double float_as_decimal(float v);

}  // namespace pg
