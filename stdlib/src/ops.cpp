// Operators, string conversion, member/index access, Option/Result/enum encodings and errors.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "lux/stdlib.h"

namespace lux::stdlib {

[[noreturn]] void Fail(const std::string& message) { throw Error(message); }

std::string QuoteText(std::string_view text) {
  constexpr std::size_t kShown = 64;
  if (text.size() <= kShown) return ToJson(Value(text));
  std::size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return ToJson(Value(text.substr(0, cut))) + "...";
}

namespace {

[[noreturn]] void BadOperands(const char* op, const Value& a, const Value& b) {
  throw TypeError(std::string("cannot apply `") + op + "` to " + a.KindName() + " and " + b.KindName(),
                  a.FromClient() || b.FromClient());
}

bool BothInt(const Value& a, const Value& b) { return a.IsInt() && b.IsInt(); }

[[noreturn, gnu::cold]] void IntOverflow(const char* op, std::int64_t a, std::int64_t b) {
  throw Error("integer overflow: " + std::to_string(a) + " " + op + " " + std::to_string(b) +
              " is outside the Int range [-9223372036854775808, 9223372036854775807]");
}

}  // namespace

std::int64_t CheckedAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) IntOverflow("+", a, b);
  return r;
}

std::int64_t CheckedSub(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) IntOverflow("-", a, b);
  return r;
}

std::int64_t CheckedMul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) IntOverflow("*", a, b);
  return r;
}

std::int64_t FloatToInt(double f, const char* what) {
  // 2^63 is exactly representable; every double below it in magnitude truncates into range.
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", f);
    throw Error(std::string(what) + ": " + buf + " is not in the Int range");
  }
  return static_cast<std::int64_t>(f);
}

Value Add(const Value& a, const Value& b) {
  if (BothInt(a, b)) return Value(static_cast<long long>(CheckedAdd(a.AsInt(), b.AsInt())));
  if (a.IsNumber() && b.IsNumber()) return Value(a.AsFloat() + b.AsFloat());
  if (a.IsString() || b.IsString()) return Value(Str(a) + Str(b));
  if (a.IsArray() && b.IsArray()) {
    Array out = a.AsArray();
    for (const Value& v : b.AsArray()) out.push_back(v);
    return Value(std::move(out));
  }
  BadOperands("+", a, b);
}

Value Add(Value&& a, const Value& b) {
  if (a.IsString() && &a != &b) {
    if (b.IsString()) {
      std::string s = std::move(a.AsString());
      s += b.AsString();
      return Value(std::move(s));
    }
    std::string tail = Str(b);  // before anything is taken from `a`
    std::string s = std::move(a.AsString());
    s += tail;
    return Value(std::move(s));
  }
  if (a.IsArray() && b.IsArray() && &a != &b) {
    Array out = std::move(a.AsArray());
    const Array& more = b.AsArray();
    out.insert(out.end(), more.begin(), more.end());
    return Value(std::move(out));
  }
  return Add(static_cast<const Value&>(a), b);
}

Value Sub(const Value& a, const Value& b) {
  if (BothInt(a, b)) return Value(static_cast<long long>(CheckedSub(a.AsInt(), b.AsInt())));
  if (a.IsNumber() && b.IsNumber()) return Value(a.AsFloat() - b.AsFloat());
  BadOperands("-", a, b);
}

Value Mul(const Value& a, const Value& b) {
  if (BothInt(a, b)) return Value(static_cast<long long>(CheckedMul(a.AsInt(), b.AsInt())));
  if (a.IsNumber() && b.IsNumber()) return Value(a.AsFloat() * b.AsFloat());
  if (a.IsString() && b.IsInt()) return Repeat(a, b);  // `"-" * 40`
  BadOperands("*", a, b);
}

Value Div(const Value& a, const Value& b) {
  if (BothInt(a, b)) {
    std::int64_t x = a.AsInt(), y = b.AsInt();
    if (y == 0) throw Error("division by zero");
    // The one quotient outside the range: -9223372036854775808 / -1.
    if (x == INT64_MIN && y == -1) IntOverflow("/", x, y);
    return Value(static_cast<long long>(x / y));
  }
  if (a.IsNumber() && b.IsNumber()) return Value(a.AsFloat() / b.AsFloat());
  BadOperands("/", a, b);
}

Value Mod(const Value& a, const Value& b) {
  if (BothInt(a, b)) {
    std::int64_t x = a.AsInt(), y = b.AsInt();
    if (y == 0) throw Error("division by zero");
    // x % -1 is 0 for every x; the CPU's division would trap on INT64_MIN % -1.
    if (y == -1) return Value(0);
    return Value(static_cast<long long>(x % y));
  }
  if (a.IsNumber() && b.IsNumber()) return Value(std::fmod(a.AsFloat(), b.AsFloat()));
  BadOperands("%", a, b);
}

