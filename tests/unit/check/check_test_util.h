// Test helper: parse and check a program held in a string; list the codes reported.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "check/check.h"
#include "parse/parse.h"

namespace lux::test {

struct Checked {
  explicit Checked(std::string text) : file(SourceFile::fromString("test.lux", std::move(text))), diags(file) {
    ast::Program* program = parseProgram(file, ctx, diags).program;
    parse_ok = program && !diags.hasErrors();
    if (parse_ok) model = checkProgram(*program, file, diags);
  }
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags.sorted()) out.emplace_back(diagInfo(d.id).code);
    return out;
  }
  // Line of the first diagnostic with `code`, 0 when none.
  uint32_t lineOf(const std::string& code) const {
    for (const Diagnostic& d : diags.sorted())
      if (diagInfo(d.id).code == code) return file.lineCol(d.range.begin).line;
    return 0;
  }
  SourceFile file;
  ast::AstContext ctx;
  DiagEngine diags;
  bool parse_ok = false;
  std::unique_ptr<CheckedProgram> model;
};

using Codes = std::vector<std::string>;

}  // namespace lux::test
