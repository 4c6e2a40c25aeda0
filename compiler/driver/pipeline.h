// The driver's pipeline: load → parse → check (→ emit, build in later stages), each stage's
// dump on request, diagnostics rendered once at the end. Kept apart from main.cpp so tests and
// the fuzz target can run the same code in-process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "diag/diag.h"

namespace lux {

enum class Stage { Parse, Check };

struct DriverOptions {
  Stage stage = Stage::Check;
  bool dump_ast = false;
  bool ast_json = false;
  bool dump_model = false;
  bool color = false;
  bool warnings_as_errors = false;
  DiagFormat diag_format = DiagFormat::Text;
  std::vector<std::string> disabled_groups;
};

// Runs the front end on `path`; returns the process exit status (0 ok, 1 errors).
int runFrontEnd(const std::string& path, const DriverOptions& opts, std::ostream& out, std::ostream& err);
// Runs the front end on text already in memory (tests, fuzzing).
int runFrontEndOnSource(const SourceFile& file, const DriverOptions& opts, std::ostream& out, std::ostream& err);

int explainCode(const std::string& code, std::ostream& out);
int listCodes(std::ostream& out);

}  // namespace lux
