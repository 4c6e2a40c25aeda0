// Calls and pipes: user functions (arity E2301, argument types E3001), built-ins from
// stdlib/builtins.def (their generic signature instantiated at each call, lambda arguments typed
// from it, then the row's form), module functions (E2302), model methods (E2502, fields E3004),
// enum variant constructors, Some/Ok/Err, RPC through a discovered service, and calls of things
// that are not functions (E2303). `x |> f(a)` is checked as `f(x, a)`.
// Entry points: Checker::checkCall, checkPipe, checkBuiltinCall, checkModelCall, checkArgsAgainst.
#include <cctype>
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

std::vector<ArgShape> argShapes(const std::vector<ArgInfo>& args) {
  std::vector<ArgShape> out;
  for (const ArgInfo& a : args) {
    ArgShape s;
    s.type = a.type;
    if (auto* l = llvm::dyn_cast_or_null<ast::LambdaExpr>(a.expr); l && !a.type)
      s.lambda_params = static_cast<int>(l->params.size());
    out.push_back(s);
  }
  return out;
}

}  // namespace

const Builtin* Checker::globalBuiltinCallee(const ast::Expr* callee) const {
  auto* n = llvm::dyn_cast<ast::NameExpr>(callee);
  if (!n) return nullptr;
  llvm::StringRef name = n->name.name;
  // The order of resolveValueName (check_expr.cpp): scopes, enum variants, Some/None/Ok/Err, built-ins.
  if (lookup(name) || variants_.count(name)) return nullptr;
  if (name == "Some" || name == "None" || name == "Ok" || name == "Err") return nullptr;
  return model_.builtins.global(name);
}

// The iterating built-ins pass the element's index after it, as JavaScript does
// (stdlib CallIndexed): a lambda that takes two parameters (`xs.map(fn(x, i) ...)`) gets an Int.
const Ty* Checker::withIndexParam(const Builtin* b, const ast::LambdaExpr* lam, const Ty* expected) {
  static const llvm::StringRef kIndexed[] = {"Map", "Filter", "Each", "Find", "FindIndex", "Any", "All", "FlatMap"};
  if (!expected || expected->kind != TyKind::Fn || expected->params.size() != 1 || lam->params.size() != 2 ||
      !llvm::is_contained(kIndexed, llvm::StringRef(b->cpp)))
    return expected;
  return types_.fn({expected->params[0], types_.get(TyKind::Int)}, expected->elem);
}

// `prices.reduce((a, b) => a + b, 0)` on a list of Floats: JavaScript has one number type, so the
// Int literal that starts the accumulator is the Float 0 here (as `const x: Float = 0` is), and
// the accumulator a Float, when the lambda's result is arithmetic on the element (`a + b`,
// `acc + p * 2`; `(n, p) => n + 1` keeps counting in Ints); also `scan`.
void Checker::floatAccumulator(const Builtin* b, std::vector<ArgInfo>& args, const Ty* self) {
  if (llvm::StringRef(b->cpp) != "Reduce" && llvm::StringRef(b->cpp) != "Scan") return;
  const Ty* list = self ? self : (args.empty() ? nullptr : args[0].type);
  if (args.size() != (self ? 2u : 3u) || !list || list->kind != TyKind::Array || list->elem != types_.get(TyKind::Float))
    return;
  auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(args[self ? 0 : 1].expr);
  if (!lam || lam->params.size() < 2) return;
  const ast::Expr* result = lam->body;
  if (auto* block = llvm::dyn_cast<ast::BlockExpr>(result)) result = block->resultExpr();
  auto* arith = llvm::dyn_cast_or_null<ast::BinaryExpr>(result);
  if (!arith || arith->op > ast::BinaryOp::Mod) return;  // Add, Sub, Mul, Div, Mod
  const std::string_view element(lam->params[1]->name.name.data(), lam->params[1]->name.name.size());
  const std::string_view text = file_.slice(arith->range());
  bool mentions = false;
  for (size_t at = text.find(element); at != std::string_view::npos && !mentions; at = text.find(element, at + 1)) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    mentions = (at == 0 || !word(text[at - 1])) && (at + element.size() == text.size() || !word(text[at + element.size()]));
  }
  if (!mentions) return;
  const ast::Expr* init = args.back().expr;
  if (auto* neg = llvm::dyn_cast_or_null<ast::UnaryExpr>(init); neg && neg->op == ast::UnaryOp::Neg) init = neg->operand;
  if (llvm::isa_and_nonnull<ast::IntLit>(init) && args.back().type == types_.get(TyKind::Int))
    args.back().type = types_.get(TyKind::Float);
}

