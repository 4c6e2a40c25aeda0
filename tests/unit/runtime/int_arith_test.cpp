// Int arithmetic of lux::stdlib: every operation yields the exact result or throws lux::Error
// ("integer overflow: ..."), never wraps and never traps (INT64_MIN / -1 raised SIGFPE before);
// Float→Int conversions refuse NaN, infinities and out-of-range values; route parameters take
// the canonical Int form only and quote the client's text safely in the error.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <cmath>
#include <cstdint>
#include <limits>

using lux::Value;
namespace sl = lux::stdlib;

namespace {
constexpr long long kMax = INT64_MAX;
constexpr long long kMin = INT64_MIN;
Value I(long long i) { return Value(i); }
}  // namespace

TEST_CASE("int: + - * at the edges of the range") {
  REQUIRE(sl::Add(I(kMax - 1), I(1)).AsInt() == kMax);
  REQUIRE(sl::Add(I(kMin), I(kMax)).AsInt() == -1);
  REQUIRE_THROWS_WITH(sl::Add(I(kMax), I(1)), Catch::StartsWith("integer overflow: 9223372036854775807 + 1"));
  REQUIRE_THROWS_AS(sl::Add(I(kMin), I(-1)), lux::Error);
  REQUIRE(sl::Sub(I(kMin + 1), I(1)).AsInt() == kMin);
  REQUIRE_THROWS_AS(sl::Sub(I(kMin), I(1)), lux::Error);
  REQUIRE_THROWS_AS(sl::Sub(I(0), I(kMin)), lux::Error);
  REQUIRE(sl::Mul(I(kMax), I(1)).AsInt() == kMax);
  REQUIRE(sl::Mul(I(kMin), I(1)).AsInt() == kMin);
  REQUIRE(sl::Mul(I(4611686018427387903LL), I(2)).AsInt() == kMax - 1);
  REQUIRE_THROWS_WITH(sl::Mul(I(kMax), I(2)), Catch::StartsWith("integer overflow: 9223372036854775807 * 2"));
  REQUIRE_THROWS_AS(sl::Mul(I(kMin), I(-1)), lux::Error);
  REQUIRE_THROWS_AS(sl::Mul(I(3037000500LL), I(3037000500LL)), lux::Error);
  // Mixed with a Float the result is a Float, which does not overflow.
  REQUIRE(sl::Mul(I(kMax), Value(2.0)).AsFloat() == 2.0 * 9223372036854775807.0);
  // The error is a plain lux::Error: a 500 whose message stays in the log.
  try {
    sl::Add(I(kMax), I(kMax));
    FAIL("no throw");
  } catch (const lux::Error& e) {
    REQUIRE(e.status() == 500);
    REQUIRE_FALSE(e.exposed());
  }
}

TEST_CASE("int: / % and unary - never trap") {
  REQUIRE(sl::Div(I(kMin), I(1)).AsInt() == kMin);
  REQUIRE(sl::Div(I(-7), I(2)).AsInt() == -3);  // truncates toward zero
  REQUIRE(sl::Div(I(kMin + 1), I(-1)).AsInt() == kMax);
  REQUIRE_THROWS_WITH(sl::Div(I(kMin), I(-1)), Catch::StartsWith("integer overflow: -9223372036854775808 / -1"));
  REQUIRE_THROWS_WITH(sl::Div(I(1), I(0)), "division by zero");
  REQUIRE(sl::Mod(I(kMin), I(-1)).AsInt() == 0);
  REQUIRE(sl::Mod(I(kMax), I(-1)).AsInt() == 0);
  REQUIRE(sl::Mod(I(-7), I(2)).AsInt() == -1);  // the sign of the dividend
  REQUIRE(sl::Mod(I(kMin), I(kMax)).AsInt() == -1);
  REQUIRE_THROWS_WITH(sl::Mod(I(1), I(0)), "division by zero");
  REQUIRE(sl::Neg(I(kMax)).AsInt() == -kMax);
  REQUIRE_THROWS_WITH(sl::Neg(I(kMin)), Catch::StartsWith("integer overflow"));
}

TEST_CASE("int: sum, durations and ranges stay in range") {
  REQUIRE(sl::Sum(Value(lux::Array{I(kMax), I(-1), I(1)})).AsInt() == kMax);
  REQUIRE_THROWS_AS(sl::Sum(Value(lux::Array{I(kMax), I(1)})), lux::Error);
  REQUIRE(sl::Duration(I(2), 1000).AsInt() == 2000);
  REQUIRE_THROWS_AS(sl::Duration(I(kMax / 1000 + 1), 1000), lux::Error);
  REQUIRE(sl::Duration(Value(1.5), 1000).AsInt() == 1500);
  REQUIRE_THROWS_AS(sl::Duration(Value(1e300), 1000), lux::Error);
  REQUIRE_THROWS_AS(sl::Duration(Value(std::nan("")), 1000), lux::Error);
  // `lo..=hi` up to the largest Int ends instead of wrapping past it.
  REQUIRE(sl::Range(I(kMax - 2), I(kMax), true).size() == 3);
  REQUIRE(sl::Range(I(kMax - 2), I(kMax), false).size() == 2);
  REQUIRE(sl::Range(I(kMin), I(kMin), true).size() == 1);
  REQUIRE(sl::Range(I(kMin), I(kMin), false).size() == 0);
  REQUIRE(sl::Range(I(5), I(1), true).size() == 0);
  // range(lo, hi, step) stops when the next step would leave the range.
  REQUIRE(sl::RangeOf(I(kMax - 10), I(kMax), I(4)).size() == 3);
  REQUIRE(sl::RangeOf(I(0), I(kMax), I(kMax / 2 + 1)).size() == 2);
  REQUIRE(sl::RangeOf(I(0), I(kMin), I(kMin)).size() == 1);
  REQUIRE(sl::RangeOf(I(kMin + 10), I(kMin), I(-4)).size() == 3);
}

