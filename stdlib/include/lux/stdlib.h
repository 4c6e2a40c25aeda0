// The Lux standard library as generated code calls it (namespace lux::stdlib): operators on
// dynamic values, Option/Result/enum encodings, the built-in functions of stdlib/builtins.def,
// route-parameter conversion, respond(), and ServerMain (--help and env flags around
// lux::rt::RunMain). Thin on purpose: only <lux/...> runtime headers, no Boost, no JSON library,
// so every generated translation unit stays cheap to compile (docs/toolchain.md). docs/stdlib.md
// documents the Lux-facing functions; the value encodings are described there too.
#pragma once

#include <lux/lux.h>
#include <lux/cookies.h>
#include <lux/auth.h>
#include <lux/db.h>
#include <lux/events.h>
#include <lux/jobs.h>
#include <lux/stdlib_main.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lux::stdlib {

// ---- mutable server state ------------------------------------------------------------------
// A `var` at server (or shared) level. Handlers run on several I/O threads, and jobs, event
// handlers and schedules on threads of their own, so every read copies the value under a lock
// and every write or in-place change happens under it. The lock is recursive (an index
// expression may read the same binding) and is never held while Lux code waits.
class SharedVar {
 public:
  SharedVar();
  explicit SharedVar(Value v);
  ~SharedVar();
  SharedVar(const SharedVar&) = delete;
  SharedVar& operator=(const SharedVar&) = delete;
  Value Load() const;
  void Store(Value v);
  void Update(const std::function<void(Value&)>& change);

 private:
  void* mu_;  // a std::recursive_mutex (stdlib/src/shared_var.cpp): keeps <mutex> out of generated code
  Value v_;
};

// `with_lock(fn() { ... })` / `withLock(...)`: calls the function holding the server process's
// one lock (lux::rt::WithLock: FIFO, reentrant, a waiting fiber suspends) and returns its value.
Value WithLock(const Value& body);

// ---- operators (Int op Int stays Int; any Float makes Float; `+` also joins strings/arrays) --
// Int arithmetic is checked: a result outside [-2^63, 2^63-1] throws lux::Error ("integer
// overflow: ..."), a runtime error like any other (500 in a request, a failed job attempt).
Value Add(const Value& a, const Value& b);
// The same sum when `a` is the variable the result replaces (`s = s + t`, `s += t`, `xs = xs +
// ys`): a string or list `a` is extended in place instead of copied, so building a text or a list
// in a loop is linear. Nothing of `a` is taken until the sum is certain to succeed.
Value Add(Value&& a, const Value& b);
Value Sub(const Value& a, const Value& b);
Value Mul(const Value& a, const Value& b);
Value Div(const Value& a, const Value& b);  // Int / Int truncates; division by zero is an error
Value Mod(const Value& a, const Value& b);  // sign of the dividend; x % -1 is 0
Value Neg(const Value& a);
std::int64_t CheckedAdd(std::int64_t a, std::int64_t b);
std::int64_t CheckedSub(std::int64_t a, std::int64_t b);
std::int64_t CheckedMul(std::int64_t a, std::int64_t b);
// A Float truncated toward zero; NaN, infinities and values outside the Int range throw
// lux::Error naming `what` (the function that converts).
std::int64_t FloatToInt(double f, const char* what);
bool Lt(const Value& a, const Value& b);  // numbers, or strings by bytes
bool Le(const Value& a, const Value& b);
bool Gt(const Value& a, const Value& b);
bool Ge(const Value& a, const Value& b);
inline bool Truthy(const Value& v) { return v.Truthy(); }
inline bool Truthy(bool b) { return b; }

// ---- strings -----------------------------------------------------------------------------
// How a value reads inside "{...}" and in print: strings as-is, None as `None`, records as JSON.
std::string Str(const Value& v);
void AppendStr(std::string& out, const Value& v);
inline void AppendStr(std::string& out, const char* s) { out += s; }
// "text {a} more {b}" → Interp("text ", a, " more ", b).
template <typename... Parts>
Value Interp(const Parts&... parts) {
  std::string out;
  (AppendStr(out, parts), ...);
  return Value(std::move(out));
}

// ---- member and index access -------------------------------------------------------------
// `x.name`: a field of an object (null when absent). Error on a value that has no fields.
const Value& Field(const Value& v, std::string_view name);
// `x?.name` (JavaScript's optional chaining): None when `x` is None or has no fields (a number, a
// Bool, a String's field other than `length`: JavaScript's `undefined`), else x.name as Field
// reads it.
Value OptionalField(const Value& v, std::string_view name);
// `x.length` on a JSON document or an untyped value: len(x) of a list or a string, else x's field `length`.
Value LengthOrField(const Value& v);
// `x.get(key)` on a dynamic value: x's own `get` function when it has one, the header `key` of
// the request as a value (Express's `req.get(name)` in a helper or a guard), else the entry
// `key` of an object (compared without case when no entry matches exactly, as header names
// are), else None.
Value JsonGet(const Value& v, const Value& key);
Value& FieldRef(Value& v, std::string_view name);
// `x[i]`: array element (null when out of range) or object field by string.
Value Index(const Value& v, const Value& i);
Value& IndexRef(Value& v, const Value& i);
// Durations are Int milliseconds: `30.seconds` is 30000; `x.hours` calls Duration(x, 3'600'000).
Value Duration(const Value& amount, std::int64_t unit_ms);
// `lo..hi` / `lo..=hi` as a list of Int.
Value Range(const Value& lo, const Value& hi, bool inclusive);
// Elements of one range (`a..b`, `range(...)`): the list is built whole, 16 bytes an element, so
// `0..n` with a client's n could otherwise take all memory. 160 MB at the limit.
inline constexpr std::uint64_t kMaxRangeLength = 10'000'000;
// Throws lux::Error when lo..hi by step (step != 0, a non-empty range) is longer than that.
void CheckRangeLength(std::int64_t lo, std::int64_t hi, std::int64_t step, bool inclusive);
bool InRange(const Value& v, const Value& lo, const Value& hi, bool inclusive);
// Calls a function value (a lambda, or a named function used as a value).
Value Call(const Value& fn, std::vector<Value> args);
// A callback of an iterating built-in (map, filter, each, find, find_index, any, all, flat_map):
// the element and its index, as JavaScript passes them (`xs.map(fn(x, i) ...)`); a function that
// takes one parameter ignores the index. A third parameter is the list itself (JavaScript's
// `(x, i, arr)`): read through IteratedArg, without a copy of the list per call.
Value CallIndexed(const Value& fn, const Value& x, std::size_t i, const Value& list);
// A lambda's third parameter: the argument when the caller passed one, else the list that the
// iterating built-in calling it walks (CallIndexed), else None.
const Value& IteratedArg(const std::vector<Value>& args, std::size_t i);
// Argument i of a lambda (null when the caller passed fewer).
inline const Value& Arg(const std::vector<Value>& args, std::size_t i) { return i < args.size() ? args[i] : Value::Null(); }
// The same argument for a parameter the lambda changes or returns (`fn(acc, w) { acc[w] = 1;
// acc }`): moved out of the list when the list is Call's own, which nothing reads after the call
// (reduce's accumulator then goes round without a copy per element), else a copy.
Value TakeArg(const std::vector<Value>& args, std::size_t i);
// reduce's step: fn(acc, x) with `acc` moved into the call's arguments.
Value CallWithAccumulator(const Value& fn, Value&& acc, const Value& x);
// What `for x in v` walks: a list's elements, an object's keys, a string's characters.
Array Items(const Value& v);
// A `var` that a closure captures lives in a shared box: the closure and the function see
// the same variable (`var count = 0; bump = fn() { count += 1 }`).
using Box = std::shared_ptr<Value>;
inline Box MakeBox(Value v = Value()) { return std::make_shared<Value>(std::move(v)); }
// Literals with spreads: `[a, ...xs, b]` and `{ k: v, ...o }`. A part with `spread` set adds the
// elements of a list (the entries of an object, later keys replacing earlier ones); a spread
// None adds nothing; any other value is a TypeError.
// A part with `take` set reads its value from the variable `*take` that the literal's result
// replaces (`xs = [...xs, x]`, `state = { ...state, n: 1 }`, `node = { next: node }`): its
// contents move into the result once every part is evaluated and checked, instead of being copied.
struct ListPart {
  Value value;
  bool spread = false;
  Value* take = nullptr;
};
Value ListOf(std::initializer_list<ListPart> parts);
inline ListPart SpreadTaking(Value& v) { return ListPart{Value(), true, &v}; }
inline ListPart ElementTaking(Value& v) { return ListPart{Value(), false, &v}; }
struct ObjectPart {
  std::string key;  // empty for a spread
  Value value;
  bool spread = false;
  Value* take = nullptr;
};
Value ObjectOf(std::initializer_list<ObjectPart> parts);
inline ObjectPart EntryTaking(std::string key, Value& v) { return ObjectPart{std::move(key), Value(), false, &v}; }
inline ObjectPart SpreadEntriesTaking(Value& v) { return ObjectPart{"", Value(), true, &v}; }
// A throwaway lvalue (assignment targets the checker could not resolve).
Value& Scratch();

