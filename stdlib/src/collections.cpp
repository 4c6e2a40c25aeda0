// print, the list/Option helpers (len, map, filter, each, find, reduce, sort_by, take, first, sum,
// join, keys, values, contains, range), conversions (to_string, to_int, to_float, unwrapOr, ok_or)
// and the string helpers (split, trim, upper, lower).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cwctype>
#include <locale.h>
#include <mutex>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "lux_common/utf8.h"
#include "merge_sort.h"

namespace lux::stdlib {

namespace {
// The value a literal's part stands for (see ListPart::take).
template <class Part>
const Value& PartValue(const Part& p) {
  return p.take ? *p.take : p.value;
}
}  // namespace

Value ListOf(std::initializer_list<ListPart> parts) {
  // Every spread is checked before anything is taken from a part's variable.
  for (const ListPart& p : parts) {
    const Value& v = PartValue(p);
    if (p.spread && !v.IsArray() && !v.IsNull() && !v.IsString())
      throw TypeError(std::string("cannot spread ") + v.KindName() + " into a list", v.FromClient());
  }
  Array out;
  for (const ListPart& p : parts) {
    if (p.spread && PartValue(p).IsString()) {  // `[..."héllo"]`: its characters, as JavaScript's
      Value chars = Chars(PartValue(p));
      for (Value& c : chars.AsArray()) out.push_back(std::move(c));
    } else if (!p.spread) {
      out.push_back(p.take ? std::move(*p.take) : p.value);
    } else if (p.take && p.take->IsArray()) {
      Array& xs = p.take->AsArray();
      if (out.empty()) out.swap(xs);
      else out.insert(out.end(), std::make_move_iterator(xs.begin()), std::make_move_iterator(xs.end()));
    } else if (p.value.IsArray()) {
      const Array& xs = p.value.AsArray();
      out.insert(out.end(), xs.begin(), xs.end());
    }
  }
  return Value(std::move(out));
}

Value ObjectOf(std::initializer_list<ObjectPart> parts) {
  for (const ObjectPart& p : parts) {
    const Value& v = PartValue(p);
    if (p.spread && !v.IsObject() && !v.IsNull())
      throw TypeError(std::string("cannot spread ") + v.KindName() + " into an object", v.FromClient());
  }
  Object out;
  for (const ObjectPart& p : parts) {
    if (!p.spread) {
      out.Set(p.key, p.take ? std::move(*p.take) : p.value);
    } else if (p.take && p.take->IsObject()) {
      Object& o = p.take->AsObject();
      if (out.empty()) out = std::move(o);
      else for (auto& [k, v] : o) out.Set(k, std::move(v));
    } else if (p.value.IsObject()) {
      for (const auto& [k, v] : p.value.AsObject()) out.Set(k, v);
    }
  }
  return Value(std::move(out));
}

Value Print(std::initializer_list<Value> args) {
  std::string line;
  bool first = true;
  for (const Value& v : args) {
    if (!first) line += ' ';
    first = false;
    AppendStr(line, v);
  }
  line = rt::PrintLine(line);  // the request id (and trace) on a line printed while serving one
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
  return Value();
}

Value Len(const Value& v) {
  if (v.IsString())  // characters (Unicode code points), as slices and indexes count them
    return Value(static_cast<long long>(CharIndex(v.AsString(), v.AsString().size())));
  if (v.IsArray() || v.IsObject()) return Value(static_cast<long long>(v.size()));
  if (v.IsNull()) return Value(0);
  throw TypeError(std::string("len() of ") + v.KindName(), v.FromClient());
}

Value Map(const Value& xs, const Value& fn) {
  if (xs.IsArray()) {
    Array out;
    out.reserve(xs.size());
    std::size_t i = 0;
    for (const Value& x : xs.AsArray()) out.push_back(CallIndexed(fn, x, i++, xs));
    return Value(std::move(out));
  }
  if (xs.IsNull()) return Value();  // None stays None
  if (IsOk(xs)) return Ok(Call(fn, {OkValue(xs)}));
  if (IsErr(xs)) return xs;
  return Call(fn, {xs});  // Some(x)
}

Value Filter(const Value& xs, const Value& fn) {
  // An Option (`Some(5).filter(fn(x) x > 3)`): kept when the predicate holds, else None.
  if (xs.IsNull()) return xs;
  if (!xs.IsArray() && !xs.IsObject() && !xs.IsString()) return Call(fn, {xs}).Truthy() ? xs : Value();
  Array out;
  std::size_t i = 0;
  for (const Value& x : Items(xs))
    if (CallIndexed(fn, x, i++, xs).Truthy()) out.push_back(x);
  return Value(std::move(out));
}

Value Each(const Value& xs, const Value& fn) {
  std::size_t i = 0;
  for (const Value& x : Items(xs)) CallIndexed(fn, x, i++, xs);
  return Value();
}

Value Find(const Value& xs, const Value& fn) {
  std::size_t i = 0;
  for (const Value& x : Items(xs))
    if (CallIndexed(fn, x, i++, xs).Truthy()) return x;
  return Value();
}

Value Reduce(const Value& xs, const Value& fn, const Value& init) {
  Value acc = init;
  for (const Value& x : Items(xs)) acc = CallWithAccumulator(fn, std::move(acc), x);
  return acc;
}

Value SortBy(const Value& xs, const Value& fn) {
  Array items = Items(xs);
  std::vector<std::pair<Value, std::size_t>> keys;
  keys.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) keys.emplace_back(Call(fn, {items[i]}), i);
  StableSort(keys, [](const auto& a, const auto& b) { return Lt(a.first, b.first); });
  Array out;
  out.reserve(items.size());
  for (const auto& k : keys) out.push_back(items[k.second]);
  return Value(std::move(out));
}

