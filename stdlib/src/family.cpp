// The everyday built-ins of the language family that handlers reach for: numbers (abs, min, max,
// floor, ceil, round, sqrt, pow), lists (sorted, reversed, any, all, count, last, drop, flatten,
// flat_map, unique, enumerate, zip, find_index, is_empty), strings (starts_with, ends_with,
// replace, repeat, chars, words, lines, capitalize, index_of, slice) and the helpers generated
// code calls for `for k, v in x` (ItemPairs) and `x[a..b]` (Slice). docs/stdlib.md documents each.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "lux_common/utf8.h"
#include "args.h"
#include "merge_sort.h"

namespace lux::stdlib {
using args::List;
using args::Num;
using args::Text;

std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min(common::Utf8SequenceLength(static_cast<unsigned char>(s[i])), s.size() - i);
    out.emplace_back(s, i, n);
    i += n;
  }
  return out;
}

std::string_view NthCodePoint(const std::string& s, std::size_t k) {
  std::size_t i = 0;
  for (; i < s.size() && k > 0; --k) i += std::min(common::Utf8SequenceLength(static_cast<unsigned char>(s[i])), s.size() - i);
  if (i >= s.size()) return {};
  return std::string_view(s).substr(i, std::min(common::Utf8SequenceLength(static_cast<unsigned char>(s[i])), s.size() - i));
}

namespace {

// Python-style bounds of a slice: negative counts from the end, both clamped to [0, n].
std::pair<std::size_t, std::size_t> SliceBounds(std::int64_t n, const Value& lo, const Value& hi, bool inclusive) {
  auto at = [&](const Value& v, std::int64_t dflt) -> std::int64_t {
    if (v.IsNull()) return dflt;
    if (!v.IsInt()) throw TypeError(std::string("a slice bound must be an Int, not ") + v.KindName(), v.FromClient());
    std::int64_t k = v.AsInt();
    if (k < 0) k = k < -n ? 0 : k + n;
    return std::min(k, n);
  };
  std::int64_t a = at(lo, 0);
  std::int64_t b = at(hi, n);
  if (inclusive && !hi.IsNull() && b < n) ++b;
  if (b < a) b = a;
  return {static_cast<std::size_t>(a), static_cast<std::size_t>(b)};
}

std::int64_t ToIntChecked(double f, const char* fn) { return FloatToInt(f, fn); }

}  // namespace

// ---- `for k, v in x` and `x[a..b]` ---------------------------------------------------------

std::vector<std::pair<Value, Value>> ItemPairs(const Value& v) {
  std::vector<std::pair<Value, Value>> out;
  if (v.IsObject()) {
    out.reserve(v.size());
    for (const auto& [k, x] : v.AsObject()) out.emplace_back(Value(k), x);
    return out;
  }
  Array items = Items(v);
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out.emplace_back(Value(static_cast<long long>(i)), std::move(items[i]));
  return out;
}

Value Slice(const Value& v, const Value& lo, const Value& hi, bool inclusive) {
  if (v.IsArray()) {
    const Array& a = v.AsArray();
    auto [b, e] = SliceBounds(static_cast<std::int64_t>(a.size()), lo, hi, inclusive);
    return Value(Array(a.begin() + static_cast<std::ptrdiff_t>(b), a.begin() + static_cast<std::ptrdiff_t>(e)));
  }
  if (v.IsString()) {
    std::vector<std::string> cps = CodePoints(v.AsString());
    auto [b, e] = SliceBounds(static_cast<std::int64_t>(cps.size()), lo, hi, inclusive);
    std::string out;
    for (std::size_t i = b; i < e; ++i) out += cps[i];
    return Value(std::move(out));
  }
  if (v.IsNull()) return Value();
  throw TypeError(std::string("cannot slice ") + v.KindName(), v.FromClient());
}

Value SliceOf(const Value& v, const Value& lo, const Value& hi) { return Slice(v, lo, hi, false); }

// ---- numbers ---------------------------------------------------------------------------------

