// The auth built-ins of Lux code (stdlib/builtins.def): sign_jwt, verify_jwt, hash_password,
// verify_password, over lux/auth.h. sign_jwt and verify_jwt use the server's `auth { }` JWT
// settings unless given a secret; a refused token is a 401 (lux::AuthError) for the request.
#include <cctype>
#include <string>
#include <utility>

#include "lux/auth.h"
#include "lux_common/timespan.h"
#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

// The lifetime of a token signed without `expires_in` (and without an `exp` of its own): a day.
constexpr std::int64_t kDefaultTokenLifetimeSeconds = 86400;

bool IsHmacAlgorithm(const std::string& alg) { return alg == "HS256" || alg == "HS384" || alg == "HS512"; }

// The options to sign or verify with: the server's JWT settings, with `secret` (a String, or
// None for the server's own) in place of its key.
JwtOptions KeyOptions(const char* fn, const Value& secret) {
  std::shared_ptr<const JwtOptions> server = ServerJwtOptions();
  JwtOptions o = server ? *server : JwtOptions{};
  if (secret.IsString()) {
    if (!IsHmacAlgorithm(o.algorithm)) o.algorithm = "HS256";
    o.secret = secret.AsString();
    o.key = nullptr;
    return o;
  }
  if (!secret.IsNull()) throw Error(std::string(fn) + ": the secret is " + secret.KindName() + ", not a String", 500);
  if (!server)
    throw Error(std::string(fn) + ": no secret: pass one, or configure the server's `auth { type: \"jwt\", secret: ... }`", 500);
  return o;
}

std::int64_t NowSeconds() { return rt::NowMs() / 1000; }

// The token's lifetime in seconds from `expires_in` (or jsonwebtoken's `expiresIn`): seconds as
// a number, a Duration (milliseconds, `lifetime_ms`), or a span as text ("1h", "7d", "120").
std::int64_t TokenLifetime(const Value& options, bool lifetime_ms) {
  if (!options.IsObject()) return 0;
  const char* key = "expires_in";
  const Value* v = options.Find(key);
  if (!v || v->IsNull()) v = options.Find(key = "expiresIn");
  if (!v || v->IsNull()) return 0;
  double seconds = -1;
  if (v->IsInt()) seconds = lifetime_ms ? static_cast<double>(v->AsInt()) / 1000 : static_cast<double>(v->AsInt());
  else if (v->IsFloat()) seconds = lifetime_ms ? v->AsFloat() / 1000 : v->AsFloat();
  else if (v->IsString()) seconds = common::TimespanSeconds(v->AsString()).value_or(-1);
  if (!(seconds >= 1) || seconds > 1e12)
    throw Error(std::string("sign_jwt: `") + key + "` is " + ToJson(*v) +
                    ", not a lifetime: seconds (`3600`), a Duration (`1.hour`) or a span such as \"1h\", \"30m\", \"7d\"",
                500);
  return static_cast<std::int64_t>(seconds);
}

}  // namespace

Value JwtSign(const Value& payload, const Value& secret, const Value& options, bool lifetime_ms) {
  JwtOptions o = KeyOptions("sign_jwt", secret);
  if (!IsHmacAlgorithm(o.algorithm))
    throw Error("sign_jwt: the server verifies " + o.algorithm + " tokens, which are signed elsewhere; pass an HS256 secret", 500);
  if (!payload.IsObject()) throw Error(std::string("sign_jwt: the payload is ") + payload.KindName() + ", not an object", 500);
  Value claims = payload;
  const std::int64_t now = NowSeconds();
  if (!claims.Find("iat")) claims["iat"] = now;
  if (std::int64_t lifetime = TokenLifetime(options, lifetime_ms); lifetime > 0) {
    claims["exp"] = now + lifetime;
  } else if (!claims.Find("exp")) {
    claims["exp"] = now + kDefaultTokenLifetimeSeconds;  // `with auth` refuses never-expiring tokens
  }
  // jsonwebtoken's claim options: `{ issuer: "api" }` is the claim `iss`.
  static const std::pair<const char*, const char*> kClaimOptions[] = {{"issuer", "iss"}, {"audience", "aud"}, {"subject", "sub"}};
  for (const auto& [option, claim] : kClaimOptions)
    if (const Value* v = options.IsObject() ? options.Find(option) : nullptr; v && !v->IsNull()) claims[claim] = *v;
  return Value(SignJwt(claims, o.algorithm, o.secret));
}

Value JwtVerify(const Value& token, const Value& secret) {
  if (!token.IsString() || token.AsString().empty()) throw AuthError("missing token");
  std::string t = token.AsString();
  // The `Authorization` header's value as it comes: `Bearer <token>`.
  if (t.size() > 7 && std::tolower(static_cast<unsigned char>(t[0])) == 'b' && t.compare(1, 6, "earer ") == 0) t.erase(0, 7);
  JwtOptions o = KeyOptions("verify_jwt", secret);
  return VerifyJwt(t, o, NowSeconds());
}

Value PasswordHash(const Value& password) {
  if (!password.IsString()) throw Error(std::string("hash_password: the password is ") + password.KindName() + ", not a String", 400);
  return Value(HashPassword(password.AsString()));
}

Value PasswordVerify(const Value& password, const Value& hash) {
  if (!password.IsString() || !hash.IsString()) return Value(false);
  return Value(VerifyPassword(password.AsString(), hash.AsString()));
}

}  // namespace lux::stdlib
