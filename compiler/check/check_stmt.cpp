// Statements and blocks: local bindings and the assignment rule, loops (`break`/`continue`
// outside one: E2601), try/catch, return, throw (outside a function: E2602). The rule for a plain `x = e` (docs/language.md,
// "Bindings"; docs/diagnostics.md#E2201):
//   * `x` is a `var` (here or in any enclosing scope) → assigns it;
//   * an immutable `x` of this function (any of its blocks, a parameter, a pattern binding) → E2201;
//   * an immutable `x` outside this function (the enclosing function of a lambda, a server or
//     shared binding) → declares a new local that shadows it (warning W0005);
//   * no `x` in scope → declares an immutable local;
//   * a function, env setting, model, type... → E2202.
// `x += e` needs a `var`; `x.f = e` / `x[i] = e` need a `var` at the root (values are copied),
// which a local bound by `=` or `let` and a server binding become (promotableToVar).
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
  const Ty* expected = block_expected_;  // for the result expression of this block only
  block_expected_ = nullptr;
  if (!block) return types_.get(TyKind::Unit);
  if (new_scope) pushScope(Scope::Kind::Block);
  for (const ast::Stmt* s : block->stmts) {
    auto* es = llvm::dyn_cast<ast::ExprStmt>(s);
    hoistBranchBindings(s);
    if (es && expected && es->expr == block->resultExpr()) checkExprExpecting(es->expr, expected);
    else checkStmt(s);
    if (es && !(s == block->stmts.back() && block->resultExpr())) checkResponseHelperStmt(es->expr);
    narrowAfterEarlyExit(s);
  }
  const Ty* t = types_.get(TyKind::Unit);
  // A block that ends in `throw` gives no value: it fits wherever a value is expected
  // (`if ok { n } else { throw "bad" }`, a function declared `-> Int`).
  if (!block->stmts.empty() && llvm::isa<ast::ThrowStmt>(block->stmts.back())) t = types_.dynamic();
  if (const ast::Expr* last = block->resultExpr()) {
    auto it = model_.expr_types.find(last);
    t = it == model_.expr_types.end() ? types_.dynamic() : it->second;
  }
  // A trailing `try` (also `r = try { ... } catch e { ... }`) gives the try body's value, or the
  // catch body's.
  if (auto* ts = block->stmts.empty() ? nullptr : llvm::dyn_cast<ast::TryStmt>(block->stmts.back())) {
    auto typeOf = [&](const ast::BlockExpr* b) {
      auto it = model_.expr_types.find(b);
      return it == model_.expr_types.end() ? types_.dynamic() : it->second;
    };
    t = typeOf(ts->body);
    if (ts->catch_body) t = joinTypes(types_, t, typeOf(ts->catch_body));
  }
  if (new_scope) popScope();
  model_.expr_types[block] = t;
  return t;
}

// `if c { grade = "A" } else { grade = "B" }` then `grade` (the family's control-flow guide;
// also `try { r = f() } catch e { r = fallback }`): a name that every branch of an `if` with
// `else`, or both a try body and its catch, bind with a plain `x = e` at their top level (a
// branch that always leaves need not) and that names nothing in scope is a variable of the
// enclosing block, declared before the statement (CheckedProgram::hoisted_locals) and assigned in
// each branch. Its type is unknown.
void Checker::hoistBranchBindings(const ast::Stmt* s) {
  std::vector<const ast::BlockExpr*> branches;
  if (auto* es = llvm::dyn_cast<ast::ExprStmt>(s))
    if (auto* ie = llvm::dyn_cast<ast::IfExpr>(es->expr); ie && ie->else_body) {
      for (const ast::IfBranch* br : ie->branches) branches.push_back(br->body);
      branches.push_back(ie->else_body);
    }
  if (auto* ts = llvm::dyn_cast<ast::TryStmt>(s); ts && ts->catch_body) branches = {ts->body, ts->catch_body};
  if (branches.size() < 2) return;
  auto bindsAt = [](const ast::BlockExpr* b, llvm::StringRef name) -> const ast::AssignStmt* {
    for (const ast::Stmt* st : b->stmts)
      if (auto* as = llvm::dyn_cast<ast::AssignStmt>(st); as && as->op == ast::AssignOp::Assign)
        if (auto* n = llvm::dyn_cast<ast::NameExpr>(as->target); n && n->name.name == name) return as;
    return nullptr;
  };
  std::vector<const ast::NameExpr*> candidates;
  for (const ast::BlockExpr* b : branches)
    for (const ast::Stmt* st : b->stmts)
      if (auto* as = llvm::dyn_cast<ast::AssignStmt>(st); as && as->op == ast::AssignOp::Assign)
        if (auto* n = llvm::dyn_cast<ast::NameExpr>(as->target)) candidates.push_back(n);
  for (const ast::NameExpr* n : candidates) {
    if (lookup(n->name.name)) continue;  // bound already (or hoisted by an earlier candidate)
    bool everywhere = true;
    for (const ast::BlockExpr* b : branches) everywhere = everywhere && (bindsAt(b, n->name.name) || alwaysLeaves(b));
    if (!everywhere) continue;
    Symbol* sym = declareLocal(n->name, SymbolKind::Local, types_.dynamic(), bindsAt(branches[0], n->name.name), true, false);
    model_.hoisted_locals[s].push_back(sym);
  }
}

