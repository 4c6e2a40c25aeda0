// JWT verification (lux/auth.h): strict base64url decoding, the header's `alg` (exactly the
// configured algorithm: `none` and every other one are refused, and so is `crit`), the signature —
// HMAC-SHA256/384/512 compared in constant time (OpenSSL's HMAC, CRYPTO_memcmp: no hand-written
// crypto), or RSASSA-PKCS1-v1_5 SHA-256 (RS256) / ECDSA P-256 SHA-256 (ES256) checked with
// EVP_DigestVerify against the public key loaded at start — then exp (required unless
// `require_exp: false`), nbf and iat without overflow, iss, aud.
// RequireAuth (JWT or API key, api_key.cpp) reads the credential and answers 401 with
// WWW-Authenticate.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <cstdint>
#include <limits>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "core/bearer.h"
#include "lazy/loader.h"
#include "core/internal_auth.h"
#include "auth/registry.h"
#include "core/log.h"
#include "session/codec.h"
#include "lux/auth.h"
#include "lux/digest.h"
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

// The digest of an algorithm's signature (SHA256 for HS256, RS256, ES256).
const char* DigestOf(const std::string& alg) {
  if (alg == "HS384") return "SHA384";
  if (alg == "HS512") return "SHA512";
  return "SHA256";
}

bool IsHmac(const std::string& alg) { return alg == "HS256" || alg == "HS384" || alg == "HS512"; }

std::string Hmac(const std::string& alg, std::string_view key, std::string_view message) {
  if (alg == "HS256") return core::HmacSha256(key, message);  // contexts reused per thread
  return lux::Hmac(DigestOf(alg), key, message);
}

