// Discovered services and RPC: each `discover` becomes a lux::RegisterService call in Register
// (URLs and breaker options from the checked model; a `discover "peer"` without a URL gets the
// peer server's declared port on 127.0.0.1 and `program_server`), `svc.fn(args)` becomes
// lux::rt::CallService("svc", "fn", [args]), and a server whose functions other servers of the
// program call exposes exactly those through lux::ExposeRpc (POST /_lux/rpc/<fn>).
// In a route handler's own body a call written as a whole statement (`let x = svc.fn(a)`,
// `return svc.fn(a)`, the body's last expression, `svc.fn(a)` alone) does not throw when it
// fails: it becomes lux::rt::TryCallService and the handler returns the failure to its route
// (lux::rt::DeferCallFailure), whose function answers it as the thrown error would be
// (lux::rt::AnswerFailedCall). So a call the open breaker refuses costs no exception. This
// holds for a lambda handler, or a function used nowhere but as the handler of routes; on
// routes without middleware of their own; outside `try` (a `catch` there must see the error)
// and lambdas (their own functions). Entry points: Emitter::emitServiceRegistrations, rpcCall,
// deferCall, defersCalls.
#include <fmt/format.h>

#include <cstring>
#include <functional>

#include "emit/emitter.h"

namespace lux::emit {

void forEachChild(const ast::Node* n, const std::function<void(const ast::Node*)>& fn);

void Emitter::emitServiceRegistrations(const ServerModel& sm) {
  for (const ServiceModel* svc : sm.services) {
    lineDirective(svc->decl->range());
    line("{");
    w_.indent();
    line("lux::ServiceOptions o;");
    if (!svc->url.empty()) line(fmt::format("o.urls = {{{}}};", cppString(svc->url)));
    if (!svc->default_url.empty()) {  // a server of this program at its declared port
      line(fmt::format("o.urls = {{{}}};", cppString(svc->default_url)));
      line("o.program_server = true;");
    }
    if (svc->timeout_ms > 0) line(fmt::format("o.timeout_ms = {};", static_cast<int64_t>(svc->timeout_ms)));
    line(fmt::format("o.failure_threshold = {};", svc->failure_threshold));
    if (svc->reset_timeout_ms > 0) line(fmt::format("o.reset_timeout_ms = {};", static_cast<int64_t>(svc->reset_timeout_ms)));
    line(fmt::format("o.half_open_requests = {};", svc->half_open_requests));
    if (!svc->health.empty()) line(fmt::format("o.health = {};", cppString(svc->health)));
    if (svc->health_interval_ms > 0)
      line(fmt::format("o.health_interval_ms = {};", static_cast<int64_t>(svc->health_interval_ms)));
    line(fmt::format("lux::RegisterService(app, {}, std::move(o));", cppString(svc->name)));
    w_.dedent();
    line("}");
  }
  for (const FunctionModel* fn : sm.rpc_functions) {
    lineDirective(fn->decl->range());
    // `+[]`: the handler as a function pointer, so that every handler shares one std::function
    // instance (precompiled in `luxc dev`'s PCH, compiler/driver/dev_prelude.h) instead of one per lambda.
    line(fmt::format("lux::ExposeRpc(app, {}, +[](const lux::Value& {}) -> lux::Value {{", cppString(fn->name),
                     fn->maxArgs() == 0 ? "/*args*/" : "args"));
    w_.indent();
    emitCallFromArgs(fn, "return ", ";", /*typed=*/true);
    w_.dedent();
    line("});");
  }
}

std::string Emitter::rpcCall(const std::string& service, llvm::StringRef fn, const std::string& args) {
  return fmt::format("lux::rt::CallService({}, {}, lux::Value(lux::Array{{{}}}))", cppString(service), cppString(fn), args);
}

}  // namespace lux::emit

