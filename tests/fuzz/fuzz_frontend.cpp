// libFuzzer target: the driver's front end (parse, dump, and check when the parse is clean) on
// arbitrary bytes, exactly as `luxc check --dump-ast` runs it.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "driver/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lux::SourceFile file = lux::SourceFile::fromString("fuzz.lux", std::string(reinterpret_cast<const char*>(data), size));
  lux::DriverOptions opts;
  opts.stage = lux::Stage::Check;
  opts.dump_ast = true;
  std::ostringstream out, err;
  lux::runFrontEndOnSource(file, opts, out, err);
  return 0;
}
