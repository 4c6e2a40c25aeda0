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
  if (head->name) {
    Ident name = identToken(head->name);
    if (name.empty()) return {};
    ps.push_back(ctx_.create<Param>(name.range, name, nullptr, nullptr));
  } else if (!params(head->paramList(), ps)) {
    return {};
  }
  LuxParser::ArrowBodyContext* tail = c->arrowBody();
  if (!tail) return {};
  Expr* body = tail->block() ? block(tail->block()) : expr(tail->expr());
  if (!body) return {};
  expr_ = ctx_.create<LambdaExpr>(range(c), copy(ps), nullptr, body);
  return {};
}


// `let [a, _, ...rest] = e`, `var [a, b] = e`, `[a, b] = e`: a DestructureStmt whose fields are
// positions (where `...` may stand is the checker's rule, E5532).
Stmt* AstBuilder::listDestructure(LuxParser::ListDestructureStmtContext* c) {
  llvm::SmallVector<DestructureField*, 4> fields;
  for (auto* b : c->listBind()) {
    Ident name = ident(b->ident());
    if (name.empty()) return nullptr;
    fields.push_back(ctx_.create<DestructureField>(range(b), name, name, b->ELLIPSIS() != nullptr));
  }
  Expr* init = expr(c->expr());
  if (!init) return nullptr;
  DestructureStmt::Keyword kw = !c->kw                                 ? DestructureStmt::Keyword::None
                                : c->kw->getType() == LuxParser::LET ? DestructureStmt::Keyword::Let
                                                                     : DestructureStmt::Keyword::Var;
  return ctx_.create<DestructureStmt>(range(c), kw, copy(fields), init, true);
}

}  // namespace lux::parse
