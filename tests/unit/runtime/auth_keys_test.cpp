// JWT algorithms beyond HS256 and API keys: HS384/HS512 signed here with OpenSSL's HMAC, RS256
// and ES256 with keys generated here (EVP_RSA_gen, EVP_EC_gen) and their public halves as PEM;
// the configured algorithm is the only one accepted (a token naming another, or an HS256 token
// keyed with the RSA public key, is refused); bad public keys fail LoadJwtPublicKey with one line;
// audience lists; and `type: "api_key"` over HTTP (header, query parameter, 401 challenges).
#include <catch2/catch.hpp>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "test_http.h"
#include "test_b64url.h"

namespace {

using lux::test::B64Url;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "a-test-secret-of-at-least-64-bytes-for-hs512-0123456789abcdefghij";
const std::string kClaims = R"({"sub":"9","exp":1800003600})";

std::string SignHmac(const std::string& alg, const std::string& claims, const std::string& secret) {
  std::string part = B64Url(R"({"alg":")" + alg + R"("})") + "." + B64Url(claims);
  const EVP_MD* md = alg == "HS384" ? EVP_sha384() : alg == "HS512" ? EVP_sha512() : EVP_sha256();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(part.data()), part.size(),
       mac, &len);
  return part + "." + B64Url(std::string(reinterpret_cast<char*>(mac), len));
}

struct Key {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{nullptr, &EVP_PKEY_free};
  std::string public_pem;
};