Value Abs(const Value& x) {
  if (x.IsInt()) {
    if (x.AsInt() == std::numeric_limits<std::int64_t>::min()) CheckedSub(0, x.AsInt());  // overflow error
    return Value(static_cast<long long>(x.AsInt() < 0 ? -x.AsInt() : x.AsInt()));
  }
  return Value(std::fabs(Num(x, "abs")));
}

namespace {
Value Extreme(const Value& a, const Value& b, bool want_max, const char* fn) {
  if (b.IsNull()) {
    const Array& xs = List(a, fn);
    if (xs.empty()) throw Error(std::string(fn) + "() of an empty list");
    Value best = xs[0];
    for (std::size_t i = 1; i < xs.size(); ++i)
      if (want_max ? Lt(best, xs[i]) : Lt(xs[i], best)) best = xs[i];
    return best;
  }
  return (want_max ? Lt(a, b) : Lt(b, a)) ? b : a;
}
}  // namespace

Value Min(const Value& a, const Value& b) { return Extreme(a, b, false, "min"); }
Value Max(const Value& a, const Value& b) { return Extreme(a, b, true, "max"); }

Value Floor(const Value& x) {
  if (x.IsInt()) return x;
  return Value(static_cast<long long>(ToIntChecked(std::floor(Num(x, "floor")), "floor")));
}

Value Ceil(const Value& x) {
  if (x.IsInt()) return x;
  return Value(static_cast<long long>(ToIntChecked(std::ceil(Num(x, "ceil")), "ceil")));
}

Value Round(const Value& x, const Value& digits) {
  if (digits.IsNull()) {
    if (x.IsInt()) return x;
    // Halves go up, as the family's Math.round: round(2.5) is 3, round(-2.5) is -2.
    return Value(static_cast<long long>(ToIntChecked(std::floor(Num(x, "round") + 0.5), "round")));
  }
  if (!digits.IsInt()) throw TypeError("round(): the number of digits must be an Int");
  double f = Num(x, "round");
  std::int64_t d = std::clamp<std::int64_t>(digits.AsInt(), -15, 15);
  double scale = std::pow(10.0, static_cast<double>(d));
  double r = std::floor(f * scale + 0.5) / scale;
  return Value(std::isfinite(r) ? r : f);
}

Value Sqrt(const Value& x) { return Value(std::sqrt(Num(x, "sqrt"))); }

Value Pow(const Value& base, const Value& exp) {
  if (base.IsInt() && exp.IsInt()) {
    if (exp.AsInt() < 0)
      throw Error("pow(): a negative exponent of an Int (" + std::to_string(exp.AsInt()) +
                  "); write pow(to_float(x), n) for a Float");
    std::int64_t r = 1, b = base.AsInt();
    for (std::int64_t e = exp.AsInt(); e > 0; --e) {
      r = CheckedMul(r, b);
      if (r == 0 || r == 1) break;  // 0 and 1 stay what they are
    }
    if (r == -1 || (b == -1 && exp.AsInt() > 0)) r = exp.AsInt() % 2 == 0 ? 1 : -1;
    return Value(static_cast<long long>(r));
  }
  return Value(std::pow(Num(base, "pow"), Num(exp, "pow")));
}

// ---- lists -----------------------------------------------------------------------------------

Value Sorted(const Value& xs, const Value& key) {
  if (!key.IsNull()) return SortBy(List(xs, "sorted"), key);
  Array items = List(xs, "sorted");
  StableSort(items, [](const Value& a, const Value& b) { return Lt(a, b); });
  return Value(std::move(items));
}

