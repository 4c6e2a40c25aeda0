// AstBuilder, the arrow spelling of lambdas: `x => body`, `(a, b: Int) => body`, `() => { ... }`.
// Each becomes the same LambdaExpr as `fn(params) body` (no return annotation), so checking,
// code generation and the language server see one construct.
#include "parse/builder.h"

namespace lux::parse {

using namespace lux::ast;

antlrcpp::Any AstBuilder::visitArrowLambdaExpr(LuxParser::ArrowLambdaExprContext* c) {
  LuxParser::ArrowParamsContext* head = c->arrowParams();
  if (!head) return {};
  llvm::SmallVector<Param*, 4> ps;
  llvm::SmallVector<Stmt*, 2> patterns;
  if (head->name) {
    Ident name = identToken(head->name);
    if (name.empty()) return {};
    ps.push_back(ctx_.create<Param>(name.range, name, nullptr, nullptr));
  } else if (!params(head->paramList(), ps, &patterns)) {
    return {};
  }
  LuxParser::ArrowBodyContext* tail = c->arrowBody();
  if (!tail) return {};
  Expr* body = withParamPatterns(tail->block() ? block(tail->block()) : expr(tail->expr()), patterns);
  if (!body) return {};
  expr_ = ctx_.create<LambdaExpr>(range(c), copy(ps), nullptr, body);
  return {};
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
    auto* field = ctx_.create<DestructureField>(range(f), key, binding);
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
