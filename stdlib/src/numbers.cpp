// The family's math page beyond family.cpp's everyday numbers: rounding and constraining (trunc,
// sign, clamp, to_fixed), trigonometry, logarithms, integer math (gcd, lcm, factorial, divmod),
// randomness (random, random_int, random_float, choice, sample, shuffle), statistics (mean, avg,
// median, mode, variance, stdev, percentile), formatting (format_number, to_hex, to_binary,
// to_octal), and the conversions of the conversion page (to_bool, parse_int, parse_float).
// docs/stdlib.md documents each.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <system_error>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"
#include "merge_sort.h"

namespace lux::stdlib {
namespace {

using args::Int;
using args::List;
using args::Num;

std::vector<double> Numbers(const Value& xs, const char* fn) {
  std::vector<double> out;
  for (const Value& x : List(xs, fn)) out.push_back(Num(x, fn));
  return out;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::uint64_t Magnitude(std::int64_t v) {
  return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
}

}  // namespace

// ---- rounding and constraining -------------------------------------------------------------

Value Trunc(const Value& x) {
  if (x.IsInt()) return x;
  return Value(static_cast<long long>(FloatToInt(std::trunc(Num(x, "trunc")), "trunc")));
}

Value Sign(const Value& x) {
  double d = Num(x, "sign");
  return Value(d > 0 ? 1 : d < 0 ? -1 : 0);
}

Value Clamp(const Value& x, const Value& lo, const Value& hi) {
  if (Lt(hi, lo)) throw Error("clamp(): the low bound " + Str(lo) + " is above the high bound " + Str(hi));
  Value r = Lt(x, lo) ? lo : Lt(hi, x) ? hi : x;
  if (x.IsFloat() || lo.IsFloat() || hi.IsFloat()) return Value(r.AsFloat());
  return r;
}

Value ToFixed(const Value& x, const Value& digits) { return Round(Value(Num(x, "to_fixed")), digits); }

// ---- trigonometry, logarithms --------------------------------------------------------------

#define LUX_UNARY_MATH(Name, name, expr)                  \
  Value Name(const Value& x) {                            \
    double v = Num(x, name);                              \
    return Value(static_cast<double>(expr));              \
  }
LUX_UNARY_MATH(Sin, "sin", std::sin(v))
LUX_UNARY_MATH(Cos, "cos", std::cos(v))
LUX_UNARY_MATH(Tan, "tan", std::tan(v))
LUX_UNARY_MATH(Asin, "asin", std::asin(v))
LUX_UNARY_MATH(Acos, "acos", std::acos(v))
LUX_UNARY_MATH(Atan, "atan", std::atan(v))
LUX_UNARY_MATH(LogE, "log", std::log(v))
LUX_UNARY_MATH(Log2, "log2", std::log2(v))
LUX_UNARY_MATH(Log10, "log10", std::log10(v))
LUX_UNARY_MATH(Exp, "exp", std::exp(v))
LUX_UNARY_MATH(ToRadians, "to_radians", v * 3.14159265358979323846 / 180.0)
LUX_UNARY_MATH(ToDegrees, "to_degrees", v * 180.0 / 3.14159265358979323846)
#undef LUX_UNARY_MATH

Value Atan2(const Value& y, const Value& x) { return Value(std::atan2(Num(y, "atan2"), Num(x, "atan2"))); }
Value Hypot(const Value& a, const Value& b) { return Value(std::hypot(Num(a, "hypot"), Num(b, "hypot"))); }

Value Lerp(const Value& a, const Value& b, const Value& t) {
  double x = Num(a, "lerp"), y = Num(b, "lerp");
  return Value(x + (y - x) * Num(t, "lerp"));
}

Value IsNan(const Value& x) { return Value(x.IsFloat() && std::isnan(x.AsFloat())); }
Value IsFinite(const Value& x) { return Value(x.IsInt() || (x.IsFloat() && std::isfinite(x.AsFloat()))); }
Value IsIntegerValue(const Value& x) {
  return Value(x.IsInt() || (x.IsFloat() && std::isfinite(x.AsFloat()) && std::trunc(x.AsFloat()) == x.AsFloat()));
}

Value IsClose(const Value& a, const Value& b, const Value& tol) {
  double t = tol.IsNull() ? 1e-9 : Num(tol, "is_close");
  return Value(std::fabs(Num(a, "is_close") - Num(b, "is_close")) <= t);
}

// ---- integer math --------------------------------------------------------------------------

Value Gcd(const Value& a, const Value& b) {
  std::uint64_t x = Magnitude(Int(a, "gcd")), y = Magnitude(Int(b, "gcd"));
  while (y) {
    std::uint64_t t = x % y;
    x = y;
    y = t;
  }
  if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) throw Error("integer overflow: gcd");
  return Value(static_cast<long long>(x));
}

Value Lcm(const Value& a, const Value& b) {
  std::int64_t x = Int(a, "lcm"), y = Int(b, "lcm");
  if (x == 0 || y == 0) return Value(0);
  std::int64_t g = Gcd(a, b).AsInt();
  std::int64_t r = CheckedMul(x / g, y);
  return Abs(Value(static_cast<long long>(r)));
}

Value Factorial(const Value& n) {
  std::int64_t k = Int(n, "factorial");
  if (k < 0) throw Error("factorial() of a negative number (" + std::to_string(k) + ")");
  std::int64_t r = 1;
  for (std::int64_t i = 2; i <= k; ++i) r = CheckedMul(r, i);
  return Value(static_cast<long long>(r));
}

Value Divmod(const Value& a, const Value& b) {
  std::int64_t x = Int(a, "divmod"), y = Int(b, "divmod");
  if (y == 0) throw Error("divmod(): division by zero");
  if (x == std::numeric_limits<std::int64_t>::min() && y == -1) throw Error("integer overflow: divmod");
  std::int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) {  // floor division, the remainder takes the divisor's sign
    --q;
    r += y;
  }
  return Value(Array{Value(static_cast<long long>(q)), Value(static_cast<long long>(r))});
}

