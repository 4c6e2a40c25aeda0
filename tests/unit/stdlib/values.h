// What the stdlib unit tests build their values with (and FailureOf, from failure_of.h).
#pragma once

#include <lux/stdlib.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "failure_of.h"

namespace lux::stdlib::testing {

inline Value Fn(std::function<Value(const std::vector<Value>&)> f) { return Value(lux::Function(std::move(f))); }
inline Value L(std::initializer_list<Value> xs) { return Value(Array(xs)); }
inline Value Ints(std::initializer_list<long long> xs) {
  Array a;
  for (long long x : xs) a.push_back(Value(x));
  return Value(std::move(a));
}
inline std::string Json(const Value& v) { return lux::ToJson(v); }

}  // namespace lux::stdlib::testing