TEST_CASE("int: one range holds at most kMaxRangeLength elements") {
  constexpr long long kLen = static_cast<long long>(sl::kMaxRangeLength);
  REQUIRE(sl::Range(I(-5), I(kLen - 5), false).size() == sl::kMaxRangeLength);
  REQUIRE_THROWS_WITH(sl::Range(I(-5), I(kLen - 4), false), Catch::StartsWith("a range of more than 10000000 elements"));
  REQUIRE(sl::Range(I(1), I(kLen), true).size() == sl::kMaxRangeLength);
  REQUIRE_THROWS_AS(sl::Range(I(0), I(kLen), true), lux::Error);
  REQUIRE_THROWS_AS(sl::Range(I(kMin), I(kMax), true), lux::Error);  // 2^64 elements: no wrap to 0
  REQUIRE(sl::RangeOf(I(0), I(3 * kLen), I(3)).size() == sl::kMaxRangeLength);
  REQUIRE_THROWS_AS(sl::RangeOf(I(0), I(3 * kLen + 1), I(3)), lux::Error);
  REQUIRE(sl::RangeOf(I(0), I(-2 * kLen), I(-2)).size() == sl::kMaxRangeLength);
  REQUIRE_THROWS_AS(sl::RangeOf(I(kMax), I(kMin), I(-1)), lux::Error);
  REQUIRE_THROWS_AS(sl::RangeOf(I(kMax)), lux::Error);
}

TEST_CASE("float to int: truncates in range, refuses NaN, infinities and the rest") {
  REQUIRE(sl::ToInt(Value(2.9)).AsInt() == 2);
  REQUIRE(sl::ToInt(Value(-2.9)).AsInt() == -2);
  REQUIRE(sl::ToInt(Value(-9223372036854775808.0)).AsInt() == kMin);
  REQUIRE(sl::ToInt(Value(9223372036854774784.0)).AsInt() == 9223372036854774784LL);  // the largest double below 2^63
  for (double bad : {9223372036854775808.0, -9223372036854777856.0, 1e300, -1e300, std::nan(""),
                     std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    INFO(bad);
    REQUIRE_THROWS_WITH(sl::ToInt(Value(bad)), Catch::Contains("is not in the Int range"));
  }
  REQUIRE(sl::ToInt(Value("-9223372036854775808")).AsInt() == kMin);
  REQUIRE(sl::ToInt(Value("1e3")).AsInt() == 1000);
  REQUIRE_THROWS_WITH(sl::ToInt(Value("1e30")), Catch::Contains("is not in the Int range"));
  REQUIRE_THROWS_WITH(sl::ToInt(Value(std::string("1\0x", 3))), "to_int: \"1\\u0000x\" is not a number");
}

TEST_CASE("route parameters: canonical Int text only, the client's text quoted safely") {
  REQUIRE(sl::ParamFromString("n", "-9223372036854775808", sl::Kind::kInt).AsInt() == kMin);
  REQUIRE(sl::ParamFromString("n", "9223372036854775807", sl::Kind::kInt).AsInt() == kMax);
  REQUIRE(sl::ParamFromString("n", "-5", sl::Kind::kInt).AsInt() == -5);
  REQUIRE_THROWS_WITH(sl::ParamFromString("n", "+5", sl::Kind::kInt), "parameter `n`: expected Int, got \"+5\"");
  REQUIRE_THROWS_WITH(sl::ParamFromString("x", "+1.5", sl::Kind::kFloat), "parameter `x`: expected Float, got \"+1.5\"");
  REQUIRE(sl::ParamFromString("x", "-1.5", sl::Kind::kFloat).AsFloat() == -1.5);
  REQUIRE_THROWS_WITH(sl::ParamFromString("n", "9223372036854775808", sl::Kind::kInt),
                      Catch::Contains("\"9223372036854775808\" is outside the Int range"));
  REQUIRE_THROWS_WITH(sl::ParamFromString("n", "-9223372036854775809", sl::Kind::kInt),
                      Catch::Contains("is outside the Int range"));
  try {
    sl::ParamFromString("n", std::string("1\0after", 7), sl::Kind::kInt);
    FAIL("no throw");
  } catch (const lux::HttpError& e) {
    REQUIRE(e.status() == 400);
    REQUIRE(std::string(e.what()) == "parameter `n`: expected Int, got \"1\\u0000after\"");
  }
  // Long text is cut at 64 bytes on a character boundary; invalid UTF-8 shows as U+FFFD.
  std::string msg = sl::QuoteText(std::string(63, 'a') + "\xc3\xa9" + std::string(100, 'b'));
  REQUIRE(msg == "\"" + std::string(63, 'a') + "\"...");
  REQUIRE(sl::QuoteText("\xff") == "\"\xef\xbf\xbd\"");
}
