// sign_jwt's options as generated code passes them: the lifetime under both spellings
// (`expires_in`, jsonwebtoken's `expiresIn`) as seconds, a Duration (milliseconds, with the flag
// the emitter adds) or a span as text (lux_common/timespan.h), and the claim options.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include "lux_common/timespan.h"

using lux::Value;
namespace sl = lux::stdlib;

namespace {

const Value kSecret("a-test-secret-for-sign-jwt-0123456789abcdef");

Value Claims(const Value& options, bool lifetime_ms = false) {
  return sl::JwtVerify(sl::JwtSign(Value{{"sub", "a"}}, kSecret, options, lifetime_ms), kSecret);
}

std::int64_t Lifetime(const Value& options, bool lifetime_ms = false) {
  Value c = Claims(options, lifetime_ms);
  return c["exp"].AsInt() - c["iat"].AsInt();
}

}  // namespace

TEST_CASE("TimespanSeconds: jsonwebtoken's spans, a bare number as seconds", "[stdlib]") {
  using lux::common::TimespanSeconds;
  CHECK(TimespanSeconds("1h") == 3600);
  CHECK(TimespanSeconds("30m") == 1800);
  CHECK(TimespanSeconds("7d") == 7 * 86400);
  CHECK(TimespanSeconds("60s") == 60);
  CHECK(TimespanSeconds("120") == 120);
  CHECK(TimespanSeconds("2 days") == 2 * 86400);
  CHECK(TimespanSeconds("1.5 Hours") == 5400);
  CHECK(TimespanSeconds("1w") == 604800);
  CHECK(TimespanSeconds("1y") == 31557600);
  CHECK(TimespanSeconds("500ms") == 0.5);
  CHECK(TimespanSeconds("-1h") == -3600);
  for (const char* bad : {"", "h", "1x", "1 hour ago", "1h30m", "--1", " 1h"}) CHECK_FALSE(TimespanSeconds(bad).has_value());
}

TEST_CASE("sign_jwt: the lifetime as seconds, a Duration or a span, under either spelling", "[stdlib]") {
  CHECK(Lifetime(Value()) == 86400);
  CHECK(Lifetime(Value{{"expires_in", 3600}}) == 3600);
  CHECK(Lifetime(Value{{"expiresIn", 3600}}) == 3600);
  CHECK(Lifetime(Value{{"expiresIn", "1h"}}) == 3600);
  CHECK(Lifetime(Value{{"expires_in", "7d"}}) == 7 * 86400);
  CHECK(Lifetime(Value{{"expiresIn", "120"}}) == 120);
  CHECK(Lifetime(Value{{"expiresIn", 90.5}}) == 90);
  CHECK(Lifetime(Value{{"expires_in", 3'600'000}}, true) == 3600);  // `1.hour`
  CHECK(Lifetime(Value{{"expires_in", Value()}}) == 86400);
  for (const Value& bad : {Value("soon"), Value(0), Value(-5), Value("500ms"), Value(true), Value("-1h")})
    CHECK_THROWS_WITH(sl::JwtSign(Value{{"sub", "a"}}, kSecret, Value{{"expiresIn", bad}}), Catch::Contains("not a lifetime"));
  CHECK_THROWS(sl::JwtSign(Value{{"sub", "a"}}, kSecret, Value{{"expiresIn", 999}}, true));  // 999 ms
}

TEST_CASE("sign_jwt: issuer, audience and subject are the claims iss, aud and sub", "[stdlib]") {
  Value c = Claims(Value{{"issuer", "api"}, {"audience", "web"}, {"subject", "u1"}});
  CHECK(c["iss"] == Value("api"));
  CHECK(c["aud"] == Value("web"));
  CHECK(c["sub"] == Value("u1"));
}