const Ty* Checker::checkBuiltinCall(const ast::CallExpr* call, const Builtin* b, const std::string& shown,
                                    std::vector<ArgInfo>& args, bool piped, const Ty* self) {
  // Lambdas, left to right, each against the signature instantiated from the arguments known so
  // far: `xs |> map(fn(x) ...)` gives `x` the element type of `xs`.
  if (b->form == BuiltinForm::MockService) checkMockFunctions(args);
  floatAccumulator(b, args, self);
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type) continue;
    auto* lam = llvm::cast<ast::LambdaExpr>(args[i].expr);
    Instance in = instantiate(types_, *b, argShapes(args), self);
    static const llvm::StringRef kTruthy[] = {"Filter", "Find", "FindIndex", "FindLast", "Any",
                                              "All", "Count", "Partition", "NoneMatch"};
    truthy_predicate_ = llvm::is_contained(kTruthy, llvm::StringRef(b->cpp));
    args[i].type = checkLambda(lam, withIndexParam(b, lam, i < in.params.size() ? in.params[i] : nullptr));
    model_.expr_types[lam] = args[i].type;
  }
  if ((b->form == BuiltinForm::Test || b->form == BuiltinForm::MockService) && !in_test_)
    diags_.report(DiagId::TestBuiltinOutsideTest, call->callee->range(), shown)
        .help("move the call into a `test \"name\" { ... }` block, which `luxc test` runs");
  switch (b->form) {
    case BuiltinForm::SpawnJob: return checkSpawnJob(call, args);
    case BuiltinForm::SpawnJobIn:
    case BuiltinForm::SpawnJobWith: return checkSpawnJobWith(call, b, args);
    default: break;
  }
  const size_t n = args.size();
  Instance in = instantiate(types_, *b, argShapes(args), self);
  if (!b->acceptsCount(static_cast<int>(n))) {
    reportCallArity(call, piped, n, shown, arityText(b->min_args, b->max_args));
    return in.result;
  }
  unpinOverloadedJson(b, args, in);
  checkArgsAgainst(args, in.params, shown, nullptr);
  const RecordInfo* rec = self && self->kind == TyKind::Record ? self->record : nullptr;
  auto objectArg = [&](size_t i) { return i < n ? llvm::dyn_cast_or_null<ast::ObjectExpr>(args[i].expr) : nullptr; };
  switch (b->form) {
    case BuiltinForm::Publish: notePublish(call, args); break;
    case BuiltinForm::Respond:
      if (n > 0) checkResponseStatus(b, args[0].expr, 100);
      if (n == 3 && args[2].expr) checkHeaderLiterals(args[2].expr);
      break;
    case BuiltinForm::RespondError:
      if (n > 0) checkResponseStatus(b, args[0].expr, 400);
      break;
    case BuiltinForm::Redirect:
      if (n > 1) checkRedirectStatus(args[1].expr);
      break;
    case BuiltinForm::Cookie: checkCookieOptions(call, b->name == "clear_cookie" ? 1 : 2); break;
    case BuiltinForm::Jwt:
      if (auto* o = objectArg(2)) checkJwtSignOptions(o);
      break;
    case BuiltinForm::Test: checkTestCall(b, args); break;
    case BuiltinForm::ModelFields:
      // The fields object is the last argument (`create(fields)`, `update(id, fields)`).
      if (rec && n > 0)
        if (auto* obj = objectArg(n - 1)) {
          checkObjectAgainstRecord(obj, rec, fmt::format("model `{}`", rec->name.str()), false);
          if (b->name == "create") checkCreateFields(obj, rec);
        }
      break;
    case BuiltinForm::ModelQuery:
      // Filters first (`where(filter, options)`, `count(filter)`), then the query options.
      if (!rec) break;
      if (auto* obj = objectArg(0)) checkObjectAgainstRecord(obj, rec, fmt::format("model `{}`", rec->name.str()), true);
      if (auto* o = objectArg(1)) {
        static const OptionSpec kQueryOptions[] = {
            {"order_by", "", OptionSpec::Kind::String}, {"desc", "", OptionSpec::Kind::Bool},
            {"limit", "", OptionSpec::Kind::Int},       {"offset", "", OptionSpec::Kind::Int},
        };
        checkOptions(o, fmt::format("`{}`", b->name), kQueryOptions);
      }
      break;
    default: checkStdlibLiterals(b, args); break;
  }
  // A JSON document made from one the client sent (`JSON.parse(req.body.payload)`) is the
  // client's too (a failed conversion of it answers 400).
  if (in.result && in.result->json && in.sig)
    for (size_t i = 0; i < n; ++i)
      if (args[i].type && args[i].type->client && in.sig->paramAt(i) && in.sig->paramAt(i)->json) return types_.clientJson();
  return in.result;
}

