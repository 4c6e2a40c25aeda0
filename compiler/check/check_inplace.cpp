// The family's in-place list methods: `items.push(x)`, `items.pop()`, `items.sort()` ... change
// the list a binding holds (docs/language.md, "Lists changed in place"). The receiver must be a
// place rooted at a binding the program may change: a `var`, or an immutable local, server or
// shared binding, which such a call makes mutable (the family's `items = []` then
// `items.push(x)`). A parameter, a loop or pattern variable is a copy the caller never sees
// changed: E2201. The emitter reads CheckedProgram::inplace_calls (compiler/emit/emit_inplace.cpp).
// Entry point: Checker::checkInplaceMethod, called first by checkCall.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

struct InplaceSpec {
  const char* name;
  InplaceMethod method;
  int min_args;
  int max_args;  // -1: any number
};

namespace {

constexpr InplaceSpec kInplaceMethods[] = {
    {"push", InplaceMethod::Push, 1, -1},      {"append", InplaceMethod::Append, 1, 1},
    {"extend", InplaceMethod::Extend, 1, 1},   {"unshift", InplaceMethod::Unshift, 1, -1},
    {"insert", InplaceMethod::Insert, 2, 2},   {"pop", InplaceMethod::Pop, 0, 1},
    {"shift", InplaceMethod::Shift, 0, 0},     {"remove", InplaceMethod::Remove, 1, 1},
    {"clear", InplaceMethod::Clear, 0, 0},     {"sort", InplaceMethod::Sort, 0, 1},
    {"reverse", InplaceMethod::Reverse, 0, 0}, {"splice", InplaceMethod::Splice, 1, -1},
};

const InplaceSpec* inplaceSpec(llvm::StringRef name) {
  for (const InplaceSpec& s : kInplaceMethods)
    if (name == s.name) return &s;
  return nullptr;
}

// The name a place `x.f[i].g` starts from, or null when it starts from anything else.
const ast::NameExpr* placeRoot(const ast::Expr* e) {
  while (true) {
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) e = m->base;
    else if (auto* ix = llvm::dyn_cast<ast::IndexExpr>(e)) e = ix->base;
    else break;
  }
  return llvm::dyn_cast<ast::NameExpr>(e);
}

}  // namespace

// `xs.split("").reverse()`, `[...xs].sort()`, `unique(names).sort((a, b) => ...)`: sorting or
// reversing a list no binding holds changes nothing anyone keeps, so it is the copying built-in
// (`reversed`, `sorted`, `sort_by` with the key or the comparison), which the family's chains mean.
const Ty* Checker::checkCopyingSort(const ast::CallExpr* call, InplaceMethod method) {
  auto* m = llvm::cast<ast::MemberExpr>(call->callee);
  const char* name = method == InplaceMethod::Reverse ? "reversed" : call->args.empty() ? "sorted" : "sort_by";
  const Builtin* b = model_.builtins.global(name);
  if (!b || call->args.size() > (method == InplaceMethod::Reverse ? 0u : 1u)) return nullptr;
  const Ty* recv = checkExpr(m->base);
  model_.method_builtins[call] = b;
  model_.expr_types[m->base] = recv;
  return checkCall(call, m->base, recv, m->base->range());
}

const Ty* Checker::checkInplaceMethod(const ast::CallExpr* call) {
  auto* m = llvm::dyn_cast<ast::MemberExpr>(call->callee);
  if (!m) return nullptr;
  const InplaceSpec* spec = inplaceSpec(m->member.name);
  const ast::NameExpr* root = spec ? placeRoot(m->base) : nullptr;
  if (spec && !root && (spec->method == InplaceMethod::Sort || spec->method == InplaceMethod::Reverse))
    return checkCopyingSort(call, spec->method);
  if (!root) return nullptr;
  Symbol* sym = lookup(root->name.name);
  bool variable = sym && (sym->kind == SymbolKind::Local || sym->kind == SymbolKind::Param ||
                          sym->kind == SymbolKind::PatternBinding || sym->kind == SymbolKind::Binding);
  if (!variable) return nullptr;
  if (sym->type == types_.webSocket() || (sym->kind == SymbolKind::Param && (sym->name == "req" || sym->name == "res")))
    return nullptr;  // the request, the response and a connection have methods of their own
  const Ty* recv = checkExpr(m->base);
  // A list, or a value of unknown type (a `var` that starts `[]`, a JSON document's list).
  if ((recv->kind != TyKind::Array && !recv->isDynamic()) || recv->sse_channel || recv->response) {
    prechecked_expr_ = m->base;  // checkMethodCall reports the method on this type (E2305)
    prechecked_type_ = recv;
    return nullptr;
  }
  if (!sym->is_mutable) {
    if (!promotableToVar(sym)) {
      reportImmutable(m->base, sym, true);
      return types_.dynamic();
    }
    sym->is_mutable = true;  // the family's `items = []` then `items.push(x)`: the binding changes
  }
  sym->reads++;
  model_.inplace_calls[call] = spec->method;
  return checkInplaceArgs(call, *spec, recv);
}

// A binding the program changes in place without having declared it `var` (`items = []` then
// `items.push(x)`, `counts = {}` then `counts[w] = n`): a server or shared binding, or a local
// bound by `=` or `let`, becomes mutable, and so does a parameter its function returns
// (`fn(acc, w) { acc[w] = (acc[w] ?? 0) + 1; acc }`: the caller gets the change as the result);
// another parameter, a pattern or a loop variable does not (the caller would never see it).
bool Checker::promotableToVar(const Symbol* sym) const {
  if (sym->kind == SymbolKind::Param)
    return returned_params_.count(llvm::dyn_cast_or_null<ast::Param>(sym->decl)) > 0;
  return sym->kind == SymbolKind::Binding ||
         (sym->kind == SymbolKind::Local && llvm::isa_and_nonnull<ast::LetStmt, ast::AssignStmt>(sym->decl));
}

