// Code generation: the checked model → C++ against the runtime's <lux/...> headers.
// Entry point: emitProgram. The output is a program header (includes, records, prototypes,
// `extern` declarations) and several small translation units that include it — the shared
// code's and each server's, a few top-level definitions each — so that `luxc build` recompiles
// only the units whose text changed (docs/architecture.md, "Translation units"). `cpp` is the
// same program as one translation unit (header, then every unit), which `luxc emit` prints.
// Per server: the name of its registration function and a tiny main (compiler/driver/build.cpp).
// Constructs this version does not generate code for are reported as E5xxx diagnostics.
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
  int port = 3000;         // the port it listens on by default (`env PORT: Int = N`, `port N`)
};

struct EmittedUnit {
  std::string name;  // `shared`, `shared.2`, `<server namespace>`, `<server namespace>.2`, ...
  int server = -1;   // index into EmittedProgram::servers, -1 for shared code (linked into every server)
  std::string body;  // the definitions, after `#include "<stem>.h"`
  // Includes nothing, not even the program header (its body declares what it defines): a
  // server's OpenAPI document under one piece per unit, whose text changes with every type a
  // route or event uses, compiles without parsing the header or loading a PCH.
  bool standalone = false;
};

struct EmittedProgram {
  std::string header;               // `<stem>.h`: what every unit includes
  std::vector<EmittedUnit> units;   // in a fixed order: shared units, then each server's
  std::string cpp;                  // the whole program as one translation unit (luxc emit)
  std::vector<EmittedServer> servers;
};

struct EmitOptions {
  std::string source_name;  // as written in `#line` and the header (the path given to luxc)
  std::string stem;         // executable base name
  bool line_directives = true;
  // Top-level definitions per translation unit (docs/architecture.md, "Translation units"):
  // fewer means a smaller recompile after an edit and a slower first build. `luxc dev` uses 1,
  // which also splits each server's Register into RegisterPartN units (Emitter::emitRegister).
  int pieces_per_unit = 4;
  // `luxc test`: also the `test` blocks, and per server a test main instead of the server's
  // (EmittedServer::main_cpp); a program without servers but with tests gets one test executable.
  bool tests = false;
  // How a test failure names the file (`app.lux:12: ...`): the path as the user gave it; empty:
  // source_name.
  std::string place_name;
};

// Returns false (after reporting) when the program uses something code generation cannot emit.
bool emitProgram(const CheckedProgram& prog, const SourceFile& file, DiagEngine& diags, const EmitOptions& opts,
                 EmittedProgram& out);

}  // namespace lux