// `Math.max(...xs)`, `max(...xs)`: a built-in that takes a list in that place, given one spread
// argument, takes the list itself. Any other spread argument is E2306 (`xs.push(...ys)` is an
// in-place method, checkInplaceArgs).
void Checker::checkSpreadArgs(const ast::CallExpr* call, const Builtin* b) {
  for (const ast::Expr* a : call->args) {
    auto* u = llvm::dyn_cast<ast::UnaryExpr>(a);
    if (!u || u->op != ast::UnaryOp::Spread) continue;
    bool list_param = false;
    if (b && call->args.size() == 1)
      for (const Signature& sig : b->overloads)
        list_param = list_param || (sig.acceptsCount(1) && sig.paramAt(0) && sig.paramAt(0)->kind == TyKind::Array);
    if (list_param) {
      model_.spread_lists.insert(a);
      continue;
    }
    std::string callee(file_.slice(call->callee->range()));
    diags_.report(DiagId::SpreadArgument, SourceRange{a->range().begin, a->range().begin + 3}, callee)
        .help(fmt::format("pass the list itself (`{}({})`), or its elements one by one", callee,
                          std::string(file_.slice(u->operand->range()))));
  }
}

bool Checker::spreadReported(const ast::CallExpr* call) const {
  for (const ast::Expr* a : call->args)
    if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(a); u && u->op == ast::UnaryOp::Spread && !model_.spread_lists.count(a))
      return true;
  return false;
}

// `Math.max` in `Math.max(...)`: the module built-in a call names, when no binding hides the module.
const Builtin* Checker::moduleBuiltinCallee(const ast::Expr* callee) {
  auto* m = llvm::dyn_cast<ast::MemberExpr>(callee);
  auto* base = m ? llvm::dyn_cast<ast::NameExpr>(m->base) : nullptr;
  if (!base || lookup(base->name.name) || !model_.builtins.isModule(base->name.name)) return nullptr;
  return model_.builtins.module(base->name.name, m->member.name);
}

// A `Json` argument where the built-in's overloads want different types (`abs(req.body.x)`: an
// Int or a Float) takes none of them: it is a number when each wants one, else unchecked.
void Checker::unpinOverloadedJson(const Builtin* b, const std::vector<ArgInfo>& args, Instance& in) {
  if (b->overloads.size() < 2 || !in.sig) return;
  for (size_t i = 0; i < args.size() && i < in.params.size(); ++i) {
    if (!args[i].type || !args[i].type->json || !in.params[i]) continue;
    bool same = true;
    bool numeric = true;
    for (const Signature& s : b->overloads) {
      if (!s.acceptsCount(static_cast<int>(args.size()))) continue;
      const Ty* p = s.paramAt(i);
      same &= p == in.sig->paramAt(i);
      numeric &= p && p->isNumeric();
    }
    if (same) continue;
    in.params[i] = nullptr;
    if (numeric) convertJson(args[i].expr, args[i].type, nullptr, JsonConversion::Mode::Number);
  }
}

