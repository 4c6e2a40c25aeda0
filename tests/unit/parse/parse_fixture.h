// Helpers for the parse unit tests: parse a string, collect diagnostics, find nodes.
#pragma once

#include <string>
#include <vector>

#include "ast/ast.h"
#include "diag/diag.h"
#include "parse/parse.h"

namespace lux::test {

struct Parsed {
  SourceFile file;
  ast::AstContext ctx;
  DiagEngine diags;
  ParseResult result;

  explicit Parsed(std::string text)
      : file(SourceFile::fromString("test.lux", std::move(text))), diags(file) {
    result = parseProgram(file, ctx, diags);
  }
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags.sorted()) out.emplace_back(diagInfo(d.id).code);
    return out;
  }
  bool hasCode(std::string_view code) const {
    for (const std::string& c : codes())
      if (c == code) return true;
    return false;
  }
  // The first ExprStmt expression of the first fn in the first server.
  const ast::Expr* firstExpr() const {
    if (!result.program || result.program->items.empty()) return nullptr;
    auto* server = llvm::dyn_cast<ast::ServerBlock>(result.program->items[0]);
    if (!server || server->items.empty()) return nullptr;
    auto* fn = llvm::dyn_cast<ast::FnDecl>(server->items[0]);
    if (!fn || fn->body->stmts.empty()) return nullptr;
    auto* s = fn->body->stmts[0];
    if (auto* es = llvm::dyn_cast<ast::ExprStmt>(s)) return es->expr;
    if (auto* as = llvm::dyn_cast<ast::AssignStmt>(s)) return as->value;
    return nullptr;
  }
};

// Wraps statements in `server { fn f() { ... } }`.
inline std::string inFn(const std::string& body) { return "server {\n  fn f() {\n    " + body + "\n  }\n}\n"; }

}  // namespace lux::test