// ---- Option, Result, enums -----------------------------------------------------------------
// Option<T>: None is null, Some(x) is x. Result: {"$ok": v} / {"$err": e}. A variant without a
// payload is its name as a string ("Warning"); with a payload {"tag": "Circle", "values": [...]}.
Value Ok(Value v);
Value Err(Value e);
bool IsOk(const Value& v);
bool IsErr(const Value& v);
const Value& OkValue(const Value& v);
const Value& ErrValue(const Value& v);
Value Variant(std::string_view tag, std::vector<Value> values);
bool IsVariant(const Value& v, std::string_view tag);
const Value& VariantArg(const Value& v, std::size_t i);
// Postfix `!`: IsFailure (None or Err) makes the caller return the value as is.
inline bool IsFailure(const Value& v) { return v.IsNull() || IsErr(v); }
inline const Value& Unwrapped(const Value& v) { return IsOk(v) ? OkValue(v) : v; }
// A `match` that no arm matched (only reachable when the checker could not see the type).
[[noreturn]] void NoMatch(const char* where, const Value& subject);
// The family's collection patterns in `match` (stdlib/src/ops.cpp): `[a, b]` / `[a, ...rest]`
// (a list of exactly / at least n elements), `{ key: p }` (an object with the key) and
// `"/api" ++ rest` (a String with the prefix; the remainder after `prefix_bytes`).
bool ListShape(const Value& v, std::size_t n, bool open);
const Value& ElementAt(const Value& v, std::size_t i);
bool HasEntry(const Value& v, std::string_view key);
bool HasPrefix(const Value& v, std::string_view prefix);
Value AfterPrefix(const Value& v, std::size_t prefix_bytes);
// `try { } finally { }`: the finally body runs when the guard's scope ends — normally, by
// `return`/`break`/`continue`, or while an error unwinds. An error the body raises while another
// is on its way out is dropped (the first error wins); otherwise it propagates.
class Finally {
 public:
  explicit Finally(std::function<void()> body) : body_(std::move(body)), pending_(std::uncaught_exceptions()) {}
  Finally(const Finally&) = delete;
  Finally& operator=(const Finally&) = delete;
  ~Finally() noexcept(false) {
    if (std::uncaught_exceptions() <= pending_) {
      body_();
      return;
    }
    try {
      body_();
    } catch (...) {
    }
  }

 private:
  std::function<void()> body_;
  int pending_;
};
// `catch err`: the error as a Lux value {message, status}, or the value a `throw` raised.
Value ErrorValue(const std::exception& e);
// `throw`-like failures raised by library functions.
[[noreturn]] void Fail(const std::string& message);
// Text from a client or a program quoted for an error message: a JSON string (control bytes
// escaped, so a NUL cannot cut the message; invalid UTF-8 as U+FFFD) of at most 64 bytes of
// the text, "..." marking a cut.
std::string QuoteText(std::string_view text);

// ---- built-in functions (docs/stdlib.md) ----------------------------------------------------
Value Print(std::initializer_list<Value> args);
// log.debug/info/warn/error: one structured line (lux::rt::Log); a last object argument gives fields.
Value LogDebug(std::initializer_list<Value> args);
Value LogInfo(std::initializer_list<Value> args);
Value LogWarn(std::initializer_list<Value> args);
Value LogError(std::initializer_list<Value> args);
Value Len(const Value& v);
Value Map(const Value& xs, const Value& fn);  // a list element-wise; an Option/Result inside
Value Filter(const Value& xs, const Value& fn);
Value Each(const Value& xs, const Value& fn);
Value Find(const Value& xs, const Value& fn);                       // the first x with fn(x) true, or null
Value Reduce(const Value& xs, const Value& fn, const Value& init);  // fn(...fn(fn(init, x0), x1)..., xn)
Value SortBy(const Value& xs, const Value& fn);    // fn(x) → key
Value SortWith(const Value& xs, const Value& fn);  // fn(a, b) → negative when a comes first
Value Take(const Value& xs, const Value& n);
Value First(const Value& xs);
Value Sum(const Value& xs);
// `join(list, sep)`; `join(ws, room)` (a WebSocket connection's value) puts the connection in the room.
Value Join(const Value& xs, const Value& sep = Value(""));
Value ToString(const Value& v);
Value ToInt(const Value& v);
Value ToFloat(const Value& v);
Value UnwrapOr(const Value& v, const Value& fallback);
Value OkOr(const Value& v, const Value& err);
// The family's Option/Result methods (stdlib/src/result_option.cpp).
Value Unwrap(const Value& v);                          // the value of Some/Ok; None or Err fails
Value Expect(const Value& v, const Value& message);    // as Unwrap, failing with `message`
Value UnwrapErr(const Value& v);                       // the error of Err; Ok fails
Value IsOkOf(const Value& v);
Value IsErrOf(const Value& v);
Value IsSome(const Value& v);
Value IsNone(const Value& v);
Value MapErr(const Value& v, const Value& fn);         // Err(fn(e)); Ok as it is
Value OrElse(const Value& v, const Value& other);      // v when Some/Ok, else other
Value AndThen(const Value& v, const Value& other);     // other when v is Some/Ok, else v
// The family's string helpers for names and layout (stdlib/src/text_case.cpp).
Value TitleCase(const Value& s);
Value SnakeCase(const Value& s);
Value CamelCase(const Value& s);
Value PadStart(const Value& s, const Value& width, const Value& fill = Value());
Value PadEnd(const Value& s, const Value& width, const Value& fill = Value());
Value TrimStart(const Value& s);
Value TrimEnd(const Value& s);

