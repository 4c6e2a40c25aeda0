// The family's object helpers (entries, from_entries, merge, pick, omit, map_values,
// has_key, clone, freeze) and its functional helpers (identity, compose, pipe_fn,
// negate, flip, partial, memoize, once). docs/stdlib.md documents each.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
namespace {

using args::List;

const Object& Obj(const Value& v, const char* fn) {
  if (!v.IsObject()) throw TypeError(std::string(fn) + "() of " + v.KindName() + ": expected an object", v.FromClient());
  return v.AsObject();
}

const Value& Fn(const Value& v, const char* fn) {
  if (!v.IsFunction()) throw TypeError(std::string(fn) + "() of " + v.KindName() + ": expected a function", v.FromClient());
  return v;
}

// The keys a list names (`pick(o, ["a", "b"])`): each a String, or its text.
std::vector<std::string> KeyList(const Value& ks, const char* fn) {
  std::vector<std::string> out;
  for (const Value& k : List(ks, fn)) out.push_back(EntryKey(k));
  return out;
}

bool Listed(const std::vector<std::string>& ks, const std::string& k) {
  for (const std::string& x : ks)
    if (x == k) return true;
  return false;
}

// JavaScript's Object.keys and Object.entries: an object's keys, a list's or a String's indexes
// as text ("0", "1", ...); nothing for None, a number or a Bool.
Value JsEntries(const Value& o, bool keys_only) {
  Array out;
  auto add = [&](std::string key, const Value& v) {
    out.push_back(keys_only ? Value(std::move(key)) : Value(Array{Value(std::move(key)), v}));
  };
  if (o.IsObject()) {
    for (const auto& [k, v] : o.AsObject()) add(k, v);
  } else if (o.IsArray()) {
    std::size_t i = 0;
    for (const Value& x : o.AsArray()) add(std::to_string(i++), x);
  } else if (o.IsString()) {
    std::size_t i = 0;
    for (std::string& c : CodePoints(o.AsString())) add(std::to_string(i++), Value(std::move(c)));
  }
  return Value(std::move(out));
}

}  // namespace

// ---- objects -------------------------------------------------------------------------------

Value ObjectKeys(const Value& o) { return JsEntries(o, true); }
Value ObjectEntries(const Value& o) { return JsEntries(o, false); }

Value Entries(const Value& o) {
  Array out;
  if (o.IsNull()) return Value(std::move(out));
  if (o.IsArray()) {  // a list's [index, element] pairs
    out.reserve(o.size());
    std::size_t i = 0;
    for (const Value& x : o.AsArray()) out.push_back(Value(Array{Value(static_cast<unsigned long long>(i++)), x}));
    return Value(std::move(out));
  }
  for (const auto& [k, v] : Obj(o, "entries")) out.push_back(Value(Array{Value(k), v}));
  return Value(std::move(out));
}

Value FromEntries(const Value& pairs) {
  Object out;
  for (const Value& p : List(pairs, "from_entries")) {
    if (!p.IsArray() || p.size() != 2)
      throw TypeError(std::string("from_entries(): each entry must be a [key, value] pair, not ") +
                      (p.IsArray() ? "a list of " + std::to_string(p.size()) : std::string(p.KindName())), p.FromClient());
    out.Set(EntryKey(p.AsArray()[0]), p.AsArray()[1]);
  }
  return Value(std::move(out));
}

Value Merge(std::initializer_list<Value> objects) {
  Object out;
  for (const Value& o : objects) {
    if (o.IsNull()) continue;
    for (const auto& [k, v] : Obj(o, "merge")) out.Set(k, v);
  }
  return Value(std::move(out));
}

Value Pick(const Value& o, const Value& keys) {
  std::vector<std::string> ks = KeyList(keys, "pick");
  Object out;
  const Object& src = Obj(o, "pick");
  for (const std::string& k : ks)
    if (const Value* v = src.Find(k)) out.Set(k, *v);
  return Value(std::move(out));
}

Value Omit(const Value& o, const Value& keys) {
  std::vector<std::string> ks = KeyList(keys, "omit");
  Object out;
  for (const auto& [k, v] : Obj(o, "omit"))
    if (!Listed(ks, k)) out.Set(k, v);
  return Value(std::move(out));
}

