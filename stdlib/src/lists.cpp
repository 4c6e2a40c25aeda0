// The family's list functions beyond the everyday ones of family.cpp: grouping and splitting
// (chunk, partition, group_by, count_by, frequencies, sliding_window, pairwise), folding
// (scan, sum_by, product, min_by, max_by, none), set operations (union, intersection,
// difference, symmetric_difference, is_subset, is_superset), combinatorics (combinations,
// permutations), building (zip_with, intersperse, interleave, repeat_value, insert_at,
// remove_at, update_at, rotate, compact) and searching (binary_search, is_sorted), plus
// type_of and the eager `iter`/`collect`. docs/stdlib.md documents each.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
namespace {

using args::List;

std::int64_t IntArg(const Value& v, const char* fn, const char* what) {
  if (!v.IsInt()) throw TypeError(std::string(fn) + "(): " + what + " must be an Int, not " + v.KindName(), v.FromClient());
  return v.AsInt();
}

// A list a function builds: refused past the size of the longest range (kMaxRangeLength), so a
// client's number cannot make one take all memory.
void CheckBuilt(std::uint64_t n, const char* fn) {
  if (n > kMaxRangeLength)
    throw Error(std::string(fn) + "(): the result would have " + std::to_string(n) + " elements, more than " +
                std::to_string(kMaxRangeLength));
}

// A hash that agrees with `==` (an Int equals the same Float; objects compare regardless of the
// order of their keys), so set operations bucket by it and compare within a bucket.
std::size_t HashOf(const Value& v) {
  std::hash<std::string_view> hs;
  switch (v.kind()) {
    case Value::Kind::kNull: return 0x9e37;
    case Value::Kind::kBool: return v.AsBool() ? 0x51 : 0x50;
    case Value::Kind::kInt:
    case Value::Kind::kFloat: {
      double d = v.AsFloat();
      if (d == 0) d = 0;  // -0.0 equals 0
      return std::hash<double>()(d);
    }
    case Value::Kind::kString: return hs(v.AsString());
    case Value::Kind::kArray: {
      std::size_t h = 0x2545;
      for (const Value& x : v.AsArray()) h = h * 1000003u ^ HashOf(x);
      return h;
    }
    case Value::Kind::kObject: {
      std::size_t h = 0x7a3d;
      for (const auto& [k, x] : v.AsObject()) h += hs(k) * 31u ^ HashOf(x);
      return h;
    }
    case Value::Kind::kFunction: return 0x3f;
  }
  return 0;
}

// The distinct values seen so far.
class Seen {
 public:
  // True when `v` was not seen before (and is now).
  bool Add(const Value& v) {
    auto& bucket = buckets_[HashOf(v)];
    for (const Value& x : bucket)
      if (x == v) return false;
    bucket.push_back(v);
    return true;
  }
  bool Has(const Value& v) const {
    auto it = buckets_.find(HashOf(v));
    if (it == buckets_.end()) return false;
    for (const Value& x : it->second)
      if (x == v) return true;
    return false;
  }

 private:
  std::unordered_map<std::size_t, Array> buckets_;
};

Seen SeenOf(const Array& xs) {
  Seen s;
  for (const Value& x : xs) s.Add(x);
  return s;
}

// A position into a list of `n`: negative counts from the end.
std::int64_t Position(const Value& i, std::size_t n, const char* fn) {
  std::int64_t k = IntArg(i, fn, "the index");
  return k < 0 ? k + static_cast<std::int64_t>(n) : k;
}

std::int64_t CheckedPosition(const Value& i, std::size_t n, const char* fn) {
  std::int64_t k = Position(i, n, fn);
  if (k < 0 || k >= static_cast<std::int64_t>(n))
    throw Error(std::string(fn) + "(): index " + std::to_string(i.AsInt()) + " is outside a list of " +
                std::to_string(n));
  return k;
}

Value Pair(Value a, Value b) { return Value(Array{std::move(a), std::move(b)}); }

}  // namespace

// ---- grouping and splitting ----------------------------------------------------------------

