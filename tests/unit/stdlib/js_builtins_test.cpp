// JavaScript's built-ins of lux::stdlib (stdlib/src/js_builtins.cpp, and the JavaScript forms of
// parseInt, lastIndexOf, hasOwnProperty and format_number), called as generated code calls them.
#include <catch2/catch.hpp>
#include <lux/error.h>
#include <lux/stdlib.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "values.h"

using lux::Array;
using lux::Value;
namespace sl = lux::stdlib;
using namespace lux::stdlib::testing;

TEST_CASE("parseInt with a radix reads the leading digits of that base, as JavaScript", "[stdlib]") {
  CHECK(sl::ParseInt(Value("ff"), Value(16)) == Value(255));
  CHECK(sl::ParseInt(Value("FF"), Value(16)) == Value(255));
  CHECK(sl::ParseInt(Value("0x1f"), Value(16)) == Value(31));
  CHECK(sl::ParseInt(Value("0x1f"), Value(0)) == Value(31));  // 0: base 10, or 16 after 0x
  CHECK(sl::ParseInt(Value("0x1f"), Value(10)) == Value(0));  // "0", then "x" ends the digits
  CHECK(sl::ParseInt(Value("42px"), Value(10)) == Value(42));
  CHECK(sl::ParseInt(Value("  -101"), Value(2)) == Value(-5));
  CHECK(sl::ParseInt(Value("+z"), Value(36)) == Value(35));
  CHECK(sl::ParseInt(Value("3.9"), Value(10)) == Value(3));
  CHECK(sl::ParseInt(Value(255), Value(16)) == Value(597));  // a number's text, as JavaScript
  CHECK(sl::ParseInt(Value("-9223372036854775808"), Value(10)) == Value(INT64_MIN));
  // None where JavaScript gives NaN, or the value has no Int.
  CHECK(sl::ParseInt(Value("px"), Value(10)).IsNull());
  CHECK(sl::ParseInt(Value("2"), Value(2)).IsNull());
  CHECK(sl::ParseInt(Value(""), Value(10)).IsNull());
  CHECK(sl::ParseInt(Value("-"), Value(10)).IsNull());
  CHECK(sl::ParseInt(Value("10"), Value(1)).IsNull());
  CHECK(sl::ParseInt(Value("10"), Value(37)).IsNull());
  CHECK(sl::ParseInt(Value("9223372036854775808"), Value(10)).IsNull());
  CHECK(sl::ParseInt(Value(), Value(10)).IsNull());
  // The one-argument form: a whole number text, else JavaScript's leading digits.
  CHECK(sl::ParseInt(Value("42")) == Value(42));
  CHECK(sl::ParseInt(Value("3.9")) == Value(3));
  CHECK(sl::ParseInt(Value("42px")) == Value(42));
  CHECK(sl::ParseInt(Value(" -7 apples")) == Value(-7));
  CHECK(sl::ParseInt(Value("px42")).IsNull());
}

