// The edit distance behind "did you mean" suggestions of the cron parser and a server's flags.
#pragma once

#include <string_view>

namespace lux::common {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1 (`lenght` is 1 from `length`).
int EditDistance(std::string_view a, std::string_view b);

}  // namespace lux::common
