// The in-place list methods (stdlib/src/inplace.cpp): each changes the list it is given, as
// generated code calls them on a binding's place (`items.push(x)`).
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <string>

#include "values.h"

using lux::Array;
using lux::Value;
namespace sl = lux::stdlib;
using namespace lux::stdlib::testing;

TEST_CASE("push, unshift and append add where the family's methods do and answer as they do", "[inplace]") {
  Value xs = Ints({1, 2});
  CHECK(Json(sl::ListPush(xs, {Value(3), Value(4)})) == "4");
  CHECK(Json(sl::ListUnshift(xs, {Value(0)})) == "5");
  CHECK(sl::ListAppend(xs, Value(5)).IsNull());
  CHECK(Json(xs) == "[0,1,2,3,4,5]");
  Value absent;  // a new entry `groups[key]` becomes a list
  sl::ListPush(absent, {Value("a")});
  CHECK(Json(absent) == "[\"a\"]");
  Value text("abc");
  CHECK(FailureOf([&] { sl::ListPush(text, {Value(1)}); }) == "push() of String: expected a list");
}

TEST_CASE("extend reads what it appends before appending, so a list extends with itself", "[inplace]") {
  Value xs = Ints({1, 2});
  sl::ListExtend(xs, xs);
  CHECK(Json(xs) == "[1,2,1,2]");
  CHECK(FailureOf([&] { sl::ListExtend(xs, Value(3)); }) == "extend() of Int: expected a list");
}

TEST_CASE("insert counts a negative index from the end and clamps past either end", "[inplace]") {
  Value xs = Ints({1, 2, 3});
  sl::ListInsert(xs, Value(-1), Value(9));
  CHECK(Json(xs) == "[1,2,9,3]");
  sl::ListInsert(xs, Value(100), Value(7));
  sl::ListInsert(xs, Value(-100), Value(0));
  CHECK(Json(xs) == "[0,1,2,9,3,7]");
}

TEST_CASE("pop and shift answer the removed element, or None on an empty list or a missing index", "[inplace]") {
  Value xs = Ints({1, 2, 3, 4});
  CHECK(Json(sl::ListPop(xs)) == "4");
  CHECK(Json(sl::ListPop(xs, Value(0))) == "1");
  CHECK(Json(sl::ListPop(xs, Value(-1))) == "3");
  CHECK(sl::ListPop(xs, Value(5)).IsNull());
  CHECK(Json(sl::ListShift(xs)) == "2");
  CHECK(sl::ListShift(xs).IsNull());
  CHECK(sl::ListPop(xs).IsNull());
  CHECK(Json(xs) == "[]");
}

TEST_CASE("remove takes out the first equal element only and says whether it found one", "[inplace]") {
  Value xs = Ints({1, 2, 1});
  CHECK(sl::ListRemove(xs, Value(1)).AsBool());
  CHECK(Json(xs) == "[2,1]");
  CHECK_FALSE(sl::ListRemove(xs, Value(7)).AsBool());
  sl::ListClear(xs);
  CHECK(Json(xs) == "[]");
}

TEST_CASE("sort and reverse change the list and answer it", "[inplace]") {
  Value xs = Ints({3, 1, 2});
  CHECK(Json(sl::ListSort(xs)) == "[1,2,3]");
  CHECK(Json(xs) == "[1,2,3]");
  Value desc = lux::Function([](const std::vector<Value>& a) { return Value(a[1].AsInt() - a[0].AsInt()); });
  sl::ListSortWith(xs, desc);
  CHECK(Json(xs) == "[3,2,1]");
  Value neg = lux::Function([](const std::vector<Value>& a) { return Value(-a[0].AsInt()); });
  Value ys = Ints({1, 3, 2});
  sl::ListSort(ys, neg);
  CHECK(Json(ys) == "[3,2,1]");
  CHECK(Json(sl::ListReverse(ys)) == "[1,2,3]");
}

