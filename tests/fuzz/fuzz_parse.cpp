// libFuzzer target: parse arbitrary bytes and print the AST both ways. Any crash, sanitizer
// report, hang or runaway memory is a bug; diagnostics are the expected outcome for bad input.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "ast/ast.h"
#include "diag/diag.h"
#include "parse/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lux::SourceFile file = lux::SourceFile::fromString("fuzz.lux", std::string(reinterpret_cast<const char*>(data), size));
  lux::DiagEngine diags(file);
  lux::ast::AstContext ctx;
  lux::ParseResult result = lux::parseProgram(file, ctx, diags);
  std::ostringstream sink;
  if (result.program) {
    lux::dumpAst(*result.program, file, sink, false);
    lux::dumpAst(*result.program, file, sink, true);
  }
  diags.render(sink, lux::DiagFormat::Text);
  diags.render(sink, lux::DiagFormat::Json);
  return 0;
}
