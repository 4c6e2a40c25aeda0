// lux::Value and lux::Object: storage, copying, checked accessors, equality and the built-in
// FromValue conversions. JSON lives in json.cpp.
#include "lux/value.h"
#include "lux/stack.h"

#include <cmath>
#include <cstdint>
#include <new>
#include <random>
#include <utility>

namespace lux {

// ---- Object ----
namespace {

// SipHash-1-3 (Aumasson and Bernstein) under a key drawn once per process: a client that
// chooses an object's keys cannot predict which slots they hash to.
inline std::uint64_t Rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipKey {
  std::uint64_t k0, k1;
};

const SipKey& ProcessKey() {
  static const SipKey key = [] {
    std::random_device rd;
    SipKey k{};
    k.k0 = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    k.k1 = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    return k;
  }();
  return key;
}

std::uint64_t SipHash13(std::string_view s) {
  const SipKey& key = ProcessKey();
  std::uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL, v1 = key.k1 ^ 0x646f72616e646f6dULL;
  std::uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL, v3 = key.k1 ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  std::size_t whole = n & ~static_cast<std::size_t>(7);
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m = 0;
    for (int j = 7; j >= 0; --j) m = (m << 8) | p[i + static_cast<std::size_t>(j)];
    v3 ^= m;
    round();
    v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
  for (std::size_t j = 0; j < (n & 7); ++j) last |= static_cast<std::uint64_t>(p[whole + j]) << (8 * j);
  v3 ^= last;
  round();
  v0 ^= last;
  v2 ^= 0xff;
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace

// Open addressing with linear probing over positions + 1 (0 marks an empty slot), at most half
// full. Rebuilt on Erase (erasing from the vector moves every later position anyway).
struct Object::Index {
  std::vector<std::uint32_t> slots;

  void Build(const std::vector<Entry>& entries, std::size_t capacity) {
    std::size_t cap = 64;
    while (cap < 2 * capacity) cap *= 2;
    slots.assign(cap, 0);
    for (std::size_t i = 0; i < entries.size(); ++i) Add(entries[i].first, i);
  }
  void Add(std::string_view key, std::size_t position) {
    std::size_t mask = slots.size() - 1;
    std::size_t i = static_cast<std::size_t>(SipHash13(key)) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = static_cast<std::uint32_t>(position + 1);
  }
};

Object::Object() = default;
Object::Object(std::initializer_list<Entry> entries) {
  entries_.reserve(entries.size());
  for (const auto& e : entries) Set(e.first, e.second);
}
Object::Object(const Object& other) : entries_(other.entries_) {
  if (other.index_) index_ = new Index(*other.index_);
}
Object::Object(Object&& other) noexcept : entries_(std::move(other.entries_)), index_(other.index_) {
  other.index_ = nullptr;
  other.entries_.clear();
}
Object& Object::operator=(const Object& other) {
  if (this != &other) {
    Object copy(other);
    *this = std::move(copy);
  }
  return *this;
}
Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    delete index_;
    entries_ = std::move(other.entries_);
    index_ = other.index_;
    other.index_ = nullptr;
    other.entries_.clear();
  }
  return *this;
}
Object::~Object() { delete index_; }

std::size_t Object::Position(std::string_view key) const {
  if (index_) {
    const std::vector<std::uint32_t>& slots = index_->slots;
    std::size_t mask = slots.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(SipHash13(key)) & mask; slots[i] != 0; i = (i + 1) & mask) {
      std::size_t pos = slots[i] - 1;
      if (entries_[pos].first == key) return pos;
    }
    return entries_.size();
  }
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].first == key) return i;
  return entries_.size();
}

void Object::Append(std::string key, Value value) {
  entries_.emplace_back(std::move(key), std::move(value));
  std::size_t n = entries_.size();
  if (index_) {
    if (2 * n > index_->slots.size()) index_->Build(entries_, n);
    else index_->Add(entries_.back().first, n - 1);
  } else if (n > kObjectIndexFrom) {
    index_ = new Index;
    index_->Build(entries_, n);
  }
}

