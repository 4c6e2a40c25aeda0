// What the stdlib unit tests build their values with and read their failures through.
#pragma once

#include <lux/stdlib.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace lux::stdlib::testing {

inline Value Fn(std::function<Value(const std::vector<Value>&)> f) { return Value(lux::Function(std::move(f))); }
inline Value L(std::initializer_list<Value> xs) { return Value(Array(xs)); }
inline Value Ints(std::initializer_list<long long> xs) {
  Array a;
  for (long long x : xs) a.push_back(Value(x));
  return Value(std::move(a));
}
inline std::string Json(const Value& v) { return lux::ToJson(v); }
// The message of what `f` throws, or "(no failure)".
inline std::string FailureOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no failure)";
}

}  // namespace lux::stdlib::testing
