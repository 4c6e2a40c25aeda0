// Methods: `impl T { fn ... }` adds methods to a record or enum type of the program, `impl Trait
// for T { ... }` the methods an `interface` or `trait` asks for (its defaults, copied by the
// builder, where the impl leaves them out). A method is a function of the program with an owner
// (FunctionModel::owner) and no name in any scope: `p.norm()` (a value of the type, which becomes
// `self`) and `Point.origin()` (a method without `self`, called on the type) reach it through
// CheckedProgram::method_calls. A method of the type wins over a built-in of the same name
// (`to_string`). Entry points: Checker::declareTrait, declareImpl, checkImplMethodCall.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker.h"

namespace lux {

namespace {

const void* typeKey(const Ty* t) {
  if (!t) return nullptr;
  if (t->kind == TyKind::Record) return t->record;
  if (t->kind == TyKind::Enum) return t->enum_info;
  return nullptr;
}

constexpr char kFunctionInstead[] =
    "write a function that takes the value first (`fn f(x: T) { ... }`, called `f(x)` or `x |> f()`)";

const char* contractWord(const ast::TraitDecl* td) { return td->is_interface ? "interface" : "trait"; }

// The parameters a call writes: all of them but a method's `self`.
std::string paramsText(size_t n) { return n == 1 ? "1 parameter" : fmt::format("{} parameters", n); }

size_t explicitParams(const ast::FnDecl* fn) {
  return fn->params.size() - (!fn->params.empty() && fn->params[0]->name.name == "self" ? 1 : 0);
}

}  // namespace

void Checker::declareTrait(const ast::TraitDecl* td, int server) {
  auto [it, added] = traits_.try_emplace(td->name.name, td, server);
  if (!added) {
    diags_.report(DiagId::DuplicateTrait, td->name.range, contractWord(td), td->name.name.str())
        .note(it->second.first->name.range, "first declared here");
    return;
  }
  if (Symbol* s = lookup(td->name.name); s && s->kind == SymbolKind::Type)
    diags_.report(DiagId::DuplicateTrait, td->name.range, contractWord(td), td->name.name.str())
        .note(s->range, fmt::format("`{}` is also a type, declared here", td->name.name.str()));
}

// A contract's parameter and result types are resolved once, for their errors (`Self` is any
// type there); each implementation checks its own methods.
void Checker::resolveTraitSignatures(const ast::TraitDecl* td) {
  self_type_ = types_.dynamic();
  for (const ast::FnDecl* fn : td->methods) {
    for (const ast::Param* p : fn->params)
      if (p->type) resolveType(p->type);
    if (fn->return_type) resolveType(fn->return_type);
  }
  self_type_ = nullptr;
}

// The type an impl adds methods to: a record, enum or model of the program (E2307 otherwise).
const Ty* Checker::implTarget(const ast::ImplDecl* impl) {
  Symbol* s = lookup(impl->type_name.name);
  static const llvm::StringRef kBuiltinTypes[] = {"Int", "Float", "Bool", "String", "Duration", "Any", "Json", "Option", "Result"};
  if (!s && llvm::is_contained(kBuiltinTypes, impl->type_name.name)) {
    diags_.report(DiagId::ImplTargetNotOwn, impl->type_name.range, impl->type_name.name.str(), impl->type_name.name.str(),
                  "a built-in type")
        .help(kFunctionInstead);
    return nullptr;
  }
  if (!s) {
    reportUnresolved(impl->type_name, /*is_type=*/true);
    return nullptr;
  }
  const Ty* t = s->kind == SymbolKind::Type ? s->type : s->kind == SymbolKind::Model && s->record ? types_.record(s->record) : nullptr;
  if (!typeKey(t)) {
    std::string what = s->kind == SymbolKind::Type && t ? fmt::format("the type `{}`", typeName(t)) : symbolKindName(s->kind);
    auto d = diags_.report(DiagId::ImplTargetNotOwn, impl->type_name.range, impl->type_name.name.str(),
                           impl->type_name.name.str(), what);
    if (s->range.size() > 0) d.note(s->range, fmt::format("`{}` is declared here", impl->type_name.name.str()));
    d.help(kFunctionInstead);
    return nullptr;
  }
  s->reads++;
  return t;
}

const ast::TraitDecl* Checker::implTrait(const ast::ImplDecl* impl) {
  if (impl->trait.empty()) return nullptr;
  auto it = traits_.find(impl->trait.name);
  if (it != traits_.end()) return it->second.first;
  std::vector<std::string_view> names;
  for (const auto& t : traits_) names.push_back(t.getKey());
  diags_.report(DiagId::UnknownTrait, impl->trait.range, impl->trait.name.str())
      .didYouMean(closestMatch(impl->trait.name, names))
      .help(fmt::format("declare it (`interface {} {{ fn name() -> String }}`), or add the methods with a plain "
                        "`impl {} {{ ... }}`",
                        impl->trait.name.str(), impl->type_name.name.str()));
  return nullptr;
}

void Checker::declareImpl(const ast::ImplDecl* impl, int server) {
  const Ty* t = implTarget(impl);
  const ast::TraitDecl* trait = implTrait(impl);
  if (!t) return;
  for (const ast::FnDecl* fn : impl->methods) addMethod(impl, fn, t, server);
  for (const ast::FnDecl* fn : impl->inherited) addMethod(impl, fn, t, server);
  if (trait) checkImplAgainstTrait(impl, trait);
}

void Checker::addMethod(const ast::ImplDecl* impl, const ast::FnDecl* fn, const Ty* type, int server) {
  llvm::StringRef name = fn->name.name;
  auto& same = methods_[typeKey(type)][name];
  for (const MethodEntry& other : same) {
    if (other.server >= 0 && server >= 0 && other.server != server) continue;  // two servers' own impls
    diags_.report(DiagId::DuplicateMethod, fn->name.range, typeName(type), name.str())
        .note(other.fn->decl->name.range, "first declared here");
    return;
  }
  if (type->kind == TyKind::Record)
    if (const FieldInfo* f = type->record->field(name)) {
      diags_.report(DiagId::MethodNamesField, fn->name.range, name.str(), typeName(type))
          .note(f->range, "the field is declared here")
          .help(fmt::format("`x.{0}` reads the field; give the method another name (`get_{0}`)", name.str()));
      return;
    }
  self_type_ = type;
  FunctionModel* fm = makeFunction(fn, server);
  self_type_ = nullptr;
  fm->owner = type->kind == TyKind::Record ? type->record->name : type->enum_info->name;
  fm->owner_type = type;
  if (!fn->params.empty() && fn->params[0]->name.name == "self") {
    fm->receiver = true;
    if (!fn->params[0]->type) {
      fm->params[0].type = type;
      fm->params[0].annotated = true;
    }
  }
  same.push_back(MethodEntry{fm, impl, server});
  method_names_.insert(name);
  if (server < 0) model_.shared_functions.push_back(fm);
  else model_.servers[server].functions.push_back(fm);
}

// Every method the contract lists is written (or inherited from a trait's default) with the same
// number of parameters.
void Checker::checkImplAgainstTrait(const ast::ImplDecl* impl, const ast::TraitDecl* trait) {
  auto find = [&](llvm::StringRef name) -> const ast::FnDecl* {
    for (const ast::FnDecl* fn : impl->methods)
      if (fn->name.name == name) return fn;
    for (const ast::FnDecl* fn : impl->inherited)
      if (fn->name.name == name) return fn;
    return nullptr;
  };
  for (const ast::FnDecl* want : trait->methods) {
    const ast::FnDecl* have = find(want->name.name);
    if (!have) {
      diags_.report(DiagId::MissingTraitMethod, impl->trait.range, impl->trait.name.str(), impl->type_name.name.str(),
                    want->name.name.str(), contractWord(trait), trait->name.name.str())
          .note(want->name.range, fmt::format("`{}` is declared here", want->name.name.str()))
          .help(fmt::format("add `fn {}(...) {{ ... }}` to the impl", want->name.name.str()));
      continue;
    }
    if (explicitParams(have) != explicitParams(want))
      diags_.report(DiagId::TraitMethodArity, have->name.range, have->name.name.str(), impl->trait.name.str(),
                    impl->type_name.name.str(), paramsText(explicitParams(have)), contractWord(trait),
                    trait->name.name.str(), paramsText(explicitParams(want)))
          .note(want->name.range, fmt::format("`{}` is declared here", want->name.name.str()));
  }
}

const Checker::MethodEntry* Checker::methodOf(const Ty* type, llvm::StringRef name) const {
  auto it = methods_.find(typeKey(type));
  if (!typeKey(type) || it == methods_.end()) return nullptr;
  auto m = it->second.find(name);
  if (m == it->second.end()) return nullptr;
  for (const MethodEntry& e : m->second)
    if (e.server < 0 || e.server == cur_server_) return &e;
  return nullptr;
}

// `p.norm(...)` on a value of a type with that method, or `Point.origin(...)` on the type. Null
// when the call is none of these (checkCall goes on with its other forms; a receiver checked here
// is not checked again).
const Ty* Checker::checkImplMethodCall(const ast::CallExpr* call) {
  auto* m = llvm::dyn_cast<ast::MemberExpr>(call->callee);
  if (!m || !method_names_.contains(m->member.name)) return nullptr;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(m->base)) {
    Symbol* s = lookup(n->name.name);
    if (!s && model_.builtins.isModule(n->name.name)) return nullptr;
    if (s && (s->kind == SymbolKind::Type || s->kind == SymbolKind::Model)) {
      const Ty* t = s->kind == SymbolKind::Type ? s->type : s->record ? types_.record(s->record) : nullptr;
      const MethodEntry* me = methodOf(t, m->member.name);
      if (!me) return nullptr;
      s->reads++;
      model_.resolved[n] = s;
      return checkMethodArgs(call, *me, nullptr);
    }
    if (s && !namesValue(s)) return nullptr;
  }
  const Ty* recv = checkExpr(m->base);
  const MethodEntry* me = methodOf(recv, m->member.name);
  if (!me && recv->isDynamic() && !recv->json) noteDispatch(call, m->member.name);
  if (!me) {
    prechecked_expr_ = m->base;  // the call's other forms read its type without checking it again
    prechecked_type_ = recv;
    return nullptr;
  }
  model_.expr_types[m->base] = recv;
  return checkMethodArgs(call, *me, m->base);
}