// ---- randomness ----------------------------------------------------------------------------

Value Random() { return Value(std::uniform_real_distribution<double>(0.0, 1.0)(Rng())); }

Value RandomInt(const Value& lo, const Value& hi) {
  std::int64_t a = Int(lo, "random_int"), b = Int(hi, "random_int");
  if (b < a) throw Error("random_int(): the low bound " + std::to_string(a) + " is above the high bound " + std::to_string(b));
  return Value(static_cast<long long>(std::uniform_int_distribution<std::int64_t>(a, b)(Rng())));
}

Value RandomFloat(const Value& lo, const Value& hi) {
  double a = Num(lo, "random_float"), b = Num(hi, "random_float");
  if (!(a < b)) return Value(a);
  return Value(std::uniform_real_distribution<double>(a, b)(Rng()));
}

Value Choice(const Value& xs) {
  const Array& a = List(xs, "choice");
  if (a.empty()) return Value();
  return a[std::uniform_int_distribution<std::size_t>(0, a.size() - 1)(Rng())];
}

Value Shuffle(const Value& xs) {
  Array a = List(xs, "shuffle");
  std::shuffle(a.begin(), a.end(), Rng());
  return Value(std::move(a));
}

Value Sample(const Value& xs, const Value& n) {
  std::int64_t k = Int(n, "sample");
  if (k < 0) throw Error("sample(): the count must not be negative, not " + std::to_string(k));
  Array a = List(xs, "sample");
  std::size_t take = std::min(a.size(), static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < take; ++i)
    std::swap(a[i], a[std::uniform_int_distribution<std::size_t>(i, a.size() - 1)(Rng())]);
  a.resize(take);
  return Value(std::move(a));
}

// ---- statistics ----------------------------------------------------------------------------

Value Mean(const Value& xs) {
  std::vector<double> v = Numbers(xs, "mean");
  if (v.empty()) return Value(0.0);
  double s = 0;
  for (double d : v) s += d;
  return Value(s / static_cast<double>(v.size()));
}

Value Median(const Value& xs) {
  std::vector<double> v = Numbers(xs, "median");
  if (v.empty()) throw Error("median() of an empty list");
  StableSort(v, [](double a, double b) { return a < b; });  // NaN: some order, never UB
  std::size_t n = v.size();
  return Value(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

Value Mode(const Value& xs) {
  const Array& a = List(xs, "mode");
  if (a.empty()) throw Error("mode() of an empty list");
  Value counts = Frequencies(xs);
  std::size_t best = 0;
  long long best_n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    long long n = counts.AsObject().Find(EntryKey(a[i]))->AsInt();
    if (n > best_n) {  // ties: the value seen first
      best = i;
      best_n = n;
    }
  }
  return a[best];
}

Value Variance(const Value& xs) {
  std::vector<double> v = Numbers(xs, "variance");
  if (v.empty()) return Value(0.0);
  double m = Mean(xs).AsFloat(), s = 0;
  for (double d : v) s += (d - m) * (d - m);
  return Value(s / static_cast<double>(v.size()));
}

Value Stdev(const Value& xs) { return Value(std::sqrt(Variance(xs).AsFloat())); }

Value Percentile(const Value& xs, const Value& p) {
  std::vector<double> v = Numbers(xs, "percentile");
  double q = Num(p, "percentile");
  if (!(q >= 0 && q <= 100)) throw Error("percentile(): p must be between 0 and 100, not " + Str(p));
  if (v.empty()) throw Error("percentile() of an empty list");
  StableSort(v, [](double a, double b) { return a < b; });  // NaN: some order, never UB
  double at = q / 100.0 * static_cast<double>(v.size() - 1);
  std::size_t lo = static_cast<std::size_t>(std::floor(at));
  std::size_t hi = std::min(lo + 1, v.size() - 1);
  return Value(v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo)));
}

