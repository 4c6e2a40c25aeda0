// lux::Value and lux::Object: storage, copying, checked accessors, equality and the built-in
// FromValue conversions. JSON lives in json.cpp.
#include "lux/value.h"

#include <cmath>

namespace lux {

// ---- Object ----
Object::Object() = default;
Object::Object(std::initializer_list<Entry> entries) {
  entries_.reserve(entries.size());
  for (const auto& e : entries) Set(e.first, e.second);
}
Object::Object(const Object&) = default;
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(const Object&) = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

const Value* Object::Find(std::string_view key) const {
  for (const auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}
Value* Object::Find(std::string_view key) {
  for (auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}
Value& Object::operator[](std::string_view key) {
  if (Value* v = Find(key)) return *v;
  entries_.emplace_back(std::string(key), Value());
  return entries_.back().second;
}
void Object::Set(std::string key, Value value) {
  if (Value* v = Find(key)) {
    *v = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(value));
}
bool Object::Erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}
bool Object::operator==(const Object& other) const {
  if (size() != other.size()) return false;
  for (const auto& e : entries_) {
    const Value* o = other.Find(e.first);
    if (!o || !(*o == e.second)) return false;
  }
  return true;
}

// ---- Value ----
Value::Value(const char* s) : kind_(Kind::kString), s_(new std::string(s)) {}
Value::Value(std::string_view s) : kind_(Kind::kString), s_(new std::string(s)) {}
Value::Value(std::string s) : kind_(Kind::kString), s_(new std::string(std::move(s))) {}
Value::Value(Array a) : kind_(Kind::kArray), a_(new Array(std::move(a))) {}
Value::Value(Object o) : kind_(Kind::kObject), o_(new Object(std::move(o))) {}
Value::Value(Function fn) : kind_(Kind::kFunction), fn_(new Function(std::move(fn))) {}

Value::Value(const Value& other) : kind_(other.kind_), i_(other.i_) {
  switch (kind_) {
    case Kind::kString: s_ = new std::string(*other.s_); break;
    case Kind::kArray: a_ = new Array(*other.a_); break;
    case Kind::kObject: o_ = new Object(*other.o_); break;
    case Kind::kFunction: fn_ = new Function(*other.fn_); break;
    default: break;
  }
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    if (kind_ >= Kind::kString) Release();
    kind_ = other.kind_;
    i_ = other.i_;
    other.kind_ = Kind::kNull;
    other.i_ = 0;
  }
  return *this;
}

void Value::Release() noexcept {
  switch (kind_) {
    case Kind::kString: delete s_; break;
    case Kind::kArray: delete a_; break;
    case Kind::kObject: delete o_; break;
    case Kind::kFunction: delete fn_; break;
    default: break;
  }
  kind_ = Kind::kNull;
  i_ = 0;
}

const char* Value::KindName() const {
  switch (kind_) {
    case Kind::kNull: return "Null";
    case Kind::kBool: return "Bool";
    case Kind::kInt: return "Int";
    case Kind::kFloat: return "Float";
    case Kind::kString: return "String";
    case Kind::kArray: return "Array";
    case Kind::kObject: return "Object";
    case Kind::kFunction: return "Function";
  }
  return "?";
}

namespace {
[[noreturn]] void Mismatch(const char* want, const Value& v) {
  throw TypeError(std::string("expected ") + want + ", got " + v.KindName());
}
}  // namespace

bool Value::AsBool() const {
  if (kind_ != Kind::kBool) Mismatch("Bool", *this);
  return b_;
}
std::int64_t Value::AsInt() const {
  if (kind_ != Kind::kInt) Mismatch("Int", *this);
  return i_;
}
double Value::AsFloat() const {
  if (kind_ == Kind::kFloat) return f_;
  if (kind_ == Kind::kInt) return static_cast<double>(i_);
  Mismatch("Float", *this);
}
const std::string& Value::AsString() const {
  if (kind_ != Kind::kString) Mismatch("String", *this);
  return *s_;
}
std::string& Value::AsString() {
  if (kind_ != Kind::kString) Mismatch("String", *this);
  return *s_;
}
const Array& Value::AsArray() const {
  if (kind_ != Kind::kArray) Mismatch("Array", *this);
  return *a_;
}
Array& Value::AsArray() {
  if (kind_ != Kind::kArray) Mismatch("Array", *this);
  return *a_;
}
const Object& Value::AsObject() const {
  if (kind_ != Kind::kObject) Mismatch("Object", *this);
  return *o_;
}
Object& Value::AsObject() {
  if (kind_ != Kind::kObject) Mismatch("Object", *this);
  return *o_;
}
const Function& Value::AsFunction() const {
  if (kind_ != Kind::kFunction) Mismatch("Function", *this);
  return *fn_;
}

const Value& Value::Null() {
  static const Value kNullValue;
  return kNullValue;
}

const Value& Value::operator[](std::string_view key) const {
  if (kind_ != Kind::kObject) return Null();
  const Value* v = o_->Find(key);
  return v ? *v : Null();
}
Value& Value::operator[](std::string_view key) {
  if (kind_ == Kind::kNull) *this = Value(Object{});
  return AsObject()[key];
}
const Value& Value::operator[](std::size_t index) const {
  const Array& a = AsArray();
  if (index >= a.size())
    throw TypeError("index " + std::to_string(index) + " out of range (size " +
                    std::to_string(a.size()) + ")");
  return a[index];
}
Value& Value::operator[](std::size_t index) {
  Array& a = AsArray();
  if (index >= a.size())
    throw TypeError("index " + std::to_string(index) + " out of range (size " +
                    std::to_string(a.size()) + ")");
  return a[index];
}
const Value* Value::Find(std::string_view key) const {
  return kind_ == Kind::kObject ? o_->Find(key) : nullptr;
}
void Value::PushBack(Value v) {
  if (kind_ == Kind::kNull) *this = Value(Array{});
  AsArray().push_back(std::move(v));
}
std::size_t Value::size() const {
  switch (kind_) {
    case Kind::kString: return s_->size();
    case Kind::kArray: return a_->size();
    case Kind::kObject: return o_->size();
    default: return 0;
  }
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kNull: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return f_ != 0.0;
    case Kind::kString: return !s_->empty();
    default: return true;
  }
}