Value MapValues(const Value& o, const Value& fn) {
  Object out;
  for (const auto& [k, v] : Obj(o, "map_values")) out.Set(k, Call(fn, {v}));
  return Value(std::move(out));
}

Value HasKey(const Value& o, const Value& key) {
  if (!o.IsObject()) return Value(false);
  return Value(o.AsObject().Find(EntryKey(key)) != nullptr);
}

// Lux values are values: a copy shares nothing a later change could reach, and nothing changes
// an object in place, so both are the value itself.
Value Clone(const Value& v) { return v; }
Value Freeze(const Value& v) { return v; }

// ---- functions -----------------------------------------------------------------------------

Value Identity(const Value& v) { return v; }

// compose(f, g, h)(x) is f(g(h(x))); pipe_fn(f, g, h)(x) is h(g(f(x))).
namespace {
Value Chain(std::vector<Value> fns, const char* name) {
  for (const Value& f : fns) Fn(f, name);
  return Value(Function([fns = std::move(fns)](const std::vector<Value>& args) {
    Value v = Call(fns[0], args);
    for (std::size_t i = 1; i < fns.size(); ++i) v = Call(fns[i], {v});
    return v;
  }));
}
}  // namespace

Value Compose(const Value& f, const Value& g, const Value& h) {
  return h.IsNull() ? Chain({g, f}, "compose") : Chain({h, g, f}, "compose");
}

Value PipeFn(const Value& f, const Value& g, const Value& h) {
  return h.IsNull() ? Chain({f, g}, "pipe_fn") : Chain({f, g, h}, "pipe_fn");
}

Value Negate(const Value& f) {
  Fn(f, "negate");
  return Value(Function([f](const std::vector<Value>& args) { return Value(!Truthy(Call(f, args))); }));
}

Value Flip(const Value& f) {
  Fn(f, "flip");
  return Value(Function([f](const std::vector<Value>& args) {
    std::vector<Value> swapped = args;
    if (swapped.size() >= 2) std::swap(swapped[0], swapped[1]);
    return Call(f, std::move(swapped));
  }));
}

Value Partial(const Value& f, const Value& a, const Value& b) {
  Fn(f, "partial");
  std::vector<Value> given{a};
  if (!b.IsNull()) given.push_back(b);
  return Value(Function([f, given](const std::vector<Value>& rest) {
    std::vector<Value> all = given;
    all.insert(all.end(), rest.begin(), rest.end());
    return Call(f, std::move(all));
  }));
}

namespace {
// A memoized function's results by its arguments' JSON text, shared by the threads that call it.
struct Memo {
  std::mutex mu;
  std::unordered_map<std::string, Value> results;
};
constexpr std::size_t kMaxMemoEntries = 10'000;
}  // namespace

Value Memoize(const Value& f) {
  Fn(f, "memoize");
  auto memo = std::make_shared<Memo>();
  return Value(Function([f, memo](const std::vector<Value>& args) {
    std::string key = ToJson(Value(Array(args.begin(), args.end())));
    {
      std::lock_guard<std::mutex> lock(memo->mu);
      auto it = memo->results.find(key);
      if (it != memo->results.end()) return it->second;
    }
    Value v = Call(f, args);  // not under the lock: the function may wait or call itself
    std::lock_guard<std::mutex> lock(memo->mu);
    if (memo->results.size() >= kMaxMemoEntries) memo->results.clear();
    memo->results.emplace(std::move(key), v);
    return v;
  }));
}

namespace {
struct OnceState {
  std::mutex mu;
  bool done = false;
  Value result;
};
}  // namespace

Value Once(const Value& f) {
  Fn(f, "once");
  auto state = std::make_shared<OnceState>();
  return Value(Function([f, state](const std::vector<Value>& args) {
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->done) return state->result;
    }
    Value v = Call(f, args);
    std::lock_guard<std::mutex> lock(state->mu);
    if (!state->done) {  // a concurrent first call that finished earlier wins
      state->done = true;
      state->result = std::move(v);
    }
    return state->result;
  }));
}

}  // namespace lux::stdlib