void Checker::checkArgsAgainst(const std::vector<ArgInfo>& args, const std::vector<const Ty*>& params,
                               const std::string& callee, const ast::Node* decl_note) {
  for (size_t i = 0; i < args.size() && i < params.size(); ++i) {
    if (!params[i]) continue;
    SourceRange note_at;
    std::string note;
    if (auto* fn = llvm::dyn_cast_or_null<ast::FnDecl>(decl_note); fn && i < fn->params.size()) {
      note_at = fn->params[i]->range();
      note = fmt::format("parameter `{}` is declared here", fn->params[i]->name.name.str());
    }
    std::string what = fmt::format("argument {} of `{}`", i + 1, callee);
    if (args[i].expr) checkValueAgainst(args[i].expr, args[i].type, params[i], what, note_at, note);
    else expectType(args[i].type, params[i], args[i].range, what, note_at, note);
  }
}

const Ty* Checker::checkPipe(const ast::PipeExpr* e) {
  const Ty* vt = checkExpr(e->value);
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(e->target)) return checkCall(call, e->value, vt, e->value->range());
  // `x |> f` means `f(x)`: check it as a call with no arguments of its own.
  ast::CallExpr synthetic(e->target->range(), e->target, {});
  const Ty* t = checkCall(&synthetic, e->value, vt, e->value->range());
  model_.expr_types.erase(&synthetic);
  return t;
}

// The arguments of `call` after the piped one, each checked against what its place expects when
// that is known first (a user function's typed parameter, a positional record's field); a
// built-in's lambdas (and mock_service's functions object) wait for checkBuiltinCall.
void Checker::checkCallArgs(const ast::CallExpr* call, const ast::Expr* piped, const Builtin* global_builtin,
                            std::vector<ArgInfo>& args) {
  const bool lambdas_wait = global_builtin != nullptr;
  const bool mock_waits = global_builtin && global_builtin->form == BuiltinForm::MockService;
  // A user function's typed parameters are known before its arguments are checked.
  const FunctionModel* fn = nullptr;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(call->callee))
    if (const Symbol* s = lookup(n->name.name); s && s->fn) fn = s->fn;
  const RecordInfo* positional = piped ? nullptr : positionalRecordOf(call->callee);
  checkSpreadArgs(call, piped ? nullptr : global_builtin ? global_builtin : moduleBuiltinCallee(call->callee));
  for (const ast::Expr* a : call->args) {
    size_t i = args.size();
    if (model_.spread_lists.count(a)) {  // `Math.max(...xs)`: the list itself
      const Ty* t = checkExpr(llvm::cast<ast::UnaryExpr>(a)->operand);
      model_.expr_types[a] = t;
      args.push_back({a, t, a->range()});
      continue;
    }
    const Ty* expected = fn && i < fn->params.size() && fn->params[i].annotated ? fn->params[i].type : nullptr;
    if (positional && i < positional->fields.size()) expected = positional->fields[i].type;
    bool waits = (lambdas_wait && llvm::isa<ast::LambdaExpr>(a)) || (mock_waits && i == 1 && llvm::isa<ast::ObjectExpr>(a));
    args.push_back({a, waits ? nullptr : checkExprExpecting(a, expected), a->range()});
  }
}