TEST_CASE("toFixed gives JavaScript's text of the number's exact value", "[stdlib]") {
  CHECK(sl::ToFixedText(Value(3.14159), Value(2)) == Value("3.14"));
  CHECK(sl::ToFixedText(Value(2.5), Value(0)) == Value("3"));  // a real half goes up
  CHECK(sl::ToFixedText(Value(-2.5), Value(0)) == Value("-3"));
  CHECK(sl::ToFixedText(Value(0.5)) == Value("1"));  // no digits: 0
  CHECK(sl::ToFixedText(Value(1.005), Value(2)) == Value("1.00"));  // 1.00499999999999989...
  CHECK(sl::ToFixedText(Value(1.45), Value(1)) == Value("1.4"));    // 1.44999999999999995...
  CHECK(sl::ToFixedText(Value(0.125), Value(2)) == Value("0.13"));  // exactly a half
  CHECK(sl::ToFixedText(Value(9.995), Value(2)) == Value("9.99"));
  CHECK(sl::ToFixedText(Value(9.996), Value(2)) == Value("10.00"));
  CHECK(sl::ToFixedText(Value(1.5), Value(3)) == Value("1.500"));
  CHECK(sl::ToFixedText(Value(-0.0), Value(2)) == Value("0.00"));
  CHECK(sl::ToFixedText(Value(-0.004), Value(2)) == Value("-0.00"));
  CHECK(sl::ToFixedText(Value(0.1), Value(20)) == Value("0.10000000000000000555"));
  CHECK(sl::ToFixedText(Value(1e21), Value(2)) == sl::ToString(Value(1e21)));
  CHECK(sl::ToFixedText(Value(std::nan("")), Value(2)) == Value("NaN"));
  CHECK(sl::ToFixedText(Value(-INFINITY), Value(2)) == Value("-Infinity"));
  CHECK(sl::ToFixedText(Value(42), Value(2)) == Value("42.00"));  // an Int
  CHECK(sl::ToFixedText(Value(-7), Value(0)) == Value("-7"));
  CHECK(FailureOf([] { sl::ToFixedText(Value(1.0), Value(101)); }).find("0 to 100") != std::string::npos);
  CHECK(FailureOf([] { sl::ToFixedText(Value("1"), Value(2)); }).find("toFixed") != std::string::npos);
  // to_fixed stays a Float.
  CHECK(sl::ToFixed(Value(3.14159), Value(2)) == Value(3.14));
}

TEST_CASE("substring: JavaScript's bounds, clamped and swapped, in characters", "[stdlib]") {
  CHECK(sl::Substring(Value("hello"), Value(1), Value(3)) == Value("el"));
  CHECK(sl::Substring(Value("hello"), Value(1)) == Value("ello"));
  CHECK(sl::Substring(Value("hello"), Value(3), Value(1)) == Value("el"));  // swapped
  CHECK(sl::Substring(Value("hello"), Value(-2), Value(2)) == Value("he"));  // negative is 0
  CHECK(sl::Substring(Value("hello"), Value(2), Value(99)) == Value("llo"));
  CHECK(sl::Substring(Value("hello"), Value(std::nan("")), Value(2)) == Value("he"));  // NaN is 0
  CHECK(sl::Substring(Value("hello"), Value(1.7), Value(3.2)) == Value("el"));
  CHECK(sl::Substring(Value("héllo"), Value(1), Value(3)) == Value("él"));
  CHECK(sl::Substring(Value(""), Value(0), Value(5)) == Value(""));
}

TEST_CASE("charAt: the character at a position, \"\" outside the string", "[stdlib]") {
  CHECK(sl::JsCharAt(Value("héllo"), Value(1)) == Value("é"));
  CHECK(sl::JsCharAt(Value("hello")) == Value("h"));
  CHECK(sl::JsCharAt(Value("hello"), Value(5)) == Value(""));
  CHECK(sl::JsCharAt(Value("hello"), Value(-1)) == Value(""));
  CHECK(sl::JsCharAt(Value(""), Value(0)) == Value(""));
}

TEST_CASE("concat joins two strings or two lists into a new one", "[stdlib]") {
  CHECK(sl::Concat(Value("ab"), Value("cd")) == Value("abcd"));
  CHECK(sl::Concat(Value("n="), Value(4)) == Value("n=4"));
  Value xs = Ints({1, 2});
  CHECK(Json(sl::Concat(xs, Ints({3, 4}))) == "[1,2,3,4]");
  CHECK(Json(xs) == "[1,2]");  // a new list
  CHECK(Json(sl::Concat(xs, Value(3))) == "[1,2,3]");
  CHECK(Json(sl::Concat(L({}), L({}))) == "[]");
  CHECK(Json(sl::Concat(xs, L({Ints({3})}))) == "[1,2,[3]]");  // one level, as JavaScript
  CHECK(FailureOf([] { sl::Concat(Value(1), Value(2)); }).find("concat") != std::string::npos);
}