// A call on a value of unknown type: the methods it may run (with `self`, taking that many
// arguments, visible here), in declaration order.
void Checker::noteDispatch(const ast::CallExpr* call, llvm::StringRef name) {
  std::vector<const FunctionModel*> fits;
  const int n = static_cast<int>(call->args.size()) + 1;
  for (const auto& [key, table] : methods_) {
    auto it = table.find(name);
    if (it == table.end()) continue;
    for (const MethodEntry& e : it->second)
      if (e.fn->receiver && (e.server < 0 || e.server == cur_server_) && n >= e.fn->minArgs() && n <= e.fn->maxArgs())
        fits.push_back(e.fn);
  }
  std::stable_sort(fits.begin(), fits.end(), [](const FunctionModel* a, const FunctionModel* b) {
    return a->decl->range().begin < b->decl->range().begin;
  });
  if (!fits.empty()) model_.method_dispatch[call] = std::move(fits);
}

const Ty* Checker::checkMethodArgs(const ast::CallExpr* call, const MethodEntry& me, const ast::Expr* receiver) {
  const FunctionModel* fn = me.fn;
  std::string shown = fmt::format("{}.{}", fn->owner.str(), fn->name.str());
  if (receiver && !fn->receiver)
    diags_.report(DiagId::MethodWithoutSelf, llvm::cast<ast::MemberExpr>(call->callee)->member.range, fn->owner.str(),
                  fn->name.str())
        .note(fn->decl->name.range, fmt::format("`{}` is declared here", fn->name.str()))
        .help(fmt::format("write `{}(...)`, or give the method `self` as its first parameter", shown));
  // On a value, the value is `self`; on the type, every parameter is an argument.
  const size_t skip = receiver && fn->receiver ? 1 : 0;
  std::vector<ArgInfo> args;
  for (const ast::Expr* a : call->args) {
    size_t i = args.size() + skip;
    const Ty* expected = i < fn->params.size() && fn->params[i].annotated ? fn->params[i].type : nullptr;
    args.push_back({a, checkExprExpecting(a, expected), a->range()});
  }
  int lo = std::max(0, fn->minArgs() - static_cast<int>(skip)), hi = fn->maxArgs() - static_cast<int>(skip);
  int n = static_cast<int>(args.size());
  if (n < lo || n > hi) {
    reportCallArity(call, false, args.size(), shown, arityText(lo, hi), fn->decl->name.range,
                    fmt::format("`{}` is declared here", fn->name.str()));
  } else {
    std::vector<const Ty*> ptys;
    for (size_t i = skip; i < fn->params.size(); ++i) ptys.push_back(fn->params[i].annotated ? fn->params[i].type : nullptr);
    checkArgsAgainst(args, ptys, shown, nullptr);
  }
  model_.method_calls[call] = CheckedProgram::MethodCall{fn, skip == 1};
  return fn->result;
}

}  // namespace lux
