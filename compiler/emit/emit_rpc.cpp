// Calls of discovered services (`svc.fn(args)`) and how their failures travel without an
// exception. Wherever the code being written can leave through its ordinary result path, the
// call becomes lux::rt::TryCallService into a temporary written before the statement (the
// expression reads its value), followed by the failure's exit (CallExit): a function returns it
// (lux::rt::DeferCallFailure keeps it for the caller, who checks lux::rt::CallFailed right after
// the call), a `try` body jumps to its catch body with the error value a thrown error gives
// (lux::rt::CaughtCall). Calls evaluated before a failing call of the same expression go into
// temporaries first (inOrder), so the order of evaluation and the short-circuits stay the
// program's. A shared `var`'s update returns from its lock's C++ lambda and leaves after it; a
// `finally` body's failure is kept (lux::rt::FailureAside) and checked on every way out of the
// try. Functions the runtime calls (jobs, subscribers, schedules, hooks, readiness
// checks, functions exposed over RPC, `sse` handlers) return it to the runtime, which takes it
// (lux::rt::TakeCallFailure). A lambda `map` and the like call returns it (iteratingCall,
// deferredBuiltin). Middleware hands a failed response back (lux::rt::FailedResponse): a
// middleware function returns its failure, and that of `next(req)`, to its stage
// (middlewareStage). Other lambdas and code outside functions raise (CallService,
// lux::rt::Checked; docs/runtime.md#services says why). Entry points: rpcCall, propagatedCall,
// failingCall, checkedCall, tryCatchJumping, finallyDefers, defersCalls, deferredBuiltin,
// middlewareStage, expr.
#include <fmt/format.h>

#include <functional>
#include <set>
#include <string_view>

#include "emit/emitter.h"