const Ty* Checker::checkCall(const ast::CallExpr* call, const ast::Expr* piped, const Ty* piped_type,
                             SourceRange piped_range) {
  if (!piped) {
    if (const Ty* t = checkImplMethodCall(call)) return t;  // `p.norm()`, `Point.origin()`
    if (const Ty* t = checkInplaceMethod(call)) return t;  // `items.push(x)` on a binding
    if (const Ty* t = checkBuiltinMethod(call)) return t;  // `s.upper()`: `upper(s)`
  }
  const auto method = model_.method_builtins.find(call);
  const Builtin* method_builtin = method == model_.method_builtins.end() ? nullptr : method->second;
  std::vector<ArgInfo> args;
  if (piped) args.push_back({piped, piped_type, piped_range});
  // A global built-in types its lambda arguments from its signature (checkBuiltinCall), and
  // mock_service its functions object from the mocked peer (checkMockFunctions).
  const Builtin* global_builtin = method_builtin ? method_builtin : globalBuiltinCallee(call->callee);
  if (global_builtin) {
    if (global_builtin->name == "stream") prepareStreamCall(call);
    if (global_builtin->name == "stream" || global_builtin->name == "sse_channel") markSseUse();
  }
  checkCallArgs(call, piped, global_builtin, args);
  const RecordInfo* positional = piped ? nullptr : positionalRecordOf(call->callee);
  // The result of a built-in that returns nothing is no argument (E3010); nor is it piped.
  for (size_t i = 0; i < args.size(); ++i)
    if (checkUnitUse(args[i].expr, fmt::format("argument {} of `{}`", i + 1, std::string(file_.slice(call->callee->range())))))
      args[i].type = types_.dynamic();
  const size_t n = args.size();
  auto arityError = [&](const std::string& name, const std::string& expected, SourceRange note_at, const std::string& note) {
    reportCallArity(call, piped != nullptr, n, name, expected, note_at, note);
  };

  if (auto* callee = llvm::dyn_cast<ast::NameExpr>(call->callee)) {
    llvm::StringRef name = callee->name.name;
    const Symbol* sym = nullptr;
    if (Symbol* s = lookup(name)) {
      s->reads++;
      model_.resolved[callee] = s;
      sym = s;
    } else {
      checkName(callee, /*as_callee=*/true);
      auto it = model_.resolved.find(callee);
      sym = it == model_.resolved.end() ? nullptr : it->second;
    }
    if (!sym) return types_.dynamic();
    switch (sym->kind) {
      case SymbolKind::Function:
      case SymbolKind::BackgroundFn:
      case SymbolKind::Middleware: return checkFunctionCall(call, piped != nullptr, callee, sym, args);
      case SymbolKind::Variant: return checkVariantCall(call, piped != nullptr, callee, sym, args);
      case SymbolKind::OptionCtor: return checkOptionCtorCall(call, piped != nullptr, callee, args);
      case SymbolKind::Type:
        if (positional) return checkPositionalRecord(call, false, callee, sym, args);
        return reportNotCallable(callee, sym);
      case SymbolKind::Builtin: return checkBuiltinCall(call, sym->builtin, name.str(), args, piped != nullptr);
      case SymbolKind::Local:
      case SymbolKind::Param:
      case SymbolKind::PatternBinding:
      case SymbolKind::Binding:
      case SymbolKind::Env:
        if (auto it = stream_params_.find(sym->decl); it != stream_params_.end())
          checkStreamFnCall(call, piped != nullptr, sym, it->second, args);
        return checkValueCall(callee, sym);
      default: return reportNotCallable(callee, sym);
    }
  }

  if (auto* callee = llvm::dyn_cast<ast::MemberExpr>(call->callee)) {
    if (method_builtin) return checkBuiltinCall(call, method_builtin, callee->member.name.str(), args, true);
    if (auto* base = llvm::dyn_cast<ast::NameExpr>(callee->base)) {
      Symbol* sym = lookup(base->name.name);
      if (sym && sym->kind == SymbolKind::Model) {
        sym->reads++;
        model_.resolved[base] = sym;
        return checkModelCall(call, callee, sym, args);
      }
      if (sym && sym->kind == SymbolKind::Service) {
        sym->reads++;
        model_.resolved[base] = sym;
        return checkRpcCall(call, callee, sym, args);
      }
      if (sym && sym->kind == SymbolKind::Type && sym->enum_info) {
        const Ty* et = checkMember(callee);
        if (const VariantInfo* v = sym->enum_info->variant(callee->member.name)) {
          std::string qn = fmt::format("{}.{}", base->name.name.str(), v->name.str());
          if (v->payload.size() != n) arityError(qn, fmt::format("{}", v->payload.size()), v->range, fmt::format("variant `{}` is declared here", v->name.str()));
          else checkArgsAgainst(args, v->payload, qn, nullptr);
        }
        return et;
      }
      if (!sym && model_.builtins.isModule(base->name.name)) {
        checkName(base);
        const Builtin* b = model_.builtins.module(base->name.name, callee->member.name);
        std::string qn = fmt::format("{}.{}", base->name.name.str(), callee->member.name.str());
        if (!b) {
          diags_.report(DiagId::UnknownModuleMember, callee->member.range, base->name.name.str(), callee->member.name.str())
              .didYouMean(closestMatch(callee->member.name, model_.builtins.namesOf(std::string_view(base->name.name))));
          return types_.dynamic();
        }
        return checkBuiltinCall(call, b, qn, args, piped != nullptr);
      }
    }
    if (const Ty* t = checkRequestHeaderCall(call, callee, args)) return t;  // `req.get("Content-Type")`
    const Ty* t = checkMethodCall(call, callee);  // a method of a value: `res.status(500)`, `req.headers.get(...)`
    checkChannelCall(call, callee, piped != nullptr, args);
    return t;
  }

  if (auto* lam = llvm::dyn_cast<ast::LambdaExpr>(call->callee)) return checkCalledLambda(call, lam, args);
  const Ty* ct = checkExpr(call->callee);
  if (ct->kind == TyKind::Fn) return ct->elem ? ct->elem : types_.dynamic();
  return types_.dynamic();
}

