// The family's strings, validators, encodings, JSON Results, URLs, dates and regexes of
// lux::stdlib (text.cpp, text_case.cpp, encoding.cpp, datetime.cpp, regex.cpp), called as
// generated code calls them; the shared argument checks (args.h) and the weighted-list parser
// that negotiate(...) and the compression stage share (lux::ParseWeightedList).
#include <catch2/catch.hpp>
#include <lux/error.h>
#include <lux/stdlib.h>
#include <lux/weighted_list.h>

#include "failure_of.h"

#include <chrono>
#include <string>

using lux::Value;
namespace sl = lux::stdlib;

namespace {

Value S(const char* s) { return Value(s); }
Value List(std::initializer_list<const char*> xs) {
  lux::Array a;
  for (const char* x : xs) a.push_back(Value(x));
  return Value(std::move(a));
}

}  // namespace

TEST_CASE("split with a limit, replace_first, last_index_of, count_of, char_at", "[stdlib]") {
  CHECK(sl::SplitN(S("a,b,c"), S(",")) == List({"a", "b", "c"}));
  CHECK(sl::SplitN(S("a,b,c"), S(","), Value(2)) == List({"a", "b,c"}));
  CHECK(sl::SplitN(S("a,b,c"), S(","), Value(1)) == List({"a,b,c"}));
  CHECK(sl::SplitN(S("a,b,c"), S(","), Value(0)) == List({"a", "b", "c"}));
  CHECK(sl::SplitN(S("héllo"), S(""), Value(3)) == List({"h", "é", "llo"}));
  CHECK(sl::ReplaceFirst(S("hello hello"), S("hello"), S("hi")) == S("hi hello"));
  CHECK(sl::ReplaceFirst(S("abc"), S(""), S("x")) == S("abc"));
  CHECK(sl::LastIndexOf(S("abcabc"), S("bc")) == Value(4));
  CHECK(sl::LastIndexOf(S("héllo"), S("l")) == Value(3));  // characters, not bytes
  CHECK(sl::LastIndexOf(S("hello"), S("xyz")) == Value(-1));
  CHECK(sl::CountOf(S("banana"), S("an")) == Value(2));
  CHECK(sl::CountOf(S("mississippi"), S("s")) == Value(4));
  CHECK(sl::CountOf(S("aaa"), S("")) == Value(0));
  CHECK(sl::CharAt(S("hello"), Value(4)) == S("o"));
  CHECK(sl::CharAt(S("hello"), Value(10)).IsNull());
  CHECK(sl::CharAt(S("héllo"), Value(-4)) == S("é"));
}

TEST_CASE("upper and lower map every script's letters, not ASCII alone", "[stdlib]") {
  CHECK(sl::Upper(S("héllo wörld")) == S("HÉLLO WÖRLD"));
  CHECK(sl::Lower(S("ÉCOLE Ωμέγα ЖУК")) == S("école ωμέγα жук"));
  CHECK(sl::Upper(S("straße 東京 😀")) == S("STRAßE 東京 😀"));  // no one-to-many mapping; others kept
  CHECK(sl::Upper(S("a\xff\xc3")) == S("A\xff\xc3"));          // bytes that start no character kept
}

TEST_CASE("center, truncate, word_wrap, dedent, indent_str", "[stdlib]") {
  CHECK(sl::Center(S("hi"), Value(6)) == S("  hi  "));
  CHECK(sl::Center(S("hi"), Value(7)) == S("  hi   "));
  CHECK(sl::Center(S("hi"), Value(6), S("*")) == S("**hi**"));
  CHECK(sl::Center(S("hello"), Value(3)) == S("hello"));
  CHECK(FailureOf([] { sl::Center(S("x"), Value(1LL << 40)); }).find("larger than") != std::string::npos);
  CHECK(sl::Truncate(S("Hello World"), Value(8)) == S("Hello..."));
  CHECK(sl::Truncate(S("Hi"), Value(10)) == S("Hi"));
  CHECK(sl::Truncate(S("Hello World"), Value(8), S("..")) == S("Hello .."));
  CHECK(sl::WordWrap(S("one two three four"), Value(10)) == S("one two\nthree four"));
  CHECK(sl::WordWrap(S("the quick brown fox"), Value(12)) == S("the quick\nbrown fox"));
  CHECK(sl::Dedent(S("  hello\n  world")) == S("hello\nworld"));
  CHECK(sl::Dedent(S("    line1\n  line2")) == S("  line1\nline2"));
  CHECK(sl::IndentStr(S("hello\nworld"), Value(2)) == S("  hello\n  world"));
  CHECK(sl::IndentStr(S("a\nb"), Value(1), S(">")) == S(">a\n>b"));
}

