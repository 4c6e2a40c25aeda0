// One analysis of a document's text: the parse (a partial tree when there are syntax errors),
// the checked model when the parse was clean, the diagnostics `luxc check` would report, and
// indexes the editor features share. Entry points: analyze, Analysis::symbolAt, Analysis::serverAt.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/check.h"
#include "diag/diag.h"
#include "lsp/position.h"

namespace lux::lsp {

struct Analysis {
  std::unique_ptr<SourceFile> file;
  std::unique_ptr<ast::AstContext> ctx;
  const ast::Program* program = nullptr;    // null when the text could not be tokenized
  std::unique_ptr<CheckedProgram> model;    // null when the parse had errors
  std::vector<Diagnostic> diagnostics;      // sorted by position
  std::unique_ptr<LineIndex> lines;
  std::map<uint32_t, const Symbol*> declared;  // a declared name's start → its symbol
  double milliseconds = 0;                     // time spent in parse, check and code generation

  std::string_view text() const { return file->text(); }
  // The symbol whose declaring name covers `offset`, or null.
  const Symbol* declarationAt(uint32_t offset) const;
  // The symbol a node names (a NameExpr, a route's handler, spawn_job's string), or null.
  const Symbol* resolved(const ast::Node* node) const;
  // The type the checker gave an expression, or null.
  const Ty* typeOf(const ast::Node* node) const;
  // The index in model->servers of the server block around `offset`, or -1.
  int serverAt(uint32_t offset) const;
};

// Parses and checks `text` as `luxc check` does (code generation included, into a scratch
// buffer, for the errors only it reports). Must run on a thread with a large stack.
std::shared_ptr<const Analysis> analyze(const std::string& path, std::string text);

}  // namespace lux::lsp
