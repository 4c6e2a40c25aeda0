// Bearer tokens (see bearer.h).
#include "core/bearer.h"

namespace lux::core {

std::optional<std::string> BearerToken(const Request& req) {
  std::optional<std::string> auth = req.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth || auth->size() <= kBearer.size() || !IEquals(std::string_view(*auth).substr(0, kBearer.size()), kBearer))
    return std::nullopt;
  return auth->substr(kBearer.size());
}

bool TokenMatches(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (std::size_t i = 0; i < given.size(); ++i) {
    unsigned char e = expected.empty() ? 0 : static_cast<unsigned char>(expected[i % expected.size()]);
    diff |= static_cast<unsigned>(static_cast<unsigned char>(given[i]) ^ e);
  }
  return diff == 0 && !expected.empty();
}

bool HasBearer(const Request& req, std::string_view expected) {
  std::optional<std::string> token = BearerToken(req);
  return token && TokenMatches(*token, expected);
}

}  // namespace lux::core