TEST_CASE("slugify, kebab_case, snake_case of acronyms, escape_html and fmt", "[stdlib]") {
  CHECK(sl::Slugify(S("Hello World!")) == S("hello-world"));
  CHECK(sl::Slugify(S("A & B @ C")) == S("a-b-c"));
  CHECK(sl::Slugify(S("  My Blog Post  ")) == S("my-blog-post"));
  CHECK(sl::KebabCase(S("helloWorld")) == S("hello-world"));
  CHECK(sl::KebabCase(S("Hello World")) == S("hello-world"));
  CHECK(sl::KebabCase(S("some_thing")) == S("some-thing"));
  CHECK(sl::SnakeCase(S("XMLParser")) == S("xml_parser"));
  CHECK(sl::SnakeCase(S("myVariableName")) == S("my_variable_name"));
  CHECK(sl::SnakeCase(S("some-thing")) == S("some_thing"));
  CHECK(sl::EscapeHtml(S("a > b & c < d \"'")) == S("a &gt; b &amp; c &lt; d &quot;&#39;"));
  CHECK(sl::UnescapeHtml(sl::EscapeHtml(S("<b>\"x\" & 'y'</b>"))) == S("<b>\"x\" & 'y'</b>"));
  CHECK(sl::UnescapeHtml(S("&amp;lt;")) == S("&lt;"));
  CHECK(sl::Fmt({S("{} + {} = {}"), Value(1), Value(2), Value(3)}) == S("1 + 2 = 3"));
  CHECK(sl::Fmt({S("{} items at ${}"), Value(3), Value(9.99)}) == S("3 items at $9.99"));
  CHECK(sl::Fmt({S("{} and {}"), S("one")}) == S("one and {}"));
}

TEST_CASE("the argument checks name the function, what it got and what it expected", "[stdlib]") {
  CHECK(FailureOf([] { sl::TitleCase(Value(3)); }) == "title_case() of Int: expected a String");
  CHECK(FailureOf([] { sl::PadStart(S("x"), S("9")); }) == "pad_start() of String: expected an Int");
  CHECK(FailureOf([] { sl::Slugify(Value()); }) == "slugify() of Null: expected a String");
  CHECK(FailureOf([] { sl::Capitalize(Value(1.5)); }) == "capitalize() of Float: expected a String");
}

