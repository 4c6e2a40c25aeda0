// Environment variable names derived from a program's names: `LUX_SERVICE_<NAME>_URL`,
// `LUX_PEER_<NAME>_URL` (NAME upper-cased; anything not a letter or digit becomes `_`).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace lux::core {

inline std::string EnvVarName(std::string_view prefix, std::string_view name, std::string_view suffix) {
  std::string n(prefix);
  for (char c : name)
    n += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  n += suffix;
  return n;
}

}  // namespace lux::core
