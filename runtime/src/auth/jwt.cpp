// HS256 JWT verification (lux/auth.h): strict base64url decoding, the header's `alg` (HS256 only:
// `none` and every other algorithm are refused, and so is `crit`), the HMAC-SHA256 signature
// compared in constant time (OpenSSL's HMAC through core::HmacSha256, CRYPTO_memcmp: no
// hand-written crypto), then exp (required unless `require_exp: false`), nbf and iat without
// overflow, iss, aud.
// RequireAuth reads `Authorization: Bearer <token>` and answers 401 with WWW-Authenticate.
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

#include "core/bearer.h"
#include "lazy/loader.h"
#include "core/internal_auth.h"
#include "core/log.h"
#include "lux/auth.h"
#include "lux/rt.h"

namespace lux {

namespace {

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict base64url without padding (RFC 7515 section 2) → bytes. nullopt on a character outside
// the alphabet (`=`, `+`, `/`, whitespace included), a length that leaves a lone character, or
// non-zero spare bits in the last character: each byte string has exactly one encoding, so a
// signature cannot be altered without failing.
std::optional<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // 2 or 4 spare bits
  return out;
}

Value ParseSegment(std::string_view seg, const char* what) {
  auto raw = Base64UrlDecode(seg);
  if (!raw) throw AuthError(std::string("invalid token: the ") + what + " is not base64url");
  try {
    Value v = ParseJson(*raw);
    if (!v.IsObject()) throw AuthError(std::string("invalid token: the ") + what + " is not a JSON object");
    return v;
  } catch (const AuthError&) {
    throw;
  } catch (const std::exception&) {
    throw AuthError(std::string("invalid token: the ") + what + " is not JSON");
  }
}

// A NumericDate claim (RFC 7519: seconds, possibly fractional) as whole seconds, saturated to
// the int64 range: a huge `exp` is simply far in the future, never an overflow.
std::optional<std::int64_t> NumericClaim(const Value& claims, const char* name) {
  const Value* v = claims.Find(name);
  if (!v) return std::nullopt;
  if (v->IsInt()) return v->AsInt();
  if (v->IsFloat()) {
    double d = v->AsFloat();
    if (!std::isfinite(d)) throw AuthError(std::string("invalid token: `") + name + "` is not a finite number");
    constexpr double kLimit = 9.2e18;  // just below INT64_MAX (about 9.223e18)
    if (d >= kLimit) return std::numeric_limits<std::int64_t>::max();
    if (d <= -kLimit) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(std::floor(d));
  }
  throw AuthError(std::string("invalid token: `") + name + "` is not a number");
}

std::mutex g_mu;
std::map<const App*, JwtOptions> g_options;

}  // namespace

Value VerifyJwt(std::string_view token, const JwtOptions& o, std::int64_t now_s) {
  if (token.size() > kMaxJwtBytes) throw AuthError("invalid token: too long");
  std::size_t d1 = token.find('.');
  std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    throw AuthError("invalid token: a JWT has three parts separated by `.`");
  Value header = ParseSegment(token.substr(0, d1), "header");
  const Value* alg = header.Find("alg");
  if (!alg || !alg->IsString() || alg->AsString() != "HS256")
    throw AuthError("invalid token: only HS256-signed tokens are accepted");
  // RFC 7515 section 4.1.11: an extension the verifier does not implement must be refused.
  if (header.Find("crit")) throw AuthError("invalid token: unsupported critical header parameters (`crit`)");
  auto sig = Base64UrlDecode(token.substr(d2 + 1));
  if (!sig || sig->size() != 32) throw AuthError("invalid token: bad signature");
  std::string mac = core::HmacSha256(o.secret, token.substr(0, d2));
  if (CRYPTO_memcmp(mac.data(), sig->data(), 32) != 0) throw AuthError("invalid token: bad signature");
  Value claims = ParseSegment(token.substr(d1 + 1, d2 - d1 - 1), "payload");
  // Compared as now - leeway > exp and now + leeway < nbf: now_s and the leeway are small, the
  // claims may be anything in the int64 range.
  std::optional<std::int64_t> exp = NumericClaim(claims, "exp");
  if (!exp && o.require_exp) throw AuthError("invalid token: no `exp` claim (a token must expire)");
  if (exp && now_s - o.leeway_s > *exp) throw AuthError("token expired");
  if (auto nbf = NumericClaim(claims, "nbf"); nbf && now_s + o.leeway_s < *nbf) throw AuthError("token not valid yet");
  NumericClaim(claims, "iat");  // when present it must be a number
  if (!o.issuer.empty()) {
    const Value* iss = claims.Find("iss");
    if (!iss || !iss->IsString() || iss->AsString() != o.issuer) throw AuthError("invalid token: wrong issuer");
  }
  if (!o.audience.empty()) {
    const Value* aud = claims.Find("aud");
    bool ok = aud && aud->IsString() && aud->AsString() == o.audience;
    if (aud && aud->IsArray())
      for (const Value& a : aud->AsArray()) ok |= a.IsString() && a.AsString() == o.audience;
    if (!ok) throw AuthError("invalid token: wrong audience");
  }
  return claims;
}