// A lambda called where it is written (`x |> fn(n) n * 2`, `(fn(s) s.upper())("hi")`): its
// parameters take the arguments' types.
const Ty* Checker::checkCalledLambda(const ast::CallExpr* call, const ast::LambdaExpr* lam, const std::vector<ArgInfo>& args) {
  if (lam->params.size() != args.size()) {
    reportCallArity(call, false, args.size(), "this lambda", fmt::format("{}", lam->params.size()), {}, "");
    return types_.dynamic();
  }
  std::vector<const Ty*> ptys;
  for (const ArgInfo& a : args) ptys.push_back(a.type ? a.type : types_.dynamic());
  const Ty* ct = checkExprExpecting(lam, types_.fn(ptys, nullptr));
  return ct->kind == TyKind::Fn && ct->elem ? ct->elem : types_.dynamic();
}

// Express's `req.get(name)` / `req.header(name)` on the request (an unannotated parameter `req` or
// `request`): the header, an `Option<String>`; the name is a String.
const Ty* Checker::checkRequestHeaderCall(const ast::CallExpr* call, const ast::MemberExpr* callee,
                                          const std::vector<ArgInfo>& args) {
  auto* base = llvm::dyn_cast<ast::NameExpr>(callee->base);
  llvm::StringRef m = callee->member.name;
  if (!base || args.size() != 1 || !(m == "get" || m == "header")) return nullptr;
  Symbol* sym = lookup(base->name.name);
  if (!isRequestParam(sym)) return nullptr;
  sym->reads++;
  model_.resolved[base] = sym;
  checkArgsAgainst(args, {types_.get(TyKind::String)}, fmt::format("req.{}", m.str()), nullptr);
  return types_.option(types_.get(TyKind::String));
}

