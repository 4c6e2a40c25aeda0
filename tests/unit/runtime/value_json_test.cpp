// lux::Value and JSON: kinds, copying, equality, parse/serialise round trips, error positions,
// the nesting limit, and typed-record conversion.
#include <catch2/catch.hpp>
#include <lux/value.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

using lux::Value;

TEST_CASE("value kinds, copies are deep, moves leave null") {
  Value o{{"a", 1}, {"b", "x"}, {"c", lux::Array{Value(1.5), Value(true), Value()}}};
  REQUIRE(o.IsObject());
  REQUIRE(o["a"].AsInt() == 1);
  REQUIRE(o["b"].AsString() == "x");
  REQUIRE(o["c"][0].AsFloat() == 1.5);
  REQUIRE(o["missing"].IsNull());
  Value copy = o;
  copy["a"] = 2;
  REQUIRE(o["a"].AsInt() == 1);
  Value moved = std::move(copy);
  REQUIRE(copy.IsNull());
  REQUIRE(moved["a"].AsInt() == 2);
  REQUIRE_THROWS_AS(o["b"].AsInt(), lux::TypeError);
  REQUIRE_THROWS_WITH(o["b"].AsInt(), "expected Int, got String");
  REQUIRE_THROWS_AS(o["c"][3], lux::TypeError);
}

TEST_CASE("value equality and truthiness") {
  REQUIRE(Value(1) == Value(1.0));
  REQUIRE(Value("a") != Value("b"));
  REQUIRE(Value{{"x", 1}, {"y", 2}} == Value{{"y", 2}, {"x", 1}});
  REQUIRE_FALSE(Value().Truthy());
  REQUIRE_FALSE(Value(0).Truthy());
  REQUIRE_FALSE(Value("").Truthy());
  REQUIRE_FALSE(Value(std::nan("")).Truthy());  // NaN is falsy, as in JavaScript
  REQUIRE(Value(0.5).Truthy());
  REQUIRE(Value::MakeArray().Truthy());
  Value f = lux::Function([](const std::vector<Value>& args) { return Value(args[0].AsInt() * 2); });
  REQUIRE(f.Call({Value(21)}).AsInt() == 42);
  REQUIRE(f != f);  // functions have no equality
}

TEST_CASE("json parse of every kind") {
  Value v = lux::ParseJson(R"( {"n":null,"t":true,"f":false,"i":-42,"d":3.25,"e":1e3,"s":"a\"b\\c\n\u00e9\ud83d\ude00","a":[1,[2,{}]]} )");
  REQUIRE(v["n"].IsNull());
  REQUIRE(v["t"].AsBool());
  REQUIRE_FALSE(v["f"].AsBool());
  REQUIRE(v["i"].AsInt() == -42);
  REQUIRE(v["d"].AsFloat() == 3.25);
  REQUIRE(v["e"].IsFloat());
  REQUIRE(v["e"].AsFloat() == 1000.0);
  REQUIRE(v["s"].AsString() == "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
  REQUIRE(v["a"][1][1].IsObject());
}

TEST_CASE("json serialise is compact, ordered and round-trips") {
  Value v{{"b", 1}, {"a", lux::Array{Value(1.0), Value(0.1), Value("x\ty\x01")}}, {"z", Value()}};
  std::string s = lux::ToJson(v);
  REQUIRE(s == R"({"b":1,"a":[1.0,0.1,"x\ty\u0001"],"z":null})");
  REQUIRE(lux::ParseJson(s) == v);
  REQUIRE(lux::ToJson(Value(std::numeric_limits<double>::infinity())) == "null");
  REQUIRE(lux::ToJson(Value(9007199254740993LL)) == "9007199254740993");
  REQUIRE(lux::ToJsonPretty(Value{{"a", lux::Array{Value(1)}}}) == "{\n  \"a\": [\n    1\n  ]\n}");
}

TEST_CASE("json integers beyond int64 become floats") {
  Value v = lux::ParseJson("123456789012345678901234567890");
  REQUIRE(v.IsFloat());
  REQUIRE(v.AsFloat() > 1e29);
}