// `{ age = 18 } = e`: the field's value, or the default when it is absent or null — an
// Option field's element type (checked against the default), a JSON document's part as it is.
const Ty* Checker::defaultedField(const ast::DestructureField* f, const Ty* field) {
  const Ty* dt = checkExpr(f->default_value);
  if (field->kind != TyKind::Option) return field;
  checkValueAgainst(f->default_value, dt, field->elem, fmt::format("the default of `{}`", f->binding.name.str()));
  return field->elem;
}

// `let { a, b } = e`, `[a, b] = e`, `a, b = b, a`: each name declared, or a `var` in scope assigned.
void Checker::checkDestructure(const ast::DestructureStmt* ds) {
  const Ty* t = checkExpr(ds->init);
  checkUnitUse(ds->init, "a destructuring");
  bool pure = isPure(ds->init);
  // `{ password, ...safe } = user` names `password` to leave it out of `safe`: unused, no warning.
  const bool rest = !ds->list && !ds->fields.empty() && ds->fields.back()->rest;
  if (ds->list) checkListPattern(ds, t);
  for (size_t i = 0; i < ds->fields.size(); ++i) {
    const ast::DestructureField* f = ds->fields[i];
    if (ds->list && f->binding.name == "_") continue;  // a hole binds nothing
    const Ty* ft = ds->list ? listElementType(ds, t, i) : types_.dynamic();
    // `{ password, ...safe } = user`: `safe` is an object of the other fields (of a record too).
    if (!ds->list && t->kind == TyKind::Record && !f->rest) {
      if (const FieldInfo* fi = t->record->field(f->key.name)) {
        ft = fi->type;
      } else if (!(f->key.name == "id" && t->record->is_model)) {
        diags_.report(DiagId::UnknownField, f->key.range, t->record->is_model ? "model" : "type",
                      t->record->name.str(), f->key.name.str())
            .note(t->record->range, fmt::format("`{}` is declared here", t->record->name.str()));
      }
    }
    if (f->default_value) ft = defaultedField(f, ft);
    if (ds->keyword == ast::DestructureStmt::Keyword::None) {
      // `{ a } = e` binds like `a = e`: a `var a` in scope is assigned (`a, b = b, a`) ...
      if (Symbol* var = lookup(f->binding.name); var && var->is_mutable &&
          (var->kind == SymbolKind::Local || var->kind == SymbolKind::Binding)) {
        var->reads++;
        model_.resolved[f] = var;
        model_.destructure_assigns.insert(f);
        continue;
      }
      // ... and an immutable `a` of this function cannot be.
      const Symbol* prev = lookupInFunction(f->binding.name);
      if (prev && !prev->is_mutable) {
        auto d = diags_.report(DiagId::AssignToImmutable, f->binding.range, f->binding.name.str());
        if (prev->range.size() > 0)
          d.note(prev->range, fmt::format("`{}` is declared here, without `var`", f->binding.name.str()));
        d.help(fmt::format("write `let {{ ... }} = ...` to declare new bindings, or declare the first one `var`"));
        continue;
      }
    }
    declareLocal(f->binding, SymbolKind::Local, ft, f, ds->keyword == ast::DestructureStmt::Keyword::Var, pure && !rest);
  }
}