bool Value::operator==(const Value& other) const {
  if (IsNumber() && other.IsNumber()) {
    if (kind_ == Kind::kInt && other.kind_ == Kind::kInt) return i_ == other.i_;
    return AsFloat() == other.AsFloat();
  }
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNull: return true;
    case Kind::kBool: return b_ == other.b_;
    case Kind::kString: return *s_ == *other.s_;
    case Kind::kArray: return *a_ == *other.a_;
    case Kind::kObject: return *o_ == *other.o_;
    default: return false;
  }
}

// ---- FromValue for built-in types ----
void FromValue(const Value& v, Value& out) { out = v; }
void FromValue(const Value& v, bool& out) { out = v.AsBool(); }
void FromValue(const Value& v, std::int64_t& out) {
  if (v.IsFloat()) {
    double f = v.AsFloat();
    if (std::trunc(f) == f && std::fabs(f) < 9.2e18) {
      out = static_cast<std::int64_t>(f);
      return;
    }
  }
  out = v.AsInt();
}
void FromValue(const Value& v, int& out) {
  std::int64_t i = 0;
  FromValue(v, i);
  if (i < INT32_MIN || i > INT32_MAX) throw TypeError("integer out of range");
  out = static_cast<int>(i);
}
void FromValue(const Value& v, double& out) { out = v.AsFloat(); }
void FromValue(const Value& v, std::string& out) { out = v.AsString(); }

}  // namespace lux
