// AstBuilder, inside function bodies: blocks, statements, match patterns; and type expressions.
#include <cctype>

#include "parse/builder.h"

namespace lux::parse {

using namespace lux::ast;

BlockExpr* AstBuilder::block(LuxParser::BlockContext* c) {
  if (!c || !c->LBRACE()) return nullptr;
  checkSeparators(c);
  llvm::SmallVector<Stmt*, 16> stmts;
  for (auto* s : c->stmt()) {
    if (Stmt* st = stmt(s)) stmts.push_back(st);
  }
  return ctx_.create<BlockExpr>(range(c), copy(stmts));
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

Stmt* AstBuilder::stmt(LuxParser::StmtContext* c) {
  if (!c) return nullptr;
  if (auto* s = dynamic_cast<LuxParser::ExprStmtContext*>(c)) {
    Expr* lhs = expr(s->expr().empty() ? nullptr : s->expr(0));
    if (!lhs) return nullptr;
    if (!s->assignOp()) return ctx_.create<ExprStmt>(range(c), lhs);
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
    return ctx_.create<AssignStmt>(range(c), op, lhs, rhs);
  }
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
    for (auto* f : s->destructField()) {
      auto names = f->ident();
      if (names.empty()) return nullptr;
      Ident key = ident(names[0]);
      Ident binding = names.size() > 1 ? ident(names[1]) : key;
      if (key.empty() || binding.empty()) return nullptr;
      fields.push_back(ctx_.create<DestructureField>(range(f), key, binding));
    }
    Expr* init = expr(s->expr());
    if (!init) return nullptr;
    DestructureStmt::Keyword kw = !s->kw                                 ? DestructureStmt::Keyword::None
                                  : s->kw->getType() == LuxParser::LET ? DestructureStmt::Keyword::Let
                                                                       : DestructureStmt::Keyword::Var;
    return ctx_.create<DestructureStmt>(range(c), kw, copy(fields), init);
  }
  if (auto* s = dynamic_cast<LuxParser::ListDestructureStmtContext*>(c)) return listDestructure(s);
  if (auto* s = dynamic_cast<LuxParser::ReturnStmtContext*>(c)) {
    Expr* value = nullptr;
    if (s->expr()) {
      value = expr(s->expr());
      if (!value) return nullptr;
    }
    return ctx_.create<ReturnStmt>(range(c), value);
  }
  if (auto* s = dynamic_cast<LuxParser::ThrowStmtContext*>(c)) {
    Expr* value = expr(s->expr());
    if (!value) return nullptr;
    return ctx_.create<ThrowStmt>(range(c), value);
  }
  if (dynamic_cast<LuxParser::BreakStmtContext*>(c)) return ctx_.create<BreakStmt>(range(c));
  if (dynamic_cast<LuxParser::ContinueStmtContext*>(c)) return ctx_.create<ContinueStmt>(range(c));
  if (auto* s = dynamic_cast<LuxParser::ForStmtContext*>(c)) {
    auto names = s->ident();
    if (names.empty()) return nullptr;
    Ident index = names.size() > 1 ? ident(names[0]) : Ident{};
    Ident value = ident(names.back());
    Expr* iterable = expr(s->expr());
    BlockExpr* body = block(s->block());
    if (value.empty() || !iterable || !body) return nullptr;
    return ctx_.create<ForStmt>(range(c), index, value, iterable, body);
  }
  if (auto* s = dynamic_cast<LuxParser::ForListStmtContext*>(c)) return forPattern(s, s->listBind(), {}, s->expr(), s->block());
  if (auto* s = dynamic_cast<LuxParser::ForObjectStmtContext*>(c))
    return forPattern(s, {}, s->destructField(), s->expr(), s->block());
  if (auto* s = dynamic_cast<LuxParser::WhileStmtContext*>(c)) {
    Expr* cond = expr(s->expr());
    BlockExpr* body = block(s->block());
    if (!cond || !body) return nullptr;
    return ctx_.create<WhileStmt>(range(c), cond, body);
  }
  if (auto* s = dynamic_cast<LuxParser::GuardStmtContext*>(c)) {
    Expr* cond = expr(s->expr());
    BlockExpr* else_body = block(s->block());
    if (!cond || !else_body) return nullptr;
    return ctx_.create<GuardStmt>(range(c), cond, else_body);
  }
  if (auto* s = dynamic_cast<LuxParser::TryStmtContext*>(c)) {
    auto blocks = s->block();
    if (blocks.empty()) return nullptr;
    BlockExpr* body = block(blocks[0]);
    size_t next = 1;
    BlockExpr* catch_body = nullptr;
    Ident err;
    if (s->CATCH()) {
      err = ident(s->ident());
      if (next >= blocks.size()) return nullptr;
      catch_body = block(blocks[next++]);
      if (!catch_body) return nullptr;
    }
    BlockExpr* finally_body = nullptr;
    if (s->FINALLY()) {
      if (next >= blocks.size()) return nullptr;
      finally_body = block(blocks[next]);
      if (!finally_body) return nullptr;
    }
    if (!body) return nullptr;
    return ctx_.create<TryStmt>(range(c), body, err, catch_body, finally_body);
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
      if (name.name == "nil") return ctx_.create<VariantPattern>(range(c), Ident{}, Ident{"None", name.range}, llvm::ArrayRef<Pattern*>{}, false);
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
    return ctx_.create<NamedType>(range(c), name, copy(targs));
  }
  return nullptr;
}

}  // namespace lux::parse
