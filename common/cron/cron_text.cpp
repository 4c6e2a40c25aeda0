// Text helpers for cron error messages: did-you-mean suggestions for month, weekday and macro
// names (suggest), and showing an unexpected byte (showChar). Declared in cron_internal.h.
#include <algorithm>

#include "cron_internal.h"
#include "lux_common/edit_distance.h"

namespace lux::cron::detail {

std::string_view suggest(std::string_view word, const std::vector<std::string_view>& candidates, int max_distance) {
  if (word.size() > 3)
    for (std::string_view c : candidates)
      if (!c.empty() && word.substr(0, c.size()) == c) return c;
  std::string_view best;
  int best_distance = max_distance + 1;
  for (std::string_view c : candidates) {
    if (c.empty()) continue;
    const int dist = common::EditDistance(word, c);
    if (dist < best_distance) best = c, best_distance = dist;
  }
  return best;
}

std::string showChar(std::string_view text, std::size_t at, std::size_t& length) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  bool valid = n > 0 && at + n <= text.size();
  for (std::size_t i = 1; valid && i < n; ++i) valid = (static_cast<unsigned char>(text[at + i]) & 0xC0) == 0x80;
  if (valid && lead >= 0x20 && lead != 0x7F) {
    length = n;
    return std::string(text.substr(at, n));
  }
  length = 1;
  constexpr char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[lead >> 4] + kHex[lead & 0xF];
}

}  // namespace lux::cron::detail