TEST_CASE("at: negative positions count from the end, None outside", "[stdlib]") {
  Value xs = Ints({10, 20, 30});
  CHECK(sl::At(xs, Value(0)) == Value(10));
  CHECK(sl::At(xs, Value(-1)) == Value(30));
  CHECK(sl::At(xs, Value(-3)) == Value(10));
  CHECK(sl::At(xs, Value(3)).IsNull());
  CHECK(sl::At(xs, Value(-4)).IsNull());
  CHECK(sl::At(L({}), Value(0)).IsNull());
  CHECK(sl::At(Value("héllo"), Value(1)) == Value("é"));
  CHECK(sl::At(Value("héllo"), Value(-1)) == Value("o"));
  CHECK(sl::At(Value("abc"), Value(3)).IsNull());
  CHECK(sl::At(Value(""), Value(-1)).IsNull());
}

TEST_CASE("flat, findLast and lastIndexOf on lists", "[stdlib]") {
  CHECK(Json(sl::Flatten(L({Ints({1, 2}), Ints({}), L({Ints({3})}), Value(4)}))) == "[1,2,[3],4]");  // one level
  Value xs = Ints({1, 2, 3, 4});
  auto even = Fn([](const std::vector<Value>& a) { return Value(a[0].AsInt() % 2 == 0); });
  CHECK(sl::FindLast(xs, even) == Value(4));
  CHECK(sl::FindLast(Ints({1, 3}), even).IsNull());
  CHECK(sl::FindLast(L({}), even).IsNull());
  std::vector<long long> seen;
  sl::FindLast(xs, Fn([&](const std::vector<Value>& a) {
    seen.push_back(a[1].AsInt());  // the index, as JavaScript passes it
    return Value(false);
  }));
  CHECK(seen == std::vector<long long>{3, 2, 1, 0});
  CHECK(sl::LastIndexOf(Ints({1, 2, 1}), Value(1)) == Value(2));
  CHECK(sl::LastIndexOf(Ints({1, 2, 1}), Value(5)) == Value(-1));
  CHECK(sl::LastIndexOf(L({}), Value(1)) == Value(-1));
  CHECK(sl::LastIndexOf(L({Value("a"), Value("b")}), Value("a")) == Value(0));
  CHECK(sl::LastIndexOf(Value("héllo hé"), Value("é")) == Value(7));  // strings as before
}

TEST_CASE("hasOwnProperty and Object.hasOwn: whether the object has the key", "[stdlib]") {
  Value o{{"a", Value(1)}, {"b", Value()}};
  CHECK(sl::HasKey(o, Value("a")) == Value(true));
  CHECK(sl::HasKey(o, Value("b")) == Value(true));  // present, even when null
  CHECK(sl::HasKey(o, Value("c")) == Value(false));
  CHECK(sl::HasKey(Value(), Value("a")) == Value(false));
}

TEST_CASE("Array.isArray: whether the value is a list", "[stdlib]") {
  CHECK(sl::IsArray(Ints({1})) == Value(true));
  CHECK(sl::IsArray(L({})) == Value(true));
  CHECK(sl::IsArray(Value("[]")) == Value(false));
  CHECK(sl::IsArray(Value{{"a", Value(1)}}) == Value(false));
  CHECK(sl::IsArray(Value()) == Value(false));
}

TEST_CASE("Array.from and a spread String: its characters (code points), as JavaScript's", "[stdlib]") {
  const Value chars = L({Value("h"), Value("é"), Value("😀")});
  CHECK(sl::ArrayFrom(Value("hé😀")) == chars);
  CHECK(sl::ListOf({{Value("hé😀"), true}}) == chars);
  CHECK(sl::ListOf({{Value(1)}, {Value("ab"), true}, {Value(), true}}) == L({Value(1), Value("a"), Value("b")}));
  CHECK(sl::ArrayFrom(Ints({1, 2})) == Ints({1, 2}));
  CHECK(sl::ArrayFrom(Value{{"length", 2}}) == L({Value(), Value()}));
  CHECK(sl::ArrayFrom(Value{{"length", 2}, {"1", "b"}}) == L({Value(), Value("b")}));
  lux::Function index = [](const std::vector<Value>& args) { return args.size() > 1 ? args[1] : Value(); };
  CHECK(sl::ArrayFrom(Value{{"length", 3}}, Value(index)) == Ints({0, 1, 2}));
  CHECK(sl::ArrayFrom(Value{{"length", -1}}) == L({}));
  CHECK_THROWS(sl::ArrayFrom(Value{{"length", 100'000'000}}));
  CHECK_THROWS(sl::ArrayFrom(Value(3)));
  CHECK_THROWS(sl::ListOf({{Value(3), true}}));
}