Value Neg(const Value& a) {
  if (a.IsInt()) {
    if (a.AsInt() == INT64_MIN) throw Error("integer overflow: -(-9223372036854775808) is outside the Int range");
    return Value(static_cast<long long>(-a.AsInt()));
  }
  if (a.IsFloat()) return Value(-a.AsFloat());
  throw TypeError(std::string("cannot negate ") + a.KindName(), a.FromClient());
}

namespace {
int Compare(const Value& a, const Value& b, const char* op) {
  if (BothInt(a, b)) return a.AsInt() < b.AsInt() ? -1 : a.AsInt() > b.AsInt() ? 1 : 0;
  if (a.IsNumber() && b.IsNumber()) return a.AsFloat() < b.AsFloat() ? -1 : a.AsFloat() > b.AsFloat() ? 1 : 0;
  if (a.IsString() && b.IsString()) return a.AsString().compare(b.AsString()) < 0 ? -1 : a.AsString() == b.AsString() ? 0 : 1;
  BadOperands(op, a, b);
}
}  // namespace

bool Lt(const Value& a, const Value& b) { return Compare(a, b, "<") < 0; }
bool Le(const Value& a, const Value& b) { return Compare(a, b, "<=") <= 0; }
bool Gt(const Value& a, const Value& b) { return Compare(a, b, ">") > 0; }
bool Ge(const Value& a, const Value& b) { return Compare(a, b, ">=") >= 0; }

void AppendStr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: out += "None"; break;
    case Value::Kind::kBool: out += v.AsBool() ? "true" : "false"; break;
    case Value::Kind::kInt: out += std::to_string(v.AsInt()); break;
    case Value::Kind::kFloat: {
      double d = v.AsFloat();
      char buf[32];
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) std::snprintf(buf, sizeof buf, "%.1f", d);
      else if (!std::isfinite(d)) std::snprintf(buf, sizeof buf, "%g", d);
      else {
        // The shortest text that reads back as the same number, as JSON prints it: `0.1 + 0.2`
        // is 0.30000000000000004 in a response, so in a string too.
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, d);
        *end = '\0';
      }
      out += buf;
      break;
    }
    case Value::Kind::kString: out += v.AsString(); break;
    case Value::Kind::kFunction: out += "<fn>"; break;
    default:
      if (IsOk(v)) {
        out += "Ok(";
        AppendStr(out, OkValue(v));
        out += ")";
      } else if (IsErr(v)) {
        out += "Err(";
        AppendStr(out, ErrValue(v));
        out += ")";
      } else {
        AppendJson(v, out);
      }
  }
}

std::string Str(const Value& v) {
  std::string s;
  AppendStr(s, v);
  return s;
}

namespace {
// A response as a value (respond(...), `next(req)` in a middleware function) keeps its parts
// under `$` names (IsResponse); its `status` and `headers` are read and set as the family writes
// them (`res.status`, `res.headers["X-Time"] = ...`). Null for any other name or value.
const char* ResponsePart(const Value& v, std::string_view name) {
  if (name != "status" && name != "headers") return nullptr;
  if (!v.IsObject() || !v.Find("$status") || v.Find(name)) return nullptr;
  return name == "status" ? "$status" : "$headers";
}
}  // namespace

const Value& Field(const Value& v, std::string_view name) {
  // A thrown String caught as `err`: `err.message` is the String, as a runtime error's message is.
  if (v.IsString() && name == "message") return v;
  if (v.IsObject() || v.IsNull()) {
    const Value& field = v[name];
    if (!field.IsNull()) return field;
    const char* part = ResponsePart(v, name);
    return part ? v[part] : field;
  }
  throw TypeError(std::string("cannot read field `") + std::string(name) + "` of " + v.KindName(), v.FromClient());
}

Value OptionalField(const Value& v, std::string_view name) {
  if (v.IsObject() || (v.IsString() && name == "message")) return Field(v, name);
  if ((v.IsString() || v.IsArray()) && name == "length") return Len(v);
  return Value();
}

Value LengthOrField(const Value& v) {
  if (v.IsArray() || v.IsString()) return Len(v);
  return Field(v, "length");
}

Value& FieldRef(Value& v, std::string_view name) {
  if (const char* part = ResponsePart(v, name)) return v[part];
  if (v.IsObject() || v.IsNull()) return v[name];
  throw TypeError(std::string("cannot set field `") + std::string(name) + "` of " + v.KindName());
}

