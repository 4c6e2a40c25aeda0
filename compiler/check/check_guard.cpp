// `guard cond else { ... }`: the condition is a Bool; the else block runs when it is false and
// must leave the enclosing function (`return`, `throw`) or, inside a loop, the iteration
// (`break`, `continue`) — otherwise E2701 at the else block. `guard x != nil else { ... }` on an
// immutable `Option<T>` binding makes `x` a `T` for the rest of the scope the guard is in.
// Entry points: Checker::checkGuard, alwaysLeaves.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

void Checker::checkGuard(const ast::GuardStmt* stmt) {
  expectType(checkExpr(stmt->cond), types_.get(TyKind::Bool), stmt->cond->range(), "the `guard` condition");
  checkBlock(stmt->else_body);
  if (!alwaysLeaves(stmt->else_body)) {
    bool in_loop = loop_depth_ > 0;
    auto d = diags_.report(DiagId::GuardFallsThrough, stmt->else_body->range(), in_loop ? "loop iteration" : "function");
    d.help(in_loop ? "end the block with `return`, `throw`, `break` or `continue`"
                   : "end the block with `return` (e.g. `return respond(400, { error: \"...\" })`) or `throw`");
  }
  narrowAfterGuard(stmt->cond);
}

bool Checker::alwaysLeaves(const ast::Node* n) const {
  using namespace ast;
  if (!n) return false;
  if (llvm::isa<ReturnStmt>(n) || llvm::isa<ThrowStmt>(n)) return true;
  if (llvm::isa<BreakStmt>(n) || llvm::isa<ContinueStmt>(n)) return loop_depth_ > 0;
  if (auto* b = llvm::dyn_cast<BlockExpr>(n)) {
    for (const Stmt* s : b->stmts)
      if (alwaysLeaves(s)) return true;
    return false;
  }
  if (auto* es = llvm::dyn_cast<ExprStmt>(n)) return alwaysLeaves(es->expr);
  if (auto* ie = llvm::dyn_cast<IfExpr>(n)) {
    if (!ie->else_body) return false;
    for (const IfBranch* br : ie->branches)
      if (!alwaysLeaves(br->body)) return false;
    return alwaysLeaves(ie->else_body);
  }
  if (auto* me = llvm::dyn_cast<MatchExpr>(n)) {
    if (me->arms.empty()) return false;
    for (const MatchArm* arm : me->arms)
      if (!alwaysLeaves(arm->body)) return false;
    return true;
  }
  if (auto* ts = llvm::dyn_cast<TryStmt>(n)) {
    if (ts->finally_body && alwaysLeaves(ts->finally_body)) return true;
    return alwaysLeaves(ts->body) && (!ts->catch_body || alwaysLeaves(ts->catch_body));
  }
  return false;
}

void Checker::narrowAfterGuard(const ast::Expr* cond) {
  auto* bin = llvm::dyn_cast<ast::BinaryExpr>(cond);
  if (!bin || bin->op != ast::BinaryOp::Ne) return;
  auto isNone = [&](const ast::Expr* e) {
    const Symbol* s = model_.resolved.lookup(e);
    return s && s->kind == SymbolKind::OptionCtor && s->name == "None";
  };
  const ast::Expr* subject = isNone(bin->rhs) ? bin->lhs : isNone(bin->lhs) ? bin->rhs : nullptr;
  auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(subject);
  if (!name) return;
  // The checker owns every symbol; the model keeps them const for the stages after it.
  Symbol* sym = const_cast<Symbol*>(model_.resolved.lookup(name));
  if (!sym || sym->is_mutable || !sym->type || sym->type->kind != TyKind::Option || !sym->type->elem) return;
  if (sym->kind != SymbolKind::Local && sym->kind != SymbolKind::Param) return;
  if (sym->type->elem->isDynamic()) return;
  cur_->narrowed.emplace_back(sym, sym->type);
  sym->type = sym->type->elem;
}

}  // namespace lux