Value Reversed(const Value& xs) {
  if (xs.IsString()) {
    std::vector<std::string> cps = CodePoints(xs.AsString());
    std::string out;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  Array items = List(xs, "reversed");
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Value Any(const Value& xs, const Value& fn) {
  std::size_t i = 0;
  for (const Value& x : List(xs, "any"))
    if (Truthy(CallIndexed(fn, x, i++, xs))) return Value(true);
  return Value(false);
}

Value All(const Value& xs, const Value& fn) {
  std::size_t i = 0;
  for (const Value& x : List(xs, "all"))
    if (!Truthy(CallIndexed(fn, x, i++, xs))) return Value(false);
  return Value(true);
}

Value Count(const Value& xs, const Value& fn) {
  long long n = 0;
  for (const Value& x : List(xs, "count"))
    if (Truthy(Call(fn, {x}))) ++n;
  return Value(n);
}

Value Last(const Value& xs) {
  if (xs.IsNull()) return Value();
  const Array& a = List(xs, "last");
  return a.empty() ? Value() : a.back();
}

Value Drop(const Value& xs, const Value& n) {
  const Array& a = List(xs, "drop");
  std::int64_t k = std::clamp<std::int64_t>(n.AsInt(), 0, static_cast<std::int64_t>(a.size()));
  return Value(Array(a.begin() + static_cast<std::ptrdiff_t>(k), a.end()));
}

Value Flatten(const Value& xs) {
  Array out;
  for (const Value& x : List(xs, "flatten")) {
    if (x.IsArray()) out.insert(out.end(), x.AsArray().begin(), x.AsArray().end());
    else out.push_back(x);
  }
  return Value(std::move(out));
}

Value FlatMap(const Value& xs, const Value& fn) {
  // An Option or a Result: the function's Option/Result for Some(x)/Ok(x); None and Err stay.
  if (xs.IsNull() || IsErr(xs)) return xs;
  if (IsOk(xs)) return Call(fn, {OkValue(xs)});
  if (!xs.IsArray() && !xs.IsObject()) return Call(fn, {xs});
  Array out;
  std::size_t i = 0;
  for (const Value& x : List(xs, "flat_map")) {
    Value r = CallIndexed(fn, x, i++, xs);
    if (r.IsArray()) out.insert(out.end(), r.AsArray().begin(), r.AsArray().end());
    else if (!r.IsNull()) out.push_back(std::move(r));
  }
  return Value(std::move(out));
}

Value Unique(const Value& xs) {
  Array out;
  for (const Value& x : List(xs, "unique")) {
    bool seen = false;
    for (const Value& y : out)
      if (y == x) {
        seen = true;
        break;
      }
    if (!seen) out.push_back(x);
  }
  return Value(std::move(out));
}

Value Enumerate(const Value& xs) {
  Array out;
  const Array& a = List(xs, "enumerate");
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(Value(Array{Value(static_cast<long long>(i)), a[i]}));
  return Value(std::move(out));
}

Value Zip(const Value& xs, const Value& ys, const Value& zs) {
  const Array& a = List(xs, "zip");
  const Array& b = List(ys, "zip");
  const Array* c = zs.IsNull() ? nullptr : &List(zs, "zip");
  Array out;
  std::size_t n = std::min(a.size(), b.size());
  if (c) n = std::min(n, c->size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(c ? Value(Array{a[i], b[i], (*c)[i]}) : Value(Array{a[i], b[i]}));
  return Value(std::move(out));
}

Value FindIndex(const Value& xs, const Value& fn) {
  const Array& a = List(xs, "find_index");
  for (std::size_t i = 0; i < a.size(); ++i)
    if (Truthy(CallIndexed(fn, a[i], i, xs))) return Value(static_cast<long long>(i));
  return Value();
}

Value IsEmpty(const Value& v) {
  if (v.IsNull()) return Value(true);
  if (v.IsArray() || v.IsObject() || v.IsString()) return Value(v.size() == 0);
  throw TypeError(std::string("is_empty() of ") + v.KindName(), v.FromClient());
}

// ---- strings ---------------------------------------------------------------------------------

Value StartsWith(const Value& s, const Value& prefix) {
  return Value(Text(s, "starts_with").starts_with(Text(prefix, "starts_with")));
}

Value EndsWith(const Value& s, const Value& suffix) {
  return Value(Text(s, "ends_with").ends_with(Text(suffix, "ends_with")));
}

Value Replace(const Value& s, const Value& from, const Value& to) {
  const std::string& t = Text(s, "replace");
  const std::string& f = Text(from, "replace");
  const std::string& r = Text(to, "replace");
  if (f.empty()) return s;
  std::string out;
  std::size_t start = 0;
  for (std::size_t at; (at = t.find(f, start)) != std::string::npos; start = at + f.size()) {
    out.append(t, start, at - start);
    out += r;
  }
  out.append(t, start, std::string::npos);
  return Value(std::move(out));
}

// The longest string `repeat` builds (64 MiB): `repeat(s, n)` with a client's n could otherwise
// take all memory.
inline constexpr std::size_t kMaxRepeatBytes = 64u << 20;

Value Repeat(const Value& s, const Value& n) {
  const std::string& t = Text(s, "repeat");
  if (!n.IsInt()) throw TypeError("repeat(): the count must be an Int");
  std::int64_t k = n.AsInt();
  if (k <= 0 || t.empty()) return Value("");
  if (static_cast<std::uint64_t>(k) > kMaxRepeatBytes / t.size())
    throw Error("repeat(): the result would be longer than " + std::to_string(kMaxRepeatBytes) + " bytes");
  std::string out;
  out.reserve(t.size() * static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) out += t;
  return Value(std::move(out));
}

Value Chars(const Value& s) {
  Array out;
  for (std::string& c : CodePoints(Text(s, "chars"))) out.push_back(Value(std::move(c)));
  return Value(std::move(out));
}

Value Words(const Value& s) {
  const std::string& t = Text(s, "words");
  Array out;
  std::size_t i = 0;
  while (i < t.size()) {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    std::size_t b = i;
    while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    if (i > b) out.push_back(Value(t.substr(b, i - b)));
  }
  return Value(std::move(out));
}

Value Lines(const Value& s) {
  const std::string& t = Text(s, "lines");
  Array out;
  if (t.empty()) return Value(std::move(out));
  std::size_t start = 0;
  while (start <= t.size()) {
    std::size_t at = t.find('\n', start);
    if (at == std::string::npos) {
      if (start < t.size()) out.push_back(Value(t.substr(start)));
      break;
    }
    std::size_t end = at > start && t[at - 1] == '\r' ? at - 1 : at;
    out.push_back(Value(t.substr(start, end - start)));
    start = at + 1;
  }
  return Value(std::move(out));
}

Value Capitalize(const Value& s) {
  std::string t = Text(s, "capitalize");
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return Value(std::move(t));
}

Value IndexOf(const Value& haystack, const Value& needle) {
  if (haystack.IsString()) {
    const std::string& t = haystack.AsString();
    std::size_t at = t.find(Text(needle, "index_of"));
    if (at == std::string::npos) return Value(-1);
    return Value(static_cast<long long>(CodePoints(t.substr(0, at)).size()));
  }
  const Array& a = List(haystack, "index_of");
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] == needle) return Value(static_cast<long long>(i));
  return Value(-1);
}

// ---- method calls on values of unknown type ----------------------------------------------------

Value MethodOr(const Value& receiver, std::string_view name, std::vector<Value> args,
               Value (*builtin)(const std::vector<Value>& receiver_and_args)) {
  if (receiver.IsObject())
    if (const Value* f = receiver.Find(name); f && f->IsFunction()) return Call(*f, std::move(args));
  args.insert(args.begin(), receiver);
  return builtin(args);
}

bool HasFields(const Value& v, std::initializer_list<std::string_view> fields) {
  if (!v.IsObject() || v.size() != fields.size()) return false;
  for (std::string_view f : fields)
    if (!v.Find(f)) return false;
  return true;
}

bool IsVariantOf(const Value& v, std::initializer_list<std::string_view> tags) {
  for (std::string_view t : tags)
    if (IsVariant(v, t)) return true;
  return false;
}

Value NoMethod(const Value& receiver, std::string_view name) {
  throw TypeError(std::string("cannot call method `") + std::string(name) + "` on " + receiver.KindName() +
                  ": no type of the program with that method has its shape", receiver.FromClient());
}

}  // namespace lux::stdlib