Value Index(const Value& v, const Value& i) {
  if (v.IsArray() && i.IsInt()) {
    std::int64_t k = i.AsInt();
    const Array& a = v.AsArray();
    if (k < 0) k += static_cast<std::int64_t>(a.size());
    if (k < 0 || k >= static_cast<std::int64_t>(a.size())) return Value();
    return a[static_cast<std::size_t>(k)];
  }
  if ((v.IsObject() || v.IsNull()) && i.IsString()) return v[std::string_view(i.AsString())];
  if (v.IsString() && i.IsInt()) return At(v, i);  // the character (code point) at i, as `s.at(i)`
  throw TypeError(std::string("cannot index ") + v.KindName() + " with " + i.KindName(), v.FromClient() || i.FromClient());
}

Value& IndexRef(Value& v, const Value& i) {
  if (v.IsArray() && i.IsInt()) {
    Array& a = v.AsArray();
    std::int64_t k = i.AsInt();
    if (k < 0 || k >= static_cast<std::int64_t>(a.size())) throw Error("index " + std::to_string(k) + " is out of range");
    return a[static_cast<std::size_t>(k)];
  }
  if ((v.IsObject() || v.IsNull()) && i.IsString()) return v[std::string_view(i.AsString())];
  throw TypeError(std::string("cannot index ") + v.KindName() + " with " + i.KindName(), v.FromClient() || i.FromClient());
}

Value& Scratch() {
  thread_local Value v;
  return v;
}

Value Duration(const Value& amount, std::int64_t unit_ms) {
  if (amount.IsInt()) return Value(static_cast<long long>(CheckedMul(amount.AsInt(), unit_ms)));
  return Value(static_cast<long long>(FloatToInt(amount.AsFloat() * static_cast<double>(unit_ms), "duration")));
}

void CheckRangeLength(std::int64_t lo, std::int64_t hi, std::int64_t step, bool inclusive) {
  // The span of two Ints fits in 64 unsigned bits; elements = ceil(span / |step|) (+1 inclusive).
  std::uint64_t span = step > 0 ? static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)
                                : static_cast<std::uint64_t>(lo) - static_cast<std::uint64_t>(hi);
  std::uint64_t by = step > 0 ? static_cast<std::uint64_t>(step) : 0 - static_cast<std::uint64_t>(step);
  std::uint64_t n = span / by + (span % by != 0);
  if (n > kMaxRangeLength || (inclusive && span % by == 0 && n == kMaxRangeLength))
    throw Error("a range of more than " + std::to_string(kMaxRangeLength) + " elements (from " + std::to_string(lo) +
                " to " + std::to_string(hi) + ")");
}

Value Range(const Value& lo, const Value& hi, bool inclusive) {
  Array out;
  std::int64_t a = lo.AsInt(), b = hi.AsInt();
  if (a > b || (a == b && !inclusive)) return Value(std::move(out));
  CheckRangeLength(a, b, 1, inclusive);
  out.reserve(static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a) + 1);
  // Counting up to b itself (not to b + 1): `lo..=9223372036854775807` has no end past the range.
  if (!inclusive) --b;
  for (std::int64_t i = a;; ++i) {
    out.push_back(Value(static_cast<long long>(i)));
    if (i == b) break;
  }
  return Value(std::move(out));
}

bool InRange(const Value& v, const Value& lo, const Value& hi, bool inclusive) {
  if (!(v.IsNumber() || v.IsString())) return false;
  if (v.IsString() != lo.IsString()) return false;
  return Ge(v, lo) && (inclusive ? Le(v, hi) : Lt(v, hi));
}

Value JsonGet(const Value& v, const Value& key) {
  if (!v.IsObject()) return Value();
  if (const Value* own = v.Find("get"); own && own->IsFunction()) return own->Call({key});
  if (!key.IsString()) return Value();
  // The request as a value (given to a helper or a route guard: Request::ToValue): Express's
  // `req.get(name)` is its header, as on the request itself.
  const Value* headers = v.Find("headers");
  const Value* method = v.Find("method");
  if (headers && headers->IsObject() && method && method->IsString() && v.Find("url")) return JsonGet(*headers, key);
  if (const Value* exact = v.Find(key.AsString())) return *exact;
  for (const auto& [k, value] : v.AsObject())
    if (IEquals(k, key.AsString())) return value;
  return Value();
}

namespace {
// The argument list of the innermost Call under way on this thread: Call owns it and drops it
// when the function returns, so TakeArg may move an argument out of it (once).
thread_local const std::vector<Value>* t_own_args = nullptr;

class OwnArgs {
 public:
  explicit OwnArgs(const std::vector<Value>* args) : saved_(t_own_args) { t_own_args = args; }
  ~OwnArgs() { t_own_args = saved_; }
  OwnArgs(const OwnArgs&) = delete;
  OwnArgs& operator=(const OwnArgs&) = delete;

 private:
  const std::vector<Value>* saved_;
};
}  // namespace

Value Call(const Value& fn, std::vector<Value> args) {
  if (!fn.IsFunction()) throw TypeError(std::string("cannot call ") + fn.KindName() + ": it is not a function");
  OwnArgs own(&args);
  return fn.Call(args);
}

