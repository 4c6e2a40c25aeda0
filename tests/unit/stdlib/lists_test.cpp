// The family's list functions of lux::stdlib (stdlib/src/lists.cpp), called as generated code
// calls them: results, edges (empty lists, sizes past the list) and the errors on bad values.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <string>
#include <vector>

#include "values.h"

using lux::Array;
using lux::Value;
namespace sl = lux::stdlib;
using namespace lux::stdlib::testing;

namespace {

const Value kEven = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() % 2 == 0); });
const Value kIdentity = Fn([](const std::vector<Value>& a) { return a[0]; });
const Value kPlus = Fn([](const std::vector<Value>& a) { return sl::Add(a[0], a[1]); });

}  // namespace

TEST_CASE("chunk, sliding_window and pairwise split a list, and a size below 1 is an error", "[stdlib]") {
  CHECK(Json(sl::Chunk(Ints({1, 2, 3, 4, 5}), Value(2))) == "[[1,2],[3,4],[5]]");
  CHECK(Json(sl::Chunk(Ints({}), Value(3))) == "[]");
  CHECK(FailureOf([] { sl::Chunk(Ints({1}), Value(0)); }) == "chunk(): the size must be at least 1, not 0");
  CHECK(Json(sl::SlidingWindow(Ints({1, 2, 3, 4}), Value(2))) == "[[1,2],[2,3],[3,4]]");
  CHECK(Json(sl::SlidingWindow(Ints({1, 2}), Value(5))) == "[]");
  CHECK(FailureOf([] { sl::SlidingWindow(Ints({1}), Value(-1)); }).find("at least 1") != std::string::npos);
  CHECK(Json(sl::Pairwise(Ints({1, 2, 3}))) == "[[1,2],[2,3]]");
  CHECK(Json(sl::Pairwise(Ints({1}))) == "[]");
}

TEST_CASE("partition, group_by, count_by and frequencies keep first-seen order", "[stdlib]") {
  CHECK(Json(sl::Partition(Ints({1, 2, 3, 4, 5}), kEven)) == "[[2,4],[1,3,5]]");
  Value words = L({Value("apple"), Value("avocado"), Value("banana")});
  Value initial = Fn([](const std::vector<Value>& a) { return Value(a[0].AsString().substr(0, 1)); });
  CHECK(Json(sl::GroupBy(words, initial)) == R"({"a":["apple","avocado"],"b":["banana"]})");
  CHECK(Json(sl::CountBy(words, initial)) == R"({"a":2,"b":1})");
  CHECK(Json(sl::Frequencies(Ints({1, 2, 2, 3, 3, 3}))) == R"({"1":1,"2":2,"3":3})");
  CHECK(Json(sl::GroupBy(Ints({1, 2, 3}), kEven)) == R"({"false":[1,3],"true":[2]})");
}

TEST_CASE("scan, reduce without an initial value, sum_by, product, min_by, max_by and none", "[stdlib]") {
  CHECK(Json(sl::Scan(Ints({1, 2, 3, 4}), kPlus, Value(0))) == "[1,3,6,10]");
  CHECK(sl::Reduce(Ints({1, 2, 3}), kPlus) == Value(6));
  CHECK(FailureOf([] { sl::Reduce(Ints({}), kPlus); }) == "reduce() of an empty list without an initial value");
  CHECK(sl::SumBy(Ints({1, 2, 3}), Fn([](const std::vector<Value>& a) { return sl::Mul(a[0], Value(10)); })) == Value(60));
  CHECK(sl::Product(Ints({1, 2, 3, 4})) == Value(24));
  CHECK(sl::Product(Ints({})) == Value(1));
  CHECK(FailureOf([] { sl::Product(Ints({4611686018427387904LL, 2})); }).find("integer overflow") != std::string::npos);
  Value len = Fn([](const std::vector<Value>& a) { return Value(static_cast<long long>(a[0].size())); });
  Value greetings = L({Value("hello"), Value("hi"), Value("hey")});
  CHECK(sl::MinBy(greetings, len) == Value("hi"));
  CHECK(sl::MaxBy(greetings, len) == Value("hello"));
  CHECK(sl::MinBy(Ints({}), len).IsNull());
  CHECK(sl::NoneMatch(Ints({1, 3}), kEven) == Value(true));
  CHECK(sl::NoneMatch(Ints({1, 2}), kEven) == Value(false));
}

TEST_CASE("set operations compare by value, an Int equal to the same Float", "[stdlib]") {
  CHECK(Json(sl::Union(Ints({1, 2, 3}), Ints({3, 4, 5}))) == "[1,2,3,4,5]");
  CHECK(Json(sl::Intersection(Ints({1, 2, 3}), Ints({2, 3, 4}))) == "[2,3]");
  CHECK(Json(sl::Difference(Ints({1, 2, 3}), Ints({2, 3, 4}))) == "[1]");
  CHECK(Json(sl::SymmetricDifference(Ints({1, 2, 3}), Ints({2, 3, 4}))) == "[1,4]");
  CHECK(Json(sl::Intersection(L({Value(1.0), Value("a")}), Ints({1}))) == "[1.0]");
  Value a = L({Value{{"x", Value(1)}, {"y", Value(2)}}});
  Value b = L({Value{{"y", Value(2)}, {"x", Value(1)}}});
  CHECK(sl::IsSubset(a, b) == Value(true));
  CHECK(sl::IsSubset(Ints({1, 4}), Ints({1, 2, 3})) == Value(false));
  CHECK(sl::IsSuperset(Ints({1, 2, 3}), Ints({1, 2})) == Value(true));
}