// The family's strings, encodings, JSON Results, URLs, dates and regexes (stdlib/src/text.cpp,
// encoding.cpp, datetime.cpp, regex.cpp; docs/stdlib.md). A date is Int Unix milliseconds, UTC.
std::int64_t CharIndex(const std::string& s, std::size_t byte_offset);  // code points before it
Value SplitN(const Value& s, const Value& sep, const Value& limit = Value());
Value ReplaceFirst(const Value& s, const Value& from, const Value& to);
Value LastIndexOf(const Value& s, const Value& sub);
Value CountOf(const Value& s, const Value& sub);
Value CharAt(const Value& s, const Value& i);
Value Center(const Value& s, const Value& width, const Value& fill = Value());
Value Truncate(const Value& s, const Value& n, const Value& suffix = Value());
Value WordWrap(const Value& s, const Value& width);
Value Dedent(const Value& s);
Value IndentStr(const Value& s, const Value& n, const Value& ch = Value());
Value Slugify(const Value& s);
Value KebabCase(const Value& s);
Value EscapeHtml(const Value& s);
Value UnescapeHtml(const Value& s);
Value Fmt(std::initializer_list<Value> args);
Value IsEmail(const Value& v);
Value IsUrl(const Value& v);
Value IsNumeric(const Value& v);
Value IsAlpha(const Value& v);
Value IsAlphanumeric(const Value& v);
Value IsUuid(const Value& v);
Value IsHex(const Value& v);
Value Base64Encode(const Value& s);
Value Base64Decode(const Value& s);
Value Base64UrlEncode(const Value& s);
Value Base64UrlDecode(const Value& s);
Value HexEncode(const Value& s);
Value HexDecode(const Value& s);
Value UrlEncode(const Value& s);
Value UrlDecode(const Value& s);
Value UriComponentEncode(const Value& s);  // JavaScript's encodeURIComponent: url_encode keeping !'()*
Value UriComponentDecode(const Value& s);  // decodeURIComponent: url_decode under that name
Value Atob(const Value& s);                // atob: base64_decode under that name
// Lower-case hex of the digest of a String's bytes (OpenSSL, lux/digest.h).
Value Sha256Hex(const Value& s);
Value Sha1Hex(const Value& s);
Value Md5Hex(const Value& s);
Value Sha512Hex(const Value& s);
Value HmacSha256Hex(const Value& key, const Value& message);
Value ConstantTimeEqualOf(const Value& a, const Value& b);  // a Bool, in a time set by the length
Value JsonParseResult(const Value& text);  // Ok(value) or Err(message), never an error
Value JsonPretty(const Value& v);
Value ParseUrl(const Value& url);  // Ok({protocol, host, hostname, port, pathname, search, hash}) or Err
Value BuildUrl(const Value& parts);
Value ParseQuery(const Value& query);
Value BuildQuery(const Value& params);
// "2024-06-15", "2024-06-15T12:00[:00[.000]]" with `Z`, `+02:00` or no zone (UTC): Unix ms.
std::optional<std::int64_t> ParseInstant(std::string_view s);
Value NowIso();
Value DateParse(const Value& s);
Value DateParseMs(const Value& s);  // JavaScript's Date.parse: the milliseconds, or null where it gives NaN
Value DateFrom(const Value& parts);
Value DateFormat(const Value& date, const Value& format = Value());
Value DateAdd(const Value& date, const Value& amount, const Value& unit);
Value DateDiff(const Value& from, const Value& to, const Value& unit);
Value DatePart(const Value& date, const Value& part);
Value TimeAgo(const Value& date);
Value RegexTest(const Value& s, const Value& pattern, const Value& flags = Value());
Value RegexMatch(const Value& s, const Value& pattern, const Value& flags = Value());
Value RegexFindAll(const Value& s, const Value& pattern, const Value& flags = Value());
Value RegexCapture(const Value& s, const Value& pattern, const Value& flags = Value());
Value RegexReplace(const Value& s, const Value& pattern, const Value& replacement, const Value& flags = Value());
Value RegexSplit(const Value& s, const Value& pattern, const Value& flags = Value());
Value RangeOf(const Value& a, const Value& b = Value(), const Value& step = Value());
Value Keys(const Value& v);
Value Values(const Value& v);
Value Contains(const Value& haystack, const Value& needle);
Value Split(const Value& s, const Value& sep);
Value Trim(const Value& s);
Value Upper(const Value& s);
Value Lower(const Value& s);

