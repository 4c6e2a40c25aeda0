// sign_jwt's and hash_password's runtime side (lux/auth.h): SignJwt tokens verify with VerifyJwt
// under the same secret and algorithm and fail under another; HashPassword's PHC strings verify
// the password and no other, two hashes of one password differ, and VerifyPassword is false —
// quickly, without running scrypt at an absurd cost — for strings that are no such hash.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "lux/auth.h"

namespace {

const std::string kSecret = "a-test-secret-of-at-least-64-bytes-for-hs512-0123456789abcdefghij";
constexpr std::int64_t kNow = 1'800'000'000;

lux::JwtOptions Opts(const std::string& alg) {
  lux::JwtOptions o;
  o.algorithm = alg;
  o.secret = kSecret;
  return o;
}

}  // namespace

TEST_CASE("SignJwt: the token verifies with the same secret and algorithm, not with another") {
  lux::Value claims{{"user_id", 7}, {"role", "admin"}, {"exp", kNow + 60}};
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    std::string token = lux::SignJwt(claims, alg, kSecret);
    lux::Value got = lux::VerifyJwt(token, Opts(alg), kNow);
    CHECK(got["user_id"].AsInt() == 7);
    CHECK(got["role"].AsString() == "admin");
    lux::JwtOptions other = Opts(alg);
    other.secret = kSecret + "x";
    CHECK_THROWS_AS(lux::VerifyJwt(token, other, kNow), lux::AuthError);
  }
  CHECK_THROWS_AS(lux::VerifyJwt(lux::SignJwt(claims, "HS256", kSecret), Opts("HS512"), kNow), lux::AuthError);
  CHECK_THROWS_AS(lux::SignJwt(claims, "RS256", kSecret), lux::Error);
  CHECK_THROWS_AS(lux::SignJwt(lux::Value("not an object"), "HS256", kSecret), lux::Error);
}

TEST_CASE("HashPassword: a salted scrypt PHC string that verifies the password and no other") {
  std::string a = lux::HashPassword("correct horse");
  std::string b = lux::HashPassword("correct horse");
  CHECK(a.rfind("$scrypt$ln=14,r=8,p=1$", 0) == 0);
  CHECK(a != b);  // a fresh salt each time
  CHECK(lux::VerifyPassword("correct horse", a));
  CHECK(lux::VerifyPassword("correct horse", b));
  CHECK_FALSE(lux::VerifyPassword("correct horse ", a));
  CHECK_FALSE(lux::VerifyPassword("", a));
  CHECK(lux::VerifyPassword("", lux::HashPassword("")));
}

TEST_CASE("VerifyPassword: strings that are no hash are false, and a huge cost is not run") {
  std::string good = lux::HashPassword("pw");
  std::string tail = good.substr(good.find("$", 8));  // `$<salt>$<hash>`
  auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> bad = {"", "pw", "$scrypt$", "$argon2id$v=19$m=65536,t=3,p=4" + tail,
                                        "$scrypt$ln=40,r=8,p=1" + tail, "$scrypt$ln=14,r=800,p=1" + tail,
                                        "$scrypt$ln=14,r=8,p=0" + tail, "$scrypt$ln=14,r=8" + tail,
                                        "$scrypt$ln=14,r=8,p=1$@@@$AAAA", "$scrypt$ln=14,r=8,p=1$c2FsdA$c2hvcnQ",
                                        good + "A", "$scrypt$ln=14,r=8,p=1,x=2" + tail};
  for (const std::string& b : bad) CHECK_FALSE(lux::VerifyPassword("pw", b));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(lux::VerifyPassword("pw", good));
}
