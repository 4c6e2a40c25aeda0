// JWT (HS256) verification and `with auth` routes: tokens are made here with OpenSSL's HMAC;
// alg none, another algorithm, a bad signature, exp/nbf at the leeway edges, `exp` required unless
// require_exp is off, numeric claims at the int64 limits, strict base64url (spare bits, padding,
// foreign characters), `crit`, issuer and audience, malformed tokens, and over HTTP: 401 with
// WWW-Authenticate, claims reaching the handler, a token without `exp` refused.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>

#include "test_http.h"
#include "test_b64url.h"

namespace {

using lux::test::B64Url;

std::string Sign(const std::string& header_json, const std::string& claims_json, const std::string& secret) {
  std::string signed_part = B64Url(header_json) + "." + B64Url(claims_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(signed_part.data()),
       signed_part.size(), mac, &len);
  return signed_part + "." + B64Url(std::string(reinterpret_cast<char*>(mac), len));
}

const std::string kHs256 = R"({"alg":"HS256","typ":"JWT"})";
const std::string kSecret = "a-test-secret-of-at-least-32-bytes!!";
constexpr std::int64_t kNow = 1'800'000'000;

lux::JwtOptions Opts() {
  lux::JwtOptions o;
  o.secret = kSecret;
  return o;
}

}  // namespace

// Claims valid at kNow for an hour.
std::string Claims(const std::string& fields) {
  return "{" + fields + (fields.empty() ? "" : ",") + "\"exp\":" + std::to_string(kNow + 3600) + "}";
}

TEST_CASE("jwt: a valid HS256 token gives its claims", "[auth]") {
  lux::Value claims = lux::VerifyJwt(Sign(kHs256, Claims(R"("sub":"42","role":"admin")"), kSecret), Opts(), kNow);
  CHECK(claims["sub"].AsString() == "42");
  CHECK(claims["role"].AsString() == "admin");
}

TEST_CASE("jwt: alg none, other algorithms and bad signatures are refused", "[auth]") {
  std::string none = B64Url(R"({"alg":"none"})") + "." + B64Url(R"({"sub":"1"})") + ".";
  CHECK_THROWS_WITH(lux::VerifyJwt(none, Opts(), kNow), Catch::Contains("only HS256"));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(R"({"alg":"HS512"})", R"({"sub":"1"})", kSecret), Opts(), kNow),
                    Catch::Contains("only HS256"));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, Claims(R"("sub":"1")"), "another secret of the same kind..."), Opts(), kNow),
                    Catch::Contains("bad signature"));
  // A payload changed after signing.
  std::string t = Sign(kHs256, Claims(R"("sub":"1")"), kSecret);
  std::string forged = B64Url(kHs256) + "." + B64Url(Claims(R"("sub":"2")")) + t.substr(t.rfind('.'));
  CHECK_THROWS_WITH(lux::VerifyJwt(forged, Opts(), kNow), Catch::Contains("bad signature"));
}

TEST_CASE("jwt: exp and nbf with the leeway, at its edges", "[auth]") {
  auto at = [&](std::int64_t exp) { return Sign(kHs256, "{\"exp\":" + std::to_string(exp) + "}", kSecret); };
  CHECK_NOTHROW(lux::VerifyJwt(at(kNow - lux::kJwtLeewaySeconds), Opts(), kNow));
  CHECK_THROWS_WITH(lux::VerifyJwt(at(kNow - lux::kJwtLeewaySeconds - 1), Opts(), kNow), Catch::Contains("expired"));
  auto nbf = [&](std::int64_t t) { return Sign(kHs256, Claims("\"nbf\":" + std::to_string(t)), kSecret); };
  CHECK_NOTHROW(lux::VerifyJwt(nbf(kNow + lux::kJwtLeewaySeconds), Opts(), kNow));
  CHECK_THROWS_WITH(lux::VerifyJwt(nbf(kNow + lux::kJwtLeewaySeconds + 1), Opts(), kNow), Catch::Contains("not valid yet"));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, R"({"exp":"soon"})", kSecret), Opts(), kNow), Catch::Contains("not a number"));
}

