// The family's in-place list methods on a binding the program may change (`items.push(x)` on a
// `var items`, docs/language.md "Lists changed in place"): each takes the list by reference,
// changes it and returns what the family's method returns. The checker allows them only on a
// place rooted at a binding (compiler/check/check_inplace.cpp); a server `var` is changed under
// its lock (compiler/emit/emit_inplace.cpp).
#include <algorithm>

#include "args.h"
#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

// The list to change: an absent value (a new entry `groups[key]`) becomes an empty list for the
// methods that add; anything else that is no list is a TypeError naming the method.
Array& Growable(Value& xs, const char* fn) {
  if (xs.IsNull()) xs = Value::MakeArray();
  if (!xs.IsArray()) args::Expected(xs, fn, "a list");
  return xs.AsArray();
}

Array& Existing(Value& xs, const char* fn) {
  if (!xs.IsArray()) args::Expected(xs, fn, "a list");
  return xs.AsArray();
}

// A position of an insertion into a list of `n`: negative counts from the end; clamped to [0, n].
std::size_t InsertionPoint(const Value& i, std::size_t n, const char* fn) {
  std::int64_t k = args::Int(i, fn);
  std::int64_t size = static_cast<std::int64_t>(n);
  if (k < 0) k += size;
  return static_cast<std::size_t>(std::clamp<std::int64_t>(k, 0, size));
}

}  // namespace

Value ListPush(Value& xs, std::vector<Value> items) {
  Array& a = Growable(xs, "push");
  for (Value& v : items) a.push_back(std::move(v));
  return Value(a.size());
}

Value ListAppend(Value& xs, Value item) {
  Growable(xs, "append").push_back(std::move(item));
  return Value();
}

Value ListExtend(Value& xs, const Value& more) {
  const Array& extra = args::List(more, "extend");
  Array copy = extra;  // `xs.extend(xs)` reads what it appends to
  Array& a = Growable(xs, "extend");
  for (Value& v : copy) a.push_back(std::move(v));
  return Value();
}

Value ListUnshift(Value& xs, std::vector<Value> items) {
  Array& a = Growable(xs, "unshift");
  a.insert(a.begin(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  return Value(a.size());
}

Value ListInsert(Value& xs, const Value& i, Value item) {
  Array& a = Growable(xs, "insert");
  std::size_t at = InsertionPoint(i, a.size(), "insert");
  a.insert(a.begin() + static_cast<std::ptrdiff_t>(at), std::move(item));
  return Value();
}

Value ListPop(Value& xs, const Value& i) {
  Array& a = Existing(xs, "pop");
  if (a.empty()) return Value();
  std::size_t at = a.size() - 1;
  if (!i.IsNull()) {
    std::int64_t k = args::Int(i, "pop");
    if (k < 0) k += static_cast<std::int64_t>(a.size());
    if (k < 0 || k >= static_cast<std::int64_t>(a.size())) return Value();
    at = static_cast<std::size_t>(k);
  }
  Value out = std::move(a[at]);
  a.erase(a.begin() + static_cast<std::ptrdiff_t>(at));
  return out;
}

Value ListShift(Value& xs) {
  Array& a = Existing(xs, "shift");
  if (a.empty()) return Value();
  Value out = std::move(a.front());
  a.erase(a.begin());
  return out;
}

Value ListRemove(Value& xs, const Value& item) {
  Array& a = Existing(xs, "remove");
  auto it = std::find(a.begin(), a.end(), item);
  if (it == a.end()) return Value(false);
  a.erase(it);
  return Value(true);
}

Value ListClear(Value& xs) {
  Growable(xs, "clear").clear();
  return Value();
}

Value ListSort(Value& xs, const Value& key) {
  Existing(xs, "sort");
  xs = Sorted(xs, key);
  return xs;
}

Value ListSortWith(Value& xs, const Value& order) {
  Existing(xs, "sort");
  xs = SortWith(xs, order);
  return xs;
}

Value ListReverse(Value& xs) {
  Array& a = Existing(xs, "reverse");
  std::reverse(a.begin(), a.end());
  return xs;
}

Value ListSplice(Value& xs, const Value& start, const Value& count, std::vector<Value> items) {
  Array& a = Existing(xs, "splice");
  std::size_t from = InsertionPoint(start, a.size(), "splice");
  std::size_t n = a.size() - from;
  if (!count.IsNull()) n = static_cast<std::size_t>(std::clamp<std::int64_t>(args::Int(count, "splice"), 0, static_cast<std::int64_t>(n)));
  auto first = a.begin() + static_cast<std::ptrdiff_t>(from);
  Array removed(std::make_move_iterator(first), std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
  a.erase(first, first + static_cast<std::ptrdiff_t>(n));
  a.insert(a.begin() + static_cast<std::ptrdiff_t>(from), std::make_move_iterator(items.begin()),
           std::make_move_iterator(items.end()));
  return Value(std::move(removed));
}

}  // namespace lux::stdlib