void RegisterJwtAuth(App& app, JwtOptions options) {
  if (const char* env = std::getenv("LUX_JWT_SECRET"); env && *env) options.secret = env;
  if (options.secret.empty()) throw StartupError("auth: no JWT secret (set `secret` in the auth block or LUX_JWT_SECRET)");
  if (options.secret.size() < 32)
    core::Log(LogLevel::kWarn, "auth: the JWT secret is shorter than 32 bytes; HS256 wants at least 256 bits",
              {{"server", app.name()}});
  // Verifying a signature needs libcrypto, loaded on first use: load it now so a server that
  // cannot fails to start instead of answering its first token with a 500.
  try {
    lazy::Load(lazy::kCrypto);
  } catch (const Error& e) {
    throw StartupError(std::string("auth: ") + e.what());
  }
  std::lock_guard<std::mutex> lock(g_mu);
  g_options[&app] = std::move(options);
}

Middleware RequireAuth(App& app) {
  const App* key = &app;
  return [key](Request& req, const Next& next) -> Response {
    JwtOptions o;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      auto it = g_options.find(key);
      if (it == g_options.end()) throw Error("`with auth` on a server without RegisterJwtAuth");
      o = it->second;
    }
    auto refuse = [&](const std::string& why, bool had_token) {
      Response r = Respond(401, Value{{"error", why}, {"request_id", req.id}});
      r.SetHeader("WWW-Authenticate", had_token ? "Bearer realm=\"" + o.realm + "\", error=\"invalid_token\"" : "Bearer realm=\"" + o.realm + "\"");
      return r;
    };
    std::optional<std::string> token = core::BearerToken(req);
    if (!token) return refuse("authentication required: send `Authorization: Bearer <token>`", false);
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    try {
      Value claims = VerifyJwt(*token, o, now);
      rt::Locals()["user"] = std::move(claims);
    } catch (const AuthError& e) {
      return refuse(e.what(), true);
    }
    return next(req);
  };
}

std::vector<std::string> ClaimRoles(const Value& claims, const std::string& claim) {
  std::vector<std::string> out;
  auto take = [&](const Value* v) {
    if (!v) return false;
    if (v->IsString()) out.push_back(v->AsString());
    if (v->IsArray())
      for (const Value& r : v->AsArray())
        if (r.IsString()) out.push_back(r.AsString());
    return true;
  };
  if (!claims.IsObject()) return out;
  if (!claim.empty()) take(claims.Find(claim));
  else if (!take(claims.Find("role"))) take(claims.Find("roles"));
  return out;
}

Middleware RouteRole(App& app, std::vector<std::string> roles) {
  const App* key = &app;
  return [key, roles = std::move(roles)](Request& req, const Next& next) -> Response {
    std::string claim;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      auto it = g_options.find(key);
      if (it == g_options.end()) throw Error("`with role` on a server without RegisterJwtAuth");
      claim = it->second.roles_claim;
    }
    const Value* user = rt::Locals().Find("user");
    std::vector<std::string> held = user ? ClaimRoles(*user, claim) : std::vector<std::string>{};
    for (const std::string& want : roles)
      if (std::find(held.begin(), held.end(), want) != held.end()) return next(req);
    std::string list;
    for (const std::string& r : roles) list += (list.empty() ? "" : ", ") + r;
    Value details = Value::MakeObject();
    details["required_roles"] = ToValue(roles);
    return Respond(403, Value{{"error", "forbidden: this route needs the role " + list},
                              {"details", details},
                              {"request_id", req.id}});
  };
}

std::optional<std::string> TokenUserId(App& app, const Request& req) {
  JwtOptions o;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_options.find(&app);
    if (it == g_options.end()) return std::nullopt;
    o = it->second;
  }
  std::optional<std::string> token = core::BearerToken(req);
  if (!token) return std::nullopt;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    Value claims = VerifyJwt(*token, o, now);
    for (const char* claim : {"sub", "id", "user_id"}) {
      const Value* v = claims.Find(claim);
      if (v && v->IsString() && !v->AsString().empty()) return v->AsString();
      if (v && v->IsInt()) return std::to_string(v->AsInt());
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace lux
