// LUX_FORWARD: defines a C function of an optional client library as a stub that looks the real
// one up on its first call (loader.h) and calls it. The library's own header declares the
// function, so a stub whose signature differs from it does not compile. Stub files are compiled
// with hidden visibility (runtime/CMakeLists.txt): the stubs never interpose on the libraries'
// own calls nor leave the runtime.
#pragma once

#include "lazy/loader.h"

#define LUX_FORWARD(lib, ret, name, params, args)                                                          \
  extern "C" ret name params {                                                                             \
    static const auto real = reinterpret_cast<decltype(&::name)>(::lux::lazy::Symbol(::lux::lazy::lib, #name)); \
    return real args;                                                                                      \
  }
