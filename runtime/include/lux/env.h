// `env NAME: Type = default` support. Each getter reads the variable at call time (generated
// code calls them from its setup function, inside lux::rt::RunMain) and throws
// lux::StartupError naming the variable and the expected type on a bad value, e.g.
//   env PORT: expected Int, got "80a"
// Option<T> getters return nullopt when the variable is unset or empty.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lux/error.h"

namespace lux {

// Strict parsers (whole string, no surrounding spaces).
std::optional<std::int64_t> ParseIntStrict(std::string_view s);
std::optional<double> ParseFloatStrict(std::string_view s);  // finite only
// true/false, 1/0, yes/no, on/off, case-insensitive.
std::optional<bool> ParseBoolStrict(std::string_view s);

// Unset (and no default) -> StartupError "env NAME: required Int is not set".
std::int64_t EnvInt(const char* name, std::optional<std::int64_t> fallback = std::nullopt);
double EnvFloat(const char* name, std::optional<double> fallback = std::nullopt);
bool EnvBool(const char* name, std::optional<bool> fallback = std::nullopt);
std::string EnvString(const char* name, std::optional<std::string> fallback = std::nullopt);

std::optional<std::int64_t> EnvOptInt(const char* name);
std::optional<double> EnvOptFloat(const char* name);
std::optional<bool> EnvOptBool(const char* name);
std::optional<std::string> EnvOptString(const char* name);

// A server's command line (runtime/src/env/flags.cpp; stdlib's ServerMain adds `--help` and the
// env settings' flags).
// The flags every server takes, each with a value: --port, --host, --max-connections.
std::span<const std::string_view> ServerFlags();
// Whether `--help` hides the default of an env setting: its name or its type, in any case,
// contains SECRET, TOKEN, PASSWORD, PASS, KEY, CREDENTIAL or PRIVATE.
bool IsSecretSetting(std::string_view name, std::string_view type);
// The flag of `accepted` that `given` (an unknown flag, `--x` or `--x=v`) was probably meant to
// be: the closest by edit distance, comparing without dashes or `=value`, in lower case, `_` as
// `-`; "" when none is close enough to be a typo.
std::string ClosestFlag(std::string_view given, const std::vector<std::string>& accepted);

}  // namespace lux