Value Chunk(const Value& xs, const Value& size) {
  const Array& a = List(xs, "chunk");
  std::int64_t n = IntArg(size, "chunk", "the size");
  if (n <= 0) throw Error("chunk(): the size must be at least 1, not " + std::to_string(n));
  Array out;
  for (std::size_t i = 0; i < a.size(); i += static_cast<std::size_t>(n)) {
    std::size_t end = std::min(a.size(), i + static_cast<std::size_t>(n));
    out.push_back(Value(Array(a.begin() + static_cast<std::ptrdiff_t>(i), a.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  return Value(std::move(out));
}

Value Partition(const Value& xs, const Value& fn) {
  Array yes, no;
  for (const Value& x : List(xs, "partition")) (Truthy(Call(fn, {x})) ? yes : no).push_back(x);
  return Pair(Value(std::move(yes)), Value(std::move(no)));
}

Value GroupBy(const Value& xs, const Value& fn) {
  Object out;
  for (const Value& x : List(xs, "group_by")) {
    Value& group = out[EntryKey(Call(fn, {x}))];
    if (group.IsNull()) group = Value::MakeArray();
    group.AsArray().push_back(x);
  }
  return Value(std::move(out));
}

Value CountBy(const Value& xs, const Value& fn) {
  Object out;
  for (const Value& x : List(xs, "count_by")) {
    Value& n = out[EntryKey(Call(fn, {x}))];
    n = Value(static_cast<long long>(n.IsInt() ? n.AsInt() + 1 : 1));
  }
  return Value(std::move(out));
}

Value Frequencies(const Value& xs) {
  Object out;
  for (const Value& x : List(xs, "frequencies")) {
    Value& n = out[EntryKey(x)];
    n = Value(static_cast<long long>(n.IsInt() ? n.AsInt() + 1 : 1));
  }
  return Value(std::move(out));
}

Value SlidingWindow(const Value& xs, const Value& size) {
  const Array& a = List(xs, "sliding_window");
  std::int64_t n = IntArg(size, "sliding_window", "the size");
  if (n <= 0) throw Error("sliding_window(): the size must be at least 1, not " + std::to_string(n));
  Array out;
  if (static_cast<std::uint64_t>(n) > a.size()) return Value(std::move(out));
  std::size_t w = static_cast<std::size_t>(n);
  CheckBuilt(static_cast<std::uint64_t>(a.size() - w + 1) * w, "sliding_window");
  for (std::size_t i = 0; i + w <= a.size(); ++i)
    out.push_back(Value(Array(a.begin() + static_cast<std::ptrdiff_t>(i), a.begin() + static_cast<std::ptrdiff_t>(i + w))));
  return Value(std::move(out));
}

Value Pairwise(const Value& xs) {
  const Array& a = List(xs, "pairwise");
  Array out;
  for (std::size_t i = 1; i < a.size(); ++i) out.push_back(Pair(a[i - 1], a[i]));
  return Value(std::move(out));
}

// ---- folding -------------------------------------------------------------------------------

Value Reduce(const Value& xs, const Value& fn) {
  const Array& a = List(xs, "reduce");
  if (a.empty()) throw Error("reduce() of an empty list without an initial value");
  Value acc = a[0];
  for (std::size_t i = 1; i < a.size(); ++i) acc = CallWithAccumulator(fn, std::move(acc), a[i]);
  return acc;
}

Value Scan(const Value& xs, const Value& fn, const Value& init) {
  Array out;
  Value acc = init;
  for (const Value& x : List(xs, "scan")) {
    acc = CallWithAccumulator(fn, std::move(acc), x);
    out.push_back(acc);
  }
  return Value(std::move(out));
}

Value SumBy(const Value& xs, const Value& fn) {
  Value total(0);
  for (const Value& x : List(xs, "sum_by")) total = Add(total, Call(fn, {x}));
  return total;
}

Value Product(const Value& xs) {
  Value total(1);
  for (const Value& x : List(xs, "product")) total = Mul(total, x);
  return total;
}

namespace {
Value ExtremeBy(const Value& xs, const Value& fn, bool want_max, const char* name) {
  const Array& a = List(xs, name);
  if (a.empty()) return Value();
  std::size_t best = 0;
  Value best_key = Call(fn, {a[0]});
  for (std::size_t i = 1; i < a.size(); ++i) {
    Value k = Call(fn, {a[i]});
    if (want_max ? Lt(best_key, k) : Lt(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return a[best];
}
}  // namespace

Value MinBy(const Value& xs, const Value& fn) { return ExtremeBy(xs, fn, false, "min_by"); }
Value MaxBy(const Value& xs, const Value& fn) { return ExtremeBy(xs, fn, true, "max_by"); }

Value NoneMatch(const Value& xs, const Value& fn) {
  for (const Value& x : List(xs, "none"))
    if (Truthy(Call(fn, {x}))) return Value(false);
  return Value(true);
}


// ---- set operations (first occurrences, in the order of the first list, then the second) ----

Value Union(const Value& a, const Value& b) {
  Seen seen;
  Array out;
  for (const Value* list : {&a, &b})
    for (const Value& x : List(*list, "union"))
      if (seen.Add(x)) out.push_back(x);
  return Value(std::move(out));
}

Value Intersection(const Value& a, const Value& b) {
  Seen in_b = SeenOf(List(b, "intersection"));
  Seen taken;
  Array out;
  for (const Value& x : List(a, "intersection"))
    if (in_b.Has(x) && taken.Add(x)) out.push_back(x);
  return Value(std::move(out));
}

Value Difference(const Value& a, const Value& b) {
  Seen in_b = SeenOf(List(b, "difference"));
  Seen taken;
  Array out;
  for (const Value& x : List(a, "difference"))
    if (!in_b.Has(x) && taken.Add(x)) out.push_back(x);
  return Value(std::move(out));
}

Value SymmetricDifference(const Value& a, const Value& b) {
  const Array& xs = List(a, "symmetric_difference");
  const Array& ys = List(b, "symmetric_difference");
  Seen in_a = SeenOf(xs), in_b = SeenOf(ys), taken;
  Array out;
  for (const Value& x : xs)
    if (!in_b.Has(x) && taken.Add(x)) out.push_back(x);
  for (const Value& y : ys)
    if (!in_a.Has(y) && taken.Add(y)) out.push_back(y);
  return Value(std::move(out));
}

Value IsSubset(const Value& a, const Value& b) {
  Seen in_b = SeenOf(List(b, "is_subset"));
  for (const Value& x : List(a, "is_subset"))
    if (!in_b.Has(x)) return Value(false);
  return Value(true);
}

Value IsSuperset(const Value& a, const Value& b) { return IsSubset(b, a); }

// ---- combinatorics -------------------------------------------------------------------------

namespace {
// n choose r and n!/(n-r)!, saturating above the limit (the caller refuses those).
std::uint64_t CountOf(std::uint64_t n, std::uint64_t r, bool ordered) {
  long double c = 1;
  for (std::uint64_t i = 0; i < r; ++i) {
    c = ordered ? c * static_cast<long double>(n - i) : c * static_cast<long double>(n - i) / static_cast<long double>(i + 1);
    if (c > static_cast<long double>(kMaxRangeLength)) return kMaxRangeLength + 1;
  }
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(c)));
}

std::size_t ChooseSize(const Value& xs, const Value& r, const char* fn, bool ordered, Array const*& items) {
  items = &List(xs, fn);
  std::int64_t k = r.IsNull() ? static_cast<std::int64_t>(items->size()) : IntArg(r, fn, "the length");
  if (k < 0) throw Error(std::string(fn) + "(): the length must not be negative, not " + std::to_string(k));
  if (static_cast<std::uint64_t>(k) > items->size()) return static_cast<std::size_t>(-1);
  CheckBuilt(CountOf(items->size(), static_cast<std::uint64_t>(k), ordered) * std::max<std::uint64_t>(1, static_cast<std::uint64_t>(k)), fn);
  return static_cast<std::size_t>(k);
}
}  // namespace

Value Combinations(const Value& xs, const Value& r) {
  const Array* a = nullptr;
  std::size_t k = ChooseSize(xs, r, "combinations", false, a);
  Array out;
  if (k == static_cast<std::size_t>(-1)) return Value(std::move(out));
  std::vector<std::size_t> idx(k);
  for (std::size_t i = 0; i < k; ++i) idx[i] = i;
  const std::size_t n = a->size();
  while (true) {
    Array pick;
    for (std::size_t i : idx) pick.push_back((*a)[i]);
    out.push_back(Value(std::move(pick)));
    std::size_t i = k;
    while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
    if (i == 0) break;
    ++idx[i - 1];
    for (std::size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
  return Value(std::move(out));
}

Value Permutations(const Value& xs, const Value& r) {
  const Array* a = nullptr;
  std::size_t k = ChooseSize(xs, r, "permutations", true, a);
  Array out;
  if (k == static_cast<std::size_t>(-1)) return Value(std::move(out));
  std::vector<bool> used(a->size(), false);
  Array current;
  std::function<void()> walk = [&] {
    if (current.size() == k) {
      out.push_back(Value(current));
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (used[i]) continue;
      used[i] = true;
      current.push_back((*a)[i]);
      walk();
      current.pop_back();
      used[i] = false;
    }
  };
  walk();
  return Value(std::move(out));
}

// ---- building ------------------------------------------------------------------------------

Value ZipWith(const Value& xs, const Value& ys, const Value& fn) {
  const Array& a = List(xs, "zip_with");
  const Array& b = List(ys, "zip_with");
  Array out;
  std::size_t n = std::min(a.size(), b.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(Call(fn, {a[i], b[i]}));
  return Value(std::move(out));
}

Value Intersperse(const Value& xs, const Value& sep) {
  Array out;
  for (const Value& x : List(xs, "intersperse")) {
    if (!out.empty()) out.push_back(sep);
    out.push_back(x);
  }
  return Value(std::move(out));
}

Value Interleave(const Value& xs, const Value& ys, const Value& zs) {
  std::vector<const Array*> lists{&List(xs, "interleave"), &List(ys, "interleave")};
  if (!zs.IsNull()) lists.push_back(&List(zs, "interleave"));
  Array out;
  std::size_t longest = 0;
  for (const Array* l : lists) longest = std::max(longest, l->size());
  for (std::size_t i = 0; i < longest; ++i)
    for (const Array* l : lists)
      if (i < l->size()) out.push_back((*l)[i]);
  return Value(std::move(out));
}

Value RepeatValue(const Value& v, const Value& n) {
  std::int64_t k = IntArg(n, "repeat_value", "the count");
  if (k <= 0) return Value::MakeArray();
  CheckBuilt(static_cast<std::uint64_t>(k), "repeat_value");
  return Value(Array(static_cast<std::size_t>(k), v));
}

Value InsertAt(const Value& xs, const Value& i, const Value& v) {
  Array a = List(xs, "insert_at");
  std::int64_t k = std::clamp<std::int64_t>(Position(i, a.size(), "insert_at"), 0, static_cast<std::int64_t>(a.size()));
  a.insert(a.begin() + static_cast<std::ptrdiff_t>(k), v);
  return Value(std::move(a));
}

Value RemoveAt(const Value& xs, const Value& i) {
  Array a = List(xs, "remove_at");
  a.erase(a.begin() + static_cast<std::ptrdiff_t>(CheckedPosition(i, a.size(), "remove_at")));
  return Value(std::move(a));
}

Value UpdateAt(const Value& xs, const Value& i, const Value& v) {
  Array a = List(xs, "update_at");
  a[static_cast<std::size_t>(CheckedPosition(i, a.size(), "update_at"))] = v;
  return Value(std::move(a));
}

Value Rotate(const Value& xs, const Value& n) {
  Array a = List(xs, "rotate");
  std::int64_t k = IntArg(n, "rotate", "the count");
  if (a.empty()) return Value(std::move(a));
  std::int64_t size = static_cast<std::int64_t>(a.size());
  k = ((k % size) + size) % size;
  std::rotate(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
  return Value(std::move(a));
}

Value Compact(const Value& xs) {
  Array out;
  for (const Value& x : List(xs, "compact"))
    if (!x.IsNull()) out.push_back(x);
  return Value(std::move(out));
}

// ---- searching -----------------------------------------------------------------------------

Value BinarySearch(const Value& xs, const Value& target, const Value& key) {
  const Array& a = List(xs, "binary_search");
  std::size_t lo = 0, hi = a.size();
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    Value k = key.IsNull() ? a[mid] : Call(key, {a[mid]});
    if (k == target) return Value(static_cast<long long>(mid));
    if (Lt(k, target)) lo = mid + 1;
    else hi = mid;
  }
  return Value(-1);
}

Value IsSorted(const Value& xs, const Value& key) {
  const Array& a = List(xs, "is_sorted");
  Value prev;
  for (std::size_t i = 0; i < a.size(); ++i) {
    Value k = key.IsNull() ? a[i] : Call(key, {a[i]});
    if (i > 0 && Lt(k, prev)) return Value(false);
    prev = std::move(k);
  }
  return Value(true);
}

// ---- values --------------------------------------------------------------------------------

Value TypeOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: return Value("Nil");
    case Value::Kind::kBool: return Value("Bool");
    case Value::Kind::kInt: return Value("Int");
    case Value::Kind::kFloat: return Value("Float");
    case Value::Kind::kString: return Value("String");
    case Value::Kind::kArray: return Value("List");
    case Value::Kind::kFunction: return Value("Function");
    case Value::Kind::kObject: break;
  }
  if (IsOk(v)) return Value("Ok");
  if (IsErr(v)) return Value("Err");
  const Value* tag = v.Find("tag");
  if (tag && tag->IsString() && v.Find("values") && v.size() == 2) return *tag;
  return Value("Object");
}

Value Iter(const Value& xs) {
  if (xs.IsString()) return Chars(xs);
  return Value(List(xs, "iter"));
}

}  // namespace lux::stdlib
