// The list helpers of lux::stdlib that take a function (map, filter, find, reduce, sort_by),
// called with lux::Function values as a generated program passes its lambdas.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include "failure_of.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using lux::Value;
namespace sl = lux::stdlib;

namespace {

Value List(std::initializer_list<long long> xs) {
  lux::Array out;
  for (long long x : xs) out.push_back(Value(x));
  return Value(std::move(out));
}

Value Fn(std::function<Value(const std::vector<Value>&)> f) { return Value(lux::Function(std::move(f))); }

}  // namespace

TEST_CASE("find gives the first element the function accepts, or None", "[stdlib]") {
  int calls = 0;
  Value over_two = Fn([&](const std::vector<Value>& a) {
    ++calls;
    return Value(a[0].AsInt() > 2);
  });
  CHECK(sl::Find(List({1, 3, 4, 5}), over_two) == Value(3));
  CHECK(calls == 2);  // stops at the first match
  CHECK(sl::Find(List({1, 2}), over_two).IsNull());
  CHECK(sl::Find(List({}), over_two).IsNull());
  CHECK(sl::Find(Value(), over_two).IsNull());  // None iterates as an empty list
}

TEST_CASE("reduce folds from the initial value, left to right", "[stdlib]") {
  Value minus = Fn([](const std::vector<Value>& a) { return sl::Sub(a[0], a[1]); });
  CHECK(sl::Reduce(List({1, 2, 3}), minus, Value(10)) == Value(4));  // ((10 - 1) - 2) - 3
  CHECK(sl::Reduce(List({}), minus, Value(10)) == Value(10));
  Value concat = Fn([](const std::vector<Value>& a) { return sl::Add(a[0], sl::ToString(a[1])); });
  CHECK(sl::Reduce(List({1, 2}), concat, Value("n")) == Value("n12"));
  // An error in the function goes to the caller.
  Value fails = Fn([](const std::vector<Value>&) -> Value { throw lux::Error("boom"); });
  CHECK_THROWS_WITH(sl::Reduce(List({1}), fails, Value(0)), Catch::Contains("boom"));
}

TEST_CASE("map, filter and sort_by call the function on each element", "[stdlib]") {
  Value twice = Fn([](const std::vector<Value>& a) { return sl::Mul(a[0], Value(2)); });
  CHECK(sl::Map(List({1, 2}), twice) == List({2, 4}));
  CHECK(sl::Map(Value(), twice).IsNull());  // None stays None
  Value odd = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() % 2 != 0); });
  CHECK(sl::Filter(List({1, 2, 3}), odd) == List({1, 3}));
  Value negated = Fn([](const std::vector<Value>& a) { return sl::Neg(a[0]); });
  CHECK(sl::SortBy(List({1, 3, 2}), negated) == List({3, 2, 1}));
  Value descending = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() > a[1].AsInt()); });
  CHECK(sl::SortWith(List({1, 3, 2}), descending) == List({3, 2, 1}));
}

TEST_CASE("sorting with a comparator that is no ordering keeps every element and nothing else", "[stdlib]") {
  // The JavaScript shuffle `(a, b) => Math.random() - 0.5`, a Bool that ignores its arguments, NaN keys.
  std::uint64_t state = 88172645463325252ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  Value random_number = Fn([&](const std::vector<Value>&) { return Value(static_cast<double>(next() % 1000) / 1000.0 - 0.5); });
  Value random_bool = Fn([&](const std::vector<Value>&) { return Value(next() % 2 == 0); });
  for (long long n : {5LL, 17LL, 50LL, 1000LL}) {
    lux::Array xs;
    for (long long i = 0; i < n; ++i) xs.push_back(Value(i % 7 == 0 ? 0 : i));  // duplicates too
    for (const Value& order : {random_number, random_bool}) {
      Value out = sl::SortWith(Value(xs), order);
      REQUIRE(out.size() == static_cast<std::size_t>(n));
      CHECK(sl::Sorted(out) == sl::Sorted(Value(xs)));  // the same elements
    }
  }
  Value nan_keys = sl::SortBy(List({3, 1, 2, 5, 4}), Fn([](const std::vector<Value>& a) {
                                return a[0].AsInt() % 2 == 0 ? Value(std::nan("")) : a[0];
                              }));
  CHECK(nan_keys.size() == 5);
  CHECK(sl::Median(Value(lux::Array{Value(std::nan("")), Value(1.0), Value(3.0)})).IsFloat());
}

