// AstBuilder, inside function bodies: blocks, statements, match patterns; and type expressions.
#include <cctype>

#include "parse/builder.h"

namespace lux::parse {

using namespace lux::ast;

BlockExpr* AstBuilder::block(LuxParser::BlockContext* c) {
  if (!c || !c->LBRACE()) return nullptr;
  checkSeparators(c);
  return blockFrom(c, c->stmt(), 0);
}

// The statements of a block from `first` on. `defer { d }` makes the statements after it the
// body of a `try` whose `finally` is `d`: it runs however the block is left, and several defers
// run last first.
BlockExpr* AstBuilder::blockFrom(antlr4::ParserRuleContext* c, const std::vector<LuxParser::StmtContext*>& all, size_t first) {
  llvm::SmallVector<Stmt*, 16> stmts;
  for (size_t i = first; i < all.size(); ++i) {
    if (auto* d = dynamic_cast<LuxParser::DeferStmtContext*>(all[i])) {
      BlockExpr* cleanup = block(d->block());
      BlockExpr* rest = blockFrom(c, all, i + 1);
      if (!cleanup || !rest) break;
      SourceRange r{range(d).begin, range(c).end};
      stmts.push_back(ctx_.create<TryStmt>(r, rest, Ident{}, nullptr, cleanup));
      break;
    }
    if (Stmt* st = stmt(all[i])) stmts.push_back(st);
  }
  SourceRange r = range(c);
  if (first > 0 && first < all.size()) r.begin = range(all[first]).begin;
  return ctx_.create<BlockExpr>(r, copy(stmts));
}

namespace {

const char* describeTarget(const Expr* e) {
  if (llvm::isa<CallExpr>(e)) return "a call";
  if (llvm::isa<IntLit, FloatLit, StringLit, InterpolatedString, BoolLit, DurationLit>(e)) return "a literal";
  if (llvm::isa<ObjectExpr>(e)) return "an object literal";
  if (llvm::isa<ArrayExpr>(e)) return "an array literal";
  return "this expression";
}

}  // namespace

// `try { } catch e { } finally { }`, as a statement or (visitTryExpr) as a value.
TryStmt* AstBuilder::tryStmt(antlr4::ParserRuleContext* c, const std::vector<LuxParser::BlockContext*>& blocks,
                             bool has_catch, LuxParser::IdentContext* err_name, bool has_finally) {
  if (blocks.empty()) return nullptr;
  BlockExpr* body = block(blocks[0]);
  size_t next = 1;
  BlockExpr* catch_body = nullptr;
  Ident err;
  if (has_catch) {
    err = ident(err_name);
    if (next >= blocks.size()) return nullptr;
    catch_body = block(blocks[next++]);
    if (!catch_body) return nullptr;
  }
  BlockExpr* finally_body = nullptr;
  if (has_finally) {
    if (next >= blocks.size()) return nullptr;
    finally_body = block(blocks[next]);
    if (!finally_body) return nullptr;
  }
  if (!body) return nullptr;
  return ctx_.create<TryStmt>(range(c), body, err, catch_body, finally_body);
}

// A loop's `outer:` label and `else { }` block, set on the ForStmt or WhileStmt built.
Stmt* AstBuilder::loopParts(Stmt* loop, LuxParser::LoopLabelContext* label, LuxParser::LoopElseContext* else_part) {
  if (!loop) return nullptr;
  Ident name = label ? ident(label->ident()) : Ident{};
  BlockExpr* else_body = else_part ? block(else_part->block()) : nullptr;
  if (else_part && !else_body) return nullptr;
  if (auto* f = llvm::dyn_cast<ForStmt>(loop)) {
    f->label = name;
    f->else_body = else_body;
  } else if (auto* w = llvm::dyn_cast<WhileStmt>(loop)) {
    w->label = name;
    w->else_body = else_body;
  }
  return loop;
}

// `e` alone, or `a, b, ...` (from `first` on) as the list literal `[a, b, ...]`.
Expr* AstBuilder::valueList(const std::vector<LuxParser::ExprContext*>& values, size_t first) {
  if (values.size() == first + 1) return expr(values[first]);
  llvm::SmallVector<Expr*, 4> elements;
  for (size_t i = first; i < values.size(); ++i) {
    Expr* e = expr(values[i]);
    if (!e) return nullptr;
    elements.push_back(e);
  }
  SourceRange r{range(values[first]).begin, range(values.back()).end};
  return ctx_.create<ArrayExpr>(r, copy(elements));
}

// `target = e` (and `+=` ...), or an expression; a try statement is a TryStmt.
Stmt* AstBuilder::exprStmt(LuxParser::ExprStmtContext* s) {
  if (s->expr().empty()) return nullptr;
  if (!s->assignOp())
    if (auto* t = dynamic_cast<LuxParser::TryExprContext*>(s->expr(0)))
      return tryStmt(t, t->block(), t->CATCH() != nullptr, t->catchBinding() ? t->catchBinding()->ident() : nullptr,
                     t->FINALLY() != nullptr);
  Expr* lhs = expr(s->expr(0));
  if (!lhs) return nullptr;
  if (!s->assignOp()) return ctx_.create<ExprStmt>(range(s), lhs);
  Expr* rhs = s->expr().size() > 1 ? expr(s->expr(1)) : nullptr;
  if (!rhs) return nullptr;
  AssignOp op = AssignOp::Assign;
  switch (s->assignOp()->getStart()->getType()) {
    case LuxParser::PLUS_EQ: op = AssignOp::Add; break;
    case LuxParser::MINUS_EQ: op = AssignOp::Sub; break;
    case LuxParser::STAR_EQ: op = AssignOp::Mul; break;
    case LuxParser::SLASH_EQ: op = AssignOp::Div; break;
    case LuxParser::PERCENT_EQ: op = AssignOp::Mod; break;
    default: break;
  }
  if (!llvm::isa<NameExpr, MemberExpr, IndexExpr>(lhs)) {
    diags_.report(DiagId::InvalidAssignTarget, lhs->range(), describeTarget(lhs));
    return nullptr;
  }
  // JavaScript's `a ??= b`, `a ||= b`, `a &&= b`: `a = a ?? b` (and `||`, `&&`), the right side
  // evaluated only when the operator needs it; the target read is a second node of its own.
  BinaryOp logical = BinaryOp::Coalesce;
  switch (s->assignOp()->getStart()->getType()) {
    case LuxParser::QQ_EQ: logical = BinaryOp::Coalesce; break;
    case LuxParser::OROR_EQ: logical = BinaryOp::Or; break;
    case LuxParser::ANDAND_EQ: logical = BinaryOp::And; break;
    default: return ctx_.create<AssignStmt>(range(s), op, lhs, rhs);
  }
  Expr* read = expr(s->expr(0));
  if (!read) return nullptr;
  rhs = ctx_.create<BinaryExpr>(range(s), logical, read, rhs);
  return ctx_.create<AssignStmt>(range(s), op, lhs, rhs);
}

// The family's comma forms: `a, b = b, a` and `lo, hi = min_max(xs)` are the list destructuring
// `[a, b] = [b, a]` (the values are all computed before any name changes); `lo, hi` alone is the
// list `[lo, hi]` (a function's last statement).
Stmt* AstBuilder::commaStmt(LuxParser::StmtContext* c) {
  if (auto* v = dynamic_cast<LuxParser::ValuesStmtContext*>(c)) {
    Ident first = ident(v->ident());
    if (first.empty()) return nullptr;
    llvm::SmallVector<Expr*, 4> elements{ctx_.create<NameExpr>(first.range, first)};
    for (auto* e : v->expr()) {
      Expr* x = expr(e);
      if (!x) return nullptr;
      elements.push_back(x);
    }
    SourceRange r = range(c);
    return ctx_.create<ExprStmt>(r, ctx_.create<ArrayExpr>(r, copy(elements)));
  }
  auto* m = dynamic_cast<LuxParser::MultiAssignStmtContext*>(c);
  if (!m) return nullptr;
  llvm::SmallVector<DestructureField*, 4> fields;
  for (auto* n : m->ident()) {
    Ident name = ident(n);
    if (name.empty()) return nullptr;
    fields.push_back(ctx_.create<DestructureField>(name.range, name, name, false));
  }
  Expr* init = valueList(m->expr(), 0);
  if (!init) return nullptr;
  return ctx_.create<DestructureStmt>(range(c), DestructureStmt::Keyword::None, copy(fields), init, true);
}

Stmt* AstBuilder::stmt(LuxParser::StmtContext* c) {
  if (!c) return nullptr;
  if (auto* s = dynamic_cast<LuxParser::ExprStmtContext*>(c)) return exprStmt(s);
  if (dynamic_cast<LuxParser::MultiAssignStmtContext*>(c) || dynamic_cast<LuxParser::ValuesStmtContext*>(c))
    return commaStmt(c);
  if (auto* s = dynamic_cast<LuxParser::LetStmtContext*>(c)) {
    Ident name = ident(s->ident());
    Type* t = nullptr;
    if (s->COLON()) {
      t = type(s->typeExpr());
      if (!t) return nullptr;
    }
    Expr* init = expr(s->expr());
    if (name.empty() || !init || !s->kw) return nullptr;
    return ctx_.create<LetStmt>(range(c), name, s->kw->getType() == LuxParser::VAR, t, init);
  }
  if (auto* s = dynamic_cast<LuxParser::DestructureStmtContext*>(c)) {
    llvm::SmallVector<DestructureField*, 4> fields;
    if (!patternFields({}, s->destructField(), fields)) return nullptr;
    Expr* init = expr(s->expr());
    if (!init) return nullptr;
    DestructureStmt::Keyword kw = !s->kw                                 ? DestructureStmt::Keyword::None
                                  : s->kw->getType() != LuxParser::VAR ? DestructureStmt::Keyword::Let
                                                                       : DestructureStmt::Keyword::Var;
    return ctx_.create<DestructureStmt>(range(c), kw, copy(fields), init);
  }
  if (auto* s = dynamic_cast<LuxParser::ListDestructureStmtContext*>(c)) return listDestructure(s);
  if (auto* s = dynamic_cast<LuxParser::DeleteStmtContext*>(c)) return deleteStmt(s);
  if (auto* s = dynamic_cast<LuxParser::ReturnStmtContext*>(c)) {
    Expr* value = nullptr;
    if (!s->expr().empty()) {
      value = valueList(s->expr(), 0);  // `return a, b` returns the list [a, b]
      if (!value) return nullptr;
    }
    return ctx_.create<ReturnStmt>(range(c), value);
  }
  if (auto* s = dynamic_cast<LuxParser::ThrowStmtContext*>(c)) {
    Expr* value = expr(s->expr());
    if (!value) return nullptr;
    return ctx_.create<ThrowStmt>(range(c), value);
  }
  if (auto* s = dynamic_cast<LuxParser::BreakStmtContext*>(c)) {
    auto* b = ctx_.create<BreakStmt>(range(c));
    if (s->loopName) b->label = ident(s->loopName);
    return b;
  }
  if (auto* s = dynamic_cast<LuxParser::ContinueStmtContext*>(c)) {
    auto* k = ctx_.create<ContinueStmt>(range(c));
    if (s->loopName) k->label = ident(s->loopName);
    return k;
  }
  if (auto* s = dynamic_cast<LuxParser::ForStmtContext*>(c)) {
    auto names = s->ident();
    if (names.empty()) return nullptr;
    Ident index = names.size() > 1 ? ident(names[0]) : Ident{};
    Ident value = ident(names.back());
    Expr* iterable = expr(s->expr());
    BlockExpr* body = block(s->block());
    if (value.empty() || !iterable || !body) return nullptr;
    return loopParts(ctx_.create<ForStmt>(range(c), index, value, iterable, body), s->loopLabel(), s->loopElse());
  }
  if (auto* s = dynamic_cast<LuxParser::ForListStmtContext*>(c))
    return loopParts(forPattern(s, s->listBind(), {}, s->expr(), s->block()), s->loopLabel(), s->loopElse());
  if (auto* s = dynamic_cast<LuxParser::ForObjectStmtContext*>(c))
    return loopParts(forPattern(s, {}, s->destructField(), s->expr(), s->block()), s->loopLabel(), s->loopElse());
  if (auto* s = dynamic_cast<LuxParser::WhileStmtContext*>(c)) {
    Expr* cond = expr(s->expr());
    BlockExpr* body = block(s->block());
    if (!cond || !body) return nullptr;
    return loopParts(ctx_.create<WhileStmt>(range(c), cond, body), s->loopLabel(), s->loopElse());
  }
  if (auto* s = dynamic_cast<LuxParser::LoopStmtContext*>(c)) {
    // `loop { }` is `while true { }`.
    BlockExpr* body = block(s->block());
    if (!body) return nullptr;
    auto* yes = ctx_.create<BoolLit>(range(s->LOOP()), true);
    return loopParts(ctx_.create<WhileStmt>(range(c), yes, body), s->loopLabel(), nullptr);
  }
  if (auto* s = dynamic_cast<LuxParser::GuardStmtContext*>(c)) {
    Expr* cond = expr(s->expr());
    BlockExpr* else_body = block(s->block());
    if (!cond || !else_body) return nullptr;
    return ctx_.create<GuardStmt>(range(c), cond, else_body);
  }
  if (auto* s = dynamic_cast<LuxParser::FnStmtContext*>(c)) {
    // A local function is an immutable binding of a lambda: `fn helper(x) { ... }` is
    // `helper = fn(x) { ... }` (it cannot call itself: E2101 says so).
    Ident name = ident(s->ident());
    size_t generic = pushTypeParams(s->typeParams());
    llvm::SmallVector<Param*, 4> ps;
    llvm::SmallVector<Stmt*, 2> patterns;
    Type* ret = nullptr;
    BlockExpr* body = nullptr;
    if (!name.empty() && params(s->paramList(), ps, &patterns) && (!s->ARROW() || (ret = type(s->typeExpr()))))
      body = withParamPatterns(block(s->block()), patterns);
    popTypeParams(generic);
    if (!body) return nullptr;
    auto* lam = ctx_.create<LambdaExpr>(range(c), copy(ps), ret, body);
    return ctx_.create<LetStmt>(range(c), name, false, nullptr, lam);
  }
  if (auto* s = dynamic_cast<LuxParser::TypedBindStmtContext*>(c)) {
    Ident name = ident(s->ident());
    Type* t = type(s->typeExpr());
    Expr* init = expr(s->expr());
    if (name.empty() || !t || !init) return nullptr;
    return ctx_.create<LetStmt>(range(c), name, false, t, init);
  }
  return nullptr;
}

// --- patterns ----------------------------------------------------------------------------------

Pattern* AstBuilder::pattern(LuxParser::PatternContext* c) {
  if (!c) return nullptr;
  llvm::SmallVector<Pattern*, 2> alts;
  for (auto* a : c->patternAtom()) {
    Pattern* p = patternAtom(a);
    if (!p) return nullptr;
    alts.push_back(p);
  }
  if (alts.empty()) return nullptr;
  if (alts.size() == 1) return alts[0];
  return ctx_.create<OrPattern>(range(c), copy(alts));
}

Expr* AstBuilder::literalPattern(LuxParser::LiteralPatternContext* c) {
  if (!c || c->exception) return nullptr;
  if (c->str()) return constStr(c->str(), "a string pattern");
  if (c->TRUE() || c->FALSE()) return ctx_.create<BoolLit>(range(c), c->TRUE() != nullptr);
  Expr* number = nullptr;
  if (c->INT()) number = intLiteral(c->INT()->getSymbol());
  if (c->FLOAT()) number = floatLiteral(c->FLOAT()->getSymbol());
  if (!number) return nullptr;
  if (c->MINUS()) return ctx_.create<UnaryExpr>(range(c), UnaryOp::Neg, number);
  return number;
}

Pattern* AstBuilder::patternAtom(LuxParser::PatternAtomContext* c) {
  if (!c) return nullptr;
  if (auto* n = dynamic_cast<LuxParser::NamePatternContext*>(c)) {
    auto names = n->ident();
    if (names.empty()) return nullptr;
    Ident first = ident(names[0]);
    if (first.empty()) return nullptr;
    bool qualified = n->DOT() != nullptr;
    Ident name = qualified && names.size() > 1 ? ident(names[1]) : first;
    if (name.empty()) return nullptr;
    bool parens = n->LPAREN() != nullptr;
    if (!qualified && !parens) {
      if (name.name == "_") return ctx_.create<WildcardPattern>(range(c));
      // `nil` is the family's spelling of `None`: the same pattern (the tree shows `None`).
      if (isNoneSpelling(name.name)) return ctx_.create<VariantPattern>(range(c), Ident{}, Ident{"None", name.range}, llvm::ArrayRef<Pattern*>{}, false);
      if (!std::isupper(static_cast<unsigned char>(name.name[0]))) {
        return ctx_.create<BindingPattern>(range(c), name);
      }
    }
    llvm::SmallVector<Pattern*, 2> args;
    for (auto* p : n->pattern()) {
      Pattern* sub = pattern(p);
      if (!sub) return nullptr;
      args.push_back(sub);
    }
    return ctx_.create<VariantPattern>(range(c), qualified ? first : Ident{}, name, copy(args), parens);
  }
  if (auto* l = dynamic_cast<LuxParser::LitPatternContext*>(c)) {
    auto lits = l->literalPattern();
    if (lits.empty()) return nullptr;
    Expr* lo = literalPattern(lits[0]);
    if (!lo) return nullptr;
    if (lits.size() == 1 && !l->DOTDOT() && !l->DOTDOTEQ()) return ctx_.create<LiteralPattern>(range(c), lo);
    Expr* hi = lits.size() > 1 ? literalPattern(lits[1]) : nullptr;
    if (!hi) return nullptr;
    return ctx_.create<RangePattern>(range(c), lo, hi, l->DOTDOTEQ() != nullptr);
  }
  return collectionPattern(c);
}

// A name bound by a pattern (`...rest`, `++ rest`): `_` binds nothing.
Pattern* AstBuilder::namePattern(LuxParser::IdentContext* c) {
  Ident name = ident(c);
  if (name.empty()) return nullptr;
  if (name.name == "_") return ctx_.create<WildcardPattern>(name.range);
  return ctx_.create<BindingPattern>(name.range, name);
}

// The family's list, tuple, object and string-prefix patterns.
Pattern* AstBuilder::collectionPattern(LuxParser::PatternAtomContext* c) {
  if (auto* p = dynamic_cast<LuxParser::PrefixPatternContext*>(c)) {
    Expr* prefix = str(p->str());
    Pattern* rest = namePattern(p->ident());
    if (!prefix || !rest) return nullptr;
    if (!llvm::isa<StringLit>(prefix)) {
      diags_.report(DiagId::InterpolationNotAllowed, prefix->range(), "a string pattern");
      return nullptr;
    }
    return ctx_.create<PrefixPattern>(range(c), prefix, rest);
  }
  if (auto* l = dynamic_cast<LuxParser::ListPatternContext*>(c)) {
    llvm::SmallVector<Pattern*, 4> elements;
    Pattern* rest = nullptr;
    auto elems = l->listPatternElem();
    for (size_t i = 0; i < elems.size(); ++i) {
      if (elems[i]->ELLIPSIS()) {
        if (i + 1 != elems.size()) {
          diags_.report(DiagId::ListPatternRestNotLast, range(elems[i]), elems[i]->ident() ? elems[i]->ident()->getText() : "");
          return nullptr;
        }
        rest = namePattern(elems[i]->ident());
        if (!rest) return nullptr;
        continue;
      }
      Pattern* e = pattern(elems[i]->pattern());
      if (!e) return nullptr;
      elements.push_back(e);
    }
    return ctx_.create<ListPattern>(range(c), copy(elements), rest);
  }
  if (auto* t = dynamic_cast<LuxParser::TuplePatternContext*>(c)) {
    llvm::SmallVector<Pattern*, 4> elements;
    for (auto* e : t->pattern()) {
      Pattern* p = pattern(e);
      if (!p) return nullptr;
      elements.push_back(p);
    }
    return ctx_.create<ListPattern>(range(c), copy(elements), nullptr);
  }
  if (auto* o = dynamic_cast<LuxParser::ObjectPatternContext*>(c)) {
    llvm::SmallVector<Ident, 4> keys;
    llvm::SmallVector<Pattern*, 4> values;
    for (auto* f : o->objPatternField()) {
      Ident key = identToken(f->key);
      if (key.empty()) return nullptr;
      Pattern* v = f->pattern() ? pattern(f->pattern()) : ctx_.create<BindingPattern>(key.range, key);
      if (!v) return nullptr;
      keys.push_back(key);
      values.push_back(v);
    }
    return ctx_.create<ObjectPattern>(range(c), copy(keys), copy(values));
  }
  return nullptr;
}

// --- types -------------------------------------------------------------------------------------

Type* AstBuilder::type(LuxParser::TypeExprContext* c) {
  if (!c || c->exception) return nullptr;
  if (auto* a = dynamic_cast<LuxParser::ArrayTypeContext*>(c)) {
    Type* element = type(a->typeExpr());
    if (!element || !a->RBRACKET()) return nullptr;
    return ctx_.create<ArrayType>(range(c), element);
  }
  if (auto* f = dynamic_cast<LuxParser::FnTypeContext*>(c)) {
    auto parts = f->typeExpr();
    size_t nparams = parts.size() - (f->ARROW() ? 1 : 0);
    llvm::SmallVector<Type*, 4> ps;
    for (size_t i = 0; i < nparams; ++i) {
      Type* p = type(parts[i]);
      if (!p) return nullptr;
      ps.push_back(p);
    }
    Type* result = nullptr;
    if (f->ARROW()) {
      if (parts.empty() || !(result = type(parts.back()))) return nullptr;
    }
    return ctx_.create<FnType>(range(c), copy(ps), result);
  }
  if (auto* n = dynamic_cast<LuxParser::NamedTypeContext*>(c)) {
    Ident name = ident(n->ident());
    if (name.empty()) return nullptr;
    llvm::SmallVector<Type*, 2> targs;
    for (auto* t : n->typeExpr()) {
      Type* arg = type(t);
      if (!arg) return nullptr;
      targs.push_back(arg);
    }
    if (n->LT() && (!n->GT() || targs.empty())) return nullptr;
    // A type parameter is `Any`; a generic type's arguments are dropped (`Box<Int>` is `Box`).
    if (targs.empty() && std::find(type_params_.begin(), type_params_.end(), name.name.str()) != type_params_.end())
      return ctx_.create<NamedType>(range(c), Ident{ctx_.intern("Any"), name.range}, llvm::ArrayRef<Type*>{});
    if (!targs.empty() && generic_types_.count(name.name.str())) targs.clear();
    return ctx_.create<NamedType>(range(c), name, copy(targs));
  }
  return nullptr;
}

}  // namespace lux::parse
