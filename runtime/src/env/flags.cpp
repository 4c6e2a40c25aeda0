// A server's command line, as the runtime and ServerMain (stdlib/src/main.cpp) share it: the
// flags App::Run reads (ServerFlags), which env settings `--help` hides (IsSecretSetting), and
// the accepted flag an unknown one was probably meant to be (ClosestFlag). Declared in lux/env.h.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "lux/env.h"

namespace lux {
namespace {

// Every server takes these (App::Impl::ApplyEnvAndFlags), each with a value.
constexpr std::array<std::string_view, 3> kServerFlags = {"--port", "--host", "--max-connections"};

// Name parts that mark a setting as secret (docs/runtime.md, "A server's command line").
constexpr std::array<std::string_view, 7> kSecretMarks = {"SECRET", "TOKEN", "PASSWORD", "PASS",
                                                          "KEY", "CREDENTIAL", "PRIVATE"};

// How different a flag may be from an accepted one and still be suggested: one edit up to 5
// characters, two up to 8, three beyond (a swapped pair of letters counts as one edit).
int MaxDistance(std::size_t length) { return length <= 5 ? 1 : length <= 8 ? 2 : 3; }

// The flag's name as compared: no leading dashes, no `=value`, lower case, `_` as `-`.
std::string Key(std::string_view flag) {
  while (!flag.empty() && flag.front() == '-') flag.remove_prefix(1);
  flag = flag.substr(0, flag.find('='));
  std::string out(flag);
  for (char& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.
int EditDistance(std::string_view a, std::string_view b) {
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

std::span<const std::string_view> ServerFlags() { return kServerFlags; }

bool IsSecretSetting(std::string_view name, std::string_view type) {
  auto marked = [](std::string_view text) {
    std::string up(text);
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return std::any_of(kSecretMarks.begin(), kSecretMarks.end(),
                       [&](std::string_view mark) { return up.find(mark) != std::string::npos; });
  };
  return marked(name) || marked(type);
}

std::string ClosestFlag(std::string_view given, const std::vector<std::string>& accepted) {
  // Bounded input: a flag longer than this is no typo of a flag a server takes.
  constexpr std::size_t kMaxCompared = 128;
  std::string key = Key(given);
  if (key.empty() || key.size() > kMaxCompared) return "";
  std::string best;
  int best_distance = MaxDistance(key.size()) + 1;
  for (const std::string& flag : accepted) {
    std::string candidate = Key(flag);
    if (candidate.empty() || candidate.size() > kMaxCompared) continue;
    int distance = EditDistance(key, candidate);
    if (distance < best_distance) {
      best = flag;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace lux