namespace lux::emit {

void forEachChild(const ast::Node* n, const std::function<void(const ast::Node*)>& fn);

const ast::CallExpr* Emitter::asRpcCall(const ast::Expr* e) const {
  auto* c = llvm::dyn_cast<ast::CallExpr>(e);
  auto* m = c ? llvm::dyn_cast<ast::MemberExpr>(c->callee) : nullptr;
  const Symbol* base = m && llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
  return base && base->kind == SymbolKind::Service && base->service ? c : nullptr;
}

CallExit::Kind Emitter::callExit() const {
  return fn_ && !fn_->call_exits.empty() ? fn_->call_exits.back().kind : CallExit::Kind::Raise;
}

void Emitter::pushCallExit(CallExit exit) {
  if (fn_) fn_->call_exits.push_back(std::move(exit));
}

CallExit Emitter::popCallExit() {
  if (!fn_ || fn_->call_exits.empty()) return {};
  CallExit x = std::move(fn_->call_exits.back());
  fn_->call_exits.pop_back();
  return x;
}

void Emitter::writeFailureExit(const std::string& failed_test, const std::string& keep, const std::string& to_catch) {
  CallExit& x = fn_->call_exits.back();
  if (x.kind == CallExit::Kind::Return && x.void_return) {
    line(keep.empty() ? fmt::format("if ({}) return;", failed_test) : fmt::format("if ({}) {{ {}; return; }}", failed_test, keep));
    return;
  }
  if (x.kind == CallExit::Kind::Return) {
    line(fmt::format("if ({}) return {};", failed_test, keep.empty() ? "lux::Value()" : keep));
    return;
  }
  line(fmt::format("if ({}) {{ {} = {}; goto {}; }}", failed_test, x.caught, to_catch, x.label));
  ++x.used;
}

std::string Emitter::rpcCall(const std::string& service, llvm::StringRef fn, const std::string& args) {
  std::string call = fmt::format("{}, {}, lux::Value(lux::Array{{{}}})", cppString(service), cppString(fn), args);
  if (callExit() == CallExit::Kind::Raise) return "lux::rt::CallService(" + call + ")";
  std::string r = temp("call");
  line(fmt::format("lux::CallResult {} = lux::rt::TryCallService({});", r, call));
  writeFailureExit("!" + r + ".ok()", fmt::format("lux::rt::DeferCallFailure(std::move({}))", r),
                   fmt::format("lux::rt::CaughtCall(std::move({}))", r));
  return "std::move(" + r + ".value)";
}

std::string Emitter::propagatedCall(const FunctionModel* fn, const std::string& call) {
  return propagates(fn) ? failingCall(call) : call;
}

std::string Emitter::failingCall(const std::string& call) {
  if (callExit() == CallExit::Kind::Raise) return "lux::rt::Checked(" + call + ")";
  std::string t = temp("t");
  line(fmt::format("lux::Value {} = {};", t, call));
  writeFailureExit("lux::rt::CallFailed()", "", "lux::rt::CaughtFailedCall()");
  return "std::move(" + t + ")";
}

std::string Emitter::checkedCall(const FunctionModel* fn, const std::string& call) {
  return propagates(fn) ? "lux::rt::Checked(" + call + ")" : call;
}

namespace {
// Built-ins (by their C++ function) that call a function argument only while they run, on the
// calling thread, without waiting in between, and whose result stays correct whatever a call
// returns: a lambda's failure can be carried out of them as a result. Not sort_by/sorted (a
// comparison that changes its answers midway breaks the sort), with_lock, db.transaction (its
// rollback is the exception), stream, the test helpers (they keep or expect the exception).
bool Iterates(std::string_view cpp) {
  static const std::set<std::string_view> kIterating = {"Map", "Filter", "Each", "Find", "Reduce", "Any",
                                                        "All", "Count", "FlatMap", "FindIndex", "MapErr"};
  return kIterating.count(cpp) > 0;
}
}  // namespace

const Builtin* Emitter::iteratingCall(const ast::Expr* e) {
  auto* c = llvm::dyn_cast<ast::CallExpr>(e);
  if (!c) return nullptr;
  const Builtin* b = prog_.method_builtins.lookup(c);
  if (b && prog_.dynamic_methods.count(c)) return nullptr;
  if (!b && llvm::isa<ast::NameExpr>(c->callee)) {
    const Symbol* sym = symbolOf(c->callee);
    if (sym && sym->kind == SymbolKind::Builtin) b = sym->builtin;
  }
  if (!b || b->owner != "Global" || !Iterates(b->cpp)) return nullptr;
  for (const ast::Expr* a : c->args)
    if (auto* l = llvm::dyn_cast<ast::LambdaExpr>(a); l && lastCallSite(l->body) > 0) return b;
  return nullptr;
}

std::string Emitter::deferredBuiltin(const ast::CallExpr* c, const std::function<std::string()>& write) {
  if (!c || callExit() == CallExit::Kind::Raise || !iteratingCall(c)) return write();
  for (const ast::Expr* a : c->args)
    if (auto* l = llvm::dyn_cast<ast::LambdaExpr>(a); l && lastCallSite(l->body) > 0) deferring_lambdas_.insert(l);
  std::string value = write();
  std::string t = temp("t");
  line(fmt::format("lux::Value {};", t));
  line("try {");
  line(fmt::format("  {} = {};", t, value));
  // An error the built-in raised over the results a failed lambda left: the failure stands.
  line("} catch (const std::exception&) {");
  line("  if (!lux::rt::CallFailed()) throw;");
  line("}");
  writeFailureExit("lux::rt::CallFailed()", "", "lux::rt::CaughtFailedCall()");
  return "std::move(" + t + ")";
}

bool Emitter::isCallSite(const ast::Expr* e) {
  if (asRpcCall(e) || iteratingCall(e)) return true;
  if (!propagating_) findPropagating();
  const ast::Expr* callee = nullptr;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(e)) callee = c->callee;
  else if (auto* p = llvm::dyn_cast<ast::PipeExpr>(e)) callee = p->target;
  if (llvm::isa_and_nonnull<ast::CallExpr>(e) && failingNext(callee)) return true;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(e))  // a method of the program (`p.norm()`)
    if (auto mc = prog_.method_calls.find(c); mc != prog_.method_calls.end()) return propagating_->count(mc->second.fn) > 0;
  const Symbol* sym = callee && llvm::isa<ast::NameExpr>(callee) ? symbolOf(callee) : nullptr;
  return sym && sym->fn && (sym->kind == SymbolKind::Function || sym->kind == SymbolKind::BackgroundFn) &&
         propagating_ && propagating_->count(sym->fn);
}

// The start of the last failing call under `n` (0: none); lambdas are functions of their own.
uint32_t Emitter::lastCallSite(const ast::Node* n) {
  if (!propagating_) findPropagating();
  if (llvm::isa<ast::LambdaExpr>(n)) return 0;
  uint32_t last = 0;
  if (auto* e = llvm::dyn_cast<ast::Expr>(n); e && isCallSite(e)) last = e->range().begin + 1;
  forEachChild(n, [&](const ast::Node* c) { last = std::max(last, lastCallSite(c)); });
  return last;
}

bool Emitter::hasCallSites(const ast::Node* n) { return n && lastCallSite(n) > 0; }

