// AstBuilder, lambdas and the family's pipe forms. The arrow spelling `x => body`,
// `(a, b: Int) => body`, `() => { ... }` becomes the same LambdaExpr as `fn(params) body` (no
// return annotation), so checking, code generation and the language server see one construct; so
// do an implicit-`it` argument (`xs.filter(it > 0)`) and the pipe's `_`, `.method()` and lambda
// targets, which become calls.
#include "parse/builder.h"

namespace lux::parse {

using namespace lux::ast;

antlrcpp::Any AstBuilder::visitArrowLambdaExpr(LuxParser::ArrowLambdaExprContext* c) {
  expr_ = arrowLambda(c, c->arrowParams(), c->arrowBody());
  return {};
}

Expr* AstBuilder::arrowLambda(antlr4::ParserRuleContext* c, LuxParser::ArrowParamsContext* head,
                              LuxParser::ArrowBodyContext* tail) {
  if (!head) return nullptr;
  return arrowLambda(c, head->name, head->paramList(), tail);
}

Expr* AstBuilder::arrowLambda(antlr4::ParserRuleContext* c, antlr4::Token* single, LuxParser::ParamListContext* list,
                              LuxParser::ArrowBodyContext* tail) {
  if (!tail) return nullptr;
  llvm::SmallVector<Param*, 4> ps;
  llvm::SmallVector<Stmt*, 2> patterns;
  if (single) {
    Ident name = identToken(single);
    if (name.empty()) return nullptr;
    ps.push_back(ctx_.create<Param>(name.range, name, nullptr, nullptr));
  } else if (!params(list, ps, &patterns)) {
    return nullptr;
  }
  Expr* body = withParamPatterns(tail->block() ? block(tail->block()) : expr(tail->expr()), patterns);
  if (!body) return nullptr;
  return ctx_.create<LambdaExpr>(range(c), copy(ps), nullptr, body);
}

// `fn(params) -> R body`, as an expression or as the target of a pipe.
Expr* AstBuilder::fnLambda(antlr4::ParserRuleContext* c, LuxParser::ParamListContext* param_list,
                           LuxParser::TypeExprContext* result, LuxParser::BlockContext* body_block,
                           LuxParser::ExprContext* body_expr) {
  llvm::SmallVector<Param*, 4> ps;
  llvm::SmallVector<Stmt*, 2> patterns;
  if (!params(param_list, ps, &patterns)) return nullptr;
  Type* ret = nullptr;
  if (result) {
    ret = type(result);
    if (!ret) return nullptr;
  }
  Expr* body = withParamPatterns(body_block ? block(body_block) : expr(body_expr), patterns);
  if (!body) return nullptr;
  return ctx_.create<LambdaExpr>(range(c), copy(ps), ret, body);
}

// --- the family's pipe forms ------------------------------------------------------------------

namespace {

bool isName(LuxParser::ExprContext* x, llvm::StringRef name) {
  auto* n = dynamic_cast<LuxParser::NameRefContext*>(x);
  return n && n->name && n->name->getText() == name;
}

bool paramsBind(LuxParser::ParamListContext* list, llvm::StringRef name) {
  if (!list) return false;
  for (auto* p : list->param())
    if (p->getStart() && p->getStart()->getText() == name) return true;
  return false;
}

// Whether `t` reads the name `it` for an enclosing implicit-`it` callback: not inside a lambda
// that has a parameter `it`, nor inside a call argument that is an implicit-`it` callback of its
// own (`xs.map(it.tags.filter(it != ""))`: the inner `it` is the tag's).
bool readsOuterIt(antlr4::tree::ParseTree* t) {
  if (auto* n = dynamic_cast<LuxParser::NameRefContext*>(t)) return n->name && n->name->getText() == "it";
  if (auto* l = dynamic_cast<LuxParser::LambdaExprContext*>(t); l && paramsBind(l->paramList(), "it")) return false;
  if (auto* a = dynamic_cast<LuxParser::ArrowLambdaExprContext*>(t); a && a->arrowParams()) {
    LuxParser::ArrowParamsContext* head = a->arrowParams();
    if (head->name ? head->name->getText() == "it" : paramsBind(head->paramList(), "it")) return false;
  }
  if (auto* list = dynamic_cast<LuxParser::ArgListContext*>(t)) {
    for (auto* x : list->expr())
      if (isName(x, "it")) return true;
    return false;
  }
  if (auto* p = dynamic_cast<LuxParser::PipeTargetContext*>(t);
      p && ((p->lambda && paramsBind(p->paramList(), "it")) || (p->single && p->single->getText() == "it")))
    return false;
  for (antlr4::tree::ParseTree* child : t->children)
    if (readsOuterIt(child)) return true;
  return false;
}

}  // namespace

// A call's argument that reads `it` (other than `it` alone) is the callback `fn(it) argument`:
// `users.filter(it.active)`, `xs |> map(it * 2)`. The parameter is marked implicit; the checker
// requires such an argument to be passed where a function is expected, and `it` not to be a
// variable already (E2315).
Expr* AstBuilder::implicitItArgument(LuxParser::ExprContext* x, Expr* e) {
  if (llvm::isa<LambdaExpr>(e) || isName(x, "it") || !readsOuterIt(x)) return e;
  SourceRange r = e->range();
  auto* it = ctx_.create<Param>(SourceRange{r.begin, r.begin}, Ident{"it", SourceRange{r.begin, r.begin}}, nullptr, nullptr);
  it->implicit = true;
  llvm::SmallVector<Param*, 1> ps{it};
  return ctx_.create<LambdaExpr>(r, copy(ps), nullptr, e);
}

// The right side of `value |> ...` in the forms that are not a plain function call: `.method(args)`
// is the method call on the value, `.field` its field, a lambda is called with the value, and a
// call with `_` among its arguments takes the value there (`x |> add(5, _)` is `add(5, x)`).
// Null when the target is a plain function (a PipeExpr), or on an error (reported).
Expr* AstBuilder::pipeForm(LuxParser::PipeExprContext* c, Expr* value, bool& failed) {
  LuxParser::PipeTargetContext* t = c->pipeTarget();
  failed = false;
  auto callWith = [&](Expr* callee) {
    llvm::SmallVector<Expr*, 1> list{value};
    return ctx_.create<CallExpr>(range(c), callee, copy(list));
  };
  if (t->lambda || t->single) {
    Expr* lam = t->lambda ? fnLambda(t, t->paramList(), t->typeExpr(), t->block(), t->expr())
                          : arrowLambda(t, t->single, nullptr, t->arrowBody());
    failed = lam == nullptr;
    return lam ? callWith(lam) : nullptr;
  }
  if (t->method) {
    Ident name = identToken(t->method);
    failed = name.empty();
    if (failed) return nullptr;
    Expr* member = ctx_.create<MemberExpr>(SourceRange::cover(value->range(), name.range), value, name);
    if (!t->LPAREN()) return member;
    llvm::SmallVector<Expr*, 4> list;
    failed = !t->RPAREN() || !args(t->argList(), list);
    return failed ? nullptr : ctx_.create<CallExpr>(range(c), member, copy(list));
  }
  return nullptr;
}

// `x |> f(a, _, b)`: the call `f(a, x, b)`, or null when no argument is `_`. A second `_` is E1030.
Expr* AstBuilder::placeholderCall(LuxParser::PipeExprContext* c, Expr* value, Expr* callee,
                                  llvm::SmallVectorImpl<Expr*>& list) {
  Expr* seen = nullptr;
  for (Expr*& a : list) {
    auto* n = llvm::dyn_cast<NameExpr>(a);
    if (!n || n->name.name != "_") continue;
    if (seen) {
      diags_.report(DiagId::PipePlaceholderTwice, n->range())
          .note(seen->range(), "the piped value goes here")
          .help("bind the value to a name first: `v = ...` then `f(v, v)`");
      return nullptr;
    }
    seen = a;
    a = value;
  }
  return seen ? ctx_.create<CallExpr>(range(c), callee, copy(list)) : nullptr;
}

// `let [a, _, ...rest] = e`, `var [a, b] = e`, `[a, b] = e`: a DestructureStmt whose fields are
// positions (where `...` may stand is the checker's rule, E5532).
Stmt* AstBuilder::listDestructure(LuxParser::ListDestructureStmtContext* c) {
  llvm::SmallVector<DestructureField*, 4> fields;
  if (!patternFields(c->listBind(), {}, fields)) return nullptr;
  Expr* init = expr(c->expr());
  if (!init) return nullptr;
  DestructureStmt::Keyword kw = !c->kw                                 ? DestructureStmt::Keyword::None
                                : c->kw->getType() != LuxParser::VAR ? DestructureStmt::Keyword::Let
                                                                     : DestructureStmt::Keyword::Var;
  return ctx_.create<DestructureStmt>(range(c), kw, copy(fields), init, true);
}

// JavaScript's `delete obj.key` / `delete obj[key]` is `obj = omit(obj, ["key"])` (`omit`: the
// object without the listed keys), so checking and code generation see an assignment: `obj`
// must be a `var` (E2201 as for any assignment), and its value an object, not a record (E3001:
// the checker, which knows the statement by AssignStmt::from_delete). The target is built
// twice from its syntax, once as the assignment's target and once as `omit`'s argument.
Stmt* AstBuilder::deleteStmt(LuxParser::DeleteStmtContext* c) {
  LuxParser::ExprContext* base = nullptr;
  Expr* key = nullptr;
  if (auto* m = dynamic_cast<LuxParser::MemberExprContext*>(c->expr())) {
    base = m->expr();
    key = ctx_.create<StringLit>(range(m->member), ctx_.intern(m->member->getText()));
  } else if (auto* i = dynamic_cast<LuxParser::IndexExprContext*>(c->expr())) {
    base = i->expr(0);
    key = expr(i->expr(1));
  } else {
    diags_.report(DiagId::UnexpectedToken, range(c->expr()), "`object.key` or `object[key]` after `delete`",
                  "`" + c->expr()->getText() + "`");
    return nullptr;
  }
  Expr* target = expr(base);
  Expr* value = expr(base);
  if (!target || !key || !value) return nullptr;
  SourceRange r = range(c);
  llvm::SmallVector<Expr*, 1> keys{key};
  llvm::SmallVector<Expr*, 2> args{value, ctx_.create<ArrayExpr>(key->range(), copy(keys))};
  Ident omit{ctx_.intern("omit"), SourceRange{r.begin, r.begin + 6}};
  auto* call = ctx_.create<CallExpr>(r, ctx_.create<NameExpr>(omit.range, omit), copy(args));
  auto* assign = ctx_.create<AssignStmt>(r, AssignOp::Assign, target, call);
  assign->from_delete = true;
  return assign;
}

// `for [k, v] in pairs { body }` is `for _eachN in pairs { let [k, v] = _eachN; body }` (and the
// same with `{ a, b }`): the loop's element gets a name no program writes (N: the offset of the
// pattern), the destructuring its own statement, so checking and code generation need nothing new.
// The names of a list pattern (`[a, _, ...rest]`) or an object pattern (`{ a, key: b }`), as
// DestructureFields; false when one is missing (a syntax error reported already).
bool AstBuilder::patternFields(const std::vector<LuxParser::ListBindContext*>& list_binds,
                               const std::vector<LuxParser::DestructFieldContext*>& fields,
                               llvm::SmallVectorImpl<DestructureField*>& out) {
  for (auto* b : list_binds) {
    Ident name = ident(b->ident());
    if (name.empty()) return false;
    out.push_back(ctx_.create<DestructureField>(range(b), name, name, b->ELLIPSIS() != nullptr));
  }
  for (auto* f : fields) {
    auto names = f->ident();
    if (names.empty()) return false;
    Ident key = ident(names[0]);
    Ident binding = names.size() > 1 ? ident(names[1]) : key;
    if (key.empty() || binding.empty()) return false;
    if (!out.empty() && out.back()->rest) {  // `{ ...rest, a }`: the rest comes last
      diags_.report(DiagId::UnexpectedToken, range(f), "`}` after the rest `..." + out.back()->binding.name.str() + "`",
                    "`" + f->getText() + "`")
          .help("the rest takes the fields not named before it: write it last");
      return false;
    }
    auto* field = ctx_.create<DestructureField>(range(f), key, binding, f->ELLIPSIS() != nullptr);
    if (f->expr() && !(field->default_value = expr(f->expr()))) return false;
    out.push_back(field);
  }
  return true;
}

Stmt* AstBuilder::forPattern(antlr4::ParserRuleContext* c, const std::vector<LuxParser::ListBindContext*>& list_binds,
                             const std::vector<LuxParser::DestructFieldContext*>& fields,
                             LuxParser::ExprContext* iterable, LuxParser::BlockContext* body) {
  llvm::SmallVector<DestructureField*, 4> pattern;
  if (!patternFields(list_binds, fields, pattern)) return nullptr;
  Expr* over = expr(iterable);
  BlockExpr* inner = block(body);
  if (pattern.empty() || !over || !inner) return nullptr;
  SourceRange at = SourceRange::cover(pattern.front()->range(), pattern.back()->range());
  Ident item{ctx_.intern("_each" + std::to_string(at.begin)), at};
  auto* take = ctx_.create<DestructureStmt>(at, DestructureStmt::Keyword::Let, copy(pattern),
                                            ctx_.create<NameExpr>(at, item), !list_binds.empty());
  llvm::SmallVector<Stmt*, 8> stmts{take};
  stmts.append(inner->stmts.begin(), inner->stmts.end());
  auto* full = ctx_.create<BlockExpr>(inner->range(), copy(stmts));
  return ctx_.create<ForStmt>(range(c), Ident{}, item, over, full);
}

}  // namespace lux::parse