// `x.f(...)` where `x` is a value: `f` must be a field of function type (or of unknown type) of a
// record; on a value of any other known type there is no method to call (E2305). Built-ins take
// the value as their first argument (`x |> f(...)`), never as a receiver. Unknown receivers (Any,
// object literals) stay unchecked.
const Ty* Checker::checkMethodCall(const ast::CallExpr* call, const ast::MemberExpr* callee) {
  const ast::MemberExpr* outer = callee_member_;
  callee_member_ = callee;  // checkMember leaves a method of a field-less type to E2305 below
  const Ty* ft = checkExpr(callee);
  callee_member_ = outer;
  if (ft->kind == TyKind::Fn) return ft->elem ? ft->elem : types_.dynamic();
  auto it = model_.expr_types.find(callee->base);
  const Ty* recv = it == model_.expr_types.end() ? types_.dynamic() : it->second;
  if (recv->isDynamic() || recv->kind == TyKind::Object || recv->kind == TyKind::Param) return types_.dynamic();
  std::string method = callee->member.name.str();
  if (recv->kind == TyKind::Record) {
    const FieldInfo* f = recv->record->field(callee->member.name);
    if (f && !ft->isDynamic()) {
      diags_.report(DiagId::NotCallable, call->callee->range(), fmt::format("{}.{}", recv->record->name.str(), method),
                    fmt::format("a field of type `{}`", typeName(ft)))
          .note(f->range, fmt::format("`{}` is declared here", method));
    }
    return types_.dynamic();  // a missing field is E3004 (checkMember)
  }
  auto d = diags_.report(DiagId::UnknownMethod, callee->member.range, typeName(recv), method);
  if (std::string h = familyMethodHelp(call, callee, recv); !h.empty()) {
    d.help(h);  // `items.push(x)` on a computed list, `name?.upper()`: the family's methods Lux writes another way
    return types_.dynamic();
  }
  if (const Builtin* b = model_.builtins.global(callee->member.name); b && !method.starts_with("__")) {
    Instance in = instantiate(types_, *b, {ArgShape{recv, -1}});
    if (!in.params.empty() && in.params[0] && !isAssignable(recv, in.params[0])) {
      // `o.isOk()` on an Option: the built-in exists but is for another kind of value.
      d.help(fmt::format("the built-in `{}` is `{}`: it does not take a value of type `{}`", method, b->signature, typeName(recv)));
      return types_.dynamic();
    }
    d.help(fmt::format("`{0}` is a built-in function that takes the value as its first argument: write "
                       "`value |> {0}(...)` or `{0}(value, ...)`", method));
    return types_.dynamic();
  }
  std::string_view near = closestMatch(method, builtinsAccepting(recv));
  d.didYouMean(near);
  d.help(fmt::format("built-in functions take the value as their first argument: `value |> {}(...)`",
                     near.empty() ? std::string_view("f") : near));
  return types_.dynamic();
}

// The global built-ins whose first parameter accepts a value of type `t` (did-you-mean for E2305).
std::vector<std::string_view> Checker::builtinsAccepting(const Ty* t) {
  std::vector<std::string_view> out;
  for (const Builtin& b : model_.builtins.all()) {
    if (b.owner != "Global" || b.max_args == 0 || b.name.starts_with("__")) continue;
    Instance in = instantiate(types_, b, {ArgShape{t, -1}});
    if (!in.params.empty() && (!in.params[0] || isAssignable(t, in.params[0])))
      out.push_back(b.name);
  }
  return out;
}

void Checker::reportCallArity(const ast::CallExpr* call, bool piped, size_t n, const std::string& name,
                              const std::string& expected, SourceRange note_at, const std::string& note) {
  if (spreadReported(call)) return;  // E2306 said what is wrong with the arguments
  auto d = diags_.report(DiagId::CallArity, call->range(), name, expected, n);
  if (note_at.size() > 0) d.note(note_at, note);
  if (piped && model_.method_builtins.count(call)) d.help("the value before the `.` is the built-in's first argument");
  else if (piped) d.help("the value on the left of `|>` is the first argument");
  else if ((name == "Math.min" || name == "Math.max" || name == "min" || name == "max") && n > 2 && !call->args.empty())
    d.help(fmt::format("`{0}` takes up to six values or a list: `{0}([{1}])`", name,  // a long `Math.min(a, b, ...)`
                       file_.slice(SourceRange::cover(call->args.front()->range(), call->args.back()->range()))));
}

const Ty* Checker::checkFunctionCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee, const Symbol* sym,
                                     const std::vector<ArgInfo>& args) {
  const FunctionModel* fn = sym->fn;
  if (!fn) return types_.dynamic();
  std::string name = callee->name.name.str();
  int lo = fn->minArgs(), hi = fn->maxArgs();
  int n = static_cast<int>(args.size());
  if (n < lo || n > hi) {
    reportCallArity(call, piped, args.size(), name, arityText(lo, hi), fn->decl->name.range,
                    fmt::format("`{}` is declared here", name));
  } else {
    std::vector<const Ty*> ptys;
    for (const ParamModel& p : fn->params) ptys.push_back(p.annotated ? p.type : nullptr);
    checkArgsAgainst(args, ptys, name, fn->decl);
  }
  return fn->result;
}

const Ty* Checker::checkVariantCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee, const Symbol* sym,
                                    const std::vector<ArgInfo>& args) {
  const VariantInfo* v = sym->variant;
  std::string name = callee->name.name.str();
  if (v->payload.size() != args.size()) {
    reportCallArity(call, piped, args.size(), name, fmt::format("{}", v->payload.size()), v->range,
                    fmt::format("variant `{}` is declared here", name));
  } else {
    checkArgsAgainst(args, v->payload, name, nullptr);
  }
  return sym->type;
}