// The family's everyday built-ins (stdlib/src/family.cpp; docs/stdlib.md).
std::vector<std::string> CodePoints(const std::string& s);  // UTF-8 sequences, in order
// The k-th of CodePoints(s) without splitting the whole string; empty past the end.
std::string_view NthCodePoint(const std::string& s, std::size_t k);
// `for k, v in x`: (key, value) of an object's entries, (index, element) of anything else.
std::vector<std::pair<Value, Value>> ItemPairs(const Value& v);
// `x[a..b]` / `x[a..=b]`: a list's or a string's (code points) part; negative bounds count from the end.
Value Slice(const Value& v, const Value& lo, const Value& hi, bool inclusive);
Value SliceOf(const Value& v, const Value& lo, const Value& hi = Value());
// `x[a:b:step]` (stdlib/src/slices.cpp): Python's slice of a list or a string (code points);
// a null bound or step is left out; a step of 0 is an error.
Value SliceStep(const Value& v, const Value& lo, const Value& hi, const Value& step);
// `{k: v for ...}`: sets entry k (a String as it is, anything else as its text) of `object`.
void PutEntry(Value& object, const Value& key, Value value);
// The text of a computed object key `{ [k]: v }`: a String as it is, anything else as to_string.
std::string EntryKey(const Value& key);
Value Abs(const Value& x);
Value Min(const Value& a, const Value& b = Value());
Value Max(const Value& a, const Value& b = Value());
Value Floor(const Value& x);
Value Ceil(const Value& x);
Value Round(const Value& x, const Value& digits = Value());
Value Sqrt(const Value& x);
Value Pow(const Value& base, const Value& exp);
Value Sorted(const Value& xs, const Value& key = Value());
Value Reversed(const Value& xs);
Value Any(const Value& xs, const Value& fn);
Value All(const Value& xs, const Value& fn);
Value Count(const Value& xs, const Value& fn);
Value Last(const Value& xs);
Value Drop(const Value& xs, const Value& n);
Value Flatten(const Value& xs);
Value FlatMap(const Value& xs, const Value& fn);
Value Unique(const Value& xs);
Value Enumerate(const Value& xs);
Value Zip(const Value& xs, const Value& ys, const Value& zs = Value());
Value FindIndex(const Value& xs, const Value& fn);
Value IsEmpty(const Value& v);
Value StartsWith(const Value& s, const Value& prefix);
Value EndsWith(const Value& s, const Value& suffix);
Value Replace(const Value& s, const Value& from, const Value& to);
Value Repeat(const Value& s, const Value& n);
Value Chars(const Value& s);
Value Words(const Value& s);
Value Lines(const Value& s);
Value Capitalize(const Value& s);
Value IndexOf(const Value& haystack, const Value& needle);
// JavaScript's string and list methods, numbers and type tests (stdlib/src/js_builtins.cpp).
Value Substring(const Value& s, const Value& start, const Value& end = Value());  // clamped, swapped
Value JsCharAt(const Value& s, const Value& i = Value());  // "" outside the string
// The code point of the character at i (0 when absent), as s[i] counts; None outside the string.
Value CharCodeAt(const Value& s, const Value& i = Value());
// String.fromCharCode(...codes): the characters of those code points (a UTF-16 surrogate pair
// is one character); a code outside 0..0x10FFFF is an error.
Value FromCharCodes(std::initializer_list<Value> codes);
Value LocaleCompare(const Value& a, const Value& b);  // -1, 0 or 1 in code point order
Value Concat(const Value& a, const Value& b);              // two lists or two strings
Value At(const Value& xs, const Value& i);                  // negative from the end; null outside
Value FindLast(const Value& xs, const Value& fn);           // the last x with fn(x) true, or null
Value ToFixedText(const Value& x, const Value& digits = Value());  // JavaScript's x.toFixed(digits)
// A non-negative number's fixed-point text (`"1.005"`, `"12"`) cut to `decimals` decimals, up when
// the first digit cut is 5 or more (half up on the text as written), zeros added as needed.
std::string RoundDecimal(std::string_view fixed, std::size_t decimals);
Value IsArray(const Value& v);                              // Array.isArray
Value ArrayFrom(const Value& source, const Value& fn = Value());  // Array.from

// The family's list functions beyond those (stdlib/src/lists.cpp; docs/stdlib.md).
Value Chunk(const Value& xs, const Value& size);
Value Partition(const Value& xs, const Value& fn);
Value GroupBy(const Value& xs, const Value& fn);
Value CountBy(const Value& xs, const Value& fn);
Value Frequencies(const Value& xs);
Value SlidingWindow(const Value& xs, const Value& size);
Value Pairwise(const Value& xs);
Value Reduce(const Value& xs, const Value& fn);  // the first element is the initial value
Value Scan(const Value& xs, const Value& fn, const Value& init);
Value SumBy(const Value& xs, const Value& fn);
Value Product(const Value& xs);
Value MinBy(const Value& xs, const Value& fn);
Value MaxBy(const Value& xs, const Value& fn);
Value NoneMatch(const Value& xs, const Value& fn);
Value Union(const Value& a, const Value& b);
Value Intersection(const Value& a, const Value& b);
Value Difference(const Value& a, const Value& b);
Value SymmetricDifference(const Value& a, const Value& b);
Value IsSubset(const Value& a, const Value& b);
Value IsSuperset(const Value& a, const Value& b);
Value Combinations(const Value& xs, const Value& r);
Value Permutations(const Value& xs, const Value& r = Value());
Value ZipWith(const Value& xs, const Value& ys, const Value& fn);
Value Intersperse(const Value& xs, const Value& sep);
Value Interleave(const Value& xs, const Value& ys, const Value& zs = Value());
Value RepeatValue(const Value& v, const Value& n);
Value InsertAt(const Value& xs, const Value& i, const Value& v);
Value RemoveAt(const Value& xs, const Value& i);
Value UpdateAt(const Value& xs, const Value& i, const Value& v);
Value Rotate(const Value& xs, const Value& n);
Value Compact(const Value& xs);

// ---- lists changed in place: `items.push(x)` on a binding the program may change
// (stdlib/src/inplace.cpp). Each changes `xs` and returns what the family's method returns.
Value ListPush(Value& xs, std::vector<Value> items);     // the new length
Value ListAppend(Value& xs, Value item);                 // nothing
Value ListExtend(Value& xs, const Value& more);          // nothing
Value ListUnshift(Value& xs, std::vector<Value> items);  // the new length
Value ListInsert(Value& xs, const Value& i, Value item); // nothing; i clamped, negative from the end
Value ListPop(Value& xs, const Value& i = Value());      // the removed element, None when there is none
Value ListShift(Value& xs);                              // the removed first element, or None
Value ListRemove(Value& xs, const Value& item);          // whether an element equal to item was removed
Value ListClear(Value& xs);                              // nothing
Value ListSort(Value& xs, const Value& key = Value());   // the sorted list (by key when given)
Value ListSortWith(Value& xs, const Value& order);       // the sorted list, order(a, b) as SortWith
Value ListReverse(Value& xs);                            // the reversed list
Value ListSplice(Value& xs, const Value& start, const Value& count, std::vector<Value> items);  // the removed elements
Value BinarySearch(const Value& xs, const Value& target, const Value& key = Value());
Value IsSorted(const Value& xs, const Value& key = Value());
Value TypeOf(const Value& v);
Value Iter(const Value& xs);
// Objects and functions (stdlib/src/objects.cpp).
Value Entries(const Value& o);
// JavaScript's Object.keys / Object.entries: also a list's and a String's indexes as text.
Value ObjectKeys(const Value& o);
Value ObjectEntries(const Value& o);
Value FromEntries(const Value& pairs);
Value Merge(std::initializer_list<Value> objects);
Value Pick(const Value& o, const Value& keys);
Value Omit(const Value& o, const Value& keys);
Value MapValues(const Value& o, const Value& fn);
Value HasKey(const Value& o, const Value& key);
Value Clone(const Value& v);
Value Freeze(const Value& v);
Value Identity(const Value& v);
Value Compose(const Value& f, const Value& g, const Value& h = Value());
Value PipeFn(const Value& f, const Value& g, const Value& h = Value());
Value Negate(const Value& f);
Value Flip(const Value& f);
Value Partial(const Value& f, const Value& a, const Value& b = Value());
Value Memoize(const Value& f);
Value Once(const Value& f);
// Numbers, statistics, randomness and conversions (stdlib/src/numbers.cpp).
Value Trunc(const Value& x);
Value Sign(const Value& x);
Value Clamp(const Value& x, const Value& lo, const Value& hi);
Value ToFixed(const Value& x, const Value& digits);
Value Sin(const Value& x);
Value Cos(const Value& x);
Value Tan(const Value& x);
Value Asin(const Value& x);
Value Acos(const Value& x);
Value Atan(const Value& x);
Value Atan2(const Value& y, const Value& x);
Value LogE(const Value& x);
Value Log2(const Value& x);
Value Log10(const Value& x);
Value Exp(const Value& x);
Value ToRadians(const Value& x);
Value ToDegrees(const Value& x);
Value Hypot(const Value& a, const Value& b);
Value Lerp(const Value& a, const Value& b, const Value& t);
Value IsNan(const Value& x);
Value IsFinite(const Value& x);
Value IsIntegerValue(const Value& x);  // JavaScript's Number.isInteger: an Int, or a whole finite Float
Value IsClose(const Value& a, const Value& b, const Value& tol = Value());
Value Gcd(const Value& a, const Value& b);
Value Lcm(const Value& a, const Value& b);
Value Factorial(const Value& n);
Value Divmod(const Value& a, const Value& b);
Value Random();
Value RandomInt(const Value& lo, const Value& hi);
Value RandomFloat(const Value& lo, const Value& hi);
Value Choice(const Value& xs);
Value Shuffle(const Value& xs);
Value Sample(const Value& xs, const Value& n);
Value Mean(const Value& xs);
Value Median(const Value& xs);
Value Mode(const Value& xs);
Value Variance(const Value& xs);
Value Stdev(const Value& xs);
Value Percentile(const Value& xs, const Value& p);
Value ToHex(const Value& n);
Value ToBinary(const Value& n);
Value ToOctal(const Value& n);
Value FormatNumber(const Value& n, const Value& options = Value());
Value ToBool(const Value& v);
Value ParseInt(const Value& v);    // Some(Int) or None: the family's toInt
Value ParseInt(const Value& v, const Value& radix);  // JavaScript's parseInt(s, radix): None for NaN
Value ParseFloat(const Value& v);  // Some(Float) or None: the family's toFloat
// `x.f(args)` on a value of unknown type where `f` names a built-in: the object's own function
// field `f` when it has one (a record's), else the built-in called as `f(x, args)`.
Value MethodOr(const Value& receiver, std::string_view name, std::vector<Value> args,
               Value (*builtin)(const std::vector<Value>& receiver_and_args));
