// The argument checks of the stdlib's built-ins: a value of the wrong kind is a TypeError naming
// the function, what it got and what it expected (`title_case() of Int: expected a String`).
// The checker refuses such calls at compile time; these catch the values of unknown type
// (an unannotated parameter, a JSON document) when they run.
#pragma once

#include <cstdint>
#include <string>

#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib::args {

[[noreturn]] inline void Expected(const Value& v, const char* fn, const char* what) {
  throw TypeError(std::string(fn) + "() of " + v.KindName() + ": expected " + what, v.FromClient());
}

inline const std::string& Text(const Value& v, const char* fn) {
  if (!v.IsString()) Expected(v, fn, "a String");
  return v.AsString();
}

// An optional String argument: `dflt` when it is absent (null).
inline std::string TextOr(const Value& v, const char* fn, const char* dflt) {
  return v.IsNull() ? std::string(dflt) : Text(v, fn);
}

inline const Array& List(const Value& v, const char* fn) {
  if (!v.IsArray()) Expected(v, fn, "a list");
  return v.AsArray();
}

inline double Num(const Value& v, const char* fn) {
  if (!v.IsNumber()) Expected(v, fn, "a number");
  return v.AsFloat();
}

inline std::int64_t Int(const Value& v, const char* fn) {
  if (!v.IsInt()) Expected(v, fn, "an Int");
  return v.AsInt();
}

}  // namespace lux::stdlib::args