namespace lux::emit {

const ast::CallExpr* Emitter::asRpcCall(const ast::Expr* e) const {
  auto* c = llvm::dyn_cast<ast::CallExpr>(e);
  auto* m = c ? llvm::dyn_cast<ast::MemberExpr>(c->callee) : nullptr;
  const Symbol* base = m && llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
  return base && base->kind == SymbolKind::Service && base->service ? c : nullptr;
}

bool Emitter::deferCall(const ast::Expr* e) {
  if (!fn_ || !fn_->defer_calls || !deferrable_.count(e)) return false;
  static constexpr const char* kThrowing = "lux::rt::CallService(";
  std::string call = expr(e);  // its arguments' statements, if any, come first
  if (call.rfind(kThrowing, 0) != 0) {
    precomputed_[e] = call;
    return true;
  }
  std::string result = temp("call");
  line(fmt::format("lux::CallResult {} = lux::rt::TryCallService({};", result, call.substr(std::strlen(kThrowing))));
  line(fmt::format("if (!{0}.ok()) return lux::rt::DeferCallFailure(std::move({0}));", result));
  precomputed_[e] = "std::move(" + result + ".value)";
  return true;
}

// The calls of discovered services in `n` written as whole statements, where deferCall takes
// them: a statement's expression, a `let`/`var`/destructuring's value, an assignment's to a
// local, a `return`'s, a `match` arm's; not inside `try` or a lambda.
bool Emitter::collectDeferrable(const ast::Node* n) {
  using namespace ast;
  if (llvm::isa<LambdaExpr>(n) || llvm::isa<TryStmt>(n)) return false;
  const Expr* at = nullptr;
  if (auto* es = llvm::dyn_cast<ExprStmt>(n)) at = es->expr;
  else if (auto* let = llvm::dyn_cast<LetStmt>(n)) at = let->init;
  else if (auto* rs = llvm::dyn_cast<ReturnStmt>(n)) at = rs->value;
  else if (auto* ds = llvm::dyn_cast<DestructureStmt>(n)) at = ds->init;
  else if (auto* as = llvm::dyn_cast<AssignStmt>(n); as && as->op == AssignOp::Assign && !isSharedVar(targetRoot(as->target)))
    at = as->value;
  bool found = false;
  if (at && asRpcCall(at)) {
    deferrable_.insert(at);
    found = true;
  }
  if (auto* m = llvm::dyn_cast<MatchExpr>(n))
    for (const MatchArm* a : m->arms)
      if (asRpcCall(a->body)) {
        deferrable_.insert(a->body);
        found = true;
      }
  forEachChild(n, [&](const Node* c) { found = collectDeferrable(c) || found; });
  return found;
}

void Emitter::findDeferringHandlers() {
  deferring_.emplace();
  std::set<const ast::Node*> handler_refs;         // `route ... => f`: the route and the name after `=>`
  std::map<const FunctionModel*, bool> candidates;  // a route handler -> still eligible
  for (const ServerModel& sm : prog_.servers) {
    for (const RouteModel& r : sm.routes) {
      if (!r.handler) continue;
      handler_refs.insert(r.decl);
      handler_refs.insert(r.decl->handler);
      bool eligible = !r.sse && routeMiddleware(sm, r).empty();
      auto [it, fresh] = candidates.emplace(r.handler, eligible);
      if (!fresh) it->second = it->second && eligible;
    }
    for (const FunctionModel* fn : sm.rpc_functions) candidates[fn] = false;
  }
  // Any other use of the function (a call, a value, a test) would see the handler's plain
  // return where the error should have been raised.
  for (const auto& entry : prog_.resolved) {
    const Symbol* sym = entry.second;
    if (!sym || !sym->fn || entry.first == sym->decl) continue;
    auto it = candidates.find(sym->fn);
    if (it != candidates.end() && !handler_refs.count(entry.first)) it->second = false;
  }
  for (const auto& [fn, eligible] : candidates)
    if (eligible && fn->kind == SymbolKind::Function && fn->decl && fn->decl->body && collectDeferrable(fn->decl->body))
      deferring_->insert(fn);
}

bool Emitter::defersCalls(const FunctionModel* fn) {
  if (!deferring_) findDeferringHandlers();
  return deferring_->count(fn) > 0;
}

bool Emitter::defersCalls(const ServerModel& sm, const RouteModel& r) {
  if (r.sse) return false;
  if (r.handler) return defersCalls(r.handler);
  if (!r.lambda || !routeMiddleware(sm, r).empty()) return false;
  bool found = collectDeferrable(r.lambda->body);  // a block, or one expression
  if (asRpcCall(r.lambda->body)) {
    deferrable_.insert(r.lambda->body);
    found = true;
  }
  return found;
}

}  // namespace lux::emit