// A method of the program called on a value of unknown type (`el.render()` with `el` an
// unannotated parameter): which type's method runs is decided by the value's shape. A record is an
// object with exactly its fields; an enum's value is one of its variants. NoMethod is the failure
// when no type with that method fits (and no built-in of the name applies).
bool HasFields(const Value& v, std::initializer_list<std::string_view> fields);
bool IsVariantOf(const Value& v, std::initializer_list<std::string_view> tags);
[[noreturn]] Value NoMethod(const Value& receiver, std::string_view name);
Value Uuid();
Value Fetch(const Value& url, const Value& options = Value());
Value Sleep(const Value& ms);
Value DateNow();
// JSON.stringify(v, indent?) and JavaScript's JSON.stringify(v, null, space): indented when the
// indent (or the space) is truthy.
Value JsonStringify(const Value& v, const Value& indent = Value(), const Value& space = Value());
Value JsonParse(const Value& text);
// JavaScript's `Error(message)` (`throw new Error("...")`): {name: "Error", message}; thrown and
// not caught, its message is the error's (docs/language.md, "throw and errors").
Value ErrorOf(const Value& message);
// JavaScript's `typeof x`: "string", "number", "boolean", "function", "object" (an object or a
// list), "undefined" for None (a missing field's null).
Value JsTypeOf(const Value& v);
Value ProcessUptime();
// mail.send(to, subject, body[, {from, cc}]) over SMTP: SMTP_HOST, SMTP_PORT (25), MAIL_FROM.
// Without SMTP_HOST the message is logged instead.
Value MailSend(const Value& to, const Value& subject, const Value& body, const Value& options = Value());
Value RequestId();
Value Locals();
// A built-in applied to a value the client sent (`to_int(req.body.count)`, `JSON.parse(...)` of a
// request field): its failure is the client's error, 400 in the error shape naming the place as
// the program reads it: {"error": "`body.count`: to_int: \"abc\" is not a number", "details":
// {"field": "body.count"}}. The checker marks such values (docs/language.md, "Dynamic values").
Value FromRequest(Value (*convert)(const Value&), const Value& v, std::string_view place);
// A JSON document's part used as a String by a String built-in called on it (`body.title.trim()`):
// a String as it is, a number or a Bool as its text; anything else (a missing field's null, an
// object, a list) fails: a TypeError, 400 naming the field when the client sent it (FromRequest).
Value JsonText(const Value& v);
// A JSON document's part in a place of a declared scalar type (docs/language.md, "Dynamic
// values"): an Int, a Float or a Bool as it is or spelt as text (`"42"`, `"2.5"`, `"true"`: a
// query's, a path's and a form's values are text), a whole Float as an Int, any number as a
// Float, a String as JsonText reads it; anything else is a TypeError naming what was found.
Value JsonScalar(const Value& v, Value::Kind kind);
// A part used in arithmetic or an ordering with a number (`req.query.page - 1`): an Int or a
// Float as it is, a text that spells one as that number; anything else is a TypeError.
Value JsonNumber(const Value& v);

template <typename T>
struct JsonShape {
  static constexpr bool kScalar = false;
  static constexpr bool kOptional = false;
  static constexpr Value::Kind kKind = Value::Kind::kNull;
};
template <typename T, Value::Kind K>
struct JsonScalarShape {
  static constexpr bool kScalar = true;
  static constexpr bool kOptional = false;
  static constexpr Value::Kind kKind = K;
};
template <>
struct JsonShape<std::int64_t> : JsonScalarShape<std::int64_t, Value::Kind::kInt> {};
template <>
struct JsonShape<double> : JsonScalarShape<double, Value::Kind::kFloat> {};
template <>
struct JsonShape<bool> : JsonScalarShape<bool, Value::Kind::kBool> {};
template <>
struct JsonShape<std::string> : JsonScalarShape<std::string, Value::Kind::kString> {};
template <typename T>
struct JsonShape<std::optional<T>> : JsonShape<T> {
  static constexpr bool kOptional = true;
};

// A JSON document's part in a place of the declared type T (a parameter, a field, a typed binding,
// a result, a list's element): a scalar (or an Option of one) as JsonScalar reads it, null as
// None; a record, a list or an enum converted to T and back, as a typed request body is (a
// TypeError naming the field that does not fit). Generated code wraps a value the client sent in
// FromRequest, so its failure answers 400 naming the place.
template <typename T>
Value JsonAs(const Value& v) {
  if constexpr (JsonShape<T>::kScalar) {
    if (JsonShape<T>::kOptional && v.IsNull()) return v;
    return JsonScalar(v, JsonShape<T>::kKind);
  } else {
    T out{};
    FromValue(v, out);
    return ToValue(out);
  }
}
// `==` / `!=` of a JSON part and a typed value (`u.id == req.params.id`): the part as T, or null
// (equal to no value of T) when it does not convert.
template <typename T>
Value JsonAsOrNull(const Value& v) {
  try {
    return JsonAs<T>(v);
  } catch (const TypeError&) {
    return Value();
  }
}

