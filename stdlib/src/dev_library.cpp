// The one source of liblux_dev.so (stdlib/CMakeLists.txt): the library's code is the whole of
// liblux_stdlib.a, liblux_runtime.a and liblux_common.a, linked in; this file only names it.
namespace lux::stdlib {
extern const char kDevLibrary[] = "liblux_dev";
}  // namespace lux::stdlib