TEST_CASE("splice removes a run, inserts values there and answers what it removed", "[inplace]") {
  Value xs = Ints({1, 2, 3, 4, 5});
  CHECK(Json(sl::ListSplice(xs, Value(1), Value(2), {Value(9)})) == "[2,3]");
  CHECK(Json(xs) == "[1,9,4,5]");
  CHECK(Json(sl::ListSplice(xs, Value(-2), Value(), {})) == "[4,5]");
  CHECK(Json(xs) == "[1,9]");
  CHECK(Json(sl::ListSplice(xs, Value(0), Value(100), {Value(7)})) == "[1,9]");
  CHECK(Json(xs) == "[7]");
}

// `s = s + t`, `xs = [...xs, x]`, `node = { next: node }`: the variable's value moves into the
// result (Add(Value&&, ...), the literal parts' `take`); the result is the copy's.
TEST_CASE("a sum into the variable it replaces extends the text or list in place", "[inplace]") {
  Value s("ab");
  const char* before = s.AsString().data();
  s.AsString().reserve(64);
  before = s.AsString().data();
  s = sl::Add(std::move(s), Value("cd"));
  CHECK(Json(s) == "\"abcd\"");
  CHECK(s.AsString().data() == before);  // the same buffer, not a copy
  s = sl::Add(std::move(s), Value(5));
  CHECK(Json(s) == "\"abcd5\"");
  Value xs = Ints({1, 2});
  xs = sl::Add(std::move(xs), Ints({3}));
  CHECK(Json(xs) == "[1,2,3]");
  // Int and Float sums, and the sums that fail, are the copying Add's.
  Value n(2);
  n = sl::Add(std::move(n), Value(3));
  CHECK(Json(n) == "5");
  Value list = Ints({1});
  CHECK(FailureOf([&] { list = sl::Add(std::move(list), Value(true)); }) != "");
  CHECK(Json(list) == "[1]");  // a failed sum takes nothing
  // A value added to itself (the same object on both sides) is read before it is extended.
  Value twice("ab");
  Value& same = twice;
  twice = sl::Add(std::move(twice), same);
  CHECK(Json(twice) == "\"abab\"");
  Value xs2 = Ints({1, 2});
  Value& same2 = xs2;
  xs2 = sl::Add(std::move(xs2), same2);
  CHECK(Json(xs2) == "[1,2,1,2]");
}

TEST_CASE("a literal part that takes its variable moves it in, after every part is checked", "[inplace]") {
  Value xs = Ints({1, 2});
  xs = sl::ListOf({sl::SpreadTaking(xs), {Value(3)}, {xs, true}});
  CHECK(Json(xs) == "[1,2,3,1,2]");
  Value pair = Ints({0});
  pair = sl::ListOf({sl::ElementTaking(pair), {Value(1)}});
  CHECK(Json(pair) == "[[0],1]");
  Value node = Value{{"v", 0}};
  node = sl::ObjectOf({{"v", Value(1)}, sl::EntryTaking("next", node)});
  CHECK(Json(node) == "{\"v\":1,\"next\":{\"v\":0}}");
  Value state = Value{{"n", 1}, {"k", "a"}};
  state = sl::ObjectOf({sl::SpreadEntriesTaking(state), {"n", Value(2)}});
  CHECK(Json(state) == "{\"n\":2,\"k\":\"a\"}");
  // A spread that fails leaves the variable as it was.
  Value keep = Ints({7});
  CHECK(FailureOf([&] { keep = sl::ListOf({sl::SpreadTaking(keep), {Value(5), true}}); }) ==
        "cannot spread Int into a list");
  CHECK(Json(keep) == "[7]");
  Value obj = Value{{"a", 1}};
  CHECK(FailureOf([&] { obj = sl::ObjectOf({sl::SpreadEntriesTaking(obj), {"", Value("x"), true}}); }) ==
        "cannot spread String into an object");
  CHECK(Json(obj) == "{\"a\":1}");
  // None spreads nothing, taken or not.
  Value none;
  none = sl::ListOf({sl::SpreadTaking(none), {Value(1)}});
  CHECK(Json(none) == "[1]");
}
