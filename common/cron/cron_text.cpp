// Text helpers for cron error messages: did-you-mean suggestions for month, weekday and macro
// names (suggest), and showing an unexpected byte (showChar). Declared in cron_internal.h.
#include <algorithm>

#include "cron_internal.h"

namespace lux::cron::detail {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
int editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::string_view suggest(std::string_view word, const std::vector<std::string_view>& candidates, int max_distance) {
  if (word.size() > 3)
    for (std::string_view c : candidates)
      if (!c.empty() && word.substr(0, c.size()) == c) return c;
  std::string_view best;
  int best_distance = max_distance + 1;
  for (std::string_view c : candidates) {
    if (c.empty()) continue;
    const int dist = editDistance(word, c);
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
