// The checking stage: AST → checked model (check/model.h) + diagnostics.
// Entry points: checkProgram (name resolution, types, server constructs; reports through the
// DiagEngine and returns the model, also when there were errors) and dumpModel (the
// deterministic text form printed by `luxc check --dump-model`).
#pragma once

#include <iosfwd>
#include <memory>

#include "ast/ast.h"
#include "check/model.h"
#include "diag/diag.h"

namespace lux {

struct CheckedProgram;

// What the checker records beyond what code generation needs.
struct CheckOptions {
  // Fill CheckedProgram::editor (the language server's tables); `luxc check` leaves it off.
  bool editor_tables = false;
};

std::unique_ptr<CheckedProgram> checkProgram(const ast::Program&, const SourceFile&, DiagEngine&);
std::unique_ptr<CheckedProgram> checkProgram(const ast::Program&, const SourceFile&, DiagEngine&, const CheckOptions&);
void dumpModel(const CheckedProgram&, const SourceFile&, std::ostream&);

}  // namespace lux
