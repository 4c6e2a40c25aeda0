// Bearer tokens, shared by every guarded route (jobs admin, /_lux/services, the bus endpoint,
// JWT auth): the token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110) and
// a constant-time comparison with a configured secret.
// Entry points: BearerToken, TokenMatches, HasBearer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"

namespace lux::core {

// The token after "Bearer ", or nullopt when the header is absent, another scheme, or empty.
std::optional<std::string> BearerToken(const Request& req);
// Compares in time independent of where the strings differ; an empty `expected` never matches.
bool TokenMatches(std::string_view given, std::string_view expected);
// The request carries `Authorization: Bearer <expected>`.
bool HasBearer(const Request& req, std::string_view expected);

}  // namespace lux::core