void Checker::checkStmt(const ast::Stmt* stmt) {
  if (auto* let = llvm::dyn_cast<ast::LetStmt>(stmt)) {
    const Ty* declared = let->type ? resolveType(let->type) : nullptr;
    // `fn helper() { ... helper() }`: the name is not in scope in its own lambda (E2101 says so).
    llvm::StringRef outer = binding_in_progress_;
    if (llvm::isa_and_nonnull<ast::LambdaExpr>(let->init)) binding_in_progress_ = let->name.name;
    const Ty* t = let->init ? checkExprExpecting(let->init, declared) : types_.dynamic();
    binding_in_progress_ = outer;
    if (!declared) declared = t;
    if (let->type) {
      if (let->init) checkValueAgainst(let->init, t, declared, fmt::format("`{}`", let->name.name.str()),
                                       let->type->range(), "the type is declared here");
    } else if (let->init) {
      checkUnitUse(let->init, fmt::format("`{}`", let->name.name.str()));
    }
    declareLocal(let->name, SymbolKind::Local, declared, let, let->is_mutable, !let->init || isPure(let->init));
    return;
  }
  if (auto* ds = llvm::dyn_cast<ast::DestructureStmt>(stmt)) {
    checkDestructure(ds);
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
    const Ty* t = checkExprExpecting(rs->value, cur_return_);
    if (cur_return_) checkValueAgainst(rs->value, t, cur_return_, fmt::format("the result of `{}`", cur_fn_name_));
    return;
  }
  if (auto* ts = llvm::dyn_cast<ast::ThrowStmt>(stmt)) {
    checkThrow(ts);
    return;
  }
  if (auto* gs = llvm::dyn_cast<ast::GuardStmt>(stmt)) {
    checkGuard(gs);
    return;
  }
  if (auto* fs = llvm::dyn_cast<ast::ForStmt>(stmt)) {
    const Ty* it = checkExpr(fs->iterable);
    // A JSON document's elements (or an object's values) are JSON documents, the client's when it is.
    const Ty* elem = it->kind == TyKind::Array ? it->elem : it->kind == TyKind::String || it->json ? it : types_.dynamic();
    // `for i, x in xs`: the index of a list or a string; `for k, v in o`: the key of an object's entry.
    const Ty* index = it->kind == TyKind::Array || it->kind == TyKind::String ? types_.get(TyKind::Int)
                      : it->kind == TyKind::Object || it->kind == TyKind::Record ? types_.get(TyKind::String)
                                                                                 : types_.dynamic();
    pushScope(Scope::Kind::Block);
    if (!fs->index.empty()) declareLocal(fs->index, SymbolKind::Local, index, nullptr, false, false);
    declareLocal(fs->value, SymbolKind::Local, elem, fs, false, false);
    checkLoopBody(fs->label, fs->body, nullptr);
    popScope();
    if (fs->else_body) checkBlock(fs->else_body);
    return;
  }
  if (auto* ws = llvm::dyn_cast<ast::WhileStmt>(stmt)) {
    checkCondition(ws->cond, "the `while` condition");
    checkLoopBody(ws->label, ws->body, ws->else_body);
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
  if (llvm::isa<ast::BreakStmt>(stmt) || llvm::isa<ast::ContinueStmt>(stmt)) {
    if (auto* b = llvm::dyn_cast<ast::BreakStmt>(stmt); b && !b->label.empty()) return checkLoopLabel(stmt, b->label);
    if (auto* k = llvm::dyn_cast<ast::ContinueStmt>(stmt); k && !k->label.empty()) return checkLoopLabel(stmt, k->label);
    if (loop_depth_ > 0) return;
    const char* kw = llvm::isa<ast::BreakStmt>(stmt) ? "break" : "continue";
    bool in_lambda = false;
    for (Scope* s = cur_; s; s = s->parent) {
      if (s->kind != Scope::Kind::Function) continue;
      in_lambda = s->outer_loop_depth > 0;
      break;
    }
    auto d = diags_.report(DiagId::BreakOutsideLoop, stmt->range(), kw);
    if (in_lambda) d.help(fmt::format("a lambda is a function of its own: `{}` cannot leave a loop around it; "
                                      "use a `for` loop instead of the lambda", kw));
    else d.help(fmt::format("`{}` belongs inside the body of a `for` or `while` loop; use `return` to leave the function", kw));
    return;
  }
}

const Scope* Checker::functionScope() const {
  for (const Scope* s = cur_; s; s = s->parent)
    if (s->kind == Scope::Kind::Function) return s;
  return nullptr;
}

// A loop's body, with its label visible to `break`/`continue` inside; then its `else` block,
// which runs after the loop (outside it).
void Checker::checkLoopBody(const ast::Ident& label, const ast::BlockExpr* body, const ast::BlockExpr* else_body) {
  if (!label.empty()) loop_labels_.emplace_back(label.name, functionScope());
  ++loop_depth_;
  checkBlock(body);
  --loop_depth_;
  if (!label.empty()) loop_labels_.pop_back();
  if (else_body) checkBlock(else_body);
}

// `break outer` / `continue outer` names a loop of this function around it (a lambda's body is a
// function of its own).
void Checker::checkLoopLabel(const ast::Stmt* stmt, const ast::Ident& label) {
  const Scope* fn = functionScope();
  for (const auto& [name, scope] : loop_labels_)
    if (name == label.name && scope == fn) return;
  const char* kw = llvm::isa<ast::BreakStmt>(stmt) ? "break" : "continue";
  auto d = diags_.report(DiagId::UnknownLoopLabel, label.range, label.name.str(), kw);
  std::vector<std::string_view> names;
  for (const auto& [name, scope] : loop_labels_)
    if (scope == fn) names.push_back(std::string_view(name.data(), name.size()));
  d.didYouMean(closestMatch(label.name, names));
  d.help(fmt::format("label the loop to leave: `{}: for x in xs {{ ... }}`; `{}` without a name leaves the innermost loop",
                     label.name.str(), kw));
}

// `throw e` raises e (any value) like a runtime error: only a function, handler, hook, job,
// schedule or subscriber can raise one; a server or shared binding's value cannot (E2602).
void Checker::checkThrow(const ast::ThrowStmt* stmt) {
  checkExpr(stmt->value);
  for (const Scope* s = cur_; s; s = s->parent)
    if (s->kind == Scope::Kind::Function) return;
  diags_.report(DiagId::ThrowOutsideFunction, stmt->range(),
                "a binding's value is computed when the server starts, where nothing can catch it")
      .help("compute the value in a function or `on_start`, or return an `Err(...)` instead");
}

// `delete p.a` removes a key of an object; a record keeps its fields (its type says it has them).
void Checker::checkDelete(const ast::AssignStmt* stmt) {
  const ast::Expr* operand = llvm::cast<ast::CallExpr>(stmt->value)->args[0];
  auto it = model_.expr_types.find(operand);
  if (it == model_.expr_types.end() || it->second->kind != TyKind::Record) return;
  diags_.report(DiagId::TypeMismatch, operand->range(), "Object", "the object of `delete`", typeName(it->second))
      .help(fmt::format("a record keeps its fields: set an `Option` field to nil, or make an object without the key: "
                        "`rest = omit({}, [\"key\"])`", std::string(file_.slice(operand->range()))));
}

void Checker::checkAssign(const ast::AssignStmt* stmt) {
  const Ty* vt = checkExpr(stmt->value);
  if (stmt->from_delete) checkDelete(stmt);
  if (checkUnitUse(stmt->value, fmt::format("`{}`", std::string(file_.slice(stmt->target->range())))))
    vt = types_.dynamic();
  auto* target = llvm::dyn_cast<ast::NameExpr>(stmt->target);
  if (!target) {
    const Ty* part = checkExpr(stmt->target);  // a field or an index: the base is read
    checkPartAssign(stmt);
    if (stmt->op == ast::AssignOp::Assign && takesTypedValue(stmt->value, vt, part))
      checkValueAgainst(stmt->value, vt, part, fmt::format("`{}`", std::string(file_.slice(stmt->target->range()))));
    return;
  }
  bool plain = stmt->op == ast::AssignOp::Assign;
  // A plain `x = e` first looks in the function it is in (its blocks and parameters): an
  // immutable `x` there cannot be assigned. Outside the function (a lambda's enclosing
  // function, the server, shared code) only a `var` is assigned; an immutable `x` there is
  // shadowed by a new local, with W0005.
  Symbol* inner = plain ? lookupInFunction(target->name.name) : nullptr;
  Symbol* sym = inner ? inner : lookup(target->name.name);
  auto isVariable = [](const Symbol* s) {
    return s->kind == SymbolKind::Local || s->kind == SymbolKind::Param || s->kind == SymbolKind::PatternBinding ||
           s->kind == SymbolKind::Binding;
  };
  auto declareHere = [&] {
    Symbol* s = declareLocal(target->name, SymbolKind::Local, vt, stmt, false, isPure(stmt->value));
    model_.assigns[stmt] = AssignKind::Declare;
    model_.resolved[target] = s;
    model_.expr_types[target] = vt;
  };
  if (!sym) {
    if (!plain) {
      reportUnresolved(target->name, false);
      return;
    }
    declareHere();
    return;
  }
  if (isVariable(sym) && sym->is_mutable) {
    sym->reads++;  // assigning a `var` counts as using it
    model_.assigns[stmt] = AssignKind::Assign;
    model_.resolved[target] = sym;
    const ast::Type* annotation = nullptr;
    if (auto* let = llvm::dyn_cast_or_null<ast::LetStmt>(sym->decl)) annotation = let->type;
    if (auto* vd = llvm::dyn_cast_or_null<ast::VarDecl>(sym->decl)) annotation = vd->type;
    if (annotation && plain)
      checkValueAgainst(stmt->value, vt, sym->type, fmt::format("`{}`", sym->name.str()), annotation->range(),
                        "the type is declared here");
    else if (plain && takesTypedValue(stmt->value, vt, sym->type))
      checkValueAgainst(stmt->value, vt, sym->type, fmt::format("`{}`", sym->name.str()));
    return;
  }
  if (isVariable(sym) && plain && !inner) {
    // An immutable binding from outside this function: the new local shadows it.
    auto d = diags_.report(DiagId::ShadowedBinding, target->range(), sym->name.str(),
                           sym->kind == SymbolKind::Binding ? (sym->server < 0 ? "a shared binding" : "a server binding")
                                                            : "a binding of the enclosing function");
    if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here, without `var`", sym->name.str()));
    d.help(fmt::format("write `let {0} = ...` to declare a new local on purpose, or declare the outer one with `var {0} = ...` "
                       "to assign it",
                       sym->name.str()));
    declareHere();
    return;
  }
  if (isVariable(sym)) {
    reportImmutable(target, sym, false);
    return;
  }
  auto d = diags_.report(DiagId::AssignToNonVariable, target->range(), sym->name.str(), symbolKindName(sym->kind));
  if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here", sym->name.str()));
}

// An assignment to a variable or a part whose type is inferred, not declared, checks only what
// cannot stay as it is: a `Json` value converts (`task.title = req.body.title`), and an object
// literal becomes the record (`task = { ...task, done: true }`); other values keep the gradual rule.
bool Checker::takesTypedValue(const ast::Expr* value, const Ty* vt, const Ty* to) const {
  if (!to || to->isDynamic()) return false;
  if (vt && vt->json) return convertsFromJson(to);
  return llvm::isa<ast::ObjectExpr>(value) && to->kind == TyKind::Record;
}

void Checker::reportImmutable(const ast::Expr* at, const Symbol* sym, bool part) {
  const char* what = sym->kind == SymbolKind::Param            ? "a parameter"
                     : sym->kind == SymbolKind::PatternBinding ? "a pattern binding"
                     : sym->kind == SymbolKind::Binding        ? (sym->server < 0 ? "a shared binding" : "a server binding")
                                                               : "a local";
  auto d = diags_.report(DiagId::AssignToImmutable, at->range(), sym->name.str());
  if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is {} declared here, without `var`", sym->name.str(), what));
  std::string n = sym->name.str();
  // Parameters, pattern bindings and loop variables cannot be declared `var`: copy them.
  bool copy = sym->kind == SymbolKind::Param || sym->kind == SymbolKind::PatternBinding ||
              (sym->kind == SymbolKind::Local && (!sym->decl || llvm::isa<ast::ForStmt, ast::NameExpr>(sym->decl)));
  std::string fix = copy ? fmt::format("copy it into a variable first: `var {0}2 = {0}`", n)
                         : fmt::format("declare it with `var {} = ...` to make it mutable", n);
  if (part) {
    d.help(fmt::format("Lux values are copied, not shared: changing `{}` changes `{}` itself; {}",
                       std::string(file_.slice(at->range())), n, fix));
  } else if (copy) {
    d.help(fmt::format("declare a new binding with `let {} = ...` instead", n));
  } else {
    d.help(fix);
  }
}

void Checker::checkPartAssign(const ast::AssignStmt* stmt) {
  // The root name of `x.f[i].g`: Lux values are copied, not shared, so changing a part of `x`
  // changes `x` itself, which needs a `var`. The request (`req.id = ...`, request locals) is
  // not a value binding and may be written.
  const ast::Expr* e = stmt->target;
  while (true) {
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) e = m->base;
    else if (auto* ix = llvm::dyn_cast<ast::IndexExpr>(e)) e = ix->base;
    else break;
  }
  auto* root = llvm::dyn_cast<ast::NameExpr>(e);
  if (!root) return;
  auto it = model_.resolved.find(root);
  if (it == model_.resolved.end() || !it->second) return;
  const Symbol* sym = it->second;
  bool variable = sym->kind == SymbolKind::Local || sym->kind == SymbolKind::Param ||
                  sym->kind == SymbolKind::PatternBinding || sym->kind == SymbolKind::Binding;
  if (!variable || sym->is_mutable) return;
  if (isRequestParam(sym)) return;
  // A `ws` hook's connection: `ws.data.x = v` writes the connection's data, which every hook of
  // the connection shares (the hooks take it by reference).
  if (sym->kind == SymbolKind::Param && sym->type == types_.webSocket()) return;
  if (promotableToVar(sym)) {
    const_cast<Symbol*>(sym)->is_mutable = true;  // the checker owns every symbol
    return;
  }
  reportImmutable(stmt->target, sym, true);
}