// ---- server-sent events and streamed responses (lux/realtime.h) ----------------------------
// stream(fn(send, close)): a chunked response ({"$status": 200, "$stream": fn}).
Value Stream(const Value& producer);
// sse_channel(name): {name, send(event), count(), subscribe(send)}.
Value SseChannel(const Value& name);

// ---- responses ---------------------------------------------------------------------------
// respond(status, body[, headers]) as a value: {"$status": s, "$body": b, "$headers": h}.
Value Respond(const Value& status, const Value& body = Value(), const Value& headers = Value());
bool IsResponse(const Value& v);
// The one shape of an error answer, the runtime's own and respond_error's:
// {"error": message, "details": details (when not None), "request_id": the request's id}.
Value ErrorBody(const Value& message, const Value& details);
// respond_error(status, message[, details]): respond(status, ErrorBody(...)); a status outside
// 400-599 is a runtime error.
Value RespondError(const Value& status, const Value& message, const Value& details = Value());
// redirect(url, status?): an empty answer with `Location: url`, 302 unless status is 301, 303,
// 307 or 308; another status, or a URL that is empty or holds CR, LF or NUL, is a runtime error
// (500, the reason in the log).
Value Redirect(const Value& url, const Value& status = Value());
// html(body, status?, headers?) and text(body, status?, headers?): respond(status (200), the
// body's text, headers) with `Content-Type: text/html; charset=utf-8` or `text/plain;
// charset=utf-8` unless the headers name one; a status outside 100-599 is a runtime error.
Value Html(const Value& body, const Value& status = Value(), const Value& headers = Value());
Value TextResponse(const Value& body, const Value& status = Value(), const Value& headers = Value());
// cache_control(response, max_age[, {private, public, no_cache, no_store}]) and etag(response,
// tag): the response with the header set. Generated code writes `r = CacheControl(r, ...)` when
// the Lux argument is a local name, so the binding holds the changed response (docs/stdlib.md).
Value CacheControl(Value response, const Value& max_age, const Value& options = Value());
Value Etag(Value response, const Value& tag);
// with_headers(response, {name: value}): the response with the headers set (a list value sends
// the header once per element: `"Set-Cookie": [a, b]`); a value that is not a respond(...)
// value becomes respond(200, value) first.
Value WithHeaders(Value response, const Value& headers);
// set_cookie(name, value[, options]) and clear_cookie(name[, options]): a Set-Cookie header
// value (lux/cookies.h). Options: http_only/httpOnly (default true), max_age/maxAge (seconds),
// same_site/sameSite ("strict" | "lax" | "none", default "lax"), secure, path (default "/"),
// domain. A bad name, SameSite None without secure, or more than 4096 bytes is a runtime error.
Value SetCookie(const Value& name, const Value& value, const Value& options = Value());
Value ClearCookie(const Value& name, const Value& options = Value());
// session_destroy(req): the current request's session becomes empty (lux::DestroySession).
Value SessionDestroy(const Value& req = Value());

// ---- WebSocket rooms (stdlib/src/ws.cpp over lux/ws.h) ----
// `leave(ws, room)`, `broadcast(msg, except?)`, `broadcast_to(room, msg, except?)`.
Value WsLeave(const Value& ws, const Value& room);
Value WsBroadcast(const Value& message, const Value& except = Value());
Value WsBroadcastTo(const Value& room, const Value& message, const Value& except = Value());
// What a handler's value becomes: a respond(...) value as given; Ok(v) → 200 v; Err(e) → 400
// {"error": e} (or e.status / e itself when e is an object with an Int `status`); else 200 v.
Response ToResponse(const Value& v);
// What a `(req, res)` handler's value makes of `res`: a response, Ok/Err or `{status, body}` as
// ToResponse(v); another value, when nothing was sent through `res`, its JSON body (`res`'s
// status and headers kept); else `res` as it is.
Response ToResponse(const Value& v, Response res);
// What a `(req, res)` middleware returned: nothing (None) lets the request go on with `res`'s
// status and headers; a response answers with it, any other value as JSON with `res`'s status
// (`res.status(401); return { error: "..." }`); either ends the chain. A failed call it returned
// goes into `res` (rt::KeepFailureIn), which the chain hands back as it is.
void DecoratorAnswer(const Value& v, Response& res);
// A `(req, res, next)` middleware function (Express's form) as a stage of the chain: `fn` gets
// its own response `res` and `next`, which runs the rest of the chain once. When it called
// next(), the answer is the chain's with `res`'s headers and status applied (those set before
// next() where the answer has none of its own, those set after replacing them); else `res` when
// it answered (`res.status(401).json(...)`) or what it returned (a response, or a value as JSON,
// as DecoratorAnswer takes it); returning without either is an error (500, logged).
Response ExpressMiddleware(Request& req, const Next& next, Value (*fn)(Request&, Response&, const Next&),
                           std::string_view name);
// `next(req)` in a (req, next) middleware: the rest of the chain's response as a value that
// ToResponse turns back into the same response (a stream or file body stays in the request,
// Request::held_responses, named by the value).
Value FromResponse(Response res);
// `next(req)` in a (req, next) middleware function whose failed calls travel as results
// (lux/services.h): FromResponse of the rest of the chain's answer, or, for a failed one
// (Response::failed_call), nothing, with its failure kept again for the check right after.
Value NextValue(const Next& next, Request& req);
// `res.status(n)`, `res.json(v)`, `res.setHeader(name, value)`, `res.send(text)`.
Value ResStatus(Response& res, const Value& status);
Value ResJson(Response& res, const Value& body);
Value ResSetHeader(Response& res, const Value& name, const Value& value);
Value ResText(Response& res, const Value& text);
// Express's `res.send(v)`: an object or a list is JSON (as res.json); anything else is its text,
// as `text/html` unless the program set a Content-Type first (`res.set("Content-Type", ...)`).
Value ResSend(Response& res, const Value& v);
Value ResSendStatus(Response& res, const Value& status);  // Express's res.sendStatus(404): "Not Found"
// res.redirect(url, status?): the answer becomes redirect(url, status) (302 unless given).
Value ResRedirect(Response& res, const Value& url, const Value& status);
// negotiate(req, data, {html: fn, xml: fn, ...}): the formatter the request's Accept prefers, else
// data as JSON; with `Vary: Accept` (stdlib/src/negotiate.cpp).
Value Negotiate(const Value& req, const Value& data, const Value& formats);
// ---- auth (stdlib/src/auth.cpp): sign_jwt(payload, secret?, {expires_in}?) signs with the
// server's `auth { }` secret (or the one given); verify_jwt(token, secret?) takes the token or the
// whole `Bearer <token>` header and returns its claims, a refused one is 401; hash_password and
// verify_password are scrypt (lux/auth.h).
// `lifetime_ms`: the options' `expires_in` is a Duration (milliseconds), not seconds; generated
// code passes it when the checker saw a Duration there.
Value JwtSign(const Value& payload, const Value& secret = Value(), const Value& options = Value(), bool lifetime_ms = false);
Value JwtVerify(const Value& token, const Value& secret = Value());
Value PasswordHash(const Value& password);
Value PasswordVerify(const Value& password, const Value& hash);
// `with NAME` / `with NAME(args)` naming a function of the program: its value (`fn(req, next)`,
// or `fn(req)` that returns a response to answer instead) as route middleware (src/guards.cpp).
// `params`: the guard's parameter count when the program shows it (-1 when not): a `fn(req,
// next)` that returns without calling `next` answers with what it returned.
Middleware GuardMiddleware(Value guard, int params = -1);
// The request as a Lux value, and the Lux view of `req.<name>` (method, url, path, headers, ...).
Value RequestField(const Request& req, std::string_view name);
// `req.<name>` on a request a function was given as a value (`fn current_user(req) {
// req.user }`): the value's own fields (Request::ToValue); `user`, `session` and the fields
// middleware set are the answered request's (read and written there) when the value is that
// request, so a helper sees and changes what the handler does.
Value RequestValueField(const Value& req, std::string_view name);
Value& RequestValueFieldRef(Value& req, std::string_view name);
// Express's `req.get(name)` / `req.header(name)`: the header's value (names compared without
// case), or nil when the request has none.
Value RequestHeader(const Request& req, const Value& name);

