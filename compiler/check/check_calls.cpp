// Calls and pipes: user functions (arity E2301, argument types E3001), built-ins from
// stdlib/builtins.def, module functions (E2302), model methods (E2502, fields E3004), enum
// variant constructors, Some/Ok/Err, RPC through a discovered service, and calls of things that
// are not functions (E2303). `x |> f(a)` is checked as `f(x, a)`.
// Entry points: Checker::checkCall, checkPipe, checkModelCall, checkArgsAgainst.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {


}  // namespace

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
    expectType(args[i].type, params[i], args[i].range, fmt::format("argument {} of `{}`", i + 1, callee), note_at, note);
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

const Ty* Checker::checkCall(const ast::CallExpr* call, const ast::Expr* piped, const Ty* piped_type,
                             SourceRange piped_range) {
  std::vector<ArgInfo> args;
  if (piped) args.push_back({piped, piped_type, piped_range});
  for (const ast::Expr* a : call->args) args.push_back({a, checkExpr(a), a->range()});
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
      case SymbolKind::Builtin: {
        const Builtin* b = sym->builtin;
        if (b->name == "spawn_job") return checkSpawnJob(call, args);
        if (b->name == "spawn_job_in" || b->name == "spawn_job_with") return checkSpawnJobWith(call, b, args);
        if (!b->acceptsCount(static_cast<int>(n))) {
          arityError(name.str(), arityText(b->min_args, b->max_args), {}, {});
          return b->result ? b->result : types_.dynamic();
        }
        std::vector<const Ty*> ptys;
        for (size_t i = 0; i < n; ++i) ptys.push_back(b->paramType(i));
        checkArgsAgainst(args, ptys, name.str(), nullptr);
        if (b->name == "publish") notePublish(call, args);
        if (b->name == "respond" && n == 3) checkHeaderLiterals(call->args[2]);
        if (b->result_is_first_arg) return n > 0 ? args[0].type : types_.dynamic();
        return b->result ? b->result : types_.dynamic();
      }
      case SymbolKind::Local:
      case SymbolKind::Param:
      case SymbolKind::PatternBinding:
      case SymbolKind::Binding:
      case SymbolKind::Env: return checkValueCall(callee, sym);
      default: return reportNotCallable(callee, sym);
    }
  }

  if (auto* callee = llvm::dyn_cast<ast::MemberExpr>(call->callee)) {
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
        if (!b->acceptsCount(static_cast<int>(n))) {
          arityError(qn, arityText(b->min_args, b->max_args), {}, {});
        } else {
          std::vector<const Ty*> ptys;
          for (size_t i = 0; i < n; ++i) ptys.push_back(b->paramType(i));
          checkArgsAgainst(args, ptys, qn, nullptr);
        }
        return b->result ? b->result : types_.dynamic();
      }
    }
    checkExpr(callee);  // a method of a value: `res.status(500)`, `req.headers.get(...)`
    return types_.dynamic();
  }

  const Ty* ct = checkExpr(call->callee);
  if (ct->kind == TyKind::Fn) return ct->elem ? ct->elem : types_.dynamic();
  return types_.dynamic();
}

void Checker::reportCallArity(const ast::CallExpr* call, bool piped, size_t n, const std::string& name,
                              const std::string& expected, SourceRange note_at, const std::string& note) {
  auto d = diags_.report(DiagId::CallArity, call->range(), name, expected, n);
  if (note_at.size() > 0) d.note(note_at, note);
  if (piped) d.help("the value on the left of `|>` is the first argument");
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
  return types_.dynamic();
}

const Ty* Checker::checkModelCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const Symbol* sym,
                                  const std::vector<ArgInfo>& args) {
  llvm::StringRef method = callee->member.name;
  const Builtin* b = model_.builtins.modelMethod(method);
  std::string qn = fmt::format("{}.{}", sym->name.str(), method.str());
  if (!b) {
    diags_.report(DiagId::UnknownModelMethod, callee->member.range, sym->name.str(), method.str())
        .didYouMean(closestMatch(method, model_.builtins.namesOf("Model")));
    return types_.dynamic();
  }
  const RecordInfo* rec = sym->model ? sym->model->record : nullptr;
  const Ty* self = rec ? types_.record(rec) : types_.dynamic();
  if (!b->acceptsCount(static_cast<int>(args.size()))) {
    diags_.report(DiagId::CallArity, call->range(), qn, arityText(b->min_args, b->max_args), args.size());
  } else {
    std::vector<const Ty*> ptys;
    for (size_t i = 0; i < args.size(); ++i) ptys.push_back(b->paramType(i));
    checkArgsAgainst(args, ptys, qn, nullptr);
    if (rec) {
      std::string what = fmt::format("model `{}`", rec->name.str());
      // The fields object: the first argument (`update(id, fields)`: the second); `where`'s
      // second argument is its options ({ order_by, desc, limit, offset }).
      size_t at = method == "update" ? 1 : 0;
      auto* obj = args.size() > at ? llvm::dyn_cast_or_null<ast::ObjectExpr>(args[at].expr) : nullptr;
      if (obj && (method == "create" || method == "update")) checkObjectAgainstRecord(obj, rec, what, false);
      else if (obj && (method == "where" || method == "count")) checkObjectAgainstRecord(obj, rec, what, true);
      if (method == "where" && args.size() > 1)
        if (auto* o = llvm::dyn_cast_or_null<ast::ObjectExpr>(args[1].expr)) {
          static const OptionSpec kWhereOptions[] = {
              {"order_by", "", OptionSpec::Kind::String}, {"desc", "", OptionSpec::Kind::Bool},
              {"limit", "", OptionSpec::Kind::Int},       {"offset", "", OptionSpec::Kind::Int},
          };
          checkOptions(o, "`where`", kWhereOptions);
        }
    }
  }
  if (b->result_is_self) return self;
  if (b->result_is_self_array) return types_.array(self);
  if (b->result_is_self_option) return types_.option(self);
  return b->result ? b->result : types_.dynamic();
}

}  // namespace lux
