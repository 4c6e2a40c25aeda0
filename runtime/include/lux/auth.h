// `auth { type: "jwt", secret: ... }` and `route ... with auth`: HS256 JSON Web Tokens verified
// with OpenSSL's HMAC (src/auth/). A route guarded by RequireAuth answers 401 with
// `WWW-Authenticate: Bearer ...` for a missing, malformed, unsigned (`alg: none`), wrongly signed,
// expired, never-expiring (no `exp`, unless `require_exp: false`) or not-yet-valid token;
// otherwise the token's claims are the request's `user` (`req.user` in Lux, rt::Locals()["user"]
// here). Users' view: docs/runtime.md#auth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/error.h"
#include "lux/http.h"
#include "lux/value.h"

namespace lux {

// Clock skew tolerated on `exp` and `nbf`.
inline constexpr std::int64_t kJwtLeewaySeconds = 30;
// Longer tokens are refused before any parsing (real ones are well under 2 KiB).
inline constexpr std::size_t kMaxJwtBytes = 8 << 10;

struct JwtOptions {
  std::string secret;    // LUX_JWT_SECRET overrides (keep secrets out of source: use env)
  std::string issuer;    // when set, `iss` must equal it
  std::string audience;  // when set, `aud` (a string or a list) must contain it
  bool require_exp = true;  // `auth { require_exp: false }` accepts tokens without `exp` (never expiring)
  std::int64_t leeway_s = kJwtLeewaySeconds;
  std::string realm = "lux";
  // The claim holding the caller's roles for `with role(...)`: a String or a list of Strings.
  // Empty: `role`, then `roles`.
  std::string roles_claim;
};

// Why a token was refused (the message is safe to send to the client).
class AuthError : public HttpError {
 public:
  explicit AuthError(const std::string& message) : HttpError(401, message) {}
};

// Checks an HS256 token at `now_s` (Unix seconds) and returns its claims; throws AuthError.
Value VerifyJwt(std::string_view token, const JwtOptions& options, std::int64_t now_s);

// Registration: the App's JWT settings (throws StartupError when no secret is given).
void RegisterJwtAuth(App& app, JwtOptions options);
// Route middleware for `with auth` on a route of `app` (RegisterJwtAuth first).
Middleware RequireAuth(App& app);
// Route middleware for `with auth, role("a", "b")`: runs after RequireAuth and answers 403 (the
// server's error shape) unless the token's roles claim (JwtOptions::roles_claim) holds one of
// `roles`. Roles compare exactly (case matters).
Middleware RouteRole(App& app, std::vector<std::string> roles);
// The roles a token's claims carry (`role`/`roles`, or `claim` when given): a String is one role.
std::vector<std::string> ClaimRoles(const Value& claims, const std::string& claim);
// The user of a request that carries a valid token for `app`: its claim `sub`, else `id`, else
// `user_id` (as text); nullopt without auth, without a token or with a refused one. Never
// throws. (`rate_limit { key: "user" }`, which runs before any route's `with auth`.)
std::optional<std::string> TokenUserId(App& app, const Request& req);

}  // namespace lux
