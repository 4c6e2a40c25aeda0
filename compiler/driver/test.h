// `luxc test`: build the test executables of Lux programs and run them (compiler/driver/test.cpp).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "driver/build.h"

namespace lux {

struct TestOptions {
  std::vector<std::string> paths;  // files or directories; empty: the current directory
  std::string filter;              // run only the tests whose name contains it
};

int runTests(const TestOptions& topts, const BuildOptions& base, const DriverOptions& dopts, std::ostream& out,
             std::ostream& err);

}  // namespace lux
