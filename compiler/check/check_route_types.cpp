// A route's declared types: `body: T` (the request body, a record or a list of records: E4951;
// not on GET, HEAD or OPTIONS: E4952), which also types the handler's `req.body`, and `-> T` (the
// response), checked against the handler's result type when both are known (E4953).
// Entry points: Checker::collectRouteBodies (before function bodies), checkRouteTypes (from
// checkRoute), typedRequestBody (from checkMember); and `redirect`'s status (checkRedirectStatus, E4954).
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

bool isBodyType(const Ty* t) {
  if (t->isDynamic()) return true;  // an unknown name: already reported
  if (t->kind == TyKind::Record) return true;
  return t->kind == TyKind::Array && (t->elem->kind == TyKind::Record || t->elem->isDynamic());
}

bool isRequestParam(const ast::Param* p) { return !p->type && isRequestName(p->name.name); }

}  // namespace

const Ty* Checker::routeBodyType(const ast::RouteDecl* route) {
  if (!route->body_type) return nullptr;
  auto it = route_bodies_.find(route);
  if (it != route_bodies_.end()) return it->second;
  const Ty* t = resolveType(route->body_type);
  if (!isBodyType(t)) {
    diags_.report(DiagId::RouteBodyType, route->body_type->range(), typeName(t))
        .help("declare the body as a record type (`type CreateUser { name: String }`) and write `body: CreateUser` or "
              "`body: [CreateUser]`; scalars are handler parameters (`fn create(name: String)`)");
    t = types_.dynamic();
  }
  route_bodies_[route] = t;
  return t;
}

void Checker::collectRouteBodies(const ServerModel& sm) {
  for (const ast::Decl* d : sm.decl->items) {
    auto* route = llvm::dyn_cast<ast::RouteDecl>(d);
    if (!route || !route->body_type) continue;
    const Ty* t = routeBodyType(route);
    if (t->isDynamic()) continue;
    llvm::ArrayRef<ast::Param*> params;
    if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(route->handler)) {
      Symbol* sym = lookup(n->name.name);
      if (sym && sym->kind == SymbolKind::Function && sym->fn && sym->fn->decl) params = sym->fn->decl->params;
    } else if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(route->handler)) {
      params = lam->params;
    }
    for (const ast::Param* p : params)
      if (isRequestParam(p) && !typed_req_bodies_.count(p)) typed_req_bodies_[p] = t;
  }
}

const Ty* Checker::typedRequestBody(const ast::MemberExpr* e) const {
  if (typed_req_bodies_.empty() || e->member.name != "body") return nullptr;
  auto* base = llvm::dyn_cast<ast::NameExpr>(e->base);
  if (!base) return nullptr;
  auto it = model_.resolved.find(base);
  if (it == model_.resolved.end() || it->second->kind != SymbolKind::Param) return nullptr;
  return typed_req_bodies_.lookup(it->second->decl);
}

void Checker::checkRouteTypes(RouteModel& rm, const ast::RouteDecl* route, const ast::Node* handler) {
  if (route->body_type) {
    const Ty* t = routeBodyType(route);
    if (!t->isDynamic()) rm.body_type = t;
    if (rm.method == "GET" || rm.method == "HEAD" || rm.method == "OPTIONS")
      diags_.report(DiagId::RouteBodyMethod, route->body_type->range(), rm.method)
          .help("a request body belongs to POST, PUT, PATCH or DELETE; a GET reads its input from the path and the "
                "query string (the handler's parameters)");
  }
  if (!route->response_type) return;
  const Ty* declared = resolveType(route->response_type);
  if (declared->isDynamic()) return;
  rm.response_type = declared;
  // The handler's result type, where it is written or known.
  const Ty* result = nullptr;
  SourceRange result_at;
  if (auto* fn = llvm::dyn_cast_or_null<ast::FnDecl>(handler); fn && rm.handler && rm.handler->annotated_result) {
    result = rm.handler->result;
    result_at = fn->return_type ? fn->return_type->range() : fn->name.range;
  } else if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(handler)) {
    const Ty* ft = model_.expr_types.lookup(lam);
    if (ft && ft->kind == TyKind::Fn) result = ft->elem;
    const ast::Expr* last = lam->body;
    if (auto* b = llvm::dyn_cast<ast::BlockExpr>(lam->body)) last = b->resultExpr();
    result_at = lam->return_type ? lam->return_type->range() : last ? last->range() : lam->range();
  }
  if (!result || result->kind == TyKind::Unit) return;
  // A handler may answer `Ok(value)` / `Err(message)`: the response is the Ok value.
  if (result->kind == TyKind::Result) result = result->elem;
  if (isAssignable(result, declared)) return;
  diags_.report(DiagId::RouteResponseMismatch, route->response_type->range(), rm.method, rm.path, typeName(declared),
                typeName(result))
      .note(result_at, fmt::format("the handler's result is `{}` here", typeName(result)))
      .help("make the handler return the declared type, or declare the type it returns");
}

void Checker::checkRedirectStatus(const ast::Expr* status) {
  auto* lit = llvm::dyn_cast_or_null<ast::IntLit>(status);
  if (!lit) return;  // computed: checked when it runs (500 and a log line)
  for (uint64_t ok : {301, 302, 303, 307, 308})
    if (lit->value == ok) return;
  diags_.report(DiagId::RedirectStatus, lit->range(), lit->value)
      .help("a redirect is 301 or 308 (permanent), 302 or 307 (temporary) or 303 (see other); without a status it is 302");
}

}  // namespace lux