TEST_CASE("combinations and permutations, and a result past the limit is an error", "[stdlib]") {
  CHECK(Json(sl::Combinations(Ints({1, 2, 3, 4}), Value(2))) == "[[1,2],[1,3],[1,4],[2,3],[2,4],[3,4]]");
  CHECK(Json(sl::Combinations(Ints({1, 2}), Value(3))) == "[]");
  CHECK(Json(sl::Combinations(Ints({1, 2}), Value(0))) == "[[]]");
  CHECK(Json(sl::Permutations(Ints({1, 2, 3}), Value(2))) == "[[1,2],[1,3],[2,1],[2,3],[3,1],[3,2]]");
  CHECK(sl::Permutations(Ints({1, 2, 3})).size() == 6);
  Value big = sl::RangeOf(Value(20));
  CHECK(FailureOf([&] { sl::Permutations(big); }).find("more than 10000000") != std::string::npos);
  CHECK(FailureOf([] { sl::Combinations(Ints({1}), Value(-1)); }).find("must not be negative") != std::string::npos);
}

TEST_CASE("zip of three lists, zip_with, intersperse, interleave and repeat_value", "[stdlib]") {
  CHECK(Json(sl::Zip(Ints({1, 2}), L({Value("a"), Value("b")}), L({Value(true)}))) == R"([[1,"a",true]])");
  CHECK(Json(sl::ZipWith(Ints({1, 2, 3}), Ints({10, 20}), kPlus)) == "[11,22]");
  CHECK(Json(sl::Intersperse(Ints({1, 2, 3}), Value(0))) == "[1,0,2,0,3]");
  CHECK(Json(sl::Interleave(Ints({1, 2, 3}), L({Value("a"), Value("b")}))) == R"([1,"a",2,"b",3])");
  CHECK(Json(sl::RepeatValue(Value("x"), Value(3))) == R"(["x","x","x"])");
  CHECK(Json(sl::RepeatValue(Value(0), Value(-2))) == "[]");
  CHECK(FailureOf([] { sl::RepeatValue(Value(0), Value(100000000)); }).find("more than") != std::string::npos);
}

TEST_CASE("insert_at, remove_at, update_at, rotate and compact copy the list", "[stdlib]") {
  CHECK(Json(sl::InsertAt(Ints({1, 2, 3}), Value(1), Value("x"))) == R"([1,"x",2,3])");
  CHECK(Json(sl::InsertAt(Ints({1, 2}), Value(9), Value(3))) == "[1,2,3]");
  CHECK(Json(sl::RemoveAt(Ints({1, 2, 3}), Value(-1))) == "[1,2]");
  CHECK(FailureOf([] { sl::RemoveAt(Ints({1}), Value(3)); }) == "remove_at(): index 3 is outside a list of 1");
  CHECK(Json(sl::UpdateAt(Ints({1, 2, 3}), Value(2), Value(9))) == "[1,2,9]");
  CHECK(Json(sl::Rotate(Ints({1, 2, 3, 4, 5}), Value(2))) == "[3,4,5,1,2]");
  CHECK(Json(sl::Rotate(Ints({1, 2, 3, 4, 5}), Value(-1))) == "[5,1,2,3,4]");
  CHECK(Json(sl::Compact(L({Value(0), Value(), Value(""), Value(false)}))) == R"([0,"",false])");
}

TEST_CASE("binary_search, is_sorted, type_of and iter", "[stdlib]") {
  CHECK(sl::BinarySearch(Ints({1, 3, 5, 7, 9}), Value(5)) == Value(2));
  CHECK(sl::BinarySearch(Ints({1, 3, 5, 7, 9}), Value(4)) == Value(-1));
  Value ids = L({Value{{"id", Value(1)}}, Value{{"id", Value(3)}}});
  Value id = Fn([](const std::vector<Value>& a) { return *a[0].Find("id"); });
  CHECK(sl::BinarySearch(ids, Value(3), id) == Value(1));
  CHECK(sl::IsSorted(Ints({1, 2, 2, 3})) == Value(true));
  CHECK(sl::IsSorted(Ints({1, 3, 2})) == Value(false));
  CHECK(sl::IsSorted(ids, id) == Value(true));
  CHECK(sl::TypeOf(Value(1)) == Value("Int"));
  CHECK(sl::TypeOf(Value(1.5)) == Value("Float"));
  CHECK(sl::TypeOf(Value()) == Value("Nil"));
  CHECK(sl::TypeOf(Ints({})) == Value("List"));
  CHECK(sl::TypeOf(sl::Ok(Value(1))) == Value("Ok"));
  CHECK(sl::TypeOf(Value{{"a", Value(1)}}) == Value("Object"));
  CHECK(sl::TypeOf(kIdentity) == Value("Function"));
  CHECK(Json(sl::Iter(Value("hé"))) == R"(["h","é"])");
  CHECK(FailureOf([] { sl::Chunk(Value(3), Value(1)); }) == "chunk() of Int: expected a list");
}