// ---- route parameters: a value that does not convert answers 400 naming the parameter -----
enum class Kind { kAny, kInt, kFloat, kBool, kString };
// From a string (path or query): Int/Float/Bool parsed strictly.
// `where` names the place in the 400's message: "path parameter", "query parameter", "body field".
Value ParamFromString(const char* name, const std::string& text, Kind kind, const char* where = "parameter");
// `name` from the path; `name: T` / `name: Option<T>` / `name: [T]` from the query string.
Value PathParam(const Request& req, const char* name, Kind kind);
Value QueryParam(const Request& req, const char* name, Kind kind, bool optional);
Value QueryList(const Request& req, const char* name, Kind kind);
// A scalar of a POST/PUT/PATCH: the JSON body's field `name`, else the query string.
Value BodyOrQueryParam(const Request& req, const char* name, Kind kind, bool optional);
// A route parameter with a default: the default when the request gave no value.
inline Value OrDefault(Value v, Value fallback) { return v.IsNull() ? std::move(fallback) : std::move(v); }
// A parameter of a plain enum type: `v` (None, a String, or a list of them) must name one of
// `variants`; 400 "<where> `name`: expected one of `A`, `B`, got \"x\"" otherwise.
Value EnumParam(Value v, const char* where, const char* name, std::initializer_list<std::string_view> variants);
// Checks a JSON value against a scalar kind (for body fields); 400 naming `what` otherwise.
Value CheckKind(const Value& v, Kind kind, const char* what);
// A record-typed parameter: the whole JSON body, converted to T and back (validates, fills
// defaults, drops unknown fields); TypeError becomes 400 "body parameter `name`: ...".
template <typename T>
Value BodyRecord(const Request& req, const char* name) {
  T record{};
  try {
    FromValue(req.Json(), record);
  } catch (const TypeError& e) {
    throw HttpError(400, std::string("body parameter `") + name + "`: " + e.what());
  }
  return ToValue(record);
}
// `route ... body: T` / `body: [T]`: every bad field of the JSON body at once (400 "invalid
// request body: ..." with details.errors, against the OpenAPI schema `schema`), then the body
// converted to T (defaults filled, unknown fields dropped) becomes the request's JSON body, so
// the handler's `req.body` is a T.
void ValidateRequestBody(const Request& req, const char* document, const char* schema, bool list);
template <typename T>
void TypeRequestBody(Request& req, const char* document, const char* schema, bool list) {
  ValidateRequestBody(req, document, schema, list);
  auto convert = [](const Value& v) {
    T record{};
    try {
      FromValue(v, record);
    } catch (const TypeError& e) {
      throw HttpError(400, std::string("invalid request body: ") + e.what());
    }
    return ToValue(record);
  };
  const Value& body = req.Json();
  if (!list) {
    req.SetJson(convert(body));
    return;
  }
  Value out = Value::MakeArray();
  out.AsArray().reserve(body.AsArray().size());
  for (const Value& e : body.AsArray()) out.AsArray().push_back(convert(e));
  req.SetJson(std::move(out));
}
// A handler parameter of a structured type (a list, a record, an enum with payloads, an Option of
// one) that is one of several read from the JSON body: the body's field `name`, checked against
// `schema` (the parameter's OpenAPI schema, whose $refs name the components of the server's
// `document`, the same check as `body: T`'s), then converted to T (defaults filled, fields the
// type does not declare dropped). Absent or null: null when `optional`, else 400 "missing body
// field `name`"; a value that does not fit: 400 "body field `lines[0].qty`: expected an Int,
// found a String \"x\"" with details {field, errors: [{path, expected, found}, ...]}.
Value BodyField(const Request& req, const char* name, bool optional);
void ValidateBodyValue(const Value& v, const char* document, const char* schema, const char* name, bool field);
template <typename T>
Value BodyFieldAs(const Request& req, const char* document, const char* schema, const char* name, bool optional) {
  Value v = BodyField(req, name, optional);
  if (v.IsNull()) return v;
  ValidateBodyValue(v, document, schema, name, true);
  T out{};
  try {
    FromValue(v, out);
  } catch (const TypeError& e) {
    throw HttpError(400, std::string("body field `") + name + "`: " + e.what(), Value{{"field", Value(name)}});
  }
  return ToValue(out);
}
// A list parameter that is the handler's only body parameter (`fn(lines: [Line])`): the whole
// JSON body, checked and converted as BodyFieldAs does; 400 "invalid body parameter `lines`:
// body[0].qty: ..." (ValidateBody's form) when it does not fit.
template <typename T>
Value BodyAs(const Request& req, const char* document, const char* schema, const char* name) {
  const Value& body = req.Json();  // malformed JSON: 400 with the position
  ValidateBodyValue(body, document, schema, name, false);
  T out{};
  try {
    FromValue(body, out);
  } catch (const TypeError& e) {
    throw HttpError(400, std::string("body parameter `") + name + "`: " + e.what());
  }
  return ToValue(out);
}
// Converts a value to a record type and back (record construction `T { ... }`).
template <typename T>
Value AsRecord(const Value& v) {
  T record{};
  FromValue(v, record);
  return ToValue(record);
}