const Value* Object::Find(std::string_view key) const {
  std::size_t pos = Position(key);
  return pos < entries_.size() ? &entries_[pos].second : nullptr;
}
Value* Object::Find(std::string_view key) {
  std::size_t pos = Position(key);
  return pos < entries_.size() ? &entries_[pos].second : nullptr;
}
Value& Object::operator[](std::string_view key) {
  if (Value* v = Find(key)) return *v;
  Append(std::string(key), Value());
  return entries_.back().second;
}
void Object::Set(std::string key, Value value) {
  if (Value* v = Find(key)) {
    *v = std::move(value);
    return;
  }
  Append(std::move(key), std::move(value));
}
bool Object::Insert(std::string key, Value value) {
  if (Position(key) < entries_.size()) return false;
  Append(std::move(key), std::move(value));
  return true;
}
bool Object::Erase(std::string_view key) {
  std::size_t pos = Position(key);
  if (pos == entries_.size()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(pos));
  if (index_) {
    if (entries_.size() > kObjectIndexFrom) {
      index_->Build(entries_, entries_.size());
    } else {
      delete index_;
      index_ = nullptr;
    }
  }
  return true;
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
namespace {

// The holders a string, array or object Value points to (a std::string, a vector, an Object:
// 32 bytes each) come from a per-thread list of freed ones before malloc: a handler's response
// (`{"message": "hello"}` builds, copies and frees four of them) then costs a few instructions
// per holder instead of a malloc and a free. At most kKeptHolders wait per thread (8 KB); the
// list is freed when the thread ends. A holder freed on another thread than the one that took
// it joins that thread's list (all are plain 32-byte blocks). Off under AddressSanitizer, which
// must see every block's own allocation and free.
constexpr std::size_t kHolderBytes = 32;
static_assert(sizeof(std::string) <= kHolderBytes && sizeof(Array) <= kHolderBytes && sizeof(Object) <= kHolderBytes);
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kKeptHolders = 0;
#else
constexpr std::size_t kKeptHolders = 256;
#endif

struct HolderCache {
  struct Free {
    Free* next;
  };
  Free* head = nullptr;
  std::size_t count = 0;
  bool gone = false;  // the thread is ending: holders freed from now on go straight back
  ~HolderCache() {
    gone = true;
    while (head) {
      Free* f = head;
      head = f->next;
      ::operator delete(f, kHolderBytes);
    }
    count = 0;
  }
};
thread_local HolderCache tl_holders;

void* TakeHolder() {
  HolderCache& c = tl_holders;
  if (HolderCache::Free* f = c.head) {
    c.head = f->next;
    --c.count;
    return f;
  }
  return ::operator new(kHolderBytes);
}

void GiveHolder(void* p) noexcept {
  HolderCache& c = tl_holders;
  if (c.count >= kKeptHolders || c.gone) {
    ::operator delete(p, kHolderBytes);
    return;
  }
  c.head = new (p) HolderCache::Free{c.head};
  ++c.count;
}

template <class T, class... A>
T* NewHolder(A&&... args) {
  void* p = TakeHolder();
  try {
    return new (p) T(std::forward<A>(args)...);
  } catch (...) {
    GiveHolder(p);
    throw;
  }
}

template <class T>
void DeleteHolder(T* p) noexcept {
  p->~T();
  GiveHolder(p);
}

}  // namespace

Value::Value(const char* s) : kind_(Kind::kString), s_(NewHolder<std::string>(s)) {}
Value::Value(std::string_view s) : kind_(Kind::kString), s_(NewHolder<std::string>(s)) {}
Value::Value(std::string s) : kind_(Kind::kString), s_(NewHolder<std::string>(std::move(s))) {}
Value::Value(Array a) : kind_(Kind::kArray), a_(NewHolder<Array>(std::move(a))) {}
Value::Value(Object o) : kind_(Kind::kObject), o_(NewHolder<Object>(std::move(o))) {}
Value::Value(Function fn) : kind_(Kind::kFunction), fn_(new Function(std::move(fn))) {}

namespace {

// Containers nested in the one being copied or released on this thread, counted so that a value
// nested deeper than the stack holds (a chain built in a loop: `node = { next: node }`) neither
// crashes a copy nor its release.
thread_local int tl_copy_depth = 0;
struct CopyLevel {
  CopyLevel() {
    if ((++tl_copy_depth & 63) == 0) {
      try {
        CheckStack();
      } catch (...) {
        --tl_copy_depth;
        throw;
      }
    }
  }
  ~CopyLevel() { --tl_copy_depth; }
};

// Releasing: a container more than kReleaseDepth levels below the outermost release is handed
// to that release, which frees the handed ones one by one, so the recursion stays that shallow.
constexpr int kReleaseDepth = 48;
thread_local int tl_release_depth = 0;
thread_local bool tl_draining = false;
thread_local std::vector<Value>* tl_deferred = nullptr;

}  // namespace

Value::Value(const Value& other) : kind_(other.kind_), client_(other.client_), i_(other.i_) {
  switch (kind_) {
    case Kind::kString: s_ = NewHolder<std::string>(*other.s_); break;
    case Kind::kArray: {
      CopyLevel level;
      a_ = NewHolder<Array>(*other.a_);
      break;
    }
    case Kind::kObject: {
      CopyLevel level;
      o_ = NewHolder<Object>(*other.o_);
      break;
    }
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
    client_ = other.client_;
    i_ = other.i_;
    other.kind_ = Kind::kNull;
    other.i_ = 0;
  }
  return *this;
}

void Value::Release() noexcept {
  if ((kind_ == Kind::kArray || kind_ == Kind::kObject) && tl_release_depth >= kReleaseDepth) {
    if (!tl_deferred) tl_deferred = new std::vector<Value>();  // per thread, kept for its life
    tl_deferred->push_back(std::move(*this));                  // leaves this null
    return;
  }
  switch (kind_) {
    case Kind::kString: DeleteHolder(s_); break;
    case Kind::kArray:
      ++tl_release_depth;
      DeleteHolder(a_);
      --tl_release_depth;
      break;
    case Kind::kObject:
      ++tl_release_depth;
      DeleteHolder(o_);
      --tl_release_depth;
      break;
    case Kind::kFunction: delete fn_; break;
    default: break;
  }
  kind_ = Kind::kNull;
  i_ = 0;
  if (tl_release_depth == 0 && tl_deferred && !tl_deferred->empty() && !tl_draining) {
    tl_draining = true;  // the outermost release frees what was handed to it, one at a time
    while (!tl_deferred->empty()) {
      Value handed = std::move(tl_deferred->back());
      tl_deferred->pop_back();
    }  // each releases kReleaseDepth levels and hands the rest back
    tl_draining = false;
  }
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
  throw TypeError(std::string("expected ") + want + ", got " + v.KindName(), v.FromClient());
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

const Value& Value::ClientNull() {
  static const Value kClientNull = [] {
    Value v;
    v.client_ = true;
    return v;
  }();
  return kClientNull;
}

void Value::MarkFromClient() {
  client_ = true;
  switch (kind_) {
    case Kind::kArray:
      for (Value& x : *a_) x.MarkFromClient();
      break;
    case Kind::kObject:
      for (auto& entry : *o_) entry.second.MarkFromClient();
      break;
    default: break;
  }
}

const Value& Value::operator[](std::string_view key) const {
  const Value& none = client_ ? ClientNull() : Null();
  if (kind_ != Kind::kObject) return none;
  const Value* v = o_->Find(key);
  return v ? *v : none;
}
Value& Value::operator[](std::string_view key) {
  if (kind_ == Kind::kNull) *this = Value(Object{});
  return AsObject()[key];
}
const Value& Value::operator[](std::size_t index) const {
  const Array& a = AsArray();
  if (index >= a.size())
    throw TypeError("index " + std::to_string(index) + " out of range (size " + std::to_string(a.size()) + ")",
                    client_);
  return a[index];
}
Value& Value::operator[](std::size_t index) {
  Array& a = AsArray();
  if (index >= a.size())
    throw TypeError("index " + std::to_string(index) + " out of range (size " + std::to_string(a.size()) + ")",
                    client_);
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
    case Kind::kFloat: return f_ != 0.0 && !std::isnan(f_);  // NaN is falsy, as in JavaScript
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
