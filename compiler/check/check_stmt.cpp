// Statements and blocks: local bindings and the assignment rule, loops, try/catch, return.
// The rule for a plain `x = e` (docs/diagnostics.md#E2201):
//   * no `x` in scope → declares an immutable local;
//   * `x` is a `var` → assigns it;
//   * `x` was declared by a plain `x = e` in this same block → re-binds it (a new immutable
//     binding that shadows the old one; `results = results |> filter(...)` in seed 002);
//   * otherwise (a parameter, a `let`, a binding of an enclosing block, a server binding) →
//     E2201; a function, env setting, model, type... → E2202.
// Entry points: Checker::checkBlock, checkStmt, checkAssign, declareLocal, isPure.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

Symbol* Checker::declareLocal(const ast::Ident& name, SymbolKind kind, const Ty* type, const ast::Node* decl,
                              bool is_mutable, bool pure_init) {
  Symbol* sym = newSymbol(kind, name.name, name.range, decl, type);
  sym->is_mutable = is_mutable;
  sym->pure_init = pure_init;
  if (!name.empty()) cur_->names[name.name] = sym;
  cur_->locals.push_back(sym);
  if (decl) model_.resolved[decl] = sym;
  return sym;
}

const Ty* Checker::checkBlock(const ast::BlockExpr* block, bool new_scope) {
  if (!block) return types_.get(TyKind::Unit);
  if (new_scope) pushScope(Scope::Kind::Block);
  for (const ast::Stmt* s : block->stmts) checkStmt(s);
  const Ty* t = types_.get(TyKind::Unit);
  if (const ast::Expr* last = block->resultExpr()) {
    auto it = model_.expr_types.find(last);
    t = it == model_.expr_types.end() ? types_.dynamic() : it->second;
  }
  if (new_scope) popScope();
  model_.expr_types[block] = t;
  return t;
}

void Checker::checkStmt(const ast::Stmt* stmt) {
  if (auto* let = llvm::dyn_cast<ast::LetStmt>(stmt)) {
    const Ty* t = let->init ? checkExpr(let->init) : types_.dynamic();
    const Ty* declared = t;
    if (let->type) {
      declared = resolveType(let->type);
      if (let->init) expectType(t, declared, let->init->range(), fmt::format("`{}`", let->name.name.str()),
                                let->type->range(), "the type is declared here");
    }
    declareLocal(let->name, SymbolKind::Local, declared, let, let->is_mutable, !let->init || isPure(let->init));
    return;
  }
  if (auto* ds = llvm::dyn_cast<ast::DestructureStmt>(stmt)) {
    const Ty* t = checkExpr(ds->init);
    bool pure = isPure(ds->init);
    for (const ast::DestructureField* f : ds->fields) {
      const Ty* ft = types_.dynamic();
      if (t->kind == TyKind::Record) {
        if (const FieldInfo* fi = t->record->field(f->key.name)) {
          ft = fi->type;
        } else if (!(f->key.name == "id" && t->record->is_model)) {
          diags_.report(DiagId::UnknownField, f->key.range, t->record->is_model ? "model" : "type",
                        t->record->name.str(), f->key.name.str())
              .note(t->record->range, fmt::format("`{}` is declared here", t->record->name.str()));
        }
      }
      Symbol* sym = declareLocal(f->binding, SymbolKind::Local, ft, f, ds->keyword == ast::DestructureStmt::Keyword::Var, pure);
      sym->rebindable = ds->keyword == ast::DestructureStmt::Keyword::None;
    }
    return;
  }
  if (auto* as = llvm::dyn_cast<ast::AssignStmt>(stmt)) {
    checkAssign(as);
    return;
  }
  if (auto* es = llvm::dyn_cast<ast::ExprStmt>(stmt)) {
    checkExpr(es->expr);
    return;
  }
  if (auto* rs = llvm::dyn_cast<ast::ReturnStmt>(stmt)) {
    if (!rs->value) return;
    const Ty* t = checkExpr(rs->value);
    if (cur_return_) expectType(t, cur_return_, rs->value->range(), fmt::format("the result of `{}`", cur_fn_name_));
    return;
  }
  if (auto* fs = llvm::dyn_cast<ast::ForStmt>(stmt)) {
    const Ty* it = checkExpr(fs->iterable);
    const Ty* elem = it->kind == TyKind::Array ? it->elem : types_.dynamic();
    pushScope(Scope::Kind::Block);
    if (!fs->index.empty()) declareLocal(fs->index, SymbolKind::Local, types_.get(TyKind::Int), nullptr, false, false);
    declareLocal(fs->value, SymbolKind::Local, elem, fs, false, false);
    checkBlock(fs->body);
    popScope();
    return;
  }
  if (auto* ws = llvm::dyn_cast<ast::WhileStmt>(stmt)) {
    expectType(checkExpr(ws->cond), types_.get(TyKind::Bool), ws->cond->range(), "the `while` condition");
    checkBlock(ws->body);
    return;
  }
  if (auto* ts = llvm::dyn_cast<ast::TryStmt>(stmt)) {
    checkBlock(ts->body);
    if (ts->catch_body) {
      pushScope(Scope::Kind::Block);
      if (!ts->error_name.empty()) declareLocal(ts->error_name, SymbolKind::Local, types_.dynamic(), nullptr, false, false);
      checkBlock(ts->catch_body);
      popScope();
    }
    if (ts->finally_body) checkBlock(ts->finally_body);
    return;
  }
  // BreakStmt, ContinueStmt: nothing to check.
}