namespace {
// The argument list and the list walked of the innermost CallIndexed on this thread.
thread_local const std::vector<Value>* t_iterated_args = nullptr;
thread_local const Value* t_iterated = nullptr;
}  // namespace

Value CallIndexed(const Value& fn, const Value& x, std::size_t i, const Value& list) {
  if (!fn.IsFunction()) throw TypeError(std::string("cannot call ") + fn.KindName() + ": it is not a function");
  std::vector<Value> args;
  args.reserve(2);
  args.push_back(x);
  args.push_back(Value(static_cast<unsigned long long>(i)));
  OwnArgs own(&args);
  struct Iterating {
    const std::vector<Value>* args;
    const Value* list;
    ~Iterating() {
      t_iterated_args = args;
      t_iterated = list;
    }
  } restore{t_iterated_args, t_iterated};
  t_iterated_args = &args;
  t_iterated = &list;
  return fn.Call(args);
}

const Value& IteratedArg(const std::vector<Value>& args, std::size_t i) {
  if (i < args.size()) return args[i];
  return &args == t_iterated_args ? *t_iterated : Value::Null();
}

Value TakeArg(const std::vector<Value>& args, std::size_t i) {
  if (i >= args.size()) return Value();
  if (&args != t_own_args) return args[i];
  t_own_args = nullptr;  // one argument taken per call: the list is not looked at again
  return std::move(const_cast<Value&>(args[i]));
}

Value CallWithAccumulator(const Value& fn, Value&& acc, const Value& x) {
  std::vector<Value> args;
  args.reserve(2);
  args.push_back(std::move(acc));
  args.push_back(x);
  return Call(fn, std::move(args));
}

Array Items(const Value& v) {
  if (v.IsArray()) return v.AsArray();
  Array out;
  if (v.IsObject()) {
    for (const auto& [k, x] : v.AsObject()) out.push_back(Value(k));
  } else if (v.IsString()) {
    for (std::string& c : CodePoints(v.AsString())) out.push_back(Value(std::move(c)));  // characters, not bytes
  } else if (!v.IsNull()) {
    throw TypeError(std::string("cannot iterate over ") + v.KindName(), v.FromClient());
  }
  return out;
}

// ---- Option, Result, enums ----

Value Ok(Value v) { return Value{{"$ok", std::move(v)}}; }
Value Err(Value e) { return Value{{"$err", std::move(e)}}; }
bool IsOk(const Value& v) { return v.IsObject() && v.size() == 1 && v.Find("$ok"); }
bool IsErr(const Value& v) { return v.IsObject() && v.size() == 1 && v.Find("$err"); }
const Value& OkValue(const Value& v) { return v["$ok"]; }
const Value& ErrValue(const Value& v) { return v["$err"]; }

Value Variant(std::string_view tag, std::vector<Value> values) {
  if (values.empty()) return Value(tag);
  return Value{{"tag", Value(tag)}, {"values", Value(Array(std::move(values)))}};
}

bool IsVariant(const Value& v, std::string_view tag) {
  if (v.IsString()) return v.AsString() == tag;
  if (v.IsObject()) {
    const Value* t = v.Find("tag");
    return t && t->IsString() && t->AsString() == tag;
  }
  return false;
}

const Value& VariantArg(const Value& v, std::size_t i) {
  if (!v.IsObject()) return Value::Null();
  const Value* vals = v.Find("values");
  if (!vals || !vals->IsArray() || i >= vals->size()) return Value::Null();
  return vals->AsArray()[i];
}

bool ListShape(const Value& v, std::size_t n, bool open) {
  if (!v.IsArray()) return false;
  std::size_t size = v.AsArray().size();
  return open ? size >= n : size == n;
}

const Value& ElementAt(const Value& v, std::size_t i) { return v.AsArray()[i]; }

bool HasEntry(const Value& v, std::string_view key) { return v.IsObject() && v.Find(key) != nullptr; }

bool HasPrefix(const Value& v, std::string_view prefix) {
  return v.IsString() && v.AsString().compare(0, prefix.size(), prefix) == 0 && v.AsString().size() >= prefix.size();
}

Value AfterPrefix(const Value& v, std::size_t prefix_bytes) { return Value(v.AsString().substr(prefix_bytes)); }

void NoMatch(const char* where, const Value& subject) {
  throw Error(std::string(where) + ": no `match` arm matches " + Str(subject));
}

Value ErrorValue(const std::exception& e) {
  if (auto* le = dynamic_cast<const Error*>(&e)) return le->is_thrown() ? le->thrown() : le->ToValue();
  return Value{{"message", Value(e.what())}, {"status", Value(500)}};
}

}  // namespace lux::stdlib
