// JavaScript's string and list methods whose Lux spelling gives something else (substring, charAt,
// charCodeAt, String.fromCharCode, localeCompare, concat, at, findLast), its number text
// (toFixed: the digits of the number's exact value, halves up), parseInt with a radix, and
// Array.isArray. Strings count characters (Unicode code points,
// CodePoints), as the other string built-ins do. docs/stdlib.md documents each.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "lux/rt.h"
#include "lux_common/utf8.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
using args::Num;
using args::Text;

namespace {

// JavaScript's ToIntegerOrInfinity of a position: an Int as it is, a Float toward zero (NaN 0,
// clamped to the Int range), `dflt` when absent (null).
std::int64_t Position(const Value& v, const char* fn, std::int64_t dflt) {
  if (v.IsNull()) return dflt;
  if (v.IsInt()) return v.AsInt();
  if (v.IsFloat()) {
    double f = std::trunc(v.AsFloat());
    if (std::isnan(f)) return 0;
    if (f <= -9.2233720368547758e18) return INT64_MIN;
    if (f >= 9.2233720368547758e18) return INT64_MAX;
    return static_cast<std::int64_t>(f);
  }
  args::Expected(v, fn, "an Int");
}

std::string Joined(const std::vector<std::string>& cps, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += cps[i];
  return out;
}

// The value of the digits of `text` from `i` on in base `radix` (JavaScript's parseInt after the
// sign): None when there is no digit or the value leaves the Int range.
Value LeadingDigits(const std::string& text, std::size_t i, unsigned radix, bool negative) {
  const std::uint64_t limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  std::uint64_t value = 0;
  bool any = false;
  for (; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    unsigned d = std::isdigit(c) ? c - '0' : std::isalpha(c) ? std::tolower(c) - 'a' + 10 : 99;
    if (d >= radix) break;
    if (value > (limit - d) / radix) return Value();  // no Int holds it
    value = value * radix + d;
    any = true;
  }
  if (!any) return Value();
  if (negative) return Value(static_cast<long long>(value == limit ? INT64_MIN : -static_cast<std::int64_t>(value)));
  return Value(static_cast<long long>(value));
}

// The code point of one character as NthCodePoint cuts it; U+FFFD for a malformed sequence (a
// stray byte of text decoded from base64 or hex), as a JavaScript string would hold it.
std::int64_t CodePointOf(std::string_view seq) {
  const std::int64_t cp = common::DecodeUtf8(seq);
  return cp < 0 ? 0xFFFD : cp;
}

// One argument of String.fromCharCode: a code point, 0 to 0x10FFFF.
std::uint32_t CharCode(const Value& v) {
  constexpr std::int64_t kMaxCodePoint = 0x10FFFF;
  std::int64_t c = Position(v, "String.fromCharCode", 0);
  if (c < 0 || c > kMaxCodePoint)
    ClientOrError(v, "String.fromCharCode: " + std::to_string(c) + " is not a character code (0 to 1114111)");
  return static_cast<std::uint32_t>(c);
}

}  // namespace

// ---- strings ---------------------------------------------------------------------------------

Value CharCodeAt(const Value& s, const Value& i) {
  const std::string& text = Text(s, "charCodeAt");
  std::int64_t k = Position(i, "charCodeAt", 0);
  if (k < 0) return Value();
  std::string_view seq = NthCodePoint(text, static_cast<std::size_t>(k));
  if (seq.empty()) return Value();
  return Value(static_cast<long long>(CodePointOf(seq)));
}

Value FromCharCodes(std::initializer_list<Value> codes) {
  std::string out;
  for (const Value* c = codes.begin(); c != codes.end(); ++c) {
    std::uint32_t cp = CharCode(*c);
    if (cp >= 0xD800 && cp <= 0xDBFF && c + 1 != codes.end()) {  // a UTF-16 pair: one character
      std::uint32_t low = CharCode(c[1]);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        common::AppendUtf8(out, 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00));
        ++c;
        continue;
      }
    }
    common::AppendUtf8(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);  // a lone surrogate is no character
  }
  return Value(std::move(out));
}

// UTF-8 byte order is code point order: the comparison of `<` on Strings, as a number.
Value LocaleCompare(const Value& a, const Value& b) {
  int c = Text(a, "localeCompare").compare(Text(b, "localeCompare"));
  return Value(static_cast<long long>(c < 0 ? -1 : c > 0 ? 1 : 0));
}

Value Substring(const Value& s, const Value& start, const Value& end) {
  std::vector<std::string> cps = CodePoints(Text(s, "substring"));
  const std::int64_t n = static_cast<std::int64_t>(cps.size());
  std::int64_t a = std::clamp<std::int64_t>(Position(start, "substring", 0), 0, n);
  std::int64_t b = std::clamp<std::int64_t>(Position(end, "substring", n), 0, n);
  if (a > b) std::swap(a, b);
  return Value(Joined(cps, static_cast<std::size_t>(a), static_cast<std::size_t>(b)));
}

Value JsCharAt(const Value& s, const Value& i) {
  std::vector<std::string> cps = CodePoints(Text(s, "charAt"));
  std::int64_t k = Position(i, "charAt", 0);
  if (k < 0 || k >= static_cast<std::int64_t>(cps.size())) return Value(std::string());
  return Value(std::move(cps[static_cast<std::size_t>(k)]));
}

// ---- strings and lists -----------------------------------------------------------------------