TEST_CASE("jwt: issuer and audience when configured", "[auth]") {
  lux::JwtOptions o = Opts();
  o.issuer = "https://id.example";
  o.audience = "api";
  CHECK_NOTHROW(lux::VerifyJwt(Sign(kHs256, Claims(R"("iss":"https://id.example","aud":["web","api"])"), kSecret), o, kNow));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, Claims(R"("iss":"evil","aud":"api")"), kSecret), o, kNow), Catch::Contains("issuer"));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, Claims(R"("iss":"https://id.example","aud":"web")"), kSecret), o, kNow),
                    Catch::Contains("audience"));
}

TEST_CASE("jwt: malformed tokens", "[auth]") {
  for (std::string t : {std::string(""), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
                        std::string("!!.??.##"), B64Url("not json") + "." + B64Url("{}") + ".x",
                        std::string(lux::kMaxJwtBytes + 1, 'a')}) {
    INFO(t.substr(0, 40));
    CHECK_THROWS_AS(lux::VerifyJwt(t, Opts(), kNow), lux::AuthError);
  }
}

TEST_CASE("jwt: a `with auth` route answers 401 with WWW-Authenticate, and gives the handler the claims", "[auth]") {
  luxtest::TestServer s{[](lux::App& app) {
    lux::RegisterJwtAuth(app, Opts());
    app.Route("GET", "/me", [](lux::Request&) { return lux::Respond(200, lux::rt::Locals()["user"]); },
              {lux::RequireAuth(app)});
    app.Get("/open", [](lux::Request&) { return lux::Respond(200, lux::Value("open")); });
  }};
  auto r = luxtest::Call(s.port(), "GET", "/me");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Header("www-authenticate") == "Bearer realm=\"lux\"");
  CHECK(r->Json()["error"].AsString().find("Bearer") != std::string::npos);
  r = luxtest::Call(s.port(), "GET", "/me", "", "Authorization: Bearer " + Sign(kHs256, Claims(R"("sub":"1")"), "wrong secret") + "\r\n");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Header("www-authenticate").find("invalid_token") != std::string::npos);
  r = luxtest::Call(s.port(), "GET", "/me", "", "Authorization: Bearer " + Sign(kHs256, R"({"sub":"8"})", kSecret) + "\r\n");
  REQUIRE(r);
  CHECK(r->status == 401);  // no `exp`: it would never expire
  CHECK(r->Json()["error"].AsString().find("exp") != std::string::npos);
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  r = luxtest::Call(s.port(), "GET", "/me", "",
                    "Authorization: Bearer " + Sign(kHs256, R"({"sub":"7","exp":)" + std::to_string(now + 600) + "}", kSecret) + "\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["sub"].AsString() == "7");
  r = luxtest::Call(s.port(), "GET", "/open");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("jwt: `exp` is required unless require_exp is off, numeric claims never overflow", "[auth]") {
  std::string no_exp = Sign(kHs256, R"({"sub":"1"})", kSecret);
  CHECK_THROWS_WITH(lux::VerifyJwt(no_exp, Opts(), kNow), Catch::Contains("no `exp`"));
  lux::JwtOptions lax = Opts();
  lax.require_exp = false;
  CHECK(lux::VerifyJwt(no_exp, lax, kNow)["sub"].AsString() == "1");
  // The largest exp (and beyond, as a float) is far in the future: valid, no signed overflow.
  for (std::string exp : {std::string("9223372036854775807"), std::string("9223372036854775808"), std::string("1e300"),
                          std::string("1.8e19")}) {
    INFO(exp);
    CHECK_NOTHROW(lux::VerifyJwt(Sign(kHs256, "{\"exp\":" + exp + "}", kSecret), Opts(), kNow));
  }
  // The smallest ones are long past.
  for (std::string exp : {std::string("-9223372036854775808"), std::string("-1e300"), std::string("0")}) {
    INFO(exp);
    CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, "{\"exp\":" + exp + "}", kSecret), Opts(), kNow), Catch::Contains("expired"));
  }
  // A fractional NumericDate counts by its whole seconds.
  CHECK_NOTHROW(lux::VerifyJwt(Sign(kHs256, "{\"exp\":" + std::to_string(kNow - lux::kJwtLeewaySeconds) + ".9}", kSecret), Opts(), kNow));
  CHECK_THROWS_WITH(
      lux::VerifyJwt(Sign(kHs256, "{\"exp\":" + std::to_string(kNow - lux::kJwtLeewaySeconds - 1) + ".9}", kSecret), Opts(), kNow),
      Catch::Contains("expired"));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, Claims(R"("nbf":9223372036854775807)"), kSecret), Opts(), kNow),
                    Catch::Contains("not valid yet"));
  CHECK_NOTHROW(lux::VerifyJwt(Sign(kHs256, Claims(R"("nbf":-9223372036854775808)"), kSecret), Opts(), kNow));
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(kHs256, Claims(R"("iat":"yesterday")"), kSecret), Opts(), kNow),
                    Catch::Contains("`iat` is not a number"));
}