TEST_CASE("format_number: a whole Float without .0, decimals rounded half away from zero", "[stdlib]") {
  CHECK(sl::FormatNumber(Value(1234567.0)) == Value("1,234,567"));
  CHECK(sl::FormatNumber(Value(-1234567.0)) == Value("-1,234,567"));
  CHECK(sl::FormatNumber(Value(0.0)) == Value("0"));
  CHECK(sl::FormatNumber(Value(-0.0)) == Value("0"));
  CHECK(sl::FormatNumber(Value(1234.5)) == Value("1,234.5"));
  CHECK(sl::FormatNumber(Value(1234567)) == Value("1,234,567"));
  Value d0{{"decimals", Value(0)}};
  Value d2{{"decimals", Value(2)}};
  CHECK(sl::FormatNumber(Value(1234.5), d0) == Value("1,235"));
  CHECK(sl::FormatNumber(Value(-1234.5), d0) == Value("-1,235"));
  CHECK(sl::FormatNumber(Value(2.5), d0) == Value("3"));
  CHECK(sl::FormatNumber(Value(0.125), d2) == Value("0.13"));
  CHECK(sl::FormatNumber(Value(1.005), d2) == Value("1.01"));  // as written, as toLocaleString
  CHECK(sl::FormatNumber(Value(999.995), d2) == Value("1,000.00"));
  CHECK(sl::FormatNumber(Value(1234.5), d2) == Value("1,234.50"));
  CHECK(sl::FormatNumber(Value(1234), d2) == Value("1,234.00"));
  CHECK(sl::FormatNumber(Value(0.004), d2) == Value("0.00"));
  CHECK(sl::FormatNumber(Value(1234567.891), Value{{"decimals", Value(1)}, {"separator", Value(" ")}}) ==
        Value("1 234 567.9"));
}

TEST_CASE("charCodeAt gives the code point of the character s[i] is, None outside", "[stdlib]") {
  CHECK(sl::CharCodeAt(Value("ABC"), Value(0)) == Value(65));
  CHECK(sl::CharCodeAt(Value("ABC")) == Value(65));  // JavaScript's default position 0
  CHECK(sl::CharCodeAt(Value("ABC"), Value(2)) == Value(67));
  CHECK(sl::CharCodeAt(Value("ABC"), Value(1.9)) == Value(66));  // a Float position toward zero
  // Characters, not bytes nor UTF-16 halves: "é" is one, "😀" one (JavaScript gives 55357).
  CHECK(sl::CharCodeAt(Value("café"), Value(3)) == Value(233));
  CHECK(sl::CharCodeAt(Value("a😀b"), Value(1)) == Value(0x1F600));
  CHECK(sl::CharCodeAt(Value("a😀b"), Value(2)) == Value(98));
  CHECK(sl::CharCodeAt(Value("€"), Value(0)) == Value(0x20AC));
  CHECK(sl::CharCodeAt(Value(std::string("\0", 1)), Value(0)) == Value(0));
  // None where JavaScript's charCodeAt gives NaN: past the end, a negative position, "".
  CHECK(sl::CharCodeAt(Value("ABC"), Value(3)).IsNull());
  CHECK(sl::CharCodeAt(Value("ABC"), Value(-1)).IsNull());
  CHECK(sl::CharCodeAt(Value(""), Value(0)).IsNull());
  CHECK(sl::CharCodeAt(Value("ABC"), Value(INT64_MAX)).IsNull());
  // Bytes that are no UTF-8 (decoded from base64 or hex) are U+FFFD, one character each.
  CHECK(sl::CharCodeAt(Value("\xff" "A"), Value(0)) == Value(0xFFFD));
  CHECK(sl::CharCodeAt(Value("\xff" "A"), Value(1)) == Value(65));
  CHECK(sl::CharCodeAt(Value("\xc3"), Value(0)) == Value(0xFFFD));  // a sequence cut short
  CHECK(sl::CharCodeAt(Value("\xe2\x41\x41"), Value(0)) == Value(0xFFFD));
  CHECK(FailureOf([] { sl::CharCodeAt(Value(3), Value(0)); }) == "charCodeAt() of Int: expected a String");
}