Value SortWith(const Value& xs, const Value& fn) {
  Array items = Items(xs);
  StableSort(items, [&](const Value& a, const Value& b) {
    Value r = Call(fn, {a, b});
    if (r.IsBool()) return r.AsBool();
    return r.AsFloat() < 0;
  });
  return Value(std::move(items));
}

Value Take(const Value& xs, const Value& n) {
  Array items = Items(xs);
  std::int64_t k = std::max<std::int64_t>(0, n.AsInt());
  if (static_cast<std::size_t>(k) < items.size()) items.resize(static_cast<std::size_t>(k));
  return Value(std::move(items));
}

Value First(const Value& xs) {
  if (xs.IsArray()) return xs.size() ? xs.AsArray()[0] : Value();
  if (xs.IsNull()) return Value();
  throw TypeError(std::string("first() of ") + xs.KindName(), xs.FromClient());
}

Value Sum(const Value& xs) {
  Value total(0);
  for (const Value& x : Items(xs)) total = Add(total, x);
  return total;
}

Value Join(const Value& xs, const Value& sep) {
  if (xs.IsObject() && xs.Find("send")) {  // `join(ws, room)`: a WebSocket connection
    if (!sep.IsString()) throw HttpError(400, std::string("a room name is a String, found ") + sep.KindName());
    ws::Join(xs, sep.AsString());
    return Value();
  }
  std::string out;
  std::string s = sep.IsNull() ? "" : Str(sep);
  bool first = true;
  for (const Value& x : Items(xs)) {
    if (!first) out += s;
    first = false;
    AppendStr(out, x);
  }
  return Value(std::move(out));
}

Value ToString(const Value& v) { return Value(Str(v)); }

namespace {

// The TypeError of a JSON part that is not what its place takes, naming what was found.
[[noreturn]] void NotA(const char* expected, const Value& v) {
  std::string found = v.IsNull()                    ? "nothing (null)"
                      : v.IsString()                ? QuoteText(v.AsString())
                      : v.IsNumber() || v.IsBool() ? Str(v)
                                                    : v.KindName();
  throw TypeError(std::string("expected ") + expected + ", found " + found, v.FromClient());
}

}  // namespace

Value JsonText(const Value& v) {
  if (v.IsString()) return v;
  if (v.IsInt() || v.IsFloat() || v.IsBool()) return Value(Str(v));
  NotA("text", v);
}

Value JsonScalar(const Value& v, Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kString: return JsonText(v);
    case Value::Kind::kInt:
      if (v.IsInt()) return v;
      if (v.IsFloat() && std::trunc(v.AsFloat()) == v.AsFloat() && std::fabs(v.AsFloat()) < 9.2e18)
        return Value(static_cast<long long>(v.AsFloat()));
      if (v.IsString())
        if (auto i = ParseIntStrict(v.AsString())) return Value(static_cast<long long>(*i));
      NotA("an Int", v);
    case Value::Kind::kFloat:
      if (v.IsNumber()) return Value(v.AsFloat());
      if (v.IsString())
        if (auto f = ParseFloatStrict(v.AsString())) return Value(*f);
      NotA("a Float", v);
    case Value::Kind::kBool:
      if (v.IsBool()) return v;
      if (v.IsString() && (v.AsString() == "true" || v.AsString() == "false")) return Value(v.AsString() == "true");
      NotA("a Bool", v);
    default: return v;
  }
}

Value JsonNumber(const Value& v) {
  if (v.IsNumber()) return v;
  if (v.IsString()) {
    if (auto i = ParseIntStrict(v.AsString())) return Value(static_cast<long long>(*i));
    if (auto f = ParseFloatStrict(v.AsString())) return Value(*f);
  }
  NotA("a number", v);
}

Value ToInt(const Value& v) {
  if (v.IsInt()) return v;
  if (v.IsFloat()) return Value(static_cast<long long>(FloatToInt(v.AsFloat(), "to_int")));
  if (v.IsBool()) return Value(v.AsBool() ? 1 : 0);
  if (v.IsString()) {
    if (auto i = ParseIntStrict(v.AsString())) return Value(static_cast<long long>(*i));
    if (auto f = ParseFloatStrict(v.AsString())) return Value(static_cast<long long>(FloatToInt(*f, "to_int")));
    ClientOrError(v, "to_int: " + QuoteText(v.AsString()) + " is not a number");
  }
  throw TypeError(std::string("to_int() of ") + v.KindName(), v.FromClient());
}

