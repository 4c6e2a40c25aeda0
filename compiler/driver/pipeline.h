// The driver's pipeline: load → parse → check → emit → build, each stage's
// dump on request, diagnostics rendered once at the end. Kept apart from main.cpp so tests and
// the fuzz target can run the same code in-process.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "diag/diag.h"
#include "emit/emit.h"

namespace lux {

enum class Stage { Parse, Check, Emit };

struct DriverOptions {
  Stage stage = Stage::Check;
  bool dump_ast = false;
  bool ast_json = false;
  bool dump_model = false;
  bool color = false;
  bool warnings_as_errors = false;
  DiagFormat diag_format = DiagFormat::Text;
  std::vector<std::string> disabled_groups;
  // Stage::Emit: the generated program is stored here (and printed by `luxc emit`).
  EmittedProgram* emitted = nullptr;
  std::string source_name;  // for #line; the path as given when empty
  double* front_end_ms = nullptr;  // time spent in parse + check + emit, when set
  int pieces_per_unit = 4;         // EmitOptions::pieces_per_unit
};

// Runs the front end on `path`; returns the process exit status (0 ok, 1 errors).
int runFrontEnd(const std::string& path, const DriverOptions& opts, std::ostream& out, std::ostream& err);
// Runs the front end on text already in memory (tests, fuzzing).
int runFrontEndOnSource(const SourceFile& file, const DriverOptions& opts, std::ostream& out, std::ostream& err);

// Runs `fn` on a thread with a stack deep enough for any input the parser accepts.
void runOnLargeStack(const std::function<void()>& fn);

int explainCode(const std::string& code, std::ostream& out);
int listCodes(std::ostream& out);

}  // namespace lux
