// `guard cond else { ... }`: the condition is a Bool; the else block runs when it is false and
// must leave the enclosing function (`return`, `throw`) or, inside a loop, the iteration
// (`break`, `continue`) — otherwise E2701 at the else block. `guard x != nil else { ... }` on an
// immutable `Option<T>` binding makes `x` a `T` for the rest of the scope the guard is in; so does
// an `if x == nil { return ... }` without `else` (narrowAfterEarlyExit), and inside an `if`'s
// branches and the right side of `&&`/`||` the conditions before them narrow the same way
// (narrowBy, checkNarrowed). A field path of an immutable binding (`p.dims`) narrows the same way
// for the scope (Scope::narrowed_paths, read by narrowedMember).
// Entry points: Checker::checkGuard, alwaysLeaves, narrowAfterEarlyExit, narrowBy, checkNarrowed,
// checkCondition, narrowedMember.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

void Checker::checkGuard(const ast::GuardStmt* stmt) {
  checkCondition(stmt->cond, "the `guard` condition");
  checkBlock(stmt->else_body);
  if (!alwaysLeaves(stmt->else_body)) {
    bool in_loop = loop_depth_ > 0;
    auto d = diags_.report(DiagId::GuardFallsThrough, stmt->else_body->range(), in_loop ? "loop iteration" : "function");
    d.help(in_loop ? "end the block with `return`, `throw`, `break` or `continue`"
                   : "end the block with `return` (e.g. `return respond(400, { error: \"...\" })`) or `throw`");
  }
  narrowBy(stmt->cond, /*holds=*/true);
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

// Which binding or member path (`p.dims`) `cond` tests for nil, and whether `cond` holds when it is nil: `x == nil` (also
// `None`, `null`, `===`), `!x`, `not x`, `x.is_none()`, `is_none(x)` hold for nil; `x != nil`,
// `x`, `x.is_some()`, `is_some(x)` for a value. Null for any other condition.
const ast::Expr* Checker::nilTested(const ast::Expr* cond, bool& holds_for_nil) const {
  auto isNone = [&](const ast::Expr* e) {
    const Symbol* s = model_.resolved.lookup(e);
    return s && s->kind == SymbolKind::OptionCtor && s->name == "None";
  };
  if (auto* bin = llvm::dyn_cast<ast::BinaryExpr>(cond); bin && (bin->op == ast::BinaryOp::Eq || bin->op == ast::BinaryOp::Ne)) {
    holds_for_nil = bin->op == ast::BinaryOp::Eq;
    return isNone(bin->rhs) ? bin->lhs : isNone(bin->lhs) ? bin->rhs : nullptr;
  }
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(cond); u && u->op == ast::UnaryOp::Not) {
    const ast::Expr* n = nilTested(u->operand, holds_for_nil);
    holds_for_nil = !holds_for_nil;
    return n;
  }
  if (llvm::isa<ast::NameExpr, ast::MemberExpr>(cond)) {  // truthiness: `if task { ... }`, `if p.tax { ... }`
    holds_for_nil = false;
    return cond;
  }
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(cond)) {
    const Builtin* b = model_.method_builtins.lookup(call);
    const ast::Expr* subject = nullptr;
    if (b) subject = llvm::cast<ast::MemberExpr>(call->callee)->base;  // `x.is_none()`
    else if (const Symbol* s = model_.resolved.lookup(call->callee); s && s->kind == SymbolKind::Builtin && call->args.size() == 1) {
      b = s->builtin;  // `is_none(x)`
      subject = call->args[0];
    }
    if (!b || (b->cpp != "IsNone" && b->cpp != "IsSome")) return nullptr;  // is_none/isNone, is_some/isSome
    holds_for_nil = b->cpp == "IsNone";
    return subject;
  }
  return nullptr;
}

const Symbol* Checker::memberPath(const ast::Expr* e, std::string& path) const {
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) {
    if (m->optional) return nullptr;
    const Symbol* root = memberPath(m->base, path);
    if (root) path += (path.empty() ? "" : ".") + m->member.name.str();
    return root;
  }
  auto* n = llvm::dyn_cast<ast::NameExpr>(e);
  const Symbol* sym = n ? model_.resolved.lookup(n) : nullptr;
  if (!sym || sym->is_mutable || (sym->kind != SymbolKind::Local && sym->kind != SymbolKind::Param)) return nullptr;
  return sym;
}