// ---- jobs and schedules (stdlib/src/jobs.cpp) -----------------------------------------------
// spawn_job("name", args...) → SpawnJob("name", {args...}): the job id (a String).
Value SpawnJob(std::string_view job, std::initializer_list<Value> args);
Value SpawnJobIn(const Value& delay, std::string_view job, std::initializer_list<Value> args);
Value SpawnJobWith(const Value& options, std::string_view job, std::initializer_list<Value> args);
// A stored job's or an RPC call's arguments: the i-th (null when absent) and how many were given.
const Value& ArgAt(const Value& args, int index);
int ArgCount(const Value& args);
// The value a job returned: Err(e) fails the attempt (throws lux::Error with e as its message).
void JobDone(const Value& result);
// `with { ... }` of a `background fn` / `schedule`; a bad computed value is a StartupError.
JobOptions JobOptionsFrom(const Value& options);
ScheduleOptions ScheduleOptionsFrom(const Value& options);
// A duration value (Int milliseconds) as milliseconds.
std::int64_t Millis(const Value& duration);
// `jobs { adapter, url, prefix, visibility_timeout }` / `bus { ... }` into Jobs(app) / Events(app);
// a computed value of the wrong kind is a StartupError (the runtime checks URLs at start).
void ConfigureJobs(App& app, const Value& config);
// `tls { cert, key, min_version }` and `session { secret, max_age, cookie_name, store, same_site,
// secure }`: the option objects as Register evaluates them; a value only an env setting gives is
// checked here (StartupError, one line).
void ConfigureTls(App& app, const Value& config);
// `max_age_is_duration`: the checker saw a Duration (`1.day`, Int milliseconds), not seconds.
void ConfigureSession(App& app, const Value& config, bool max_age_is_duration = false);
void ConfigureBus(App& app, const Value& config);

// ---- events (stdlib/src/jobs.cpp) ----------------------------------------------------------
// publish("event", data): stored in the outbox for every subscriber; returns Unit.
Value Publish(const Value& event, const Value& data = Value());
// A subscriber's declared payload type, checked when the event arrives: a payload that does not
// fit throws lux::PayloadRejected (logged, not retried).
template <typename T>
const Value& EventPayload(const Value& data, const char* event) {
  T record{};
  try {
    FromValue(data, record);
  } catch (const TypeError& e) {
    throw PayloadRejected(std::string("event \"") + event + "\": " + e.what());
  }
  return data;
}
const Value& EventPayloadKind(const Value& data, Kind kind, const char* event);

// ---- data: model methods and the `db` module (stdlib/src/db.cpp) -----------------------------
// `User.create(obj)` → ModelCreate("User", obj); see runtime/include/lux/db.h for the semantics.
Value ModelCreate(const char* model, const Value& fields);
Value ModelAll(const char* model);
Value ModelFind(const char* model, const Value& id);  // None (null) or the record
Value ModelWhere(const char* model, const Value& filter, const Value& options = Value());
Value ModelCount(const char* model, const Value& filter = Value());
Value ModelFindBy(const char* model, const Value& filter);  // the first record matching, or None
// `M.paginate(page?, per_page?)`: {data, page, perPage, total, totalPages}; page from 1 (default
// 1), per_page from 1 to kMaxPerPage (default kDefaultPerPage).
inline constexpr long long kDefaultPerPage = 20;
inline constexpr long long kMaxPerPage = 100;  // one page never loads more rows than this
Value ModelPaginate(const char* model, const Value& page = Value(), const Value& per_page = Value());
Value ModelUpdate(const char* model, const Value& id, const Value& fields);
// One field of a model for ModelFieldsFromRequest: its name, its conversion to the field's type
// (AsRecord<T>: the typed body's conversion), and whether `create` needs it (no default, not an
// Option).
struct ClientField {
  const char* name;
  Value (*convert)(const Value&);
  bool required;
};
// The fields argument of `M.create(v)` / `M.update(id, v)` (`partial`) when `v` is a value the
// client sent (`req.body`, a part of it): checked against the model's fields before the call, a
// mistake being the client's, 400 naming the place as the program reads it (FromRequest's form,
// details {field}): not an object; a key that is no field of the model (`server_set` — `id` in
// `create`, the timestamps — are dropped; `id` in `update` cannot be changed); a field whose
// value does not convert to its type; a field `create` needs that is missing. Returns the fields
// converted. The same mistakes in a value the program built stay the model call's 500.
Value ModelFieldsFromRequest(const Value& v, std::string_view place, const char* model,
                             std::initializer_list<ClientField> fields, bool partial,
                             std::initializer_list<const char*> server_set);
Value ModelDelete(const char* model, const Value& id);
Value ModelDeleteEvery(const char* model);                          // `User.delete_all()`
Value ModelDeleteWhere(const char* model, const Value& filter);     // `User.where(f) |> delete_all()`
Value ModelDeleteAll(const char* model, const Value& records);      // `records |> delete_all()`
Value DbRun(const Value& sql, std::initializer_list<Value> args);
Value DbQuery(const Value& sql, std::initializer_list<Value> args);
Value DbGet(const Value& sql, std::initializer_list<Value> args);  // the first row, or null
Value DbExec(const Value& sql);                                     // a script of `;`-separated statements
Value DbTransaction(const Value& body);
Value DbMigrate();
Value DbClose();

// Checks the JSON body against `schema` of the server's OpenAPI `document` before the handler
// runs: 400 {"error", "details": {"errors": [{path, expected, found}, ...]}} listing every bad field.
void ValidateBody(const Request& req, const char* document, const char* schema, const char* name);

// GET /openapi.json: the document luxc computed (404 when LUX_OPENAPI=0).
Response OpenApiResponse(const char* document);

// ---- auth (stdlib/src/http.cpp) ----------------------------------------------------------
JwtOptions JwtOptionsFrom(const Value& config);
ApiKeyOptions ApiKeyOptionsFrom(const Value& config);
// `auth { ... }`: RegisterApiKeyAuth for `type: "api_key"`, else RegisterJwtAuth.
void RegisterAuth(App& app, const Value& config);

// ---- test built-ins (only inside `test` blocks; luxc test, lux/testing.h) ---------------------
// Each takes the call's arguments and its place ("file.lux:LINE") for the failure message. A
// failed assertion throws lux::testing::AssertionFailed.
Value TestAssert(std::initializer_list<Value> args, const char* where);
Value TestAssertEq(std::initializer_list<Value> args, const char* where);
Value TestAssertNe(std::initializer_list<Value> args, const char* where);
// `assert_throws(fn, text?)` / `expect_error`: the error's message, which must contain `text`.
Value TestAssertThrows(std::initializer_list<Value> args, const char* where);
Value TestGet(std::initializer_list<Value> args, const char* where);
Value TestDelete(std::initializer_list<Value> args, const char* where);
Value TestPost(std::initializer_list<Value> args, const char* where);
Value TestPut(std::initializer_list<Value> args, const char* where);
Value TestPatch(std::initializer_list<Value> args, const char* where);
Value TestClockAdvance(std::initializer_list<Value> args, const char* where);
Value TestClockNow(std::initializer_list<Value> args, const char* where);
Value TestClockSet(std::initializer_list<Value> args, const char* where);
Value TestJobsDrain(std::initializer_list<Value> args, const char* where);
Value TestEventsPublished(std::initializer_list<Value> args, const char* where);
Value TestForm(std::initializer_list<Value> args, const char* where);
Value TestFilePart(std::initializer_list<Value> args, const char* where);
Value TestMockService(std::initializer_list<Value> args, const char* where);

}  // namespace lux::stdlib
