// The family's object and functional helpers of lux::stdlib (stdlib/src/objects.cpp), called as
// generated code calls them.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <atomic>
#include <string>
#include <vector>

#include "values.h"

using lux::Array;
using lux::Value;
namespace sl = lux::stdlib;
using namespace lux::stdlib::testing;

TEST_CASE("entries and from_entries go both ways, in insertion order", "[stdlib]") {
  Value o{{"name", Value("Alice")}, {"age", Value(30)}};
  CHECK(Json(sl::Entries(o)) == R"([["name","Alice"],["age",30]])");
  CHECK(sl::FromEntries(sl::Entries(o)) == o);
  CHECK(Json(sl::FromEntries(Value(Array{Value(Array{Value(1), Value("one")})}))) == R"({"1":"one"})");
  CHECK(FailureOf([] { sl::FromEntries(Value(Array{Value(Array{Value("a")})})); })
            .find("each entry must be a [key, value] pair") != std::string::npos);
  CHECK(Json(sl::Entries(Value())) == "[]");
  // JavaScript's Object.keys / Object.entries: a list's and a String's indexes as text.
  const Value list(Array{Value(7), Value(8)});
  CHECK(Json(sl::ObjectKeys(list)) == R"(["0","1"])");
  CHECK(Json(sl::ObjectEntries(list)) == R"([["0",7],["1",8]])");
  CHECK(Json(sl::Entries(list)) == R"([[0,7],[1,8]])");  // xs.entries(): the index as a number
  CHECK(Json(sl::ObjectEntries(Value("hé"))) == R"([["0","h"],["1","é"]])");
  CHECK(Json(sl::ObjectKeys(o)) == R"(["name","age"])");
  CHECK(Json(sl::ObjectEntries(o)) == Json(sl::Entries(o)));
  for (const Value& none : {Value(), Value(5), Value(true)}) CHECK(Json(sl::ObjectKeys(none)) == "[]");
}

TEST_CASE("merge, pick, omit, map_values and has_key", "[stdlib]") {
  Value defaults{{"theme", Value("light")}, {"lang", Value("en")}, {"debug", Value(false)}};
  Value merged = sl::Merge({defaults, Value{{"theme", Value("dark")}}, Value{{"debug", Value(true)}}});
  CHECK(Json(merged) == R"({"theme":"dark","lang":"en","debug":true})");
  Value keys(Array{Value("lang"), Value("missing")});
  CHECK(Json(sl::Pick(defaults, keys)) == R"({"lang":"en"})");
  CHECK(Json(sl::Omit(defaults, keys)) == R"({"theme":"light","debug":false})");
  Value twice = Fn([](const std::vector<Value>& a) { return sl::Mul(a[0], Value(2)); });
  CHECK(Json(sl::MapValues(Value{{"a", Value(1)}, {"b", Value(2)}}, twice)) == R"({"a":2,"b":4})");
  CHECK(sl::HasKey(defaults, Value("lang")) == Value(true));
  CHECK(sl::HasKey(defaults, Value("nope")) == Value(false));
  CHECK(sl::HasKey(Value(), Value("x")) == Value(false));
  CHECK(FailureOf([] { sl::Merge({Value(1)}); }) == "merge() of Int: expected an object");
}

TEST_CASE("compose, pipe_fn, negate, flip, partial and identity build functions", "[stdlib]") {
  Value dbl = Fn([](const std::vector<Value>& a) { return sl::Mul(a[0], Value(2)); });
  Value inc = Fn([](const std::vector<Value>& a) { return sl::Add(a[0], Value(1)); });
  Value sub = Fn([](const std::vector<Value>& a) { return sl::Sub(a[0], a[1]); });
  CHECK(sl::Call(sl::Compose(inc, dbl), {Value(3)}) == Value(7));
  CHECK(sl::Call(sl::PipeFn(inc, dbl), {Value(3)}) == Value(8));
  CHECK(sl::Call(sl::Compose(inc, dbl, dbl), {Value(1)}) == Value(5));
  CHECK(sl::Call(sl::PipeFn(inc, dbl, inc), {Value(1)}) == Value(5));
  Value even = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() % 2 == 0); });
  CHECK(sl::Call(sl::Negate(even), {Value(3)}) == Value(true));
  CHECK(sl::Call(sl::Flip(sub), {Value(3), Value(10)}) == Value(7));
  CHECK(sl::Call(sl::Partial(sub, Value(10)), {Value(3)}) == Value(7));
  CHECK(sl::Identity(Value("x")) == Value("x"));
  CHECK(FailureOf([] { sl::Negate(Value(1)); }) == "negate() of Int: expected a function");
}

TEST_CASE("memoize calls the function once per arguments, and once calls it once", "[stdlib]") {
  auto calls = std::make_shared<std::atomic<int>>(0);
  Value square = Fn([calls](const std::vector<Value>& a) {
    ++*calls;
    return sl::Mul(a[0], a[0]);
  });
  Value fast = sl::Memoize(square);
  CHECK(sl::Call(fast, {Value(9)}) == Value(81));
  CHECK(sl::Call(fast, {Value(9)}) == Value(81));
  CHECK(sl::Call(fast, {Value(3)}) == Value(9));
  CHECK(calls->load() == 2);
  auto inits = std::make_shared<std::atomic<int>>(0);
  Value init = sl::Once(Fn([inits](const std::vector<Value>&) { return Value(static_cast<long long>(++*inits)); }));
  CHECK(sl::Call(init, {}) == Value(1));
  CHECK(sl::Call(init, {}) == Value(1));
  CHECK(inits->load() == 1);
}
