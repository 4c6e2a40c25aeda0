// `env NAME: Type = default` support. Each getter reads the variable at call time (generated
// code calls them from its setup function, inside lux::rt::RunMain) and throws
// lux::StartupError naming the variable and the expected type on a bad value, e.g.
//   env PORT: expected Int, got "80a"
// Option<T> getters return nullopt when the variable is unset or empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace lux
