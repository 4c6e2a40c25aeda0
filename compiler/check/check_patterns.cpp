// List patterns: `let [a, b] = xs`, `let [first, ...rest] = xs`, `[_, second] = pair()`.
// Entry points: Checker::checkListPattern (what cannot be taken apart, E5530-E5532) and
// Checker::listElementType (what each name binds). A list `[T]` gives T to each name and `[T]`
// to the rest; a list literal on the right gives each name its own element's type (so
// `let [n, label] = [1, "one"]` binds an Int and a String); Json gives Json.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// The list literal on the right of the pattern, when it is one without spreads.
const ast::ArrayExpr* literalList(const ast::Expr* init) {
  auto* a = llvm::dyn_cast<ast::ArrayExpr>(init);
  if (!a) return nullptr;
  for (const ast::Expr* e : a->elements) {
    auto* u = llvm::dyn_cast<ast::UnaryExpr>(e);
    if (u && u->op == ast::UnaryOp::Spread) return nullptr;
  }
  return a;
}

bool takesApart(const Ty* t) {
  return t->kind == TyKind::Array || t->kind == TyKind::Dynamic;  // Dynamic: Json, or unknown
}

}  // namespace

void Checker::checkListPattern(const ast::DestructureStmt* ds, const Ty* t) {
  size_t named = 0;
  for (size_t i = 0; i < ds->fields.size(); ++i) {
    const ast::DestructureField* f = ds->fields[i];
    if (!f->rest) {
      ++named;
    } else if (i + 1 != ds->fields.size()) {
      diags_.report(DiagId::ListPatternRestNotLast, f->range(), f->binding.name.str())
          .help("name the elements before it, then `...rest` last: `let [first, ...rest] = xs`");
    }
  }
  if (!takesApart(t)) {
    diags_.report(DiagId::ListPatternNotList, ds->init->range(), typeName(t))
        .help(t->kind == TyKind::Record || t->kind == TyKind::Object
                  ? "take an object apart by its fields: `let { a, b } = value`"
                  : "a list pattern takes a list (`[T]`) or a JSON array apart");
    return;
  }
  if (const ast::ArrayExpr* lit = literalList(ds->init); lit && named > lit->elements.size()) {
    diags_.report(DiagId::ListPatternTooFew, ds->init->range(), named, lit->elements.size())
        .note(ds->range(), "the pattern is here");
  }
}

const Ty* Checker::listElementType(const ast::DestructureStmt* ds, const Ty* t, size_t i) {
  const ast::DestructureField* f = ds->fields[i];
  if (!takesApart(t)) return types_.dynamic();
  if (t->kind == TyKind::Dynamic) return t;  // Json stays Json; unknown stays unknown
  if (f->rest) return t;
  if (const ast::ArrayExpr* lit = literalList(ds->init); lit && i < lit->elements.size()) {
    auto it = model_.expr_types.find(lit->elements[i]);
    if (it != model_.expr_types.end() && it->second) return it->second;
  }
  return t->elem ? t->elem : types_.dynamic();
}

}  // namespace lux
