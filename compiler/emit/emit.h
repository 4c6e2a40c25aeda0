// Code generation: the checked model → C++ against the runtime's <lux/...> headers.
// Entry point: emitProgram. The output is one translation unit (records, shared code, one
// namespace and one registration function per server) plus, per server, the name of its
// registration function; the driver (compiler/driver/build.cpp) writes a tiny main per server.
// Constructs code generation does not support yet are reported as E5xxx diagnostics.
#pragma once

#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/model.h"
#include "diag/diag.h"

namespace lux {

struct EmittedServer {
  std::string name;        // "" for the unnamed server
  std::string executable;  // `<stem>` or `<stem>-<name>`
  std::string setup_fn;    // fully qualified: `lux_program::api::Register`
  std::string main_cpp;    // the server's main translation unit
  std::string openapi;     // its OpenAPI 3 document (JSON), also served at GET /openapi.json
};

struct EmittedProgram {
  std::string cpp;  // the program's translation unit
  std::vector<EmittedServer> servers;
};

struct EmitOptions {
  std::string source_name;  // as written in `#line` and the header (the path given to luxc)
  std::string stem;         // executable base name
  bool line_directives = true;
};

// Returns false (after reporting) when the program uses something code generation cannot emit.
bool emitProgram(const CheckedProgram& prog, const ast::Program& program, const SourceFile& file,
                 DiagEngine& diags, const EmitOptions& opts, EmittedProgram& out);

}  // namespace lux