// ---- formatting ----------------------------------------------------------------------------

namespace {
std::string InBase(const Value& n, unsigned base, const char* fn) {
  std::int64_t v = Int(n, fn);
  std::uint64_t m = Magnitude(v);
  std::string digits;
  do {
    digits += "0123456789abcdef"[m % base];
    m /= base;
  } while (m);
  if (v < 0) digits += '-';
  std::reverse(digits.begin(), digits.end());
  return digits;
}
}  // namespace

Value ToHex(const Value& n) { return Value(InBase(n, 16, "to_hex")); }
Value ToBinary(const Value& n) { return Value(InBase(n, 2, "to_binary")); }
Value ToOctal(const Value& n) { return Value(InBase(n, 8, "to_octal")); }

namespace {
// `x` with `decimals` decimals, a half rounded away from zero (JavaScript's toLocaleString): the
// number's shortest text is rounded, so 1234.5 gives "1235" and 1.005 with 2 decimals "1.01".
std::string FixedHalfAway(double x, std::size_t decimals) {
  char buf[512];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::fixed);
  if (ec != std::errc()) {
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(decimals), std::fabs(x));
    end = buf + std::strlen(buf);
  }
  return (x < 0 ? "-" : "") + RoundDecimal(std::string_view(buf, static_cast<std::size_t>(end - buf)), decimals);
}
}  // namespace

Value FormatNumber(const Value& n, const Value& options) {
  double x = Num(n, "format_number");
  std::string sep = ",";
  std::int64_t decimals = -1;
  if (options.IsObject()) {
    if (const Value* s = options.Find("separator")) sep = Str(*s);
    if (const Value* d = options.Find("decimals")) decimals = std::clamp<std::int64_t>(Int(*d, "format_number"), 0, 20);
  }
  if (!std::isfinite(x)) return Value(Str(n));
  std::string text;
  if (decimals >= 0) {
    text = FixedHalfAway(x, static_cast<std::size_t>(decimals));
  } else if (!n.IsInt() && x == std::trunc(x) && std::fabs(x) < 1e21) {
    char buf[32];  // a whole Float as the Int it is: 1234567.0 is "1,234,567"
    std::snprintf(buf, sizeof buf, "%.0f", x == 0 ? 0.0 : x);
    text = buf;
  } else {
    text = Str(n.IsInt() ? n : Value(x));
  }
  std::size_t start = text[0] == '-' ? 1 : 0;
  std::size_t dot = text.find_first_of(".eE");
  std::size_t int_end = dot == std::string::npos ? text.size() : dot;
  std::string out = text.substr(0, start);
  for (std::size_t i = start; i < int_end; ++i) {
    if (i > start && (int_end - i) % 3 == 0) out += sep;
    out += text[i];
  }
  out += text.substr(int_end);
  return Value(std::move(out));
}

// ---- conversions ---------------------------------------------------------------------------

Value ToBool(const Value& v) {
  if (v.IsString()) {
    const std::string& s = v.AsString();
    return Value(!(s.empty() || s == "0" || s == "false"));
  }
  if (v.IsFloat()) return Value(v.AsFloat() != 0 && !std::isnan(v.AsFloat()));
  if (v.IsArray() || v.IsObject() || v.IsFunction()) return Value(true);
  return Value(v.Truthy());
}

Value ParseInt(const Value& v) {
  if (v.IsInt()) return v;
  if (v.IsFloat()) {
    double f = std::trunc(v.AsFloat());
    if (!std::isfinite(f) || f < -9.2233720368547758e18 || f >= 9.2233720368547758e18) return Value();
    return Value(static_cast<long long>(f));
  }
  if (v.IsBool()) return Value(v.AsBool() ? 1 : 0);
  if (!v.IsString()) return Value();
  if (auto i = ParseIntStrict(v.AsString())) return Value(static_cast<long long>(*i));
  if (auto f = ParseFloatStrict(v.AsString())) return ParseInt(Value(*f));
  return ParseInt(v, Value(0));  // JavaScript's: the leading digits (`"42px"` is 42), else None
}

Value ParseFloat(const Value& v) {
  if (v.IsNumber()) return Value(v.AsFloat());
  if (v.IsBool()) return Value(v.AsBool() ? 1.0 : 0.0);
  if (!v.IsString()) return Value();
  if (auto f = ParseFloatStrict(v.AsString())) return Value(*f);
  // JavaScript's: the longest leading decimal number after white space (`"3.5kg"` is 3.5), else
  // None. from_chars reads exactly that prefix (an exponent only when digits follow it); it takes
  // no plus sign, and its "inf"/"nan" are no numbers here.
  const std::string& s = v.AsString();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '+' && !(i + 1 < s.size() && s[i + 1] == '-')) ++i;
  double f = 0;
  auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + s.size(), f);
  if (ec != std::errc() || !std::isfinite(f)) return Value();
  return Value(f);
}

}  // namespace lux::stdlib