Value ToFloat(const Value& v) {
  if (v.IsNumber()) return Value(v.AsFloat());
  if (v.IsBool()) return Value(v.AsBool() ? 1.0 : 0.0);
  if (v.IsString()) {
    if (auto f = ParseFloatStrict(v.AsString())) return Value(*f);
    ClientOrError(v, "to_float: " + QuoteText(v.AsString()) + " is not a number");
  }
  throw TypeError(std::string("to_float() of ") + v.KindName(), v.FromClient());
}

Value UnwrapOr(const Value& v, const Value& fallback) {
  if (v.IsNull() || IsErr(v)) return fallback;
  if (IsOk(v)) return OkValue(v);
  return v;
}

Value OkOr(const Value& v, const Value& err) {
  if (v.IsNull()) return Err(err);
  return Ok(v);
}

Value RangeOf(const Value& a, const Value& b, const Value& step) {
  std::int64_t lo = 0, hi = 0, st = 1;
  if (b.IsNull()) {
    hi = a.AsInt();
  } else {
    lo = a.AsInt();
    hi = b.AsInt();
  }
  if (!step.IsNull()) st = step.AsInt();
  if (st == 0) throw Error("range: the step is 0");
  Array out;
  if (st > 0 ? lo < hi : lo > hi) CheckRangeLength(lo, hi, st, false);
  // Stops when the next step would leave the Int range as well as at `hi`.
  for (std::int64_t i = lo; st > 0 ? i < hi : i > hi;) {
    out.push_back(Value(static_cast<long long>(i)));
    if (__builtin_add_overflow(i, st, &i)) break;
  }
  return Value(std::move(out));
}

Value Keys(const Value& v) {
  Array out;
  if (v.IsObject())
    for (const auto& [k, x] : v.AsObject()) out.push_back(Value(k));
  return Value(std::move(out));
}

Value Values(const Value& v) {
  Array out;
  if (v.IsObject())
    for (const auto& [k, x] : v.AsObject()) out.push_back(x);
  else if (v.IsArray())
    return v;
  return Value(std::move(out));
}

Value Contains(const Value& haystack, const Value& needle) {
  if (haystack.IsString()) return Value(haystack.AsString().find(Str(needle)) != std::string::npos);
  if (haystack.IsArray()) {
    for (const Value& x : haystack.AsArray())
      if (x == needle) return Value(true);
    return Value(false);
  }
  if (haystack.IsObject()) return Value(needle.IsString() && haystack.Find(needle.AsString()) != nullptr);
  return Value(false);
}

Value Split(const Value& s, const Value& sep) {
  const std::string& text = s.AsString();
  const std::string& d = sep.AsString();
  Array out;
  if (d.empty()) {
    for (std::string& c : CodePoints(text)) out.push_back(Value(std::move(c)));  // characters, not bytes
    return Value(std::move(out));
  }
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(d, start)) != std::string::npos; start = at + d.size())
    out.push_back(Value(text.substr(start, at - start)));
  out.push_back(Value(text.substr(start)));
  return Value(std::move(out));
}

Value Trim(const Value& s) {
  const std::string& t = s.AsString();
  std::size_t a = 0, b = t.size();
  while (a < b && std::isspace(static_cast<unsigned char>(t[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(t[b - 1]))) --b;
  return Value(t.substr(a, b - a));
}

namespace {

// The C.UTF-8 locale's character classes: towupper_l / towlower_l map every script's letters
// ("é" -> "É", "Ж" -> "ж"), where the program's "C" locale maps ASCII alone. Null when the
// system has no such locale (then only ASCII changes).
locale_t Utf8Locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// `s` with each character upper- or lower-cased (towupper_l, towlower_l); ASCII without a lookup,
// a byte that starts no valid sequence kept as it is.
std::string MapCase(const std::string& s, bool upper) {
  std::string out;
  out.reserve(s.size());
  const locale_t loc = Utf8Locale();
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
      ++i;
      continue;
    }
    const std::size_t n = std::min(common::Utf8SequenceLength(c), s.size() - i);
    const std::int64_t cp = common::DecodeUtf8(std::string_view(s).substr(i, n));
    if (cp < 0 || !loc) {
      out.append(s, i, cp < 0 ? 1 : n);
      i += cp < 0 ? 1 : n;
      continue;
    }
    const auto wc = static_cast<wint_t>(cp);
    common::AppendUtf8(out, static_cast<std::uint32_t>(upper ? towupper_l(wc, loc) : towlower_l(wc, loc)));
    i += n;
  }
  return out;
}

}  // namespace

Value Upper(const Value& s) { return Value(MapCase(s.AsString(), true)); }

Value Lower(const Value& s) { return Value(MapCase(s.AsString(), false)); }

}  // namespace lux::stdlib
