// lux::stdlib::SliceStep (`xs[a:b:step]`) and PutEntry (a dict comprehension's entry), called as
// generated code calls them.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <cstdint>
#include <limits>

using lux::Value;
namespace sl = lux::stdlib;

namespace {

Value Ints(std::initializer_list<long long> xs) {
  lux::Array out;
  for (long long x : xs) out.push_back(Value(x));
  return Value(std::move(out));
}

const Value kTen = Ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
const Value kNone;

Value I(long long v) { return Value(v); }

}  // namespace

TEST_CASE("SliceStep follows Python's slices of a list", "[stdlib][slices]") {
  CHECK(sl::SliceStep(kTen, I(2), I(5), kNone) == Ints({2, 3, 4}));
  CHECK(sl::SliceStep(kTen, kNone, I(3), kNone) == Ints({0, 1, 2}));
  CHECK(sl::SliceStep(kTen, I(-3), kNone, kNone) == Ints({7, 8, 9}));
  CHECK(sl::SliceStep(kTen, kNone, kNone, I(3)) == Ints({0, 3, 6, 9}));
  CHECK(sl::SliceStep(kTen, I(1), kNone, I(2)) == Ints({1, 3, 5, 7, 9}));
  CHECK(sl::SliceStep(kTen, kNone, kNone, I(-1)) == Ints({9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  CHECK(sl::SliceStep(kTen, I(4), I(1), I(-1)) == Ints({4, 3, 2}));
  CHECK(sl::SliceStep(kTen, I(-1), I(-11), I(-3)) == Ints({9, 6, 3, 0}));
}

TEST_CASE("SliceStep clamps bounds past either end and never reads outside", "[stdlib][slices]") {
  const long long big = std::numeric_limits<std::int64_t>::max();
  const long long small = std::numeric_limits<std::int64_t>::min();
  CHECK(sl::SliceStep(kTen, I(20), I(30), kNone) == Ints({}));
  CHECK(sl::SliceStep(kTen, I(small), I(big), I(4)) == Ints({0, 4, 8}));
  CHECK(sl::SliceStep(kTen, I(big), I(small), I(-4)) == Ints({9, 5, 1}));
  CHECK(sl::SliceStep(kTen, I(2), I(9), I(big)) == Ints({2}));
  CHECK(sl::SliceStep(kTen, I(9), kNone, I(small)) == Ints({9}));
  CHECK(sl::SliceStep(kTen, I(5), I(2), kNone) == Ints({}));
  CHECK(sl::SliceStep(Ints({}), kNone, kNone, I(-1)) == Ints({}));
}

TEST_CASE("SliceStep walks a string by characters", "[stdlib][slices]") {
  CHECK(sl::SliceStep(Value("Hello, World!"), I(0), I(5), kNone) == Value("Hello"));
  CHECK(sl::SliceStep(Value("Hello, World!"), kNone, kNone, I(-1)) == Value("!dlroW ,olleH"));
  CHECK(sl::SliceStep(Value("h\xC3\xA9llo"), kNone, kNone, I(-2)) == Value("ol" "h"));
  CHECK(sl::SliceStep(Value("h\xC3\xA9llo"), I(1), I(2), kNone) == Value("\xC3\xA9"));
}

TEST_CASE("SliceStep refuses a step of 0 and what is not a list or a string", "[stdlib][slices]") {
  CHECK_THROWS_WITH(sl::SliceStep(kTen, kNone, kNone, I(0)), "a slice step cannot be 0");
  CHECK_THROWS_AS(sl::SliceStep(Value(3LL), kNone, kNone, kNone), lux::TypeError);
  CHECK_THROWS_AS(sl::SliceStep(kTen, Value("a"), kNone, kNone), lux::TypeError);
  CHECK(sl::SliceStep(kNone, kNone, kNone, I(2)).IsNull());
}

TEST_CASE("PutEntry keys an object by the key's text, a later key replacing an earlier one", "[stdlib][slices]") {
  Value o = Value::MakeObject();
  sl::PutEntry(o, Value("name"), Value("ada"));
  sl::PutEntry(o, I(3), I(9));
  sl::PutEntry(o, Value("name"), Value("bo"));
  CHECK(o["name"] == Value("bo"));
  CHECK(o["3"] == I(9));
  CHECK(o.size() == 2);
}
