// A server's command line, as the runtime and ServerMain (stdlib/src/main.cpp) share it: the
// flags App::Run reads (ServerFlags), which env settings `--help` hides (IsSecretSetting), and
// the accepted flag an unknown one was probably meant to be (ClosestFlag). Declared in lux/env.h.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "lux/env.h"
#include "lux_common/edit_distance.h"

namespace lux {
namespace {

// Every server takes these (App::Impl::ApplyEnvAndFlags), each with a value.
constexpr std::array<std::string_view, 8> kServerFlags = {"--port",         "--host",           "--max-connections",
                                                          "--max-body",     "--max-header-bytes", "--header-timeout",
                                                          "--idle-timeout", "--trust-proxy"};

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
    int distance = common::EditDistance(key, candidate);
    if (distance < best_distance) {
      best = flag;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace lux
