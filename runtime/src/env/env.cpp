// Environment variable parsing for `env` declarations (see lux/env.h).
#include "lux/env.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace lux {
namespace {

const char* Get(const char* name) {
  const char* v = std::getenv(name);
  return v;
}

[[noreturn]] void Bad(const char* name, const char* type, std::string_view got) {
  std::string shown(got.substr(0, 64));
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  throw StartupError(std::string("env ") + name + ": expected " + type + ", got \"" + shown +
                     (got.size() > 64 ? "...\"" : "\""));
}

[[noreturn]] void Missing(const char* name, const char* type) {
  throw StartupError(std::string("env ") + name + ": required " + type + " is not set");
}

bool IEq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

std::optional<std::int64_t> ParseIntStrict(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t start = (s[0] == '+') ? 1 : 0;
  if (start == s.size()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data() + start, s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (start == 1 && s[1] == '-') return std::nullopt;
  return v;
}

std::optional<double> ParseFloatStrict(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t start = (s[0] == '+') ? 1 : 0;
  if (start == s.size() || (start == 1 && s[1] == '-')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data() + start, s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> ParseBoolStrict(std::string_view s) {
  for (const char* t : {"true", "1", "yes", "on"})
    if (IEq(s, t)) return true;
  for (const char* f : {"false", "0", "no", "off"})
    if (IEq(s, f)) return false;
  return std::nullopt;
}

std::optional<std::int64_t> EnvOptInt(const char* name) {
  const char* v = Get(name);
  if (!v || !*v) return std::nullopt;
  auto r = ParseIntStrict(v);
  if (!r) Bad(name, "Int", v);
  return r;
}

std::optional<double> EnvOptFloat(const char* name) {
  const char* v = Get(name);
  if (!v || !*v) return std::nullopt;
  auto r = ParseFloatStrict(v);
  if (!r) Bad(name, "Float", v);
  return r;
}

std::optional<bool> EnvOptBool(const char* name) {
  const char* v = Get(name);
  if (!v || !*v) return std::nullopt;
  auto r = ParseBoolStrict(v);
  if (!r) Bad(name, "Bool (true/false)", v);
  return r;
}

std::optional<std::string> EnvOptString(const char* name) {
  const char* v = Get(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::int64_t EnvInt(const char* name, std::optional<std::int64_t> fallback) {
  if (auto v = EnvOptInt(name)) return *v;
  if (fallback) return *fallback;
  Missing(name, "Int");
}

double EnvFloat(const char* name, std::optional<double> fallback) {
  if (auto v = EnvOptFloat(name)) return *v;
  if (fallback) return *fallback;
  Missing(name, "Float");
}

bool EnvBool(const char* name, std::optional<bool> fallback) {
  if (auto v = EnvOptBool(name)) return *v;
  if (fallback) return *fallback;
  Missing(name, "Bool");
}

std::string EnvString(const char* name, std::optional<std::string> fallback) {
  const char* v = Get(name);
  if (v) return v;  // an empty String is a value
  if (fallback) return *fallback;
  Missing(name, "String");
}

}  // namespace lux