TEST_CASE("validators are false for anything but a String of their form", "[stdlib]") {
  CHECK(sl::IsEmail(S("user@example.com")) == Value(true));
  CHECK(sl::IsEmail(S("user@sub.example.com")) == Value(true));
  CHECK(sl::IsEmail(S("userexample.com")) == Value(false));
  CHECK(sl::IsEmail(S("user@")) == Value(false));
  CHECK(sl::IsEmail(S("a b@c.de")) == Value(false));
  CHECK(sl::IsEmail(Value()) == Value(false));
  CHECK(sl::IsUrl(S("https://example.com/path?q=1")) == Value(true));
  CHECK(sl::IsUrl(S("example.com")) == Value(false));
  CHECK(sl::IsUrl(S("not a url")) == Value(false));
  CHECK(sl::IsNumeric(S("42")) == Value(true));
  CHECK(sl::IsNumeric(S("-5")) == Value(true));
  CHECK(sl::IsNumeric(S("3.14")) == Value(true));
  CHECK(sl::IsNumeric(S("abc")) == Value(false));
  CHECK(sl::IsNumeric(S("")) == Value(false));
  CHECK(sl::IsNumeric(S(" 1")) == Value(false));
  CHECK(sl::IsNumeric(S("inf")) == Value(false));
  CHECK(sl::IsAlpha(S("Hello")) == Value(true));
  CHECK(sl::IsAlpha(S("Hello World")) == Value(false));
  CHECK(sl::IsAlphanumeric(S("Hello123")) == Value(true));
  CHECK(sl::IsAlphanumeric(S("Hello!")) == Value(false));
  CHECK(sl::IsUuid(S("550e8400-e29b-41d4-a716-446655440000")) == Value(true));
  CHECK(sl::IsUuid(S("550e8400e29b41d4a716446655440000")) == Value(false));
  CHECK(sl::IsUuid(sl::Uuid()) == Value(true));
  CHECK(sl::IsHex(S("FF00aa")) == Value(true));
  CHECK(sl::IsHex(S("xyz")) == Value(false));
  CHECK(sl::IsHex(S("")) == Value(false));
}

TEST_CASE("base64, base64url, hex and percent-encoding round-trip, and bad text is an error", "[stdlib]") {
  CHECK(sl::Base64Encode(S("hello")) == S("aGVsbG8="));
  CHECK(sl::Base64Encode(S("Hello, World!")) == S("SGVsbG8sIFdvcmxkIQ=="));
  CHECK(sl::Base64Decode(S("SGVsbG8sIFdvcmxkIQ==")) == S("Hello, World!"));
  CHECK(sl::Base64Decode(S("aGVsbG8")) == S("hello"));  // padding optional
  CHECK(sl::Base64Encode(S("")) == S(""));
  CHECK(sl::Base64UrlEncode(S("\xfb\xff")) == S("-_8"));
  CHECK(sl::Base64UrlDecode(S("-_8")) == S("\xfb\xff"));
  CHECK(FailureOf([] { sl::Base64Decode(S("aGV*bG8=")); }) == "base64_decode: not base64 text (at position 3)");
  CHECK(FailureOf([] { sl::Base64Decode(S("a")); }).find("lone last character") != std::string::npos);
  CHECK(FailureOf([] { sl::Base64UrlDecode(S("a+b")); }).find("not base64url text") != std::string::npos);
  CHECK(sl::HexEncode(S("hello")) == S("68656c6c6f"));
  CHECK(sl::HexDecode(S("4142")) == S("AB"));
  CHECK(FailureOf([] { sl::HexDecode(S("414")); }).find("odd number") != std::string::npos);
  CHECK(FailureOf([] { sl::HexDecode(S("4g")); }) == "hex_decode: not hex text (at position 1)");
  CHECK(sl::UrlEncode(S("hello world")) == S("hello%20world"));
  CHECK(sl::UrlEncode(S("a=1&b=2")) == S("a%3D1%26b%3D2"));
  CHECK(sl::UrlDecode(S("a%3D1%26b%3D2")) == S("a=1&b=2"));
  CHECK(sl::UrlDecode(S("caf%C3%A9")) == S("café"));
  CHECK(FailureOf([] { sl::UrlDecode(S("100%")); }).find("`%` without two hex digits") != std::string::npos);
}

TEST_CASE("Date.parse gives the milliseconds date_parse reads, null where JavaScript gives NaN", "[stdlib]") {
  CHECK(sl::DateParseMs(S("2024-06-15")) == Value(1718409600000LL));
  CHECK(sl::DateParseMs(S("2024-06-15T12:00:00.250+02:00")) == Value(1718445600250LL));
  CHECK(sl::DateParseMs(S("1970-01-01T00:00:00Z")) == Value(0));
  CHECK(sl::DateParseMs(S("2023-02-29")).IsNull());
  CHECK(sl::DateParseMs(S("tomorrow")).IsNull());
  CHECK(sl::DateParseMs(S("")).IsNull());
  CHECK(sl::DateParseMs(Value(5)).IsNull());
  CHECK(sl::DateParseMs(Value()).IsNull());
}

