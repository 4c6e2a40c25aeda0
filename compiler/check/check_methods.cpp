// Method calls on plain values: the family writes `name.trim().upper()`, `items.map(fn(x) ...)`,
// `csv.split(",")`. On a value of a known type that has no methods of its own (a String, a list,
// an Option, a Result, a number, a Bool, a Duration, an enum) `x.f(args)` is the global built-in `f`
// called as `f(x, args)`, exactly as `x |> f(args)` — when `f` is one whose first parameter
// takes that value. Entry point: Checker::checkBuiltinMethod (called first by checkCall); the
// emitter reads CheckedProgram::method_builtins. Anything else stays E2305 (checkMethodCall).
#include "check/builtins.h"
#include "check/checker.h"

namespace lux {

namespace {

// The kinds of value whose member calls may name a built-in (an enum's too, after its `impl`'s
// methods: `color.toString()`). A JSON document holds no functions, so its member call can only
// mean a built-in: `req.body.items.map(...)`, and `req.body.name.upper()` is E3020 (convert it
// first) rather than a failure when it runs. Records (their fields may be functions), object
// literals, values of unknown type and the runtime's own handles (WebSocket, SseChannel,
// responses) keep their own rules.
bool takesBuiltinMethods(const Ty* t) {
  if (t && t->json) return true;
  if (!t || t->isDynamic()) return false;
  switch (t->kind) {
    case TyKind::String:
    case TyKind::Int:
    case TyKind::Float:
    case TyKind::Bool:
    case TyKind::Duration:
    case TyKind::Array:
    case TyKind::Option:
    case TyKind::Result:
    case TyKind::Enum: return true;  // an enum's own methods (`impl`) are looked up first: `c.toString()`
    default: return false;
  }
}

// Built-ins callable as methods: plain calls of the global table (not the test, job, response or
// logging forms, whose first argument means something else).
const Builtin* methodCandidate(const Builtins& table, llvm::StringRef name) {
  if (name.startswith("__")) return nullptr;
  const Builtin* b = table.global(name);
  if (!b || b->max_args == 0) return nullptr;
  return b->form == BuiltinForm::Call || b->form == BuiltinForm::KeyOrOrder ? b : nullptr;
}

}  // namespace

// The Fetch API's `data = await response.json()` and `response.text()` on `fetch`'s answer (a
// JSON document `{status, ok, headers, body}`): its body (CheckedProgram::fetch_bodies), as text
// for `text()`. Null for any other call (a receiver checked here is not checked again).
const Ty* Checker::checkFetchBody(const ast::CallExpr* call, const ast::MemberExpr* m) {
  if ((m->member.name != "json" && m->member.name != "text") || !call->args.empty()) return nullptr;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(m->base)) {
    const Symbol* s = lookup(n->name.name);
    if (!s || !namesValue(s)) return nullptr;
  }
  const Ty* recv = checkExpr(m->base);
  if (!recv->json) {
    prechecked_expr_ = m->base;
    prechecked_type_ = recv;
    return nullptr;
  }
  const bool text = m->member.name == "text";
  model_.fetch_bodies[call] = text;
  model_.expr_types[m->base] = recv;
  return text ? types_.get(TyKind::String) : recv;
}

const Ty* Checker::checkBuiltinMethod(const ast::CallExpr* call) {
  auto* m = llvm::dyn_cast<ast::MemberExpr>(call->callee);
  if (!m) return nullptr;
  if (const Ty* t = checkFetchBody(call, m)) return t;
  const Builtin* b = methodCandidate(model_.builtins, m->member.name);
  if (!b) return nullptr;
  // A module, model, service or type name before the dot is not a value (`db.run`, `User.find`).
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(m->base)) {
    const Symbol* s = lookup(n->name.name);
    const bool none = !s && (n->name.name == "None" || ast::isNoneSpelling(n->name.name));  // `None.unwrapOr(0)`
    if (!s && !none) return nullptr;
    if (s && !namesValue(s)) return nullptr;
  }
  const Ty* recv = checkExpr(m->base);
  // `x?.upper()` on an Option: the method of the value it holds (None skips the call: optionalCall).
  if (m->optional && recv->kind == TyKind::Option && recv->elem) recv = recv->elem;
  // A built-in's result whose type is not known (`items.map(f)` on a JSON document) is still data,
  // never a record holding functions: `items.map(f).sum()` chains on.
  bool data_call = false;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(m->base))
    data_call = model_.method_builtins.count(c) || globalBuiltinCallee(c->callee);
  else if (auto* p = llvm::dyn_cast<ast::PipeExpr>(m->base))
    if (auto* c = llvm::dyn_cast<ast::CallExpr>(p->target)) data_call = globalBuiltinCallee(c->callee) != nullptr;
  // On a value of unknown type (an unannotated parameter: `fn shout(s) { s.upper() }`) the call is
  // decided when it runs: a function field of that name (a record's) wins, else the built-in. It
  // is taken only when the built-in takes that many arguments, and its result is of unknown type.
  const bool arity = b->acceptsCount(static_cast<int>(call->args.size()) + 1);
  const bool unknown = recv->isDynamic() && !recv->json && !data_call && arity;
  // An object literal's value (`cache = { a: 1 }`) may hold functions too, so a built-in on
  // objects (`cache.hasOwnProperty("a")`, `o.keys()`) is decided the same way when it runs: the
  // object's own function field of that name wins, else the built-in.
  const bool object = recv->kind == TyKind::Object && arity;
  bool fits = takesBuiltinMethods(recv) || (recv->isDynamic() && data_call) || unknown || object;
  bool as_text = false;  // a `Json` receiver of a String built-in: read as text (json_conversions)
  if (fits) {
    // The overload the whole call takes: the receiver, then the arguments' shapes (a lambda's
    // parameter count; the others are not checked yet and fit any).
    std::vector<ArgShape> shapes{ArgShape{recv, -1}};
    for (const ast::Expr* a : call->args) {
      auto* lam = llvm::dyn_cast<ast::LambdaExpr>(a);
      shapes.push_back(ArgShape{nullptr, lam ? static_cast<int>(lam->params.size()) : -1});
    }
    Instance in = instantiate(types_, *b, shapes);
    fits = !in.params.empty() && (recv->isDynamic() || !in.params[0] || isAssignable(recv, in.params[0]));
    if (object) fits = fits && in.sig && in.sig->paramAt(0) && in.sig->paramAt(0)->kind == TyKind::Object;
    as_text = fits && recv->json && in.params[0] && in.params[0]->kind == TyKind::String;
  }
  if (!fits) {
    prechecked_expr_ = m->base;  // checkMethodCall reads its type again without a second report
    prechecked_type_ = recv;
    return nullptr;
  }
  model_.method_builtins[call] = b;
  model_.expr_types[m->base] = recv;
  if (as_text) {
    recv = types_.get(TyKind::String);
    convertJson(m->base, model_.expr_types[m->base], recv, JsonConversion::Mode::Place);
  }
  const Ty* t = checkCall(call, m->base, recv, m->base->range());
  if (!unknown && !object) return t;
  model_.dynamic_methods.insert(call);
  return types_.dynamic();
}

}  // namespace lux
