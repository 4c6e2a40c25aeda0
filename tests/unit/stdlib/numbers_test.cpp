// The family's math, statistics, randomness and conversion functions of lux::stdlib
// (stdlib/src/numbers.cpp), called as generated code calls them.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <cmath>
#include <string>

#include "values.h"

using lux::Array;
using lux::Value;
namespace sl = lux::stdlib;
using namespace lux::stdlib::testing;

TEST_CASE("trunc, sign, clamp and to_fixed", "[stdlib]") {
  CHECK(sl::Trunc(Value(-3.7)) == Value(-3));
  CHECK(sl::Trunc(Value(5)) == Value(5));
  CHECK(sl::Sign(Value(-42)) == Value(-1));
  CHECK(sl::Sign(Value(0.0)) == Value(0));
  CHECK(sl::Clamp(Value(15), Value(0), Value(10)) == Value(10));
  CHECK(sl::Clamp(Value(-5), Value(0), Value(10)) == Value(0));
  CHECK(sl::Clamp(Value(5), Value(0.0), Value(10)).IsFloat());
  CHECK(FailureOf([] { sl::Clamp(Value(1), Value(10), Value(0)); }).find("above the high bound") != std::string::npos);
  CHECK(sl::ToFixed(Value(3.14159), Value(2)) == Value(3.14));
  CHECK(FailureOf([] { sl::Trunc(Value(1e300)); }).find("trunc") != std::string::npos);
}

TEST_CASE("trigonometry, logarithms and the float tests", "[stdlib]") {
  CHECK(sl::Cos(Value(0)) == Value(1.0));
  CHECK(std::fabs(sl::Atan2(Value(1), Value(1)).AsFloat() - 0.7853981633974483) < 1e-12);
  CHECK(sl::Log2(Value(8)) == Value(3.0));
  CHECK(sl::Log10(Value(1000)) == Value(3.0));
  CHECK(sl::LogE(Value(1)) == Value(0.0));
  CHECK(sl::Exp(Value(0)) == Value(1.0));
  CHECK(sl::ToDegrees(sl::ToRadians(Value(180))) == Value(180.0));
  CHECK(sl::Hypot(Value(3), Value(4)) == Value(5.0));
  CHECK(sl::Lerp(Value(0), Value(100), Value(0.25)) == Value(25.0));
  CHECK(sl::IsNan(Value(std::nan(""))) == Value(true));
  CHECK(sl::IsFinite(Value(42)) == Value(true));
  CHECK(sl::IsFinite(Value(INFINITY)) == Value(false));
  CHECK(sl::IsClose(sl::Add(Value(0.1), Value(0.2)), Value(0.3)) == Value(true));
  CHECK(sl::IsClose(Value(1.0), Value(2.0)) == Value(false));
  CHECK(sl::IsClose(Value(1.0), Value(1.01), Value(0.1)) == Value(true));
}

TEST_CASE("gcd, lcm, factorial and divmod on Ints, overflow and zero checked", "[stdlib]") {
  CHECK(sl::Gcd(Value(12), Value(8)) == Value(4));
  CHECK(sl::Gcd(Value(-12), Value(0)) == Value(12));
  CHECK(sl::Lcm(Value(4), Value(6)) == Value(12));
  CHECK(sl::Factorial(Value(5)) == Value(120));
  CHECK(sl::Factorial(Value(0)) == Value(1));
  CHECK(FailureOf([] { sl::Factorial(Value(-1)); }) == "factorial() of a negative number (-1)");
  CHECK(FailureOf([] { sl::Factorial(Value(21)); }).find("integer overflow") != std::string::npos);
  CHECK(Json(sl::Divmod(Value(10), Value(3))) == "[3,1]");
  CHECK(Json(sl::Divmod(Value(-7), Value(2))) == "[-4,1]");
  CHECK(FailureOf([] { sl::Divmod(Value(1), Value(0)); }) == "divmod(): division by zero");
}

TEST_CASE("random values stay in their bounds", "[stdlib]") {
  for (int i = 0; i < 200; ++i) {
    double r = sl::Random().AsFloat();
    CHECK((r >= 0 && r < 1));
    std::int64_t d = sl::RandomInt(Value(1), Value(6)).AsInt();
    CHECK((d >= 1 && d <= 6));
    double f = sl::RandomFloat(Value(-1.0), Value(1.0)).AsFloat();
    CHECK((f >= -1 && f < 1));
  }
  CHECK(FailureOf([] { sl::RandomInt(Value(5), Value(1)); }).find("above the high bound") != std::string::npos);
  Value xs = Ints({1, 2, 3, 4, 5});
  CHECK(sl::Contains(xs, sl::Choice(xs)) == Value(true));
  CHECK(sl::Choice(Ints({})).IsNull());
  CHECK(sl::Sorted(sl::Shuffle(xs)) == xs);
  Value s = sl::Sample(xs, Value(3));
  CHECK(s.size() == 3);
  CHECK(sl::Unique(s).size() == 3);
  CHECK(sl::Sample(xs, Value(9)).size() == 5);
}