TEST_CASE("sorting is stable: equal elements keep their order", "[stdlib]") {
  lux::Array xs;
  for (long long i = 0; i < 100; ++i) xs.push_back(Value{{"k", Value(i % 3)}, {"i", Value(i)}});
  Value by_k = Fn([](const std::vector<Value>& a) { return a[0]["k"]; });
  Value out = sl::SortBy(Value(xs), by_k);
  for (std::size_t j = 1; j < out.size(); ++j) {
    const Value& a = out.AsArray()[j - 1];
    const Value& b = out.AsArray()[j];
    CHECK((a["k"].AsInt() < b["k"].AsInt() || (a["k"] == b["k"] && a["i"].AsInt() < b["i"].AsInt())));
  }
}

TEST_CASE("a JSON part in a typed place converts to the type, or fails naming what it found", "[stdlib]") {
  CHECK(sl::JsonAs<std::int64_t>(Value("42")) == Value(42));
  CHECK(sl::JsonAs<std::int64_t>(Value(42.0)) == Value(42));
  CHECK(sl::JsonAs<std::int64_t>(Value("-7")) == Value(-7));
  CHECK(FailureOf([] { sl::JsonAs<std::int64_t>(Value(2.5)); }) == "expected an Int, found 2.5");
  CHECK(FailureOf([] { sl::JsonAs<std::int64_t>(Value("ten")); }) == "expected an Int, found \"ten\"");
  CHECK(FailureOf([] { sl::JsonAs<std::int64_t>(Value()); }) == "expected an Int, found nothing (null)");
  CHECK(sl::JsonAs<double>(Value(2)).IsFloat());
  CHECK(sl::JsonAs<double>(Value("2.5")) == Value(2.5));
  CHECK(sl::JsonAs<bool>(Value("true")) == Value(true));
  CHECK(FailureOf([] { sl::JsonAs<bool>(Value("yes")); }) == "expected a Bool, found \"yes\"");
  CHECK(sl::JsonAs<std::string>(Value(3)) == Value("3"));
  CHECK(FailureOf([] { sl::JsonAs<std::string>(Value::MakeArray()); }) == "expected text, found Array");
  // An Option: null is None, anything else converts as the type does.
  CHECK(sl::JsonAs<std::optional<std::int64_t>>(Value()).IsNull());
  CHECK(sl::JsonAs<std::optional<std::int64_t>>(Value("5")) == Value(5));
  // A list converts each element as a typed body does.
  CHECK(sl::JsonAs<std::vector<std::string>>(Value(lux::Array{Value("a"), Value("b")})) == Value(lux::Array{Value("a"), Value("b")}));
  CHECK(FailureOf([] { sl::JsonAs<std::vector<std::string>>(Value(lux::Array{Value(1)})); }) != "(no failure)");
}

TEST_CASE("a JSON part compared with a typed value equals it only when it converts", "[stdlib]") {
  CHECK(sl::JsonAsOrNull<std::int64_t>(Value("3")) == Value(3));
  CHECK(sl::JsonAsOrNull<std::int64_t>(Value("abc")).IsNull());
  CHECK(sl::JsonAsOrNull<std::int64_t>(Value::MakeObject()).IsNull());
}

TEST_CASE("a JSON part in arithmetic is the number it is or spells", "[stdlib]") {
  CHECK(sl::JsonNumber(Value("2")) == Value(2));
  CHECK(sl::JsonNumber(Value("2")).IsInt());
  CHECK(sl::JsonNumber(Value("2.5")) == Value(2.5));
  CHECK(sl::JsonNumber(Value(7)) == Value(7));
  CHECK(FailureOf([] { sl::JsonNumber(Value("many")); }) == "expected a number, found \"many\"");
  CHECK(FailureOf([] { sl::JsonNumber(Value(true)); }) == "expected a number, found true");
}

TEST_CASE("a string's length and index count characters, as its slices do", "[stdlib]") {
  CHECK(sl::Len(Value("héllo")) == Value(5));
  CHECK(sl::Len(Value("😀ab")) == Value(3));
  CHECK(sl::Len(Value("")) == Value(0));
  CHECK(sl::Index(Value("héllo"), Value(1)) == Value("é"));
  CHECK(sl::Index(Value("héllo"), Value(4)) == Value("o"));
  CHECK(sl::Index(Value("😀ab"), Value(0)) == Value("😀"));
  CHECK(sl::Index(Value("abc"), Value(-1)) == Value("c"));
  CHECK(sl::Index(Value("héllo"), Value(5)).IsNull());
  CHECK(sl::Index(Value("abc"), Value(-4)).IsNull());
}
