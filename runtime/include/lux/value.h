// lux::Value: the dynamic Lux value (null, bool, int, float, string, array, object, function),
// its JSON parse/serialise (hand-written, in src/value/json.cpp) and the to_value/from_value
// conversions that generated typed records (C++ structs) implement. Value semantics: copying a
// Value deep-copies arrays and objects. Objects keep insertion order (JSON output is stable).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lux {

class Value;
using Array = std::vector<Value>;
// A Lux function value: takes positional arguments, returns a value.
using Function = std::function<Value(const std::vector<Value>&)>;

// Thrown by Value accessors on a kind mismatch (a Lux runtime type error).
class TypeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  TypeError(const std::string& what, bool client) : std::runtime_error(what), client_(client) {}
  // The value at fault came from the client (Value::FromClient): the request it fails
  // answers 400 with this message instead of 500.
  bool client() const { return client_; }

 private:
  bool client_ = false;
};

// Thrown by ParseJson; `offset` is the byte offset, `line`/`column` are 1-based.
class JsonError : public std::runtime_error {
 public:
  JsonError(const std::string& what, std::size_t offset, int line, int column)
      : std::runtime_error(what), offset(offset), line(line), column(column) {}
  std::size_t offset;
  int line;
  int column;
};

class Object;
using ObjectEntry = std::pair<std::string, Value>;