TEST_CASE("jwt: base64url is decoded strictly: spare bits, padding and foreign characters are refused", "[auth]") {
  std::string t = Sign(kHs256, Claims(R"("sub":"1")"), kSecret);
  REQUIRE_NOTHROW(lux::VerifyJwt(t, Opts(), kNow));
  // A 32-byte MAC is 43 characters: the last carries 4 data bits and 2 spare bits. Every other
  // character whose data bits equal the original's decodes to the same bytes with a lax decoder.
  std::size_t dot = t.rfind('.');
  REQUIRE(t.size() - dot - 1 == 43);
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int last = static_cast<int>(kAlphabet.find(t.back()));
  REQUIRE(last % 4 == 0);  // the signer wrote zero spare bits
  for (int spare = 1; spare < 4; ++spare) {
    std::string altered = t;
    altered.back() = kAlphabet[static_cast<std::size_t>(last + spare)];
    INFO(altered.substr(dot));
    CHECK_THROWS_WITH(lux::VerifyJwt(altered, Opts(), kNow), Catch::Contains("bad signature"));
  }
  // The same in the header segment: 28 bytes end in a character with 4 spare bits. The strict
  // decoder refuses it before anything else is looked at.
  const std::string header_json = R"({"alg":"HS256","typ":"JWT" })";
  std::string token = Sign(header_json, Claims(""), kSecret);
  REQUIRE_NOTHROW(lux::VerifyJwt(token, Opts(), kNow));
  std::string header = token.substr(0, token.find('.'));
  int hl = static_cast<int>(kAlphabet.find(header.back()));
  REQUIRE(hl % 16 == 0);
  header.back() = kAlphabet[static_cast<std::size_t>(hl + 1)];
  CHECK_THROWS_WITH(lux::VerifyJwt(header + token.substr(token.find('.')), Opts(), kNow), Catch::Contains("not base64url"));
  // Padding, the standard alphabet's + and /, and whitespace.
  CHECK_THROWS_WITH(lux::VerifyJwt(t + "=", Opts(), kNow), Catch::Contains("bad signature"));
  std::string plus = t;
  for (char& c : plus)
    if (c == '-') c = '+';
  std::string slash = t;
  for (char& c : slash)
    if (c == '_') c = '/';
  if (plus != t) CHECK_THROWS_AS(lux::VerifyJwt(plus, Opts(), kNow), lux::AuthError);
  if (slash != t) CHECK_THROWS_AS(lux::VerifyJwt(slash, Opts(), kNow), lux::AuthError);
  CHECK_THROWS_AS(lux::VerifyJwt(t.substr(0, dot) + ". " + t.substr(dot + 1), Opts(), kNow), lux::AuthError);
  CHECK_THROWS_AS(lux::VerifyJwt("+" + t.substr(1), Opts(), kNow), lux::AuthError);
}

TEST_CASE("jwt: a header with `crit` is refused", "[auth]") {
  CHECK_THROWS_WITH(lux::VerifyJwt(Sign(R"({"alg":"HS256","crit":["b64"],"b64":false})", Claims(""), kSecret), Opts(), kNow),
                    Catch::Contains("crit"));
}

TEST_CASE("auth: rate_limit { key: \"user\" } counts per token subject, the address without a valid token") {
  luxtest::TestServer s([](lux::App& app) {
    lux::RegisterJwtAuth(app, Opts());
    lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(2)}, {"window", lux::Value(60)}, {"key", lux::Value("user")}});
    app.Get("/x", [](lux::Request&) { return lux::Respond(200, lux::Value("x")); });
  });
  std::int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 600;
  auto bearer = [&](const std::string& sub, const std::string& secret) {
    return "Authorization: Bearer " + Sign(kHs256, R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp) + "}", secret) + "\r\n";
  };
  auto status = [&](const std::string& headers) { return luxtest::Call(s.port(), "GET", "/x", "", headers)->status; };
  CHECK(status(bearer("alice", kSecret)) == 200);
  CHECK(status(bearer("alice", kSecret)) == 200);
  CHECK(status(bearer("alice", kSecret)) == 429);
  CHECK(status(bearer("bob", kSecret)) == 200);  // another user, another bucket
  // No token, and a wrongly signed one, both count against the address.
  CHECK(status("") == 200);
  CHECK(status(bearer("alice", "another secret of the same length, wrong!")) == 200);
  CHECK(status("") == 429);
  CHECK(lux::TokenUserId(s.app, lux::Request{}) == std::nullopt);
}
