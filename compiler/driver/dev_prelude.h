// The header `luxc dev` precompiles as its runtime PCH (build.cpp, precompileHeader): <lux/stdlib.h>
// and inline functions that use the template instances generated code needs in most units —
// the conversions of records' field types (FromField / FromValue / ToValue of the built-in types,
// their vectors, options and maps), the std::string operators an enum's conversions call, and
// std::function from the function pointers a server's registration passes.
// Built with -fpch-instantiate-templates -fpch-codegen, the PCH holds these instances and its
// object their code, so a unit that uses them neither instantiates nor compiles them again
// (samples/monitoring.lux, CPU ms: a record's conversions unit 89 → 56, the collector's
// subscribers' registration 84 → 53; bench/README.md, "Edit-to-serve").
// Nothing calls these functions; only the PCH's object holds their code.
#pragma once

namespace lux::driver {

inline constexpr const char* kDevPrelude = R"lux_prelude(#pragma once
// Written by luxc for `luxc dev`'s precompiled header — do not edit.
#include <lux/stdlib.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lux::dev_prelude {
template <typename T>
inline void Convert(const lux::Value& v) {
  T t{};
  lux::FromField(v, "", t);
  (void)lux::ToValue(t);
  (void)lux::FromValueAs<T>(v);
}
template <typename T>
inline void ConvertAll(const lux::Value& v) {
  Convert<T>(v);
  Convert<std::vector<T>>(v);
  Convert<std::optional<T>>(v);
  Convert<std::map<std::string, T>>(v);
}
inline void Instantiate(const lux::Value& v, const std::string& s) {
  ConvertAll<lux::Value>(v);
  ConvertAll<bool>(v);
  ConvertAll<std::int64_t>(v);
  ConvertAll<double>(v);
  ConvertAll<std::string>(v);
  Convert<std::vector<std::vector<std::string>>>(v);
  if (s == "" || s != "") throw lux::TypeError("" + s + "");
}
// std::function from the function pointers registration passes: routes (`&Route1`), and the
// subscribers', jobs' and RPC functions' handlers (`+[](const lux::Value&) {...}`).
inline void Handlers(lux::Request& req, const lux::Value& v) {
  lux::Handler route(static_cast<lux::Response (*)(lux::Request&)>(nullptr));
  std::function<void(const lux::Value&)> background(static_cast<void (*)(const lux::Value&)>(nullptr));
  std::function<lux::Value(const lux::Value&)> rpc(static_cast<lux::Value (*)(const lux::Value&)>(nullptr));
  (void)route(req);
  background(v);
  (void)rpc(v);
}
}  // namespace lux::dev_prelude
)lux_prelude";

}  // namespace lux::driver