class Value {
 public:
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kFloat, kString, kArray, kObject, kFunction };

  Value() noexcept : kind_(Kind::kNull), i_(0) {}
  Value(std::nullptr_t) noexcept : Value() {}
  Value(bool b) noexcept : kind_(Kind::kBool), b_(b) {}
  Value(int i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(long i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(long long i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(unsigned i) noexcept : kind_(Kind::kInt), i_(i) {}
  // Sizes: above INT64_MAX they become floats rather than wrapping negative.
  Value(unsigned long i) noexcept : Value(static_cast<unsigned long long>(i)) {}
  Value(unsigned long long i) noexcept {
    if (i <= static_cast<unsigned long long>(INT64_MAX)) {
      kind_ = Kind::kInt;
      i_ = static_cast<std::int64_t>(i);
    } else {
      kind_ = Kind::kFloat;
      f_ = static_cast<double>(i);
    }
  }
  Value(double f) noexcept : kind_(Kind::kFloat), f_(f) {}
  Value(const char* s);
  Value(std::string_view s);
  Value(std::string s);
  Value(Array a);
  Value(Object o);
  Value(Function fn);
  // {{"k", v}, ...} builds an object (the common literal in generated code).
  Value(std::initializer_list<ObjectEntry> entries);

  Value(const Value& other);
  Value(Value&& other) noexcept : kind_(other.kind_), client_(other.client_), i_(other.i_) {
    other.kind_ = Kind::kNull;
    other.i_ = 0;
  }
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() {
    if (kind_ >= Kind::kString) Release();
  }

  static Value MakeArray() { return Value(Array{}); }
  static Value MakeObject();

  Kind kind() const { return kind_; }
  const char* KindName() const;
  bool IsNull() const { return kind_ == Kind::kNull; }
  bool IsBool() const { return kind_ == Kind::kBool; }
  bool IsInt() const { return kind_ == Kind::kInt; }
  bool IsFloat() const { return kind_ == Kind::kFloat; }
  bool IsNumber() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool IsString() const { return kind_ == Kind::kString; }
  bool IsArray() const { return kind_ == Kind::kArray; }
  bool IsObject() const { return kind_ == Kind::kObject; }
  bool IsFunction() const { return kind_ == Kind::kFunction; }

  // Whether the client sent this value: a request's JSON body, form, query, path parameters,
  // cookies or headers, and every part of them (a missing field of such an object reads as a
  // null that is the client's too). Copies keep it. A failure it causes (a wrong kind, a text
  // that is not a number, a field of null) answers 400 naming what was wrong, not 500
  // (TypeError::client, ClientOrError in lux/error.h), wherever the program uses it.
  bool FromClient() const { return client_; }
  // Marks this value and everything in it as the client's.
  void MarkFromClient();

  // Checked accessors: throw TypeError naming both kinds on mismatch.
  bool AsBool() const;
  std::int64_t AsInt() const;
  double AsFloat() const;  // accepts Int too
  const std::string& AsString() const;
  std::string& AsString();
  const Array& AsArray() const;
  Array& AsArray();
  const Object& AsObject() const;
  Object& AsObject();
  const Function& AsFunction() const;

  // Object field access. The const form returns a shared null for a missing key (or a
  // non-object), the mutable form turns null into an object and inserts.
  const Value& operator[](std::string_view key) const;
  Value& operator[](std::string_view key);
  const Value& operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  Value& operator[](const char* key) { return (*this)[std::string_view(key)]; }
  // Array element access; throws TypeError out of range.
  const Value& operator[](std::size_t index) const;
  Value& operator[](std::size_t index);
  const Value& operator[](int index) const { return (*this)[static_cast<std::size_t>(index)]; }
  Value& operator[](int index) { return (*this)[static_cast<std::size_t>(index)]; }
  const Value* Find(std::string_view key) const;
  void PushBack(Value v);  // null becomes an array
  std::size_t size() const;  // array/object element count, string byte length

  Value Call(const std::vector<Value>& args) const { return AsFunction()(args); }

  // Lux truthiness: null, false, 0, 0.0, "" are false; everything else true.
  bool Truthy() const;
  bool operator==(const Value& other) const;  // Int 1 == Float 1.0; functions never equal
  bool operator!=(const Value& other) const { return !(*this == other); }

  static const Value& Null();
  // The null a missing field of the client's object reads as (FromClient).
  static const Value& ClientNull();

 private:
  void Release() noexcept;
  Kind kind_;
  bool client_ = false;
  union {
    bool b_;
    std::int64_t i_;
    double f_;
    std::string* s_;
    Array* a_;
    Object* o_;
    Function* fn_;
  };
};

// Insertion-ordered string->Value map. Small objects (records, most payloads) are searched
// linearly over a contiguous vector, which beats hashing at that size; an object that grows past
// kObjectIndexFrom keys gets a hashed index (keyed SipHash, so client-chosen keys cannot force
// collisions), keeping inserts and lookups O(1) for a JSON body with 100k keys.
inline constexpr std::size_t kObjectIndexFrom = 16;
class Object {
 public:
  using Entry = ObjectEntry;
  Object();
  Object(std::initializer_list<Entry> entries);
  Object(const Object&);
  Object(Object&&) noexcept;
  Object& operator=(const Object&);
  Object& operator=(Object&&) noexcept;
  ~Object();

  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Inserts null when absent.
  Value& operator[](std::string_view key);
  void Set(std::string key, Value value);
  // Adds the entry unless the key is present; false (and nothing changed) when it is.
  bool Insert(std::string key, Value value);
  bool Erase(std::string_view key);
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  std::vector<Entry>::iterator begin() { return entries_.begin(); }
  std::vector<Entry>::iterator end() { return entries_.end(); }
  void Reserve(std::size_t n) { entries_.reserve(n); }
  bool operator==(const Object& other) const;  // order-insensitive
  // Iteration may change values in place, never keys (the index would no longer find them).

 private:
  struct Index;  // open-addressed positions into entries_ (src/value/value.cpp)
  std::size_t Position(std::string_view key) const;  // entries_.size() when absent
  void Append(std::string key, Value value);
  std::vector<Entry> entries_;
  Index* index_ = nullptr;
};

inline Value::Value(std::initializer_list<ObjectEntry> entries) : Value(Object(entries)) {}
inline Value Value::MakeObject() { return Value(Object{}); }

// ---- JSON ----
// Parses RFC 8259 JSON in time linear in its length; throws JsonError with the position on
// malformed input, invalid UTF-8 in a string, a key repeated in one object, or a breach of
// the limits below. Every caller shares them: request bodies (and so /_lux/events and
// /_lux/rpc), JSON.parse, fetch responses, stored job arguments.
Value ParseJson(std::string_view text);
// Serialises compactly. Non-finite floats become null; functions become null. Bytes of a
// string that are not valid UTF-8 are written as U+FFFD, so the output is always valid JSON.
std::string ToJson(const Value& v);
void AppendJson(const Value& v, std::string& out);
// Two-space indented form (for logs and debugging).
std::string ToJsonPretty(const Value& v);
// Nesting limit: a hostile body cannot exhaust the coroutine stack.
inline constexpr int kMaxJsonDepth = 128;
// Keys in one object: no API takes more field names than this in one object (collections
// are arrays), and it bounds what one object costs to build, copy and walk.
inline constexpr std::size_t kMaxJsonObjectKeys = 10'000;
// Values (scalars, arrays, objects, keys not counted) in one document: bounds the memory one
// document can take (an empty array costs about 60 bytes for its 3 bytes of text); a 1 MiB
// request body holds at most about 525k values, so this binds for larger texts (fetch, JSON.parse).
inline constexpr std::size_t kMaxJsonValues = 1'000'000;

// ---- typed conversions ----
// Generated records implement, in their own namespace (found by ADL):
//   lux::Value ToValue(const User& u);
//   void FromValue(const lux::Value& v, User& out);   // throws TypeError naming the field
// The overloads below cover the built-in types so record code can recurse uniformly.
inline Value ToValue(const Value& v) { return v; }
inline Value ToValue(bool b) { return Value(b); }
inline Value ToValue(std::int64_t i) { return Value(static_cast<long long>(i)); }
inline Value ToValue(int i) { return Value(i); }
inline Value ToValue(double f) { return Value(f); }
inline Value ToValue(const std::string& s) { return Value(s); }
inline Value ToValue(const char* s) { return Value(s); }
// Declared first so each template finds the others (Option<[String]>, [Option<Int>], ...):
// std:: containers of built-in types bring no lux:: overloads in through ADL.
template <typename T>
Value ToValue(const std::vector<T>& xs);
template <typename T>
Value ToValue(const std::map<std::string, T>& m);
template <typename T>
Value ToValue(const std::optional<T>& o) {
  return o ? ToValue(*o) : Value();
}
template <typename T>
Value ToValue(const std::vector<T>& xs) {
  Array a;
  a.reserve(xs.size());
  for (const auto& x : xs) a.push_back(ToValue(x));
  return Value(std::move(a));
}
template <typename T>
Value ToValue(const std::map<std::string, T>& m) {
  Object o;
  for (const auto& [k, x] : m) o.Set(k, ToValue(x));
  return Value(std::move(o));
}

void FromValue(const Value& v, Value& out);
void FromValue(const Value& v, bool& out);
void FromValue(const Value& v, std::int64_t& out);
void FromValue(const Value& v, int& out);
void FromValue(const Value& v, double& out);
void FromValue(const Value& v, std::string& out);
template <typename T>
void FromValue(const Value& v, std::vector<T>& out);
template <typename T>
void FromValue(const Value& v, std::map<std::string, T>& out);
template <typename T>
void FromValue(const Value& v, std::optional<T>& out) {
  if (v.IsNull()) {
    out.reset();
  } else {
    T x{};
    FromValue(v, x);
    out = std::move(x);
  }
}
template <typename T>
void FromValue(const Value& v, std::vector<T>& out) {
  const Array& a = v.AsArray();
  out.clear();
  out.reserve(a.size());
  for (const auto& x : a) {
    T t{};
    FromValue(x, t);
    out.push_back(std::move(t));
  }
}
template <typename T>
void FromValue(const Value& v, std::map<std::string, T>& out) {
  out.clear();
  for (const auto& [k, x] : v.AsObject()) FromValue(x, out[k]);
}
template <typename T>
T FromValueAs(const Value& v) {
  T t{};
  FromValue(v, t);
  return t;
}

// Reads a required field of a record; on failure rethrows TypeError prefixed with the field
// name ("field `age`: expected Int, got String"). Missing fields read as null.
template <typename T>
void FromField(const Value& obj, const char* name, T& out) {
  try {
    FromValue(obj[name], out);
  } catch (const TypeError& e) {
    throw TypeError(std::string("field `") + name + "`: " + e.what(), e.client());
  }
}

// Reads a field a record keeps as a Value because its type holds the record itself
// (`children: [Node]` in `type Node`): read as T — checked, defaults filled, undeclared fields
// dropped, at every depth — and kept as T's value.
template <typename T>
void FromFieldAs(const Value& obj, const char* name, Value& out) {
  T typed{};
  FromField(obj, name, typed);
  out = ToValue(typed);
}

}  // namespace lux
