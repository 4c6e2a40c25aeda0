// The family's Option/Result methods and string helpers of lux::stdlib (result_option.cpp,
// text_case.cpp), called as generated code calls them: the failures and their messages, the
// Option/Result overloads of flat_map and filter, and the edges of the string helpers.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include "failure_of.h"

#include <string>
#include <vector>

using lux::Value;
namespace sl = lux::stdlib;

namespace {

Value Fn(std::function<Value(const std::vector<Value>&)> f) { return Value(lux::Function(std::move(f))); }

}  // namespace

TEST_CASE("unwrap, expect and unwrap_err give the value or fail naming what they found", "[stdlib]") {
  CHECK(sl::Unwrap(sl::Ok(Value(42))) == Value(42));
  CHECK(sl::Unwrap(Value("some")) == Value("some"));
  CHECK(FailureOf([] { sl::Unwrap(Value()); }).find("the value is None") != std::string::npos);
  CHECK(FailureOf([] { sl::Unwrap(sl::Err(Value("bad"))); }).find("Err(bad)") != std::string::npos);
  CHECK(FailureOf([] { sl::Expect(Value(), Value("no value here")); }) == "no value here");
  CHECK(sl::Expect(sl::Ok(Value(1)), Value("x")) == Value(1));
  CHECK(sl::UnwrapErr(sl::Err(Value("e"))) == Value("e"));
  CHECK(FailureOf([] { sl::UnwrapErr(sl::Ok(Value(3))); }).find("Ok(3)") != std::string::npos);
}

TEST_CASE("the state tests and or/and of Options and Results", "[stdlib]") {
  CHECK(sl::IsOkOf(sl::Ok(Value(1))) == Value(true));
  CHECK(sl::IsErrOf(sl::Ok(Value(1))) == Value(false));
  CHECK(sl::IsSome(Value(0)) == Value(true));  // Some(0) is a value, not None
  CHECK(sl::IsNone(Value()) == Value(true));
  CHECK(sl::OrElse(Value(), Value(2)) == Value(2));
  CHECK(sl::OrElse(sl::Err(Value("a")), sl::Err(Value("b"))) == sl::Err(Value("b")));
  CHECK(sl::AndThen(sl::Ok(Value(1)), sl::Err(Value("b"))) == sl::Err(Value("b")));
  CHECK(sl::AndThen(sl::Err(Value("a")), sl::Ok(Value(2))) == sl::Err(Value("a")));
  CHECK(sl::MapErr(sl::Err(Value("e")), Fn([](const std::vector<Value>& a) { return Value("E: " + a[0].AsString()); })) ==
        sl::Err(Value("E: e")));
  CHECK(sl::MapErr(sl::Ok(Value(1)), Fn([](const std::vector<Value>&) { return Value(); })) == sl::Ok(Value(1)));
}

TEST_CASE("flat_map and filter on an Option or a Result, lists unchanged", "[stdlib]") {
  Value positive = Fn([](const std::vector<Value>& a) { return a[0].AsInt() > 0 ? sl::Ok(a[0]) : sl::Err(Value("neg")); });
  CHECK(sl::FlatMap(sl::Ok(Value(3)), positive) == sl::Ok(Value(3)));
  CHECK(sl::FlatMap(sl::Ok(Value(-3)), positive) == sl::Err(Value("neg")));
  CHECK(sl::FlatMap(sl::Err(Value("x")), positive) == sl::Err(Value("x")));
  CHECK(sl::FlatMap(Value(), positive) == Value());
  Value over_three = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() > 3); });
  CHECK(sl::Filter(Value(5), over_three) == Value(5));
  CHECK(sl::Filter(Value(2), over_three) == Value());
  CHECK(sl::Filter(Value(), over_three) == Value());
  CHECK(sl::Filter(Value(lux::Array{Value(2), Value(7)}), over_three) == Value(lux::Array{Value(7)}));
}

TEST_CASE("title_case, snake_case, camel_case, pad_start, pad_end, trim_start, trim_end and String * Int", "[stdlib]") {
  CHECK(sl::TitleCase(Value("hello  big world")) == Value("Hello  Big World"));
  CHECK(sl::SnakeCase(Value("myVariableName")) == Value("my_variable_name"));
  CHECK(sl::SnakeCase(Value("already_snake")) == Value("already_snake"));
  CHECK(sl::CamelCase(Value("my_variable_name")) == Value("myVariableName"));
  CHECK(sl::CamelCase(Value("_leading")) == Value("leading"));
  CHECK(sl::PadStart(Value("7"), Value(3), Value("0")) == Value("007"));
  CHECK(sl::PadStart(Value("é"), Value(3)) == Value("  é"));  // widths count characters
  CHECK(sl::PadEnd(Value("abc"), Value(2), Value(".")) == Value("abc"));
  CHECK(sl::PadEnd(Value("a"), Value(4), Value("xy")) == Value("axyx"));
  CHECK(FailureOf([] { sl::PadStart(Value("a"), Value(1LL << 40)); }).find("larger than") != std::string::npos);
  CHECK(sl::TrimStart(Value(" \t a ")) == Value("a "));
  CHECK(sl::TrimEnd(Value(" a \n")) == Value(" a"));
  CHECK(sl::Mul(Value("ab"), Value(3)) == Value("ababab"));
  CHECK(sl::Mul(Value("ab"), Value(-1)) == Value(""));
}

TEST_CASE("a method call on a value of unknown type finds its type by the value's shape", "[stdlib]") {
  Value point{{"x", 1.0}, {"y", 2.0}};
  CHECK(sl::HasFields(point, {"x", "y"}));
  CHECK(sl::HasFields(point, {"y", "x"}));             // the order of the keys does not matter
  CHECK_FALSE(sl::HasFields(point, {"x"}));            // exactly the fields: a Point is no record of x alone
  CHECK_FALSE(sl::HasFields(point, {"x", "y", "z"}));
  CHECK_FALSE(sl::HasFields(point, {"x", "z"}));
  CHECK_FALSE(sl::HasFields(Value("x"), {"x"}));
  CHECK(sl::HasFields(Value(lux::Object{}), {}));

  CHECK(sl::IsVariantOf(sl::Variant("Circle", {Value(1.0)}), {"Circle", "Rect"}));
  CHECK(sl::IsVariantOf(sl::Variant("Empty", {}), {"Circle", "Empty"}));  // a variant without a payload
  CHECK_FALSE(sl::IsVariantOf(sl::Variant("Square", {Value(1.0)}), {"Circle", "Rect"}));
  CHECK_FALSE(sl::IsVariantOf(Value(3), {"Circle"}));

  CHECK(FailureOf([&] { sl::NoMethod(point, "render"); }).find("cannot call method `render` on Object") != std::string::npos);
}
