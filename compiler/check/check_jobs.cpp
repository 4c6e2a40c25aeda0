// Background jobs: `spawn_job(target, args...)` where the target is a `background fn` of this
// server, named by a string literal or by reference (E4001, E4002, E4004), with as many
// arguments as it takes (E4003) and of its declared types (E3001); and the options of
// `background fn name() with { ... }`. Entry points: Checker::checkSpawnJob, checkBackgroundOptions.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

void Checker::checkBackgroundOptions(const ast::BackgroundFnDecl* fn) {
  if (!fn->options) return;
  static const OptionSpec kJobOptions[] = {
      {"attempts", "", OptionSpec::Kind::Int},      {"retries", "attempts", OptionSpec::Kind::Int},
      {"backoff", "", OptionSpec::Kind::String},    {"backoff_delay", "", OptionSpec::Kind::Duration},
      {"delay", "", OptionSpec::Kind::Duration},    {"timeout", "", OptionSpec::Kind::Duration},
      {"priority", "", OptionSpec::Kind::SignedInt},
  };
  auto opts = checkOptions(fn->options, "`background fn`", kJobOptions);
  static const llvm::StringRef kBackoffs[] = {"exponential", "fixed"};
  checkOptionChoice(opts.lookup("backoff"), "`background fn`", kBackoffs);
  // lux::kMaxJobAttempts (runtime/include/lux/jobs.h); `retries: n` means n + 1 attempts
  checkOptionMax(opts.lookup("attempts"), "`background fn`", 100);
}

const Ty* Checker::checkSpawnJobWith(const ast::CallExpr* call, const Builtin* b, const std::vector<ArgInfo>& args) {
  const Ty* job_id = types_.get(TyKind::String);
  bool with = b->form == BuiltinForm::SpawnJobWith;
  if (args.size() < 2) {
    diags_.report(DiagId::CallArity, call->range(), std::string(b->name), "at least 2", args.size())
        .help(with ? "give the options, then the job: `spawn_job_with({ delay: 5.minutes, priority: 10 }, send_email, to)`"
                   : "give the delay, then the job: `spawn_job_in(5.minutes, send_email, to)`");
    return job_id;
  }
  if (with) {
    auto* obj = llvm::dyn_cast_or_null<ast::ObjectExpr>(args[0].expr);
    if (!obj) {
      diags_.report(DiagId::TypeMismatch, args[0].range, "{ delay: Duration, priority: Int }",
                    "the options of `spawn_job_with`", typeName(args[0].type));
    } else {
      static const OptionSpec kSpawnOptions[] = {
          {"delay", "", OptionSpec::Kind::Duration},
          {"priority", "", OptionSpec::Kind::SignedInt},
      };
      checkOptions(obj, "`spawn_job_with`", kSpawnOptions);
    }
  } else if (args[0].type->kind != TyKind::Duration && args[0].type->kind != TyKind::Int && !args[0].type->isDynamic()) {
    diags_.report(DiagId::TypeMismatch, args[0].range, "Duration", "the delay of `spawn_job_in`", typeName(args[0].type));
  }
  std::vector<ArgInfo> rest(args.begin() + 1, args.end());
  return checkSpawnJob(call, rest);
}

const Ty* Checker::checkSpawnJob(const ast::CallExpr* call, const std::vector<ArgInfo>& args) {
  const Ty* job_id = types_.get(TyKind::String);
  if (args.empty()) {
    diags_.report(DiagId::CallArity, call->range(), "spawn_job", "at least 1", 0)
        .help("name the job first: `spawn_job(\"send_email\", to)` or `spawn_job(send_email, to)`");
    return job_id;
  }
  const ast::Expr* target = args[0].expr;
  Symbol* sym = nullptr;
  std::string shown;
  if (auto* s = llvm::dyn_cast_or_null<ast::StringLit>(target)) {
    shown = s->value.str();
    // By name: a declaration of the server (or shared code), never a local that happens to match.
    sym = cur_server_ >= 0 ? serverSymbol(cur_server_, s->value) : nullptr;
    if (!sym) sym = global_.names.lookup(s->value);
    if (!sym) {
      std::vector<std::string_view> jobs;
      if (cur_server_ >= 0)
        for (const FunctionModel* fn : model_.servers[cur_server_].functions)
          if (fn->kind == SymbolKind::BackgroundFn) jobs.push_back(std::string_view(fn->name));
      diags_.report(DiagId::SpawnUnknownTarget, s->range(), shown, hereName()).didYouMean(closestMatch(s->value, jobs));
      return job_id;
    }
    sym->reads++;
    model_.resolved[s] = sym;
  } else if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(target)) {
    shown = n->name.name.str();
    auto it = model_.resolved.find(n);
    sym = it == model_.resolved.end() ? nullptr : const_cast<Symbol*>(it->second);
    if (!sym) return job_id;  // already reported as an unknown name
  } else {
    diags_.report(DiagId::SpawnTargetNotName, args[0].range,
                  args[0].type->isDynamic() ? std::string("an expression") : "a value of type `" + typeName(args[0].type) + "`");
    return job_id;
  }
  if (sym->kind != SymbolKind::BackgroundFn || !sym->fn) {
    auto d = diags_.report(DiagId::SpawnTargetNotBackground, args[0].range, shown);
    if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is {}, declared here", shown, symbolKindName(sym->kind)));
    if (sym->kind == SymbolKind::Function) d.help(fmt::format("declare it as `background fn {}(...)`", shown));
    return job_id;
  }
  const FunctionModel* fn = sym->fn;
  int given = static_cast<int>(args.size()) - 1;
  if (given < fn->minArgs() || given > fn->maxArgs()) {
    diags_.report(DiagId::SpawnArity, call->range(), shown, arityText(fn->minArgs(), fn->maxArgs()), given)
        .note(fn->decl->name.range, fmt::format("`{}` is declared here", shown));
    return job_id;
  }
  std::vector<ArgInfo> rest(args.begin() + 1, args.end());
  std::vector<const Ty*> ptys;
  for (const ParamModel& p : fn->params) ptys.push_back(p.annotated ? p.type : nullptr);
  checkArgsAgainst(rest, ptys, shown, fn->decl);
  return job_id;
}

}  // namespace lux