// JWS ES256 signatures are R || S (32 bytes each); OpenSSL verifies DER. nullopt when malformed.
std::optional<std::string> EcdsaDer(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!sig) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, 32, nullptr);
  BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
  if (!r || !s || !ECDSA_SIG_set0(sig, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (n <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace

struct JwtPublicKey {
  EVP_PKEY* pkey = nullptr;
  ~JwtPublicKey() { EVP_PKEY_free(pkey); }
};

namespace {

bool VerifyWithKey(const JwtPublicKey& key, const std::string& alg, std::string_view signed_part, std::string sig) {
  if (alg == "ES256") {
    auto der = EcdsaDer(sig);
    if (!der) return false;
    sig = std::move(*der);
  }
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // never freed: used until exit
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || !sha256 || EVP_DigestVerifyInit(ctx.get(), nullptr, sha256, nullptr, key.pkey) != 1) {
    ERR_clear_error();
    throw Error("signature verification is not available from OpenSSL", 500);
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
  ERR_clear_error();  // a refused signature leaves errors on the thread's queue
  return ok == 1;
}

void VerifySignature(std::string_view token, std::size_t d2, const JwtOptions& o) {
  auto sig = Base64UrlDecode(token.substr(d2 + 1));
  if (!sig) throw AuthError("invalid token: bad signature");
  std::string_view signed_part = token.substr(0, d2);
  if (IsHmac(o.algorithm)) {
    std::string mac = Hmac(o.algorithm, o.secret, signed_part);
    if (sig->size() != mac.size() || CRYPTO_memcmp(mac.data(), sig->data(), mac.size()) != 0)
      throw AuthError("invalid token: bad signature");
    return;
  }
  if (!o.key) throw Error("auth: no public key loaded for " + o.algorithm, 500);
  if (!VerifyWithKey(*o.key, o.algorithm, signed_part, std::move(*sig))) throw AuthError("invalid token: bad signature");
}

bool AudienceMatches(const Value* aud, const std::string& want) {
  bool ok = aud && aud->IsString() && aud->AsString() == want;
  if (aud && aud->IsArray())
    for (const Value& a : aud->AsArray()) ok |= a.IsString() && a.AsString() == want;
  return ok;
}

// PEM text as given, or the file it names. An env setting often holds the PEM on one line with
// `\n` escapes (what most deployment tools accept): those become line breaks.
std::string ReadKeyText(const std::string& pem_or_path) {
  if (pem_or_path.find("-----BEGIN") != std::string::npos) {
    if (pem_or_path.find('\n') != std::string::npos) return pem_or_path;
    std::string text;
    for (std::size_t i = 0; i < pem_or_path.size(); ++i) {
      if (pem_or_path[i] == '\\' && i + 1 < pem_or_path.size() && pem_or_path[i + 1] == 'n') {
        text += '\n';
        ++i;
      } else {
        text += pem_or_path[i];
      }
    }
    return text;
  }
  std::ifstream in(pem_or_path, std::ios::binary);
  if (!in) throw StartupError("auth: cannot read the public key file \"" + pem_or_path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::shared_ptr<const JwtPublicKey> LoadJwtPublicKey(const std::string& pem_or_path, const std::string& algorithm) {
  if (pem_or_path.empty()) throw StartupError("auth: " + algorithm + " needs a `public_key` (PEM text or a PEM file)");
  std::string text = ReadKeyText(pem_or_path);
  const bool inline_pem = pem_or_path.find("-----BEGIN") != std::string::npos;
  const std::string where = inline_pem ? std::string("`public_key`") : "\"" + pem_or_path + "\"";
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (!bio) throw StartupError("auth: out of memory reading the public key");
  auto key = std::make_shared<JwtPublicKey>();
  key->pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (!key->pkey) throw StartupError("auth: " + where + " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  int id = EVP_PKEY_get_base_id(key->pkey);
  if (algorithm == "RS256") {
    if (id != EVP_PKEY_RSA) throw StartupError("auth: " + where + " is not an RSA public key, which RS256 needs");
    if (EVP_PKEY_get_bits(key->pkey) < 2048) throw StartupError("auth: the RSA key " + where + " is shorter than 2048 bits");
  } else if (algorithm == "ES256") {
    char group[64] = {0};
    std::size_t len = 0;
    if (id != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) ||
        (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256"))
      throw StartupError("auth: " + where + " is not an EC P-256 public key, which ES256 needs");
  } else {
    throw StartupError("auth: algorithm \"" + algorithm + "\" takes no public key");
  }
  return key;
}

Value VerifyJwt(std::string_view token, const JwtOptions& o, std::int64_t now_s) {
  if (token.size() > kMaxJwtBytes) throw AuthError("invalid token: too long");
  std::size_t d1 = token.find('.');
  std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    throw AuthError("invalid token: a JWT has three parts separated by `.`");
  Value header = ParseSegment(token.substr(0, d1), "header");
  const Value* alg = header.Find("alg");
  // The algorithm is the server's, never the token's: a token naming another one (`none`, or
  // HS256 over an RSA public key used as an HMAC secret) is refused before any signature work.
  if (!alg || !alg->IsString() || alg->AsString() != o.algorithm)
    throw AuthError("invalid token: only " + o.algorithm + "-signed tokens are accepted");
  // RFC 7515 section 4.1.11: an extension the verifier does not implement must be refused.
  if (header.Find("crit")) throw AuthError("invalid token: unsupported critical header parameters (`crit`)");
  VerifySignature(token, d2, o);
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
  if (!o.audience.empty() || !o.audiences.empty()) {
    const Value* aud = claims.Find("aud");
    bool ok = !o.audience.empty() && AudienceMatches(aud, o.audience);
    for (const std::string& a : o.audiences) ok |= AudienceMatches(aud, a);
    if (!ok) throw AuthError("invalid token: wrong audience");
  }
  return claims;
}

namespace {

std::mutex g_server_jwt_mu;
std::shared_ptr<const JwtOptions> g_server_jwt;  // the last RegisterJwtAuth's settings

}  // namespace

std::shared_ptr<const JwtOptions> ServerJwtOptions() {
  std::lock_guard<std::mutex> lock(g_server_jwt_mu);
  return g_server_jwt;
}

std::string SignJwt(const Value& claims, const std::string& algorithm, std::string_view secret) {
  if (!IsHmac(algorithm)) throw Error("sign_jwt signs with HS256, HS384 or HS512, not " + algorithm, 500);
  if (!claims.IsObject()) throw Error(std::string("sign_jwt: the payload is ") + claims.KindName() + ", not an object", 500);
  lazy::Load(lazy::kCrypto);
  std::string signed_part = session::Base64UrlEncode(ToJson(Value{{"alg", algorithm}, {"typ", "JWT"}})) + "." +
                            session::Base64UrlEncode(ToJson(claims));
  return signed_part + "." + session::Base64UrlEncode(Hmac(algorithm, secret, signed_part));
}

void RegisterJwtAuth(App& app, JwtOptions options) {
  if (!IsHmac(options.algorithm) && options.algorithm != "RS256" && options.algorithm != "ES256")
    throw StartupError("auth: unsupported algorithm \"" + options.algorithm + "\" (HS256, HS384, HS512, RS256 or ES256)");
  // Verifying a signature needs libcrypto, loaded on first use: load it now so a server that
  // cannot fails to start instead of answering its first token with a 500.
  try {
    lazy::Load(lazy::kCrypto);
  } catch (const Error& e) {
    throw StartupError(std::string("auth: ") + e.what());
  }
  if (IsHmac(options.algorithm)) {
    if (const char* env = std::getenv("LUX_JWT_SECRET"); env && *env) options.secret = env;
    if (options.secret.empty()) throw StartupError("auth: no JWT secret (set `secret` in the auth block or LUX_JWT_SECRET)");
    const std::size_t bits = options.algorithm == "HS256" ? 256 : options.algorithm == "HS384" ? 384 : 512;
    if (options.secret.size() * 8 < bits)
      core::Log(LogLevel::kWarn,
                "auth: the JWT secret is shorter than " + std::to_string(bits / 8) + " bytes; " + options.algorithm +
                    " wants at least " + std::to_string(bits) + " bits",
                {{"server", app.name()}});
  } else if (!options.key) {
    options.key = LoadJwtPublicKey(options.public_key, options.algorithm);
  }
  auto shared = std::make_shared<const JwtOptions>(std::move(options));
  {
    std::lock_guard<std::mutex> lock(g_server_jwt_mu);
    g_server_jwt = shared;
  }
  auth::SetGuard(app, auth::Guard{shared, nullptr});
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
    auth::Guard guard = auth::GetGuard(*key);
    if (!guard.jwt) throw Error("`with role` needs JWT auth (`auth { type: \"jwt\" }`): API keys carry no roles");
    const std::string& claim = guard.jwt->roles_claim;
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
  std::shared_ptr<const JwtOptions> jwt;
  try {
    jwt = auth::GetGuard(app).jwt;
  } catch (const Error&) {  // no `auth { }` on this server
    return std::nullopt;
  }
  if (!jwt) return std::nullopt;  // API keys name no user
  const JwtOptions& o = *jwt;
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