TEST_CASE("String.fromCharCode makes the characters of code points, and undoes charCodeAt", "[stdlib]") {
  CHECK(sl::FromCharCodes({Value(72), Value(105)}) == Value("Hi"));
  CHECK(sl::FromCharCodes({}) == Value(""));
  CHECK(sl::FromCharCodes({Value(233), Value(0x20AC), Value(0x1F600)}) == Value("é€😀"));
  CHECK(sl::FromCharCodes({Value(0xD83D), Value(0xDE00)}) == Value("😀"));  // JavaScript's UTF-16 pair
  CHECK(sl::FromCharCodes({Value(0xD83D)}) == Value("\xEF\xBF\xBD"));  // a lone half: U+FFFD
  CHECK(sl::FromCharCodes({Value(0xDE00), Value(65)}) == Value("\xEF\xBF\xBD" "A"));
  CHECK(sl::FromCharCodes({Value(0)}) == Value(std::string("\0", 1)));
  CHECK(sl::FromCharCodes({Value(0x10FFFF)}) == Value("\xF4\x8F\xBF\xBF"));
  CHECK(sl::FromCharCodes({Value(65.9)}) == Value("A"));
  std::string text = "naïve 😀";
  std::string back;
  for (std::int64_t i = 0;; ++i) {
    Value code = sl::CharCodeAt(Value(text), Value(i));
    if (code.IsNull()) break;
    back += sl::FromCharCodes({code}).AsString();
  }
  CHECK(back == text);
  CHECK(FailureOf([] { sl::FromCharCodes({Value(-1)}); }) ==
        "String.fromCharCode: -1 is not a character code (0 to 1114111)");
  CHECK(FailureOf([] { sl::FromCharCodes({Value(0x110000)}); }).find("1114112 is not a character code") != std::string::npos);
  // A code the client sent answers 400; the program's own is a 500.
  Value sent(-5);
  sent.MarkFromClient();
  try {
    sl::FromCharCodes({sent});
    FAIL("no error");
  } catch (const lux::Error& e) {
    CHECK(e.status() == 400);
  }
  try {
    sl::FromCharCodes({Value(-5)});
    FAIL("no error");
  } catch (const lux::Error& e) {
    CHECK(e.status() == 500);
  }
}

TEST_CASE("localeCompare orders Strings as < does: -1, 0 or 1", "[stdlib]") {
  CHECK(sl::LocaleCompare(Value("a"), Value("b")) == Value(-1));
  CHECK(sl::LocaleCompare(Value("b"), Value("a")) == Value(1));
  CHECK(sl::LocaleCompare(Value("abc"), Value("abc")) == Value(0));
  CHECK(sl::LocaleCompare(Value(""), Value("")) == Value(0));
  CHECK(sl::LocaleCompare(Value(""), Value("a")) == Value(-1));
  CHECK(sl::LocaleCompare(Value("ab"), Value("a")) == Value(1));
  // Code point order, not a locale's: upper case first, accented letters after "z".
  CHECK(sl::LocaleCompare(Value("B"), Value("a")) == Value(-1));
  CHECK(sl::LocaleCompare(Value("é"), Value("z")) == Value(1));
  CHECK(sl::LocaleCompare(Value("😀"), Value("\xEF\xBF\xBD")) == Value(1));  // above the BMP last, unlike UTF-16
}
