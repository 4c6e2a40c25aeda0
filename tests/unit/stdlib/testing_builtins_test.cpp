// The test built-ins' assertions as generated code calls them (`lux::stdlib::TestAssertEq({a, b},
// "file:line")`): what passes, and the exact failure message — place, `expected ..., found ...`,
// values as JSON, long ones on a line each; assert_throws returns the error's message.
#include <catch2/catch.hpp>

#include <string>

#include "lux/stdlib.h"
#include "lux/testing.h"

using lux::Value;

namespace {

std::string FailureOf(void (*fn)()) {
  try {
    fn();
  } catch (const lux::testing::AssertionFailed& e) {
    return e.what();
  }
  return "(no failure)";
}

}  // namespace

TEST_CASE("assert_eq passes on equal values and names the difference otherwise") {
  CHECK_NOTHROW(lux::stdlib::TestAssertEq({Value(2), Value(2.0)}, "a.lux:1"));
  CHECK_NOTHROW(lux::stdlib::TestAssertEq({Value{{"a", 1}, {"b", "x"}}, Value{{"b", "x"}, {"a", 1}}}, "a.lux:1"));
  CHECK(FailureOf([] { lux::stdlib::TestAssertEq({Value(404), Value(200)}, "app.lux:12"); }) ==
        "app.lux:12: assert_eq failed: expected 200, found 404");
  CHECK(FailureOf([] { lux::stdlib::TestAssertEq({Value("a"), Value(lux::Array{Value(1), Value("b")})}, "app.lux:3"); }) ==
        "app.lux:3: assert_eq failed: expected [1,\"b\"], found \"a\"");
  std::string longer(90, 'x');
  std::string msg = FailureOf([] { lux::stdlib::TestAssertEq({Value(std::string(90, 'x')), Value("y")}, "app.lux:4"); });
  CHECK(msg == "app.lux:4: assert_eq failed: \n  expected: \"y\"\n     found: \"" + longer + "\"");
}

TEST_CASE("assert, assert_ne and assert_throws") {
  CHECK_NOTHROW(lux::stdlib::TestAssert({Value(true)}, "a.lux:1"));
  CHECK(FailureOf([] { lux::stdlib::TestAssert({Value(false), Value("ready")}, "a.lux:2"); }) ==
        "a.lux:2: assertion failed: ready");
  CHECK(FailureOf([] { lux::stdlib::TestAssert({Value(false)}, "a.lux:3"); }) == "a.lux:3: assertion failed");
  CHECK(FailureOf([] { lux::stdlib::TestAssertNe({Value(1), Value(1)}, "a.lux:4"); }) ==
        "a.lux:4: assert_ne failed: both are 1");
  Value thrower(lux::Function([](const std::vector<Value>&) -> Value { throw lux::Error("boom here"); }));
  CHECK(lux::stdlib::TestAssertThrows({thrower, Value("boom")}, "a.lux:5") == Value("boom here"));
  CHECK(FailureOf([] {
          Value quiet(lux::Function([](const std::vector<Value>&) { return Value(); }));
          lux::stdlib::TestAssertThrows({quiet}, "a.lux:6");
        }) == "a.lux:6: assert_throws: the function returned without an error");
}