void Checker::noteReturnedParams(llvm::ArrayRef<ast::Param*> params, const ast::Expr* body) {
  const ast::Expr* result = body;
  if (auto* b = llvm::dyn_cast_or_null<ast::BlockExpr>(body)) {
    result = b->resultExpr();
    if (!result && !b->stmts.empty())  // `{ ...; return acc }`
      if (auto* r = llvm::dyn_cast<ast::ReturnStmt>(b->stmts.back())) result = r->value;
  }
  auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(result);
  if (!name) return;
  for (const ast::Param* p : params)
    if (p->name.name == name->name.name) returned_params_.insert(p);
}

// The arguments against the list's element type, and the call's type.
const Ty* Checker::checkInplaceArgs(const ast::CallExpr* call, const InplaceSpec& spec, const Ty* recv) {
  const int n = static_cast<int>(call->args.size());
  const std::string name = fmt::format("{}.{}", std::string(file_.slice(llvm::cast<ast::MemberExpr>(call->callee)->base->range())), spec.name);
  if (n < spec.min_args || (spec.max_args >= 0 && n > spec.max_args)) {
    std::string expected = spec.max_args < 0 ? fmt::format("at least {}", spec.min_args)
                           : spec.min_args == spec.max_args ? fmt::format("{}", spec.min_args)
                                                            : fmt::format("{} or {}", spec.min_args, spec.max_args);
    reportCallArity(call, false, call->args.size(), name, expected, SourceRange(), "");
  }
  const Ty* elem = recv->kind == TyKind::Array ? recv->elem : types_.dynamic();
  const Ty* Int = types_.get(TyKind::Int);
  const Ty* list = recv->kind == TyKind::Array ? recv : types_.dynamic();
  auto arg = [&](int i, const Ty* expected) {
    const ast::Expr* a = call->args[static_cast<size_t>(i)];
    if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(a); u && u->op == ast::UnaryOp::Spread) {
      // `ys.push(...xs)`: each element of the list; elsewhere E2306.
      if (spec.method != InplaceMethod::Push && spec.method != InplaceMethod::Unshift) {
        checkExpr(u->operand);
        diags_.report(DiagId::SpreadArgument, SourceRange{a->range().begin, a->range().begin + 3}, name)
            .help(fmt::format("pass the list's elements one by one, or the list itself"));
        return;
      }
      const Ty* lt = checkExpr(u->operand);
      if (lt->kind == TyKind::String) lt = types_.array(lt);  // `chars.push(...s)`: its characters
      if (!expected->isDynamic())
        checkValueAgainst(u->operand, lt, types_.array(expected), fmt::format("the spread argument of `{}`", name));
      return;
    }
    const Ty* t = checkExprExpecting(a, expected->isDynamic() ? nullptr : expected);
    if (!checkUnitUse(a, fmt::format("argument {} of `{}`", i + 1, name)) && !expected->isDynamic())
      checkValueAgainst(a, t, expected, fmt::format("argument {} of `{}`", i + 1, name), SourceRange(), "");
  };
  switch (spec.method) {
    case InplaceMethod::Push:
    case InplaceMethod::Unshift:
      for (int i = 0; i < n; ++i) arg(i, elem);
      return Int;
    case InplaceMethod::Append:
      if (n > 0) arg(0, elem);
      return types_.get(TyKind::Unit);
    case InplaceMethod::Extend:
      if (n > 0) arg(0, list->isDynamic() ? list : types_.array(elem));
      return types_.get(TyKind::Unit);
    case InplaceMethod::Insert:
      if (n > 0) arg(0, Int);
      if (n > 1) arg(1, elem);
      return types_.get(TyKind::Unit);
    case InplaceMethod::Pop:
      if (n > 0) arg(0, Int);
      return elem->isDynamic() ? elem : types_.option(elem);
    case InplaceMethod::Shift: return elem->isDynamic() ? elem : types_.option(elem);
    case InplaceMethod::Remove:
      if (n > 0) arg(0, elem);
      return types_.get(TyKind::Bool);
    case InplaceMethod::Clear: return types_.get(TyKind::Unit);
    case InplaceMethod::Sort: return checkInplaceSort(call, recv);
    case InplaceMethod::Reverse: return list;
    case InplaceMethod::Splice:
      for (int i = 0; i < n; ++i) arg(i, i < 2 ? Int : elem);
      return list;
  }
  return types_.dynamic();
}

// `xs.sort()` sorts by the values; `xs.sort(fn(x) key)` by a key and `xs.sort(fn(a, b) ...)` by
// an order, as `sort_by` takes them (its signature types the lambda's parameters).
const Ty* Checker::checkInplaceSort(const ast::CallExpr* call, const Ty* recv) {
  if (call->args.empty()) return recv->kind == TyKind::Array ? recv : types_.dynamic();
  const Builtin* sort_by = model_.builtins.global("sort_by");
  auto* m = llvm::cast<ast::MemberExpr>(call->callee);
  std::vector<ArgInfo> args{{m->base, recv, m->base->range()}, {call->args[0], nullptr, call->args[0]->range()}};
  if (!llvm::isa<ast::LambdaExpr>(call->args[0])) args[1].type = checkExpr(call->args[0]);
  const Ty* t = checkBuiltinCall(call, sort_by, "sort", args, true);
  return t;
}

}  // namespace lux