void Checker::checkResponseHelperStmt(const ast::Expr* e) {
  const ast::Expr* callee = nullptr;
  const ast::Expr* first = nullptr;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(e)) {
    callee = c->callee;
    first = c->args.empty() ? nullptr : c->args[0];
  } else if (auto* p = llvm::dyn_cast<ast::PipeExpr>(e)) {
    auto* c = llvm::dyn_cast<ast::CallExpr>(p->target);
    callee = c ? c->callee : p->target;
    first = p->value;
  }
  auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(callee);
  if (!name || !first) return;
  auto it = model_.resolved.find(name);
  if (it == model_.resolved.end() || !it->second || it->second->kind != SymbolKind::Builtin || !it->second->builtin) return;
  const Builtin* b = it->second->builtin;
  if (!b->isResponseHelper()) return;
  std::string fn = std::string(b->name);
  std::string why;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(first)) {
    auto s = model_.resolved.find(n);
    const Symbol* sym = s == model_.resolved.end() ? nullptr : s->second;
    if (!sym) return;
    if (sym->kind == SymbolKind::Local || sym->kind == SymbolKind::Param || sym->kind == SymbolKind::PatternBinding) return;
    if (sym->kind != SymbolKind::Binding) return;  // not a response at all: reported elsewhere or at run time
    why = fmt::format("`{}` is {}, which every request shares, so `{}` changes a copy of it", sym->name.str(),
                      sym->server < 0 ? "a shared binding" : "a server binding", fn);
  } else {
    why = fmt::format("`{}` sets the header on the response it is given and returns it; nothing keeps `{}`",
                      fn, std::string(file_.slice(first->range())));
  }
  diags_.report(DiagId::ResponseHelperDiscarded, e->range(), fn, why)
      .help(fmt::format("bind the result to a local (`response = {}(...)`) and return it, or make the call the "
                        "handler's last expression",
                        fn));
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
        if (!isPure(p->value) || (p->key_expr && !isPure(p->key_expr))) return false;
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