void Checker::checkAssign(const ast::AssignStmt* stmt) {
  const Ty* vt = checkExpr(stmt->value);
  auto* target = llvm::dyn_cast<ast::NameExpr>(stmt->target);
  if (!target) {
    checkExpr(stmt->target);  // a field or an index: the base is read
    return;
  }
  Scope* where = nullptr;
  Symbol* sym = lookup(target->name.name, &where);
  bool plain = stmt->op == ast::AssignOp::Assign;
  if (!sym) {
    if (!plain) {
      reportUnresolved(target->name, false);
      return;
    }
    Symbol* s = declareLocal(target->name, SymbolKind::Local, vt, stmt, false, isPure(stmt->value));
    s->rebindable = true;
    model_.assigns[stmt] = AssignKind::Declare;
    model_.resolved[target] = s;
    model_.expr_types[target] = vt;
    return;
  }
  bool variable = sym->kind == SymbolKind::Local || sym->kind == SymbolKind::Param ||
                  sym->kind == SymbolKind::PatternBinding || sym->kind == SymbolKind::Binding;
  if (variable && sym->is_mutable) {
    sym->reads++;  // assigning a `var` counts as using it
    model_.assigns[stmt] = AssignKind::Assign;
    model_.resolved[target] = sym;
    const ast::Type* annotation = nullptr;
    if (auto* let = llvm::dyn_cast_or_null<ast::LetStmt>(sym->decl)) annotation = let->type;
    if (auto* vd = llvm::dyn_cast_or_null<ast::VarDecl>(sym->decl)) annotation = vd->type;
    if (annotation && plain)
      expectType(vt, sym->type, stmt->value->range(), fmt::format("`{}`", sym->name.str()), annotation->range(),
                 "the type is declared here");
    return;
  }
  if (plain && sym->kind == SymbolKind::Local && sym->rebindable && where == cur_) {
    Symbol* s = declareLocal(target->name, SymbolKind::Local, vt, stmt, false, isPure(stmt->value));
    s->rebindable = true;
    model_.assigns[stmt] = AssignKind::Rebind;
    model_.resolved[target] = s;
    return;
  }
  if (variable) {
    const char* what = sym->kind == SymbolKind::Param ? "a parameter" : sym->kind == SymbolKind::Binding ? "a binding" : "a local";
    auto d = diags_.report(DiagId::AssignToImmutable, target->range(), sym->name.str());
    if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is {} declared here, without `var`", sym->name.str(), what));
    if (sym->kind == SymbolKind::Param) {
      d.help(fmt::format("declare a new binding with `let {} = ...` instead", sym->name.str()));
    } else if (sym->kind == SymbolKind::Local && sym->rebindable) {
      d.help(fmt::format("a plain `{0} = ...` re-binds `{0}` only in the block that declared it; declare it "
                         "with `var {0} = ...` to assign it from a nested block",
                         sym->name.str()));
    } else {
      d.help(fmt::format("declare it with `var {} = ...` to make it mutable", sym->name.str()));
    }
    return;
  }
  auto d = diags_.report(DiagId::AssignToNonVariable, target->range(), sym->name.str(), symbolKindName(sym->kind));
  if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here", sym->name.str()));
}

bool Checker::isPure(const ast::Expr* e) {
  if (!e) return true;
  switch (e->kind()) {
    case ast::NodeKind::IntLit:
    case ast::NodeKind::FloatLit:
    case ast::NodeKind::BoolLit:
    case ast::NodeKind::StringLit:
    case ast::NodeKind::DurationLit:
    case ast::NodeKind::NameExpr:
    case ast::NodeKind::LambdaExpr:
      return true;
    case ast::NodeKind::InterpolatedString:
      for (const ast::Expr* p : llvm::cast<ast::InterpolatedString>(e)->parts)
        if (!isPure(p)) return false;
      return true;
    case ast::NodeKind::ArrayExpr:
      for (const ast::Expr* p : llvm::cast<ast::ArrayExpr>(e)->elements)
        if (!isPure(p)) return false;
      return true;
    case ast::NodeKind::ObjectExpr:
      for (const ast::ObjectEntry* p : llvm::cast<ast::ObjectExpr>(e)->entries)
        if (!isPure(p->value)) return false;
      return true;
    case ast::NodeKind::RecordExpr:
      for (const ast::ObjectEntry* p : llvm::cast<ast::RecordExpr>(e)->entries)
        if (!isPure(p->value)) return false;
      return true;
    case ast::NodeKind::MemberExpr: return isPure(llvm::cast<ast::MemberExpr>(e)->base);
    case ast::NodeKind::IndexExpr: {
      auto* ie = llvm::cast<ast::IndexExpr>(e);
      return isPure(ie->base) && isPure(ie->index);
    }
    case ast::NodeKind::UnaryExpr: return isPure(llvm::cast<ast::UnaryExpr>(e)->operand);
    case ast::NodeKind::BinaryExpr: {
      auto* be = llvm::cast<ast::BinaryExpr>(e);
      return isPure(be->lhs) && isPure(be->rhs);
    }
    case ast::NodeKind::RangeExpr: {
      auto* re = llvm::cast<ast::RangeExpr>(e);
      return isPure(re->lo) && isPure(re->hi);
    }
    default:
      return false;
  }
}

}  // namespace lux