TEST_CASE("json errors carry line, column and offset") {
  try {
    lux::ParseJson("{\n  \"a\": 1,\n  \"b\": tru\n}");
    FAIL("no throw");
  } catch (const lux::JsonError& e) {
    REQUIRE(e.line == 3);
    REQUIRE(e.column == 8);
    REQUIRE(std::string(e.what()).find("line 3 column 8") != std::string::npos);
  }
  for (const char* bad : {"", "[1,]", "{\"a\" 1}", "[1 2]", "01", "1.", "-", "\"abc", "\"\\x\"", "\"\\ud800\"",
                          "[1]x", "{'a':1}", "\"a\tb\"", "nul", "1e"}) {
    INFO(bad);
    REQUIRE_THROWS_AS(lux::ParseJson(bad), lux::JsonError);
  }
}

TEST_CASE("json nesting limit is enforced at exactly kMaxJsonDepth") {
  std::string ok(lux::kMaxJsonDepth, '['), ok_close(lux::kMaxJsonDepth, ']');
  REQUIRE_NOTHROW(lux::ParseJson(ok + ok_close));
  std::string bad(lux::kMaxJsonDepth + 1, '['), bad_close(lux::kMaxJsonDepth + 1, ']');
  REQUIRE_THROWS_WITH(lux::ParseJson(bad + bad_close), Catch::Contains("nesting deeper than"));
}

namespace rec {
struct Point {
  std::int64_t x = 0;
  double y = 0;
  std::optional<std::string> label;
  std::vector<std::int64_t> tags;
};
lux::Value ToValue(const Point& p) {
  return lux::Value{{"x", lux::ToValue(p.x)}, {"y", lux::ToValue(p.y)}, {"label", lux::ToValue(p.label)},
                    {"tags", lux::ToValue(p.tags)}};
}
void FromValue(const lux::Value& v, Point& p) {
  lux::FromField(v, "x", p.x);
  lux::FromField(v, "y", p.y);
  lux::FromField(v, "label", p.label);
  lux::FromField(v, "tags", p.tags);
}
}  // namespace rec

TEST_CASE("typed records convert to and from Value") {
  rec::Point p{3, 1.5, "a", {1, 2}};
  lux::Value v = rec::ToValue(p);
  REQUIRE(lux::ToJson(v) == R"({"x":3,"y":1.5,"label":"a","tags":[1,2]})");
  rec::Point q;
  rec::FromValue(lux::ParseJson(R"({"x":4,"y":2,"tags":[]})"), q);
  REQUIRE(q.x == 4);
  REQUIRE(q.y == 2.0);
  REQUIRE_FALSE(q.label.has_value());
  // Records nested in containers use the same ADL hooks.
  std::vector<rec::Point> ps{p, q};
  REQUIRE(lux::ToValue(ps).size() == 2);
  REQUIRE_THROWS_WITH(rec::FromValue(lux::ParseJson(R"({"x":"no","y":1,"tags":[]})"), q),
                      "field `x`: expected Int, got String");
}

TEST_CASE("unsigned sizes convert without wrapping") {
  std::size_t n = 3;
  REQUIRE(Value(n).AsInt() == 3);
  REQUIRE(Value(std::vector<int>(5).size()).IsInt());
  REQUIRE(Value(18446744073709551615ull).IsFloat());
}

TEST_CASE("value holders freed on one thread are reused on another, past the kept count") {
  // Strings, arrays and objects built on one thread and destroyed on another (a job's
  // arguments, an event's payload) put their holders in the destroying thread's list; what
  // is built from that list afterwards must hold exactly what it was given.
  constexpr int kCount = 1000;  // well past the 256 holders a thread keeps
  std::vector<lux::Value> made;
  std::thread maker([&] {
    for (int i = 0; i < kCount; ++i)
      made.push_back(lux::Value{{"n", i}, {"s", "a string longer than fifteen bytes " + std::to_string(i)}});
  });
  maker.join();
  std::vector<std::string> seen;  // checked on the test's thread (Catch2 asserts on one thread)
  std::thread user([&] {
    made.clear();  // every holder freed on this thread
    std::vector<lux::Value> again;
    for (int i = 0; i < kCount; ++i) {
      lux::Value arr = lux::Value::MakeArray();
      arr.PushBack(std::to_string(i));
      again.push_back(lux::Value{{"i", i}, {"a", arr}});
    }
    for (const lux::Value& v : again) seen.push_back(lux::ToJson(v));
  });
  user.join();
  REQUIRE(seen.size() == static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i)
    REQUIRE(seen[static_cast<std::size_t>(i)] == R"({"i":)" + std::to_string(i) + R"(,"a":[")" + std::to_string(i) + R"("]})");
  lux::Value copy = lux::Value{{"k", "v"}};
  lux::Value twice = copy;
  REQUIRE(lux::ToJson(twice) == R"({"k":"v"})");
}