const Ty* Checker::narrowedMember(const ast::MemberExpr* e, const Ty* t) const {
  if (!t || t->kind != TyKind::Option) return t;
  std::string path;
  const Symbol* root = memberPath(e, path);
  if (!root) return t;
  for (const Scope* s = cur_; s; s = s->parent)
    for (const Scope::NarrowedPath& np : s->narrowed_paths)
      if (np.root == root && np.path == path) return np.type;
  return t;
}

// The bindings `cond` proves present when it evaluates to `holds`, each made its element type for
// the rest of the current scope: `x != nil`, `x`, `x.is_some()` when true, `x == nil`, `!x`,
// `x.is_none()` when false; both sides of an `&&` that is true and of an `||` that is false
// (`u != nil && u.active`, `u == nil || u.banned`); `!c` as `c` the other way. `x` is an immutable
// local or parameter of a known Option type, or a member path of one (`p.dims`, `p.a.b`: the
// fields of an immutable binding cannot change), read as its element type (narrowedMember).
void Checker::narrowBy(const ast::Expr* cond, bool holds) {
  if (auto* bin = llvm::dyn_cast<ast::BinaryExpr>(cond); bin && !model_.value_ors.count(bin)) {
    if ((bin->op == ast::BinaryOp::And && holds) || (bin->op == ast::BinaryOp::Or && !holds)) {
      narrowBy(bin->lhs, holds);
      narrowBy(bin->rhs, holds);
      return;
    }
  }
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(cond); u && u->op == ast::UnaryOp::Not) {
    narrowBy(u->operand, !holds);
    return;
  }
  bool holds_for_nil = false;
  const ast::Expr* tested = nilTested(cond, holds_for_nil);
  if (!tested || holds == holds_for_nil) return;
  if (llvm::isa<ast::MemberExpr>(tested)) {  // `p.dims`: the path, for the rest of the scope
    std::string path;
    const Symbol* root = memberPath(tested, path);
    const Ty* t = model_.expr_types.lookup(tested);
    if (!root || !t || t->kind != TyKind::Option || !t->elem || t->elem->isDynamic()) return;
    cur_->narrowed_paths.push_back({root, std::move(path), t->elem});
    return;
  }
  auto* name = llvm::dyn_cast<ast::NameExpr>(tested);
  if (!name) return;
  // The checker owns every symbol; the model keeps them const for the stages after it.
  Symbol* sym = const_cast<Symbol*>(model_.resolved.lookup(name));
  if (!sym || sym->is_mutable || !sym->type || sym->type->kind != TyKind::Option || !sym->type->elem) return;
  if (sym->kind != SymbolKind::Local && sym->kind != SymbolKind::Param) return;
  if (sym->type->elem->isDynamic()) return;
  cur_->narrowed.emplace_back(sym, sym->type);
  sym->type = sym->type->elem;
}

// `node` checked in a scope of its own where the conditions `facts` evaluated as given
// (`if u != nil { u.name }`: the branch sees `u` as present).
const Ty* Checker::checkNarrowed(llvm::ArrayRef<std::pair<const ast::Expr*, bool>> facts,
                                 llvm::function_ref<const Ty*()> check) {
  pushScope(Scope::Kind::Block);
  for (const auto& [cond, holds] : facts) narrowBy(cond, holds);
  const Ty* t = check();
  popScope();
  return t;
}

// A condition (`if`, `guard`, `while`, `&&`, `||`): a Bool, or an Option, which holds when it is
// present and truthy (`if user { ... }`, JavaScript's `if (user)`).
void Checker::checkCondition(const ast::Expr* cond, const char* what) {
  const Ty* t = checkExpr(cond);
  if (t->kind == TyKind::Option) return;
  expectType(t, types_.get(TyKind::Bool), cond->range(), what);
}

// `if task == nil { return respond(404, ...) }` (JavaScript's `if (!task) return ...`): an `if`
// statement without `else` whose body always leaves narrows as `guard task != nil else` does.
void Checker::narrowAfterEarlyExit(const ast::Stmt* stmt) {
  auto* es = llvm::dyn_cast<ast::ExprStmt>(stmt);
  auto* ie = es ? llvm::dyn_cast<ast::IfExpr>(es->expr) : nullptr;
  if (!ie || ie->else_body || ie->branches.size() != 1 || !alwaysLeaves(ie->branches[0]->body)) return;
  narrowBy(ie->branches[0]->cond, /*holds=*/false);
}

}  // namespace lux
