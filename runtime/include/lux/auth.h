// `auth { type: "jwt", secret: ... }` and `route ... with auth`: JSON Web Tokens (HS256, HS384,
// HS512 with OpenSSL's HMAC; RS256, ES256 with a public key) verified in src/auth/jwt.cpp; and
// `auth { type: "api_key" }` (src/auth/api_key.cpp). A route guarded by RequireAuth answers 401 with
// `WWW-Authenticate: Bearer ...` for a missing, malformed, unsigned (`alg: none`), wrongly signed,
// expired, never-expiring (no `exp`, unless `require_exp: false`) or not-yet-valid token;
// otherwise the token's claims are the request's `user` (`req.user` in Lux, rt::Locals()["user"]
// here). Users' view: docs/runtime.md#auth.
#pragma once

#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <vector>
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

// A public key for RS256 or ES256, parsed once at start (LoadJwtPublicKey).
struct JwtPublicKey;

struct JwtOptions {
  // "HS256", "HS384", "HS512" (the shared `secret`), "RS256" or "ES256" (the `public_key`): the
  // one algorithm accepted; a token whose header names another (`none` included) is refused.
  std::string algorithm = "HS256";
  std::string secret;    // LUX_JWT_SECRET overrides (keep secrets out of source: use env)
  std::string issuer;    // when set, `iss` must equal it
  std::string audience;  // when set, `aud` (a string or a list) must contain it
  std::vector<std::string> audiences;  // `audience: [..]`: `aud` must contain one of them
  bool require_exp = true;  // `auth { require_exp: false }` accepts tokens without `exp` (never expiring)
  std::int64_t leeway_s = kJwtLeewaySeconds;
  std::string realm = "lux";
  // The claim holding the caller's roles for `with role(...)`: a String or a list of Strings.
  // Empty: `role`, then `roles`.
  std::string roles_claim;
  // RS256/ES256: PEM text (`-----BEGIN PUBLIC KEY-----...`) or the path of a PEM file; loaded
  // into `key` by RegisterJwtAuth (or LoadJwtPublicKey).
  std::string public_key;
  std::shared_ptr<const JwtPublicKey> key;
};

// Parses `pem_or_path` (PEM text, or a file holding it) as the public key of `algorithm` (an RSA
// key of at least 2048 bits for RS256, a P-256 key for ES256); throws StartupError with one line.
std::shared_ptr<const JwtPublicKey> LoadJwtPublicKey(const std::string& pem_or_path, const std::string& algorithm);

// `auth { type: "api_key", keys, header | query }`: a request is let through when the header (or
// the query parameter) holds one of `keys`, compared in constant time; otherwise 401 with
// `WWW-Authenticate: ApiKey realm="lux", header="X-API-Key"` (or `query="..."`).
struct ApiKeyOptions {
  std::vector<std::string> keys;
  std::string header = "X-API-Key";  // ignored when `query` is set
  std::string query;                 // the query parameter that carries the key, if any
  std::string realm = "lux";
};
void RegisterApiKeyAuth(App& app, ApiKeyOptions options);

// Why a token was refused (the message is safe to send to the client).
class AuthError : public HttpError {
 public:
  explicit AuthError(const std::string& message) : HttpError(401, message) {}
};

// Checks a token signed with `options.algorithm` at `now_s` (Unix seconds) and returns its claims; throws AuthError.
Value VerifyJwt(std::string_view token, const JwtOptions& options, std::int64_t now_s);

// Registration: the App's JWT settings (throws StartupError when no secret is given).
void RegisterJwtAuth(App& app, JwtOptions options);
// Route middleware for `with auth` on a route of `app` (RegisterJwtAuth or RegisterApiKeyAuth first).
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

// sign_jwt / verify_jwt of Lux code: the JWT settings of this process's server (the last
// RegisterJwtAuth; one server per process), nullptr when it has no JWT `auth { }`.
std::shared_ptr<const JwtOptions> ServerJwtOptions();
// A compact token of `claims` signed with HS256, HS384 or HS512 (`algorithm`) and `secret`.
std::string SignJwt(const Value& claims, const std::string& algorithm, std::string_view secret);

// hash_password / verify_password (src/auth/password.cpp): scrypt with a random salt, as the
// PHC string `$scrypt$ln=14,r=8,p=1$<salt>$<hash>`; VerifyPassword is false for a wrong password
// and for a string that is no such hash.
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace lux