const Ty* Checker::checkOptionCtorCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee,
                                       const std::vector<ArgInfo>& args) {
  llvm::StringRef name = callee->name.name;
  if (name == "None") {
    diags_.report(DiagId::NotCallable, callee->range(), "None", "a value");
    return types_.option(types_.dynamic());
  }
  if (args.size() != 1) {
    reportCallArity(call, piped, args.size(), name.str(), "1");
    return types_.dynamic();
  }
  if (name == "Some") return types_.option(args[0].type);
  if (name == "Ok") return types_.result(args[0].type, types_.dynamic());
  return types_.result(types_.dynamic(), args[0].type);
}

const Ty* Checker::checkValueCall(const ast::NameExpr* callee, const Symbol* sym) {
  const Ty* t = sym->type;
  if (t && t->kind == TyKind::Fn) return t->elem ? t->elem : types_.dynamic();
  if (t && !t->isDynamic()) {
    diags_.report(DiagId::NotCallable, callee->range(), callee->name.name.str(),
                  fmt::format("a value of type `{}`", typeName(t)))
        .note(sym->range, fmt::format("`{}` is declared here", callee->name.name.str()));
  }
  return types_.dynamic();
}

const Ty* Checker::reportNotCallable(const ast::NameExpr* callee, const Symbol* sym) {
  std::string name = callee->name.name.str();
  auto d = diags_.report(DiagId::NotCallable, callee->range(), name, symbolKindName(sym->kind));
  if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here", name));
  if (sym->record) d.help(fmt::format("construct a record with `{} {{ field: value }}`", name));
  if (sym->kind == SymbolKind::Module) {
    // `log(e)`: the module's functions are what can be called (`log.info(e)`).
    std::string fns;
    for (std::string_view f : model_.builtins.namesOf(name)) fns += fmt::format("{}`{}.{}`", fns.empty() ? "" : ", ", name, f);
    if (name == "Date")  // JavaScript's `new Date()` (`new` is skipped), `new Date(ms).toISOString()`
      d.help("Lux's dates are milliseconds since the epoch (Ints): `new Date()` is `Date.now()`, or `now_iso()` for its "
             "ISO 8601 text; `new Date(ms).toISOString()` is `date_format(ms)`");
    else if (name == "Array")  // `Array(3).fill(0)`, `new Array(n)`
      d.help("`Array(n).fill(v)` is `range(n).map(fn(_) v)`; a list literal is `[0, 0, 0]`");
    else if (!fns.empty()) d.help(fmt::format("call one of its functions: {}", fns));
  }
  return types_.dynamic();
}

const Ty* Checker::checkModelCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const Symbol* sym,
                                  const std::vector<ArgInfo>& args) {
  llvm::StringRef method = callee->member.name;
  const Builtin* b = model_.builtins.modelMethod(method);
  std::string qn = fmt::format("{}.{}", sym->name.str(), method.str());
  if (!b && sym->model)
    for (const ModelRelation& rel : sym->model->relations)
      if (rel.accessor == method) return checkRelationCall(call, *sym->model, rel, args, qn);
  if (!b) {
    auto d = diags_.report(DiagId::UnknownModelMethod, callee->member.range, sym->name.str(), method.str());
    if (method == "soft_delete" || method == "restore" || method == "active")
      d.help("soft deletion is a field of the model: declare `deleted_at: Option<Int> = nil`, then "
             "`M.update(id, { deleted_at: Date.now() })`, `M.update(id, { deleted_at: nil })` and `M.where({ deleted_at: nil })`");
    else
      d.didYouMean(closestMatch(method, model_.builtins.namesOf("Model")));
    return types_.dynamic();
  }
  const RecordInfo* rec = sym->model ? sym->model->record : nullptr;
  std::vector<ArgInfo> checked = args;
  return checkBuiltinCall(call, b, qn, checked, false, rec ? types_.record(rec) : types_.dynamic());
}

}  // namespace lux
