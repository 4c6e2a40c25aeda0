// The collection forms' runtime: `xs[a:b:step]` (SliceStep, Python's rules: bounds clamped,
// negative ones count from the end, a negative step walks backwards from the end) and a dict
// comprehension's entries (PutEntry). Generated code calls them (compiler/emit/emit_collections.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

std::int64_t SliceInt(const Value& v, const char* what) {
  if (!v.IsInt()) throw TypeError(std::string("a slice ") + what + " must be an Int, not " + v.KindName(), v.FromClient());
  return v.AsInt();
}

// The positions `[lo:hi:step]` picks out of n elements, in order.
std::vector<std::size_t> SlicePositions(std::int64_t n, const Value& lo, const Value& hi, std::int64_t step) {
  // A bound counts from the end when negative, then is clamped to where the walk may start or
  // stop: [0, n] going forwards, [-1, n - 1] going backwards (-1: before the first element).
  auto bound = [&](const Value& v, std::int64_t dflt) -> std::int64_t {
    if (v.IsNull()) return dflt;
    std::int64_t k = SliceInt(v, "bound");
    if (k < 0) k = k < -n ? (step > 0 ? 0 : -1) : k + n;
    if (k >= n) k = step > 0 ? n : n - 1;
    return k;
  };
  std::int64_t start = bound(lo, step > 0 ? 0 : n - 1);
  std::int64_t stop = bound(hi, step > 0 ? n : -1);
  std::vector<std::size_t> out;
  // __int128: `i + step` cannot overflow whatever the step.
  for (__int128 i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(static_cast<std::size_t>(i));
  return out;
}

}  // namespace

Value SliceStep(const Value& v, const Value& lo, const Value& hi, const Value& step) {
  std::int64_t s = step.IsNull() ? 1 : SliceInt(step, "step");
  if (s == 0) throw Error("a slice step cannot be 0");
  if (v.IsArray()) {
    const Array& a = v.AsArray();
    Array out;
    for (std::size_t i : SlicePositions(static_cast<std::int64_t>(a.size()), lo, hi, s)) out.push_back(a[i]);
    return Value(std::move(out));
  }
  if (v.IsString()) {
    std::vector<std::string> cps = CodePoints(v.AsString());
    std::string out;
    for (std::size_t i : SlicePositions(static_cast<std::int64_t>(cps.size()), lo, hi, s)) out += cps[i];
    return Value(std::move(out));
  }
  if (v.IsNull()) return Value();
  throw TypeError(std::string("cannot slice ") + v.KindName(), v.FromClient());
}

std::string EntryKey(const Value& key) { return key.IsString() ? key.AsString() : ToString(key).AsString(); }

void PutEntry(Value& object, const Value& key, Value value) { object[EntryKey(key)] = std::move(value); }

}  // namespace lux::stdlib