TEST_CASE("statistics: mean, median, mode, variance, stdev and percentile", "[stdlib]") {
  CHECK(sl::Mean(Ints({1, 2, 3, 4, 5})) == Value(3.0));
  CHECK(sl::Mean(Ints({})) == Value(0.0));
  CHECK(sl::Median(Ints({1, 2, 3, 4})) == Value(2.5));
  CHECK(FailureOf([] { sl::Median(Ints({})); }) == "median() of an empty list");
  CHECK(sl::Mode(Ints({1, 2, 2, 3, 3, 3})) == Value(3));
  CHECK(sl::Variance(Ints({2, 4, 4, 4, 5, 5, 7, 9})) == Value(4.0));
  CHECK(sl::Stdev(Ints({2, 4, 4, 4, 5, 5, 7, 9})) == Value(2.0));
  CHECK(sl::Percentile(Ints({1, 2, 3, 4}), Value(25)) == Value(1.75));
  CHECK(sl::Percentile(Ints({10, 20, 30}), Value(100)) == Value(30.0));
  CHECK(FailureOf([] { sl::Percentile(Ints({1}), Value(101)); }).find("between 0 and 100") != std::string::npos);
  CHECK(FailureOf([] { sl::Mean(Value(Array{Value("a")})); }) == "mean() of String: expected a number");
}

TEST_CASE("format_number and the integer bases", "[stdlib]") {
  CHECK(sl::FormatNumber(Value(1234567)) == Value("1,234,567"));
  CHECK(sl::FormatNumber(Value(1234.5), Value{{"decimals", Value(2)}}) == Value("1,234.50"));
  CHECK(sl::FormatNumber(Value(-1234567), Value{{"separator", Value(".")}}) == Value("-1.234.567"));
  CHECK(sl::FormatNumber(Value(999)) == Value("999"));
  CHECK(sl::ToHex(Value(255)) == Value("ff"));
  CHECK(sl::ToHex(Value(-255)) == Value("-ff"));
  CHECK(sl::ToBinary(Value(10)) == Value("1010"));
  CHECK(sl::ToOctal(Value(8)) == Value("10"));
  CHECK(sl::ToBinary(Value(0)) == Value("0"));
}

TEST_CASE("to_bool, parse_int and parse_float", "[stdlib]") {
  CHECK(sl::ToBool(Value("")) == Value(false));
  CHECK(sl::ToBool(Value("0")) == Value(false));
  CHECK(sl::ToBool(Value("false")) == Value(false));
  CHECK(sl::ToBool(Value("hello")) == Value(true));
  CHECK(sl::ToBool(Value(0)) == Value(false));
  CHECK(sl::ToBool(Value()) == Value(false));
  CHECK(sl::ToBool(Ints({})) == Value(true));
  CHECK(sl::ParseInt(Value("42")) == Value(42));
  CHECK(sl::ParseInt(Value("3.7")) == Value(3));
  CHECK(sl::ParseInt(Value(true)) == Value(1));
  CHECK(sl::ParseInt(Value("abc")).IsNull());
  CHECK(sl::ParseInt(Value(1e300)).IsNull());
  CHECK(sl::ParseFloat(Value("3.14")) == Value(3.14));
  CHECK(sl::ParseFloat(Value("abc")).IsNull());
  CHECK(sl::ParseFloat(Value("3.5kg")) == Value(3.5));  // JavaScript's leading number
  CHECK(sl::ParseFloat(Value(" -2e3x")) == Value(-2000.0));
  CHECK(sl::ParseFloat(Value("1e")) == Value(1.0));
  CHECK(sl::ParseFloat(Value(".5")) == Value(0.5));
  CHECK(sl::ParseFloat(Value("-.x")).IsNull());
  CHECK(sl::ParseFloat(Value("+4.5cm")) == Value(4.5));
  CHECK(sl::ParseFloat(Value("+-5")).IsNull());
  CHECK(sl::ParseFloat(Value("inf")).IsNull());
}