Key MakeKey(const std::string& alg) {
  Key k;
  k.pkey.reset(alg == "RS256" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  REQUIRE(k.pkey);
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PUBKEY(bio, k.pkey.get()) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  k.public_pem.assign(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return k;
}

std::string SignKey(const std::string& alg, const Key& key, const std::string& claims, const std::string& header_alg = "") {
  std::string part = B64Url(R"({"alg":")" + (header_alg.empty() ? alg : header_alg) + R"("})") + "." + B64Url(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1);
  std::string sig(len, '\0');
  REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                         reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256") {  // DER → R || S
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    REQUIRE(es);
    unsigned char raw[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
    ECDSA_SIG_free(es);
    sig.assign(reinterpret_cast<char*>(raw), 64);
  }
  return part + "." + B64Url(sig);
}

lux::JwtOptions With(const std::string& alg, const Key* key = nullptr) {
  lux::JwtOptions o;
  o.algorithm = alg;
  o.secret = kSecret;
  if (key) o.key = lux::LoadJwtPublicKey(key->public_pem, alg);
  return o;
}

}  // namespace

TEST_CASE("jwt: HS384 and HS512 accept only their own algorithm", "[auth]") {
  for (std::string alg : {"HS384", "HS512"}) {
    INFO(alg);
    CHECK(lux::VerifyJwt(SignHmac(alg, kClaims, kSecret), With(alg), kNow)["sub"].AsString() == "9");
    CHECK_THROWS_WITH(lux::VerifyJwt(SignHmac("HS256", kClaims, kSecret), With(alg), kNow), Catch::Contains("only " + alg));
    CHECK_THROWS_WITH(lux::VerifyJwt(SignHmac(alg, kClaims, kSecret + "x"), With(alg), kNow), Catch::Contains("bad signature"));
  }
}

TEST_CASE("jwt: RS256 and ES256 verify with the public key", "[auth]") {
  for (std::string alg : {"RS256", "ES256"}) {
    INFO(alg);
    Key key = MakeKey(alg);
    Key other = MakeKey(alg);
    lux::JwtOptions o = With(alg, &key);
    CHECK(lux::VerifyJwt(SignKey(alg, key, kClaims), o, kNow)["sub"].AsString() == "9");
    // The PEM on one line with `\n` escapes (as an env setting often holds it).
    std::string one_line;
    for (char c : key.public_pem) one_line += c == '\n' ? std::string("\\n") : std::string(1, c);
    lux::JwtOptions escaped = o;
    escaped.key = lux::LoadJwtPublicKey(one_line, alg);
    CHECK(lux::VerifyJwt(SignKey(alg, key, kClaims), escaped, kNow)["sub"].AsString() == "9");
    CHECK_THROWS_WITH(lux::VerifyJwt(SignKey(alg, other, kClaims), o, kNow), Catch::Contains("bad signature"));
    std::string t = SignKey(alg, key, kClaims);
    std::string changed = t.substr(0, t.find('.') + 1) + B64Url(R"({"sub":"1","exp":1800003600})") + t.substr(t.rfind('.'));
    CHECK_THROWS_WITH(lux::VerifyJwt(changed, o, kNow), Catch::Contains("bad signature"));
    CHECK_THROWS_WITH(lux::VerifyJwt(SignKey(alg, key, kClaims, "none"), o, kNow), Catch::Contains("only " + alg));
    // The public key as an HMAC secret: the token names HS256, which this server never accepts.
    CHECK_THROWS_WITH(lux::VerifyJwt(SignHmac("HS256", kClaims, key.public_pem), o, kNow), Catch::Contains("only " + alg));
    CHECK_THROWS_WITH(lux::VerifyJwt(t.substr(0, t.rfind('.') + 1) + "AAAA", o, kNow), Catch::Contains("bad signature"));
  }
}

TEST_CASE("jwt: a public key of the wrong kind, no key or an unreadable file stop the start", "[auth]") {
  Key rsa = MakeKey("RS256");
  Key ec = MakeKey("ES256");
  CHECK_THROWS_WITH(lux::LoadJwtPublicKey(rsa.public_pem, "ES256"), Catch::Contains("not an EC P-256 public key"));
  CHECK_THROWS_WITH(lux::LoadJwtPublicKey(ec.public_pem, "RS256"), Catch::Contains("not an RSA public key"));
  CHECK_THROWS_WITH(lux::LoadJwtPublicKey("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", "RS256"),
                    Catch::Contains("not a PEM public key"));
  CHECK_THROWS_WITH(lux::LoadJwtPublicKey("/nonexistent/key.pem", "RS256"), Catch::Contains("cannot read the public key file"));
  CHECK_THROWS_WITH(lux::LoadJwtPublicKey("", "ES256"), Catch::Contains("needs a `public_key`"));
  CHECK_THROWS_AS(lux::LoadJwtPublicKey(ec.public_pem, "HS256"), lux::StartupError);
}

TEST_CASE("jwt: an audience list accepts a token for any of them", "[auth]") {
  lux::JwtOptions o = With("HS256");
  o.audiences = {"api", "web"};
  CHECK_NOTHROW(lux::VerifyJwt(SignHmac("HS256", R"({"aud":"web","exp":1800003600})", kSecret), o, kNow));
  CHECK_NOTHROW(lux::VerifyJwt(SignHmac("HS256", R"({"aud":["x","api"],"exp":1800003600})", kSecret), o, kNow));
  CHECK_THROWS_WITH(lux::VerifyJwt(SignHmac("HS256", R"({"aud":"x","exp":1800003600})", kSecret), o, kNow),
                    Catch::Contains("audience"));
  CHECK_THROWS_WITH(lux::VerifyJwt(SignHmac("HS256", R"({"exp":1800003600})", kSecret), o, kNow), Catch::Contains("audience"));
}

TEST_CASE("api_key: a `with auth` route takes one of the keys from its header or query parameter", "[auth]") {
  luxtest::TestServer s{[](lux::App& app) {
    lux::ApiKeyOptions o;
    o.keys = {"k-one", "", "k-two"};
    lux::RegisterApiKeyAuth(app, o);
    app.Route("GET", "/data", [](lux::Request&) { return lux::Respond(200, lux::rt::Locals()["user"]); }, {lux::RequireAuth(app)});
  }};
  auto r = luxtest::Call(s.port(), "GET", "/data");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Header("www-authenticate") == "ApiKey realm=\"lux\", header=\"X-API-Key\"");
  CHECK(r->Json()["error"].AsString().find("X-API-Key") != std::string::npos);
  r = luxtest::Call(s.port(), "GET", "/data", "", "X-API-Key: k-three\r\n");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Header("www-authenticate").find("invalid_key") != std::string::npos);
  r = luxtest::Call(s.port(), "GET", "/data", "", "X-API-Key: k-two\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["key_index"].AsInt() == 1);  // the empty key was dropped
  r = luxtest::Call(s.port(), "GET", "/data", "", "X-API-Key: k-tw\r\n");
  REQUIRE(r);
  CHECK(r->status == 401);

  luxtest::TestServer q{[](lux::App& app) {
    lux::ApiKeyOptions o;
    o.keys = {"qk"};
    o.query = "api_key";
    lux::RegisterApiKeyAuth(app, o);
    app.Route("GET", "/data", [](lux::Request&) { return lux::Respond(200, lux::Value("ok")); }, {lux::RequireAuth(app)});
  }};
  r = luxtest::Call(q.port(), "GET", "/data?api_key=qk");
  REQUIRE(r);
  CHECK(r->status == 200);
  r = luxtest::Call(q.port(), "GET", "/data", "", "X-API-Key: qk\r\n");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Header("www-authenticate") == "ApiKey realm=\"lux\", query=\"api_key\"");
}

TEST_CASE("api_key: no keys at all stop the start", "[auth]") {
  lux::App app("keys");
  lux::ApiKeyOptions o;
  o.keys = {"", ""};
  CHECK_THROWS_WITH(lux::RegisterApiKeyAuth(app, o), Catch::Contains("no API keys"));
}
