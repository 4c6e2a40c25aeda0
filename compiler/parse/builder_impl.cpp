// AstBuilder, methods: `impl T { fn ... }`, `impl Trait for T { fn ... }` and the contracts
// `interface Name { ... }` / `trait Name { ... }` (ast::ImplDecl, ast::TraitDecl). The builder
// decides which methods take the value (an unwritten `self` is added where the family leaves it
// out) and gives each `impl Trait for T` fresh copies of the trait's methods with a body that the
// impl does not write: built again from the trait's parse tree, so each implementation's copy is
// checked against its own type.
#include "parse/builder.h"

namespace lux::parse {

using namespace lux::ast;

namespace {

bool firstIsSelf(llvm::ArrayRef<Param*> ps) { return !ps.empty() && ps[0]->name.name == "self"; }

}  // namespace

// Whether `self` is read anywhere in `c`'s text (a plain impl's method written without the
// parameter but using it takes the value, as in the family's trait implementations).
bool AstBuilder::mentionsSelf(antlr4::ParserRuleContext* c) const {
  if (!c || !c->getStart() || !c->getStop()) return false;
  for (size_t i = c->getStart()->getTokenIndex(); i <= c->getStop()->getTokenIndex() && i < tokens_.size(); ++i) {
    antlr4::Token* t = tokens_.get(i);
    if (t->getType() == grammar::LuxLexer::IDENT && t->getText() == "self") return true;
  }
  return false;
}

// `fn` with an unwritten `self` first: the name's range stands for it (diagnostics about the
// receiver point at the method).
FnDecl* AstBuilder::withImplicitSelf(FnDecl* fn) {
  if (!fn || firstIsSelf(fn->params)) return fn;
  auto* self = ctx_.create<Param>(fn->name.range, Ident{ctx_.intern("self"), fn->name.range}, nullptr, nullptr);
  self->implicit = true;
  llvm::SmallVector<Param*, 4> ps{self};
  ps.append(fn->params.begin(), fn->params.end());
  fn->params = copy(ps);
  return fn;
}

Decl* AstBuilder::implDecl(LuxParser::ImplDeclContext* c) {
  if (!c || c->exception) return nullptr;
  std::vector<LuxParser::IdentContext*> names = c->ident();
  const bool for_trait = c->FOR() != nullptr;
  if (names.size() != (for_trait ? 2u : 1u)) return nullptr;
  Ident trait = for_trait ? ident(names[0]) : Ident{};
  Ident type_name = ident(names.back());
  if (type_name.empty() || (for_trait && trait.empty())) return nullptr;
  if (!c->implBody()) return nullptr;
  checkSeparators(c->implBody());
  size_t generic = type_params_.size();
  for (auto* tp : c->typeParams()) pushTypeParams(tp);
  llvm::SmallVector<FnDecl*, 8> methods;
  for (auto* f : c->implBody()->fnDecl()) {
    FnDecl* fn = fnDecl(f);
    if (!fn) continue;
    fn->doc = docComment(f);
    if (for_trait || mentionsSelf(f->block())) fn = withImplicitSelf(fn);
    methods.push_back(fn);
  }
  popTypeParams(generic);
  auto* impl = ctx_.create<ImplDecl>(range(c), type_name, trait, copy(methods));
  if (for_trait) trait_impls_.push_back({impl, c});
  return impl;
}

// A method of a contract: a signature (no body) or, in a trait, a default. Its `self` is
// implicit as in the implementations.
FnDecl* AstBuilder::traitMethod(LuxParser::TraitMethodContext* c) {
  if (!c || c->exception) return nullptr;
  FnParts parts{c->ident(), c->typeParams(), c->paramList(), c->ARROW() ? c->typeExpr() : nullptr, c->block()};
  return withImplicitSelf(fnFrom(c, parts, false));
}

Decl* AstBuilder::traitDecl(LuxParser::TraitDeclContext* c) {
  if (!c || c->exception) return nullptr;
  Ident name = ident(c->ident());
  if (name.empty() || !c->traitBody()) return nullptr;
  checkSeparators(c->traitBody());
  size_t generic = pushTypeParams(c->typeParams());
  llvm::SmallVector<FnDecl*, 8> methods;
  for (auto* m : c->traitBody()->traitMethod()) {
    if (FnDecl* fn = traitMethod(m)) {
      fn->doc = docComment(m);
      methods.push_back(fn);
    }
  }
  popTypeParams(generic);
  trait_contexts_.try_emplace(name.name.str(), c);
  return ctx_.create<TraitDecl>(range(c), name, c->INTERFACE() != nullptr, copy(methods));
}

// Each `impl Trait for T` gets its own copy of every default method of `Trait` it does not
// write. Run once the whole program is built (a trait may follow its implementations); an
// unknown trait is the checker's to report.
void AstBuilder::inheritTraitDefaults() {
  for (auto& [impl, c] : trait_impls_) {
    auto it = trait_contexts_.find(impl->trait.name.str());
    if (it == trait_contexts_.end()) continue;
    llvm::SmallVector<FnDecl*, 4> inherited;
    if (!it->second->traitBody()) continue;
    for (auto* m : it->second->traitBody()->traitMethod()) {
      if (!m->block() || !m->ident()) continue;
      bool written = false;
      for (const FnDecl* own : impl->methods) written = written || own->name.name == m->ident()->getText();
      if (written) continue;
      size_t generic = type_params_.size();
      for (auto* tp : c->typeParams()) pushTypeParams(tp);
      if (FnDecl* fn = traitMethod(m)) inherited.push_back(fn);
      popTypeParams(generic);
    }
    impl->inherited = copy(inherited);
  }
}

}  // namespace lux::parse