TEST_CASE("JavaScript's encodeURIComponent, decodeURIComponent and atob", "[stdlib]") {
  // encodeURIComponent keeps `!'()*`, which url_encode escapes; both keep `-_.~`.
  CHECK(sl::UriComponentEncode(S("a b!'()*-_.~")) == S("a%20b!'()*-_.~"));
  CHECK(sl::UrlEncode(S("!'()*")) == S("%21%27%28%29%2A"));
  CHECK(sl::UriComponentEncode(S("café/?&=#+")) == S("caf%C3%A9%2F%3F%26%3D%23%2B"));
  CHECK(sl::UriComponentEncode(S("")) == S(""));
  CHECK(sl::UriComponentDecode(S("caf%C3%A9%20%21!")) == S("café !!"));
  CHECK(sl::UriComponentDecode(sl::UriComponentEncode(S("ü & (x)"))) == S("ü & (x)"));
  CHECK(sl::UriComponentDecode(S("a+b")) == S("a+b"));  // `+` is no space, as in JavaScript
  CHECK(FailureOf([] { sl::UriComponentDecode(S("%E0%A4%A")); }) ==
        "decodeURIComponent: not percent-encoded text: `%` without two hex digits (at position 6)");
  CHECK(sl::Atob(sl::Base64Encode(S("héllo"))) == S("héllo"));
  CHECK(FailureOf([] { sl::Atob(S("a b")); }) == "atob: not base64 text (at position 1)");
}

TEST_CASE("decoding text the client sent that is not in the encoding answers 400, the program's own 500", "[stdlib]") {
  auto status_of = [](Value (*decode)(const Value&), const char* text, bool client) {
    Value v = S(text);
    if (client) v.MarkFromClient();
    try {
      decode(v);
    } catch (const lux::Error& e) {
      return e.status();
    }
    return 0;
  };
  for (bool client : {true, false}) {
    const int want = client ? 400 : 500;
    CHECK(status_of(sl::Base64Decode, "aGV*bG8=", client) == want);
    CHECK(status_of(sl::Base64Decode, "a", client) == want);
    CHECK(status_of(sl::Base64Decode, "aGVsbG8===", client) == want);
    CHECK(status_of(sl::Base64UrlDecode, "a+b", client) == want);
    CHECK(status_of(sl::HexDecode, "414", client) == want);
    CHECK(status_of(sl::HexDecode, "4g", client) == want);
    CHECK(status_of(sl::UrlDecode, "100%", client) == want);
    CHECK(status_of(sl::UriComponentDecode, "%zz", client) == want);
    CHECK(status_of(sl::Atob, "***", client) == want);
    CHECK(status_of(sl::Base64Decode, "aGVsbG8=", client) == 0);  // good text decodes either way
  }
  Value bad = S("zz");
  bad.MarkFromClient();
  CHECK(FailureOf([&] { sl::HexDecode(bad); }) == "hex_decode: not hex text (at position 0)");
}

