// Route modifiers after `with` on a route or a route group, read from route_modifiers.def: the
// name (E4209 with did-you-mean), the arguments (E4920: count, type, a literal; E4921: a value
// below the row's minimum or an empty role), `auth` without an `auth { }` block (E4208), `role`
// without `auth` before it (E4922), the same modifier twice in one `with` (E4923).
// Entry point: Checker::checkRouteModifiers.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

struct RouteModifierRow {
  const char* name;
  const char* args;
  int64_t min;
  const char* factory;
  int status;
};

namespace {

using ModifierRow = RouteModifierRow;

const ModifierRow kModifiers[] = {
#define LUX_ROUTE_MODIFIER(Name, Args, Min, Factory, Status) {#Name, Args, Min, Factory, Status},
#include "check/route_modifiers.def"
};

const ModifierRow* findModifier(llvm::StringRef name) {
  for (const ModifierRow& row : kModifiers)
    if (name == row.name) return &row;
  return nullptr;
}

struct ArgSpec {
  std::string type;      // `Int`, `String` or `String...`
  std::string fallback;  // the default of a trailing optional argument (`Int=60`), else empty
};

// The row's arguments: "Int, Int=60" -> {Int}, {Int, 60}; "String..." -> {String...}.
std::vector<ArgSpec> argSpecs(const ModifierRow& row) {
  std::vector<ArgSpec> out;
  llvm::StringRef rest(row.args);
  while (!rest.empty()) {
    auto [head, tail] = rest.split(',');
    auto [type, fallback] = head.trim().split('=');
    out.push_back({type.trim().str(), fallback.trim().str()});
    rest = tail;
  }
  return out;
}

size_t requiredArgs(const std::vector<ArgSpec>& specs) {
  size_t n = 0;
  for (const ArgSpec& a : specs) n += a.fallback.empty() ? 1 : 0;
  return n;
}

std::string describeArgs(const std::vector<ArgSpec>& specs) {
  if (specs.empty()) return "no arguments";
  if (specs.size() == 1 && specs[0].type == "String...") return "one or more `String` arguments";
  std::string list;
  for (size_t i = 0; i < specs.size(); ++i)
    list += (i ? ", `" : "`") + specs[i].type + "`" + (specs[i].fallback.empty() ? "" : " = " + specs[i].fallback);
  const size_t req = requiredArgs(specs);
  std::string count = req == specs.size() ? std::to_string(req) : fmt::format("{} to {}", req, specs.size());
  return fmt::format("{} argument{} ({})", count, specs.size() == 1 ? "" : "s", list);
}

// An Int literal (possibly negated): its value.
std::optional<int64_t> intLiteral(const ast::Expr* e) {
  if (auto* i = llvm::dyn_cast<ast::IntLit>(e)) return static_cast<int64_t>(i->value);
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e); u && u->op == ast::UnaryOp::Neg)
    if (auto* i = llvm::dyn_cast<ast::IntLit>(u->operand)) return -static_cast<int64_t>(i->value);
  return std::nullopt;
}

std::string shownKind(const ast::Expr* e) {
  if (intLiteral(e)) return "an `Int`";
  if (llvm::isa<ast::StringLit>(e)) return "a `String`";
  if (llvm::isa<ast::FloatLit>(e)) return "a `Float`";
  if (llvm::isa<ast::BoolLit>(e)) return "a `Bool`";
  return "an expression that is not a literal";
}

}  // namespace

bool Checker::checkModifierArgs(const ast::RouteModifier* m, const RouteModifierRow& row, RouteModifierUse& use) {
  std::vector<ArgSpec> types = argSpecs(row);
  const bool variadic = types.size() == 1 && types[0].type == "String...";
  const size_t n = m->args.size();
  if (variadic ? n == 0 : (n < requiredArgs(types) || n > types.size())) {
    auto d = diags_.report(DiagId::RouteModifierArgs, m->range(), row.name, describeArgs(types),
                           fmt::format("{} argument{}", n, n == 1 ? "" : "s"));
    if (variadic) d.help(fmt::format("name the roles that may call the route: `{}(\"admin\")`", row.name));
    else if (types.empty()) d.help(fmt::format("write `{}` alone", row.name));
    return false;
  }
  use.variadic = variadic;
  bool ok = true;
  for (size_t i = 0; i < n; ++i) {
    const ast::Expr* a = m->args[i];
    checkExpr(a);
    const std::string want = variadic ? std::string("String") : types[i].type;
    use.shown.push_back(std::string(file_.slice(a->range())));
    if (want == "Int") {
      std::optional<int64_t> v = intLiteral(a);
      if (!v) {
        diags_.report(DiagId::RouteModifierArgs, a->range(), row.name, describeArgs(types),
                      fmt::format("{} for argument {}", shownKind(a), i + 1))
            .help("the arguments of a route modifier are literals, checked when the program is compiled");
        ok = false;
      } else if (*v < row.min) {
        diags_.report(DiagId::RouteModifierValue, a->range(), row.name,
                      fmt::format("argument {} is {}, below the smallest allowed value {}", i + 1, *v, row.min));
        ok = false;
      } else {
        use.args.push_back({true, *v, ""});
      }
    } else {
      auto* s = llvm::dyn_cast<ast::StringLit>(a);
      if (!s) {
        diags_.report(DiagId::RouteModifierArgs, a->range(), row.name, describeArgs(types),
                      fmt::format("{} for argument {}", shownKind(a), i + 1))
            .help("the arguments of a route modifier are literals, checked when the program is compiled");
        ok = false;
      } else if (s->value.trim().empty()) {
        diags_.report(DiagId::RouteModifierValue, a->range(), row.name, fmt::format("argument {} is empty", i + 1));
        ok = false;
      } else {
        use.args.push_back({false, 0, s->value.str()});
      }
    }
  }
  for (size_t i = n; ok && !variadic && i < types.size(); ++i)  // the defaults of omitted arguments
    use.args.push_back(types[i].type == "Int" ? RouteModifierUse::Arg{true, std::stoll(types[i].fallback), ""}
                                              : RouteModifierUse::Arg{false, 0, types[i].fallback});
  return ok;
}

