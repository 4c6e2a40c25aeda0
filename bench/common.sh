# Sourced by the bench scripts. lux_runtime_libs BUILD_DIR prints, one per line, what a
# hand-written server links to use the runtime: CMake writes the list generated programs link
# (<build>/lux_link_libraries.txt, compiler/driver/CMakeLists.txt), so a new runtime dependency
# is named in one place. The standard library (only generated code calls it) is left out.
lux_runtime_libs() {
  tr ';' '\n' < "$1/lux_link_libraries.txt" | grep -v -e '^$' -e 'liblux_stdlib'
  echo -lpthread
}
