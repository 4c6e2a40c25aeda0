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

}  // namespace lux::parse