// A function of the server (or a shared one) named `name`: the program's own guard, which wins
// over a built-in modifier of the same name (`fn auth(req, next)` is the program's `auth`).
const FunctionModel* Checker::guardFunction(const ServerModel& sm, llvm::StringRef name) const {
  for (const FunctionModel* fn : sm.functions)
    if (fn->name == name && fn->kind == SymbolKind::Function) return fn;
  for (const FunctionModel* fn : model_.shared_functions)
    if (fn->name == name && fn->kind == SymbolKind::Function) return fn;
  return nullptr;
}

// `with guard`: the function is the middleware, `(req, next)` or `(req)` (E5550); `with
// make(args)`: the function is called once when the server starts and returns the middleware,
// so the arguments must fit its parameters (E5551).
RouteModifierUse Checker::checkGuardFunction(const ast::RouteModifier* m, const FunctionModel* fn) {
  RouteModifierUse use;
  use.decl = m;
  use.name = m->name.name.str();
  use.guard = fn;
  const size_t n = m->args.size();
  for (const ast::Expr* a : m->args) {
    checkExpr(a);
    use.shown.push_back(std::string(file_.slice(a->range())));
  }
  if (!m->parens && n == 0) {
    if (fn->params.empty() || fn->params.size() > 2)
      diags_.report(DiagId::RouteGuardParams, m->name.range, use.name, fn->params.size())
          .note(fn->decl->name.range, "the function is declared here")
          .help("a guard takes the request and the rest of the chain: `fn " + use.name + "(req, next) { ... next(req) }`");
    return use;
  }
  if (static_cast<int>(n) < fn->minArgs() || static_cast<int>(n) > fn->maxArgs()) {
    std::string takes = fn->minArgs() == fn->maxArgs() ? std::to_string(fn->maxArgs())
                                                       : fmt::format("{} to {}", fn->minArgs(), fn->maxArgs());
    diags_.report(DiagId::RouteGuardArgs, m->range(), use.name, n, n == 1 ? "" : "s", takes)
        .note(fn->decl->name.range, "the function is declared here");
  }
  return use;
}

std::vector<RouteModifierUse> Checker::checkRouteModifiers(const ServerModel& sm,
                                                           llvm::ArrayRef<ast::RouteModifier*> modifiers,
                                                           bool auth_before) {
  std::vector<RouteModifierUse> uses;
  std::vector<std::string_view> names;
  for (const ModifierRow& row : kModifiers) names.push_back(row.name);
  for (size_t k = 0; k < modifiers.size(); ++k) {
    const ast::RouteModifier* m = modifiers[k];
    if (const FunctionModel* fn = guardFunction(sm, m->name.name)) {
      uses.push_back(checkGuardFunction(m, fn));
      continue;
    }
    const ModifierRow* row = findModifier(m->name.name);
    if (!row) {
      diags_.report(DiagId::RouteUnknownGuard, m->name.range, m->name.name.str())
          .didYouMean(closestMatch(m->name.name, names));
      for (const ast::Expr* a : m->args) checkExpr(a);
      continue;
    }
    for (size_t j = 0; j < k; ++j) {
      if (modifiers[j]->name.name != m->name.name) continue;
      diags_.report(DiagId::RouteModifierRepeated, m->name.range, row->name)
          .note(modifiers[j]->name.range, "the first one is here");
      break;
    }
    RouteModifierUse use;
    use.decl = m;
    use.name = row->name;
    use.factory = row->factory;
    use.status = row->status;
    if (!checkModifierArgs(m, *row, use)) continue;
    if (use.name == "auth") {
      auth_before = true;
      if (!sm.has_auth)
        diags_.report(DiagId::RouteAuthWithoutAuth, m->name.range, sm.displayName())
            .help("add `auth { type: \"jwt\", secret: SECRET }` to the server");
    } else if (use.name == "role" && !auth_before) {
      diags_.report(DiagId::RouteRoleWithoutAuth, m->name.range)
          .help("roles are claims of the caller's token: write `with auth, role(...)`");
    } else if (use.name == "role" && sm.has_auth && sm.auth_type == "api_key") {
      diags_.report(DiagId::RouteRoleWithApiKey, m->name.range, sm.displayName())
          .help("roles are claims of a JWT: use `auth { type: \"jwt\", roles_claim: ... }`, or check the key in the handler");
    }
    uses.push_back(std::move(use));
  }
  return uses;
}

}  // namespace lux