TEST_CASE("sha256, sha1, md5 and hmac_sha256 give lower-case hex of OpenSSL's digests", "[stdlib]") {
  // FIPS 180-2 and RFC 1321 test vectors, and the empty string's.
  CHECK(sl::Sha256Hex(S("abc")) == S("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(sl::Sha256Hex(S("")) == S("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(sl::Sha1Hex(S("abc")) == S("a9993e364706816aba3e25717850c26c9cd0d89d"));
  CHECK(sl::Sha1Hex(S("")) == S("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
  CHECK(sl::Md5Hex(S("abc")) == S("900150983cd24fb0d6963f7d28e17f72"));
  CHECK(sl::Md5Hex(S("")) == S("d41d8cd98f00b204e9800998ecf8427e"));
  // The bytes of the text: UTF-8 for "é", any byte of decoded text.
  CHECK(sl::Md5Hex(S("é")) == sl::Md5Hex(sl::HexDecode(S("c3a9"))));
  CHECK(sl::Sha256Hex(sl::HexDecode(S("00ff"))).AsString().size() == 64);
  CHECK(sl::HmacSha256Hex(S("key"), S("The quick brown fox jumps over the lazy dog")) ==
        S("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"));
  CHECK(sl::HmacSha256Hex(S(""), S("")) == S("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
  // A key longer than the block (64 bytes) is hashed first, as RFC 2104 says (RFC 4231 case 6).
  std::string long_key(131, '\xaa');
  CHECK(sl::HmacSha256Hex(Value(long_key), S("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        S("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
  CHECK(sl::Sha512Hex(S("abc")) ==
        S("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
          "454d4423643ce80e2a9ac94fa54ca49f"));
  CHECK(FailureOf([] { sl::Sha256Hex(Value(3)); }) == "sha256() of Int: expected a String");
  CHECK(FailureOf([] { sl::HmacSha256Hex(S("k"), Value()); }).find("hmac_sha256") != std::string::npos);
}

TEST_CASE("json_parse answers a Result, json_pretty indents", "[stdlib]") {
  Value ok = sl::JsonParseResult(S("{\"name\": \"Alice\", \"age\": 30}"));
  REQUIRE(sl::IsOk(ok));
  CHECK(sl::OkValue(ok)["age"] == Value(30));
  Value bad = sl::JsonParseResult(S("invalid json"));
  REQUIRE(sl::IsErr(bad));
  CHECK(sl::ErrValue(bad).AsString().find("line 1") != std::string::npos);
  CHECK(sl::IsErr(sl::JsonParseResult(Value(3))));
  CHECK(sl::JsonStringify(Value{{"a", 1}}) == S("{\"a\":1}"));
  CHECK(sl::JsonPretty(Value{{"a", 1}}) == S("{\n  \"a\": 1\n}"));
}

TEST_CASE("parse_url, build_url, parse_query and build_query", "[stdlib]") {
  Value r = sl::ParseUrl(S("https://example.com:8443/path?q=1#top"));
  REQUIRE(sl::IsOk(r));
  const Value& u = sl::OkValue(r);
  CHECK(u["protocol"] == S("https"));
  CHECK(u["host"] == S("example.com:8443"));
  CHECK(u["hostname"] == S("example.com"));
  CHECK(u["port"] == S("8443"));
  CHECK(u["pathname"] == S("/path"));
  CHECK(u["search"] == S("?q=1"));
  CHECK(u["hash"] == S("#top"));
  CHECK(sl::OkValue(sl::ParseUrl(S("http://h")))["pathname"] == S("/"));
  CHECK(sl::ErrValue(sl::ParseUrl(S("not a url"))) == S("Invalid URL: not a url"));
  CHECK(sl::IsErr(sl::ParseUrl(S("http://host:80x/"))));
  CHECK(sl::BuildUrl(Value{{"host", "example.com"}, {"search", "q=1"}, {"hash", "top"}}) == S("https://example.com/?q=1#top"));
  CHECK(sl::BuildUrl(Value{{"protocol", "http"}, {"host", "localhost:3000"}, {"pathname", "/users"}}) ==
        S("http://localhost:3000/users"));
  CHECK(sl::ParseQuery(S("?x=10&y=hello%20world&z=a+b&flag")) ==
        Value{{"x", "10"}, {"y", "hello world"}, {"z", "a b"}, {"flag", ""}});
  CHECK(sl::ParseQuery(S("")) == Value(lux::Object{}));
  CHECK(sl::ParseQuery(S("bad=%zz")) == Value{{"bad", "%zz"}});
  CHECK(sl::BuildQuery(Value{{"name", "hello world"}, {"page", 1}, {"skip", Value()}}) == S("name=hello%20world&page=1"));
}

TEST_CASE("dates are UTC milliseconds: parse, from, format, add, diff, part", "[stdlib]") {
  const Value d = sl::DateFrom(Value{{"year", 2024}, {"month", 6}, {"day", 15}, {"hour", 14}});
  CHECK(d == Value(1718460000000LL));
  CHECK(sl::OkValue(sl::DateParse(S("2024-06-15T14:00:00Z"))) == d);
  CHECK(sl::OkValue(sl::DateParse(S("2024-06-15T16:00:00+02:00"))) == d);
  CHECK(sl::OkValue(sl::DateParse(S("2024-06-15T14:00"))) == d);  // no zone: UTC
  CHECK(sl::OkValue(sl::DateParse(S("2024-06-15T14:00:00.250Z"))) == Value(1718460000250LL));
  CHECK(sl::ErrValue(sl::DateParse(S("not-a-date"))) == S("Invalid date: not-a-date"));
  CHECK(sl::IsErr(sl::DateParse(S("2023-02-29"))));
  CHECK(sl::IsErr(sl::DateParse(S("2024-06-15T25:00Z"))));
  CHECK(sl::DateFormat(d) == S("2024-06-15T14:00:00.000Z"));
  CHECK(sl::DateFormat(d, S("date")) == S("2024-06-15"));
  CHECK(sl::DateFormat(d, S("DD/MM/YYYY HH:mm")) == S("15/06/2024 14:00"));
  CHECK(sl::DateFormat(Value(-1), S("iso")) == S("1969-12-31T23:59:59.999Z"));
  const Value jan1 = sl::DateFrom(Value{{"year", 2024}, {"month", 1}, {"day", 1}});
  CHECK(sl::DateFormat(sl::DateAdd(jan1, Value(10), S("days")), S("date")) == S("2024-01-11"));
  CHECK(sl::DateFormat(sl::DateAdd(jan1, Value(2), S("months")), S("date")) == S("2024-03-01"));
  CHECK(sl::DateFormat(sl::DateAdd(jan1, Value(-7), S("days")), S("date")) == S("2023-12-25"));
  const Value jan31 = sl::DateFrom(Value{{"year", 2024}, {"month", 1}, {"day", 31}});
  CHECK(sl::DateFormat(sl::DateAdd(jan31, Value(1), S("month")), S("date")) == S("2024-02-29"));
  CHECK(sl::DateFormat(sl::DateAdd(jan31, Value(-13), S("months")), S("date")) == S("2022-12-31"));
  const Value jun1 = sl::DateFrom(Value{{"year", 2024}, {"month", 6}, {"day", 1}});
  CHECK(sl::DateDiff(jan1, sl::DateAdd(jan1, Value(10), S("days")), S("days")) == Value(10));
  CHECK(sl::DateDiff(jan1, sl::DateAdd(jan1, Value(10), S("days")), S("hours")) == Value(240));
  CHECK(sl::DateDiff(jan1, jun1, S("months")) == Value(5));
  CHECK(sl::DateDiff(jun1, jan1, S("months")) == Value(-5));
  CHECK(sl::DateDiff(jan1, jun1, S("years")) == Value(0));
  CHECK(sl::DatePart(d, S("weekday")) == Value(6));  // a Saturday
  CHECK(sl::DatePart(d, S("month")) == Value(6));
  CHECK(FailureOf([] { sl::DateAdd(Value(0), Value(1), S("fortnight")); }).find("unknown unit \"fortnight\"") != std::string::npos);
  CHECK(FailureOf([] { sl::DateFrom(Value{{"year", 2023}, {"month", 2}, {"day", 29}}); }) == "date_from: day 29 is outside 1..28");
  CHECK(FailureOf([] { sl::DateAdd(Value(0), Value(1LL << 62), S("days")); }).find("overflow") != std::string::npos);
}

TEST_CASE("time_ago and now_iso read the clock", "[stdlib]") {
  std::int64_t now = sl::DateNow().AsInt();
  CHECK(sl::TimeAgo(Value(now - 30'000)) == S("30 seconds ago"));
  CHECK(sl::TimeAgo(Value(now - 3 * 3600'000LL - 5)) == S("3 hours ago"));
  CHECK(sl::TimeAgo(Value(now - 86400'000LL)) == S("1 day ago"));
  CHECK(sl::TimeAgo(Value(now + 2 * 86400'000LL + 60'000)) == S("in 2 days"));
  CHECK(sl::TimeAgo(Value(now)) == S("just now"));
  CHECK(sl::IsOk(sl::DateParse(sl::NowIso())));
}

TEST_CASE("regex_match, find_all, capture, replace, split and test", "[stdlib]") {
  Value m = sl::RegexMatch(S("abc123def"), S("(\\d+)"));
  REQUIRE(sl::IsOk(m));
  CHECK(sl::OkValue(m) == Value{{"match", "123"}, {"index", 3}, {"groups", List({"123"})}});
  CHECK(sl::ErrValue(sl::RegexMatch(S("hello"), S("\\d+"))) == S("No match"));
  Value all = sl::RegexFindAll(S("2024-01-15, 2024-02-20"), S("(\\d{4})-(\\d{2})-(\\d{2})"));
  REQUIRE(all.size() == 2);
  CHECK(all[1]["groups"] == List({"2024", "02", "20"}));
  CHECK(all[1]["index"] == Value(12));
  Value cap = sl::RegexCapture(S("John Smith <john@example.com>"), S("(?<name>[^<]+)<(?<email>[^>]+)>"));
  CHECK(sl::OkValue(cap) == Value{{"name", "John Smith "}, {"email", "john@example.com"}});
  CHECK(sl::IsErr(sl::RegexCapture(S("abc"), S("(b)"))));
  CHECK(sl::RegexReplace(S("a1b2c3"), S("\\d"), S("X")) == S("aXbXcX"));
  CHECK(sl::RegexReplace(S("hello world"), S("(\\w+)"), S("[$1]")) == S("[hello] [world]"));
  CHECK(sl::RegexReplace(S("2024-01-15"), S("(?<y>\\d+)-(\\d+)-(\\d+)"), S("$3/$2/$<y> $$ $&")) == S("15/01/2024 $ 2024-01-15"));
  CHECK(sl::RegexSplit(S("one--two---three"), S("-+")) == List({"one", "two", "three"}));
  CHECK(sl::RegexSplit(S("a,b;c:d"), S("[,;:]")) == List({"a", "b", "c", "d"}));
  CHECK(sl::RegexTest(S("Hello"), S("hello"), S("i")) == Value(true));
  CHECK(sl::RegexTest(S("Hello"), S("hello")) == Value(false));
  CHECK(sl::RegexTest(S("a\nb"), S("^b$"), S("m")) == Value(true));
  CHECK(sl::RegexTest(S("café"), S("^caf.$")) == Value(true));  // `.` is one character
  CHECK(sl::RegexFindAll(S("héllo wörld"), S("w\\S+"))[0]["index"] == Value(6));  // characters, not bytes
  CHECK(sl::RegexFindAll(S("héllo"), S("\\w+")).size() == 2);  // \w is ASCII, as in JavaScript
  CHECK(FailureOf([] { sl::RegexTest(S("x"), S("(a")); }) ==
        "regex_test: bad pattern \"(a\": missing `)` for the group opened here (at position 0)");
  CHECK(FailureOf([] { sl::RegexTest(S("x"), S("(a)\\1")); }).find("backreferences") != std::string::npos);
}

TEST_CASE("a regex on hostile input takes linear time", "[stdlib]") {
  std::string text(50'000, 'a');
  auto start = std::chrono::steady_clock::now();
  CHECK(sl::RegexTest(Value(text), S("(a+)+b")) == Value(false));
  CHECK(sl::RegexTest(Value(text), S("(a|aa)*c")) == Value(false));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  CHECK(ms < 5000);  // a backtracking engine takes longer than the universe's age here
  CHECK(FailureOf([] { sl::RegexTest(S("x"), S("(((a{1000}){1000}){1000})")); }).find("too large") != std::string::npos);
  CHECK(FailureOf([] { sl::RegexTest(S("x"), Value(std::string(1000, '('))); }).find("nests too deeply") != std::string::npos);
}

TEST_CASE("weighted lists: q-values in thousandths, malformed items ignored (RFC 9110)", "[stdlib]") {
  auto items = lux::ParseWeightedList("text/html;level=1;q=0.5, Application/JSON , gzip;q=1.5, br;q=abc, *;q=0, , x;q=0.125");
  REQUIRE(items.size() == 4);
  CHECK(items[0].token == "text/html");
  CHECK(items[0].q == 500);
  CHECK(items[1].token == "application/json");
  CHECK(items[1].q == 1000);
  CHECK(items[2].token == "*");
  CHECK(items[2].q == 0);
  CHECK(items[3].q == 125);
  auto preferred = lux::PreferredItems("text/csv;q=0.2, text/html;q=0.9, text/plain, text/xml;q=0, text/rtf;q=2");
  REQUIRE(preferred.size() == 3);
  CHECK(preferred[0].token == "text/plain");
  CHECK(preferred[1].token == "text/html");
  CHECK(preferred[2].token == "text/csv");
}

TEST_CASE("negotiate ignores an Accept item whose q is malformed, as the compression stage does", "[stdlib]") {
  Value formats{{"html", Value(lux::Function([](const std::vector<Value>&) { return sl::Html(Value("<p>")); }))},
                {"csv", Value(lux::Function([](const std::vector<Value>&) { return sl::TextResponse(Value("a,b")); }))}};
  auto request = [](const char* accept) { return Value{{"headers", Value{{"accept", accept}}}}; };
  // `q=2` and `q=0.9x` were read leniently once (strtod: html first); now such an item is left out.
  CHECK(sl::Negotiate(request("text/html;q=2, text/csv;q=0.1"), Value{{"a", 1}}, formats)["$raw"] == Value("a,b"));
  CHECK(sl::Negotiate(request("text/html;q=0.9x, text/csv;q=0.1"), Value{{"a", 1}}, formats)["$raw"] == Value("a,b"));
  CHECK(sl::Negotiate(request("text/html;q=0.9, text/csv;q=0.1"), Value{{"a", 1}}, formats)["$raw"] == Value("<p>"));
  CHECK(sl::Negotiate(request("text/html;level=1;q=0.9, text/csv;q=0.1"), Value{{"a", 1}}, formats)["$raw"] == Value("<p>"));
}

TEST_CASE("constant_time_equal compares the bytes of two strings", "[stdlib]") {
  CHECK(sl::ConstantTimeEqualOf(S("abc"), S("abc")) == Value(true));
  CHECK(sl::ConstantTimeEqualOf(S(""), S("")) == Value(true));
  CHECK(sl::ConstantTimeEqualOf(S("abc"), S("abd")) == Value(false));
  CHECK(sl::ConstantTimeEqualOf(S("abc"), S("ab")) == Value(false));  // lengths differ: unequal at once
  CHECK(sl::ConstantTimeEqualOf(S(""), S("a")) == Value(false));
  CHECK(sl::ConstantTimeEqualOf(Value(std::string("a\0b", 3)), Value(std::string("a\0c", 3))) == Value(false));
  std::string mac = sl::HmacSha256Hex(S("secret"), S("payload")).AsString();
  CHECK(sl::ConstantTimeEqualOf(Value(mac), sl::HmacSha256Hex(S("secret"), S("payload"))) == Value(true));
  CHECK(FailureOf([] { sl::ConstantTimeEqualOf(S("a"), Value(1)); }).find("constant_time_equal") != std::string::npos);
}