bool Emitter::propagates(const FunctionModel* fn) {
  if (!propagating_) findPropagating();
  return fn && propagating_->count(fn) > 0;
}

// The program's functions with a failing call outside lambdas (a service's, or one of such a
// function), to a fixed point. A group's middleware function is called by the runtime's
// middleware chain, not by the program: it is not one of them (middlewareReturns).
void Emitter::findPropagating() {
  propagating_.emplace();
  std::vector<const FunctionModel*> all(prog_.shared_functions.begin(), prog_.shared_functions.end());
  std::set<const FunctionModel*> raising;
  bool services = false;
  for (const ServerModel& sm : prog_.servers) services |= !sm.services.empty();
  for (const ServerModel& sm : prog_.servers) {
    all.insert(all.end(), sm.functions.begin(), sm.functions.end());
    for (const RouteGroupModel& g : sm.groups) raising.insert(g.middleware.begin(), g.middleware.end());
    for (const FunctionModel* fn : sm.functions)  // without services, nothing fails
      if (int next = nextParam(fn); services && next >= 0 && fn->decl && fn->decl->params.size() > static_cast<size_t>(next))
        if (const Symbol* s = symbolOf(fn->decl->params[next])) failing_next_.insert(s);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const FunctionModel* fn : all) {
      bool kind = fn->kind == SymbolKind::Function || fn->kind == SymbolKind::BackgroundFn;
      if (!kind || raising.count(fn) || propagating_->count(fn) || !fn->decl || !fn->decl->body) continue;
      if (hasCallSites(fn->decl->body)) changed = propagating_->insert(fn).second || changed;
    }
  }
}

const Symbol* Emitter::failingNext(const ast::Expr* callee) {
  if (!callee || !llvm::isa<ast::NameExpr>(callee)) return nullptr;
  if (!propagating_) findPropagating();
  const Symbol* sym = symbolOf(callee);
  return sym && failing_next_.count(sym) ? sym : nullptr;
}

// `next(req)` in a (req, next) middleware: the rest of the chain, as a value.
std::string Emitter::nextCall(const ast::Expr* callee, const Symbol* next) {
  std::string req = "req";
  for (const auto& [s, role] : fn_->roles)
    if (role == ParamRole::Request) req = requestRef(s);
  if (failingNext(callee))  // the rest of the chain may hand back a failed call
    return failingCall(fmt::format("lux::stdlib::NextValue({}, {})", requestRef(next), req));
  return fmt::format("lux::stdlib::FromResponse({}({}))", requestRef(next), req);
}

bool Emitter::middlewareReturns(const FunctionModel* fn) {
  return fn->kind == SymbolKind::Middleware && fn->decl && fn->decl->body && hasCallSites(fn->decl->body);
}

// A failed call the function returned becomes a failed response (lux::rt::FailedResponse,
// KeepFailureIn for a (req, res) one: lux::stdlib::DecoratorAnswer), which the rest of the
// chain hands back to the dispatcher.
std::string Emitter::decoratorStage(const FunctionModel* fn) {
  return fmt::format("[](lux::Request& req, lux::Response& res) {{ lux::stdlib::DecoratorAnswer({}(req, res), res); }}",
                     fnName(fn));
}

std::string Emitter::middlewareStage(const FunctionModel* fn) {
  std::vector<ParamRole> roles = rolesFor(fn);
  std::string name = fnName(fn);
  std::string failed = middlewareReturns(fn) ? "if (lux::rt::CallFailed()) return lux::rt::FailedResponse(); " : "";
  if (roles.size() == 3)  // Express's (req, res, next): the chain's answer, `res`'s headers (lux::stdlib::ExpressMiddleware)
    return fmt::format("[](lux::Request& req, const lux::Next& next) {{ return lux::stdlib::ExpressMiddleware(req, next, &{}, {}); }}",
                       name, cppString(fn->name.str()));
  if (roles.size() > 1 && roles[1] == ParamRole::Next) {
    if (failed.empty())
      return fmt::format("[](lux::Request& req, const lux::Next& next) {{ return lux::stdlib::ToResponse({}(req, next)); }}",
                         name);
    return fmt::format("[](lux::Request& req, const lux::Next& next) {{ lux::Value v = {}(req, next); {}"
                       "return lux::stdlib::ToResponse(v); }}", name, failed);
  }
  if (roles.size() > 1) return "lux::DecoratorMiddleware(" + decoratorStage(fn) + ")";
  // `(req)`: runs before the handler; a response it returns answers the request instead.
  return fmt::format("[](lux::Request& req, const lux::Next& next) {{ lux::Value v = {}(req); {}"
                     "return lux::stdlib::IsResponse(v) ? lux::stdlib::ToResponse(v) : next(req); }}", name, failed);
}