Value Concat(const Value& a, const Value& b) {
  if (a.IsString()) {
    std::string out = a.AsString();
    AppendStr(out, b);  // JavaScript's "n=".concat(4): the value's text
    return Value(std::move(out));
  }
  if (!a.IsArray()) args::Expected(a, "concat", "a list or a String");
  Array out = a.AsArray();
  if (b.IsArray()) out.insert(out.end(), b.AsArray().begin(), b.AsArray().end());
  else out.push_back(b);  // JavaScript's [1].concat(2): a value that is no list is one element
  return Value(std::move(out));
}

Value At(const Value& xs, const Value& i) {
  if (xs.IsString()) {
    std::vector<std::string> cps = CodePoints(xs.AsString());
    std::int64_t n = static_cast<std::int64_t>(cps.size());
    std::int64_t k = Position(i, "at", 0);
    if (k < 0) k += n;
    if (k < 0 || k >= n) return Value();
    return Value(std::move(cps[static_cast<std::size_t>(k)]));
  }
  if (!xs.IsArray()) args::Expected(xs, "at", "a list or a String");
  const Array& a = xs.AsArray();
  std::int64_t n = static_cast<std::int64_t>(a.size());
  std::int64_t k = Position(i, "at", 0);
  if (k < 0) k += n;
  if (k < 0 || k >= n) return Value();
  return a[static_cast<std::size_t>(k)];
}

// ---- lists -----------------------------------------------------------------------------------

Value FindLast(const Value& xs, const Value& fn) {
  const Array& a = args::List(xs, "findLast");
  for (std::size_t i = a.size(); i-- > 0;) {
    Value x = a[i];  // a copy: the function may change the list it came from
    if (CallIndexed(fn, x, i, xs).Truthy()) return x;
  }
  return Value();
}

// ---- numbers ---------------------------------------------------------------------------------

std::string RoundDecimal(std::string_view fixed, std::size_t decimals) {
  std::size_t dot = fixed.find('.');
  std::string_view whole = fixed.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : fixed.substr(dot + 1);
  std::string digits(whole);
  digits.append(frac.substr(0, std::min(decimals, frac.size())));
  digits.append(decimals - std::min(decimals, frac.size()), '0');
  if (frac.size() > decimals && frac[decimals] >= '5') {
    std::size_t k = digits.size();
    while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
    if (k == 0) digits.insert(digits.begin(), '1');
    else ++digits[k - 1];
  }
  if (decimals > 0) digits.insert(digits.size() - decimals, ".");
  return digits;
}

Value ToFixedText(const Value& x, const Value& digits) {
  std::int64_t f = Position(digits, "toFixed", 0);
  if (f < 0 || f > 100)
    throw Error("toFixed(): the number of digits must be from 0 to 100, not " + std::to_string(f));
  const auto decimals = static_cast<std::size_t>(f);
  if (x.IsInt()) return Value(RoundDecimal(std::to_string(x.AsInt()), decimals));
  double d = Num(x, "toFixed");
  if (std::isnan(d)) return Value("NaN");
  if (std::isinf(d)) return Value(d > 0 ? "Infinity" : "-Infinity");
  std::string sign = d < 0 ? "-" : "";  // -0 has none, as in JavaScript
  d = std::fabs(d);
  if (d >= 1e21) return Value(sign + Str(Value(d)));  // JavaScript's number text, as toFixed gives it
  // The exact decimal value of the double (a double below 1e21 has at most 1074 decimals), so a
  // half is a real half: (2.5).toFixed(0) is "3", (1.005).toFixed(2) is "1.00" (1.00499999...).
  char buf[1200];
  std::snprintf(buf, sizeof buf, "%.1100f", d);
  return Value(sign + RoundDecimal(buf, decimals));
}

Value ParseInt(const Value& v, const Value& radix) {
  std::string text;
  if (v.IsString()) text = v.AsString();
  else if (v.IsNumber() || v.IsBool()) text = Str(v);  // JavaScript parses the value's text
  else return Value();
  std::int64_t r = Position(radix, "parseInt", 0);
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  bool negative = i < text.size() && text[i] == '-';
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool hex_prefix = r == 0 || r == 16;
  if (r == 0) r = 10;
  if (r < 2 || r > 36) return Value();
  if (hex_prefix && i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    i += 2;
    r = 16;
  }
  return LeadingDigits(text, i, static_cast<unsigned>(r), negative);
}

// ---- type tests ------------------------------------------------------------------------------

Value IsArray(const Value& v) { return Value(v.IsArray()); }

// `Array.from(x, fn?)`: a String's characters, a list's copy, an array-like object's elements
// (`{ length: 3 }`: three nulls, or its "0", "1", ... entries), each through `fn(x, i)` if given.
Value ArrayFrom(const Value& source, const Value& fn) {
  constexpr std::int64_t kMaxLength = 10'000'000;
  Value list;
  if (source.IsString()) {
    list = Chars(source);
  } else if (source.IsArray()) {
    list = source;
  } else if (source.IsObject()) {
    const Value* length = source.Find("length");
    std::int64_t n = length && length->IsNumber() ? static_cast<std::int64_t>(length->AsFloat()) : 0;
    if (n > kMaxLength) throw Error("Array.from: a length of " + std::to_string(n) + " is over 10,000,000", 500);
    Array out;
    for (std::int64_t i = 0; i < n; ++i) {
      const Value* v = source.Find(std::to_string(i));
      out.push_back(v ? *v : Value());
    }
    list = Value(std::move(out));
  } else {
    throw TypeError(std::string("Array.from: ") + source.KindName() + " is not a String, a list or an object with a `length`",
                    source.FromClient());
  }
  if (fn.IsNull()) return list;
  Array out;
  out.reserve(list.size());
  std::size_t i = 0;
  for (const Value& x : list.AsArray()) out.push_back(CallIndexed(fn, x, i++, list));
  return Value(std::move(out));
}

}  // namespace lux::stdlib
