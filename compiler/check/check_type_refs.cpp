// Type annotations: `Int`, `Json`, `Option<T>`, `Result<T, E>`, `[T]`, `fn(A) -> R`, record, enum and
// alias names, model names. Entry point: Checker::resolveType. Unknown names get E2103 (or
// E2102 when another server declares them); wrong type-argument counts E3002.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {
std::string typeArgs(size_t n) { return n == 1 ? "1 type argument" : fmt::format("{} type arguments", n); }
}  // namespace

const Ty* Checker::resolveType(const ast::Type* type) {
  if (!type) return types_.dynamic();
  if (auto* at = llvm::dyn_cast<ast::ArrayType>(type)) return types_.array(resolveType(at->element));
  if (auto* ft = llvm::dyn_cast<ast::FnType>(type)) {
    std::vector<const Ty*> params;
    for (const ast::Type* p : ft->params) params.push_back(resolveType(p));
    return types_.fn(params, ft->result ? resolveType(ft->result) : types_.dynamic());
  }
  auto* nt = llvm::cast<ast::NamedType>(type);
  llvm::StringRef n = nt->name.name;
  auto argsCount = [&](size_t want) {
    if (nt->args.size() == want) return true;
    diags_.report(DiagId::TypeArgCount, nt->range(), n.str(), want == 0 ? std::string("none") : typeArgs(want),
                  nt->args.size());
    return false;
  };
  if (n == "Option") {
    if (!argsCount(1)) return types_.option(types_.dynamic());
    return types_.option(resolveType(nt->args[0]));
  }
  if (n == "Result") {
    if (!argsCount(2)) return types_.result(types_.dynamic(), types_.dynamic());
    return types_.result(resolveType(nt->args[0]), resolveType(nt->args[1]));
  }
  static const std::pair<llvm::StringRef, TyKind> kSimple[] = {
      {"Int", TyKind::Int},       {"Float", TyKind::Float},     {"Bool", TyKind::Bool},
      {"String", TyKind::String}, {"Duration", TyKind::Duration}, {"Any", TyKind::Dynamic},
  };
  for (const auto& [name, kind] : kSimple) {
    if (n == name) {
      argsCount(0);
      return types_.get(kind);
    }
  }
  if (n == "Self" && self_type_) {  // inside an impl: its type (check_impl.cpp)
    argsCount(0);
    return self_type_;
  }
  Symbol* sym = lookup(n);
  if (!sym && n == "Json") {  // a JSON document (`-> Result<Json, String>` around `JSON.parse`)
    argsCount(0);
    return types_.json();
  }
  if (sym && (sym->kind == SymbolKind::Type || (sym->kind == SymbolKind::Model && sym->record))) {
    argsCount(0);
    sym->reads++;
    if (sym->kind == SymbolKind::Type && !sym->type) {
      // An alias used before its declaration was resolved.
      const auto* ad = llvm::cast<ast::TypeAliasDecl>(sym->decl);
      if (alias_busy_.lookup(ad)) return types_.dynamic();  // a cycle: reported nowhere else, keep going
      alias_busy_[ad] = true;
      sym->type = resolveType(ad->aliased);
      alias_busy_[ad] = false;
    }
    return sym->type;
  }
  if (sym) {
    diags_.report(DiagId::UndefinedType, nt->name.range, n.str())
        .note(sym->range, fmt::format("`{}` is {}, declared here", n.str(), symbolKindName(sym->kind)));
    return types_.dynamic();
  }
  if (auto t = traits_.find(n); t != traits_.end()) {  // `fn show(x: Printable)`
    diags_.report(DiagId::UndefinedType, nt->name.range, n.str())
        .note(t->second.first->name.range, fmt::format("`{}` is {}, declared here", n.str(),
                                                       t->second.first->is_interface ? "an interface" : "a trait"))
        .help("a contract is not a type: leave the parameter without a type, and a method call on it is decided "
              "by the value when it runs");
    return types_.dynamic();
  }
  if (std::string help = familyTypeHelp(nt); !help.empty()) {  // `number`, `Array<String>`
    diags_.report(DiagId::UndefinedType, nt->name.range, n.str()).help(help);
    return types_.dynamic();
  }
  reportUnresolved(nt->name, /*is_type=*/true);
  return types_.dynamic();
}

}  // namespace lux