std::string Emitter::ordered(const ast::Expr* e, std::string (Emitter::*f)(const ast::Expr*)) {
  uint32_t saved = order_limit_;
  bool scope = expr_depth_++ == 0 || order_limit_ == 0;
  if (scope) order_limit_ = fn_ && callExit() != CallExit::Kind::Raise ? lastCallSite(e) : 0;
  std::string v = (this->*f)(e);
  --expr_depth_;
  if (scope) order_limit_ = saved;
  return v;
}

std::string Emitter::expr(const ast::Expr* e) {
  if (auto it = computed_.find(e); it != computed_.end()) return it->second;  // optionalCall's receiver
  std::string v = ordered(e, &Emitter::exprOf);
  if (auto it = prog_.json_conversions.find(e); it != prog_.json_conversions.end()) return jsonConverted(e, it->second, v);
  return v;
}
std::string Emitter::cond(const ast::Expr* e) { return ordered(e, &Emitter::condOf); }

std::string Emitter::inOrder(const ast::Expr* e, std::string value) {
  if (order_limit_ == 0 || e->range().end >= order_limit_ || callExit() == CallExit::Kind::Raise || isCallSite(e))
    return value;
  std::string t = temp("t");
  line(fmt::format("auto {} = {};", t, value));
  return t;
}

void Emitter::tryCatchJumping(const ast::TryStmt* ts, Target t) {
  std::string caught = temp("caught");
  std::string label = caught + "_at";
  line(fmt::format("std::optional<lux::Value> {};", caught));
  line("try {");
  w_.indent();
  pushCallExit({CallExit::Kind::Catch, caught, label, 0});
  block(ts->body, t);
  CallExit x = popCallExit();
  w_.dedent();
  std::string e = temp("e");
  line(fmt::format("}} catch (const std::exception& {}) {{", e));
  line(fmt::format("  {} = lux::stdlib::ErrorValue({});", caught, e));
  line("}");
  if (x.used) line(label + ":");
  if (x.finally_inside) line(fmt::format("if (lux::rt::CallFailed()) {} = lux::rt::CaughtFailedCall();", caught));
  line(fmt::format("if ({}) {{", caught));
  w_.indent();
  if (!ts->error_name.empty()) {
    fn_->used.insert(safeName(ts->error_name.name));
    bool changed = false;
    for (const Symbol* s : fn_->inplace)
      changed |= s->kind == SymbolKind::Local && !s->decl && s->name == ts->error_name.name;
    line(fmt::format("{}lux::Value {} = std::move(*{});", changed ? "" : "const ", safeName(ts->error_name.name), caught));
  }
  block(ts->catch_body, t);
  w_.dedent();
  line("}");
}


// Every way out of the try reaches a check of the kept failure: the function's return (its
// caller checks), the end of the block (checked right after it), a jump to a catch body (checked
// at its label).
bool Emitter::finallyDefers(const ast::TryStmt* ts) {
  if (!fn_ || !hasCallSites(ts->finally_body)) return false;
  for (auto it = fn_->call_exits.rbegin(); it != fn_->call_exits.rend(); ++it) {
    if (it->kind == CallExit::Kind::Catch) continue;
    if (it->kind == CallExit::Kind::Raise) return false;
    return !loopExit(ts->body) && !(ts->catch_body && loopExit(ts->catch_body));
  }
  return false;
}

void Emitter::finallyBody(const ast::TryStmt* ts, bool defers) {
  if (defers) {
    CallExit in_guard = CallExit::Returning();
    in_guard.void_return = true;
    pushCallExit(in_guard);
    line("lux::rt::FailureAside aside_;");  // keeps the body's own failure, or the one set aside
  } else {
    pushCallExit({});
    if (fn_ && hasCallSites(ts->body) && fn_->call_exits.size() > 1) line("lux::rt::FailureAside aside_;");
  }
  block(ts->finally_body, Target::discard());
  popCallExit();
}

// An `sse` route's handler runs in the stream's producer, after its middleware returned: the
// stream takes its failure (lux::rt::SseResponse), failed as for a thrown error.
bool Emitter::defersCalls(const ServerModel& sm, const RouteModel& r) {
  route_answers_ = routeMiddleware(sm, r).empty();  // else it goes back through them (FailedResponse)
  if (r.handler) return propagates(r.handler);
  return r.lambda && hasCallSites(r.lambda->body);
}

}  // namespace lux::emit
