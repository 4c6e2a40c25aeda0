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
