// Reading a server block's options (`cors { }`, `rate_limit { }`, `cache { }`, `limits { }`)
// from the object the generated code passes: the checker has checked literal values, so a
// failure here is a computed value (an env setting) that does not fit, reported at start-up
// as one line naming the block and the option. Entry points: BlockInt, BlockString, ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lux/error.h"
#include "lux/value.h"

namespace lux::http {

inline std::string BlockWhat(const char* block, const char* key) {
  return std::string("`") + block + "` option `" + key + "`";
}

inline std::int64_t BlockInt(const Value& v, const char* block, const char* key, std::int64_t min, std::int64_t max) {
  if (v.IsInt() && v.AsInt() >= min && v.AsInt() <= max) return v.AsInt();
  throw StartupError(BlockWhat(block, key) + " expects an Int from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", found " + ToJson(v));
}

// A duration: milliseconds (an Int, or a Duration literal, which the generated code passes as
// milliseconds).
inline std::int64_t BlockMs(const Value& v, const char* block, const char* key) {
  if (v.IsInt() && v.AsInt() > 0) return v.AsInt();
  if (v.IsFloat() && v.AsFloat() >= 1) return static_cast<std::int64_t>(v.AsFloat());
  throw StartupError(BlockWhat(block, key) + " expects a positive duration, found " + ToJson(v));
}

inline bool BlockBool(const Value& v, const char* block, const char* key) {
  if (v.IsBool()) return v.AsBool();
  throw StartupError(BlockWhat(block, key) + " expects a Bool, found " + ToJson(v));
}

inline std::string BlockString(const Value& v, const char* block, const char* key) {
  if (v.IsString()) return v.AsString();
  throw StartupError(BlockWhat(block, key) + " expects a String, found " + ToJson(v));
}

inline std::vector<std::string> BlockStrings(const Value& v, const char* block, const char* key) {
  std::vector<std::string> out;
  if (v.IsString()) {  // one value where a list is expected: a list of one
    out.push_back(v.AsString());
    return out;
  }
  if (!v.IsArray()) throw StartupError(BlockWhat(block, key) + " expects a list of Strings, found " + ToJson(v));
  for (const Value& e : v.AsArray()) {
    if (!e.IsString()) throw StartupError(BlockWhat(block, key) + " expects a list of Strings, found " + ToJson(v));
    out.push_back(e.AsString());
  }
  return out;
}

}  // namespace lux::http
