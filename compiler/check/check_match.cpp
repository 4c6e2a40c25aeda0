// `match`: binding the arms' patterns (variant names E2401, payload counts E3008, patterns that
// cannot match the subject's type E3009), exhaustiveness (E3006, via match_coverage.cpp) and arms
// after a catch-all (W0004). Entry points: Checker::checkMatch, bindPattern, enumOfVariant.
#include <fmt/format.h>

#include "check/checker.h"
#include "check/match_coverage.h"

namespace lux {

const EnumInfo* Checker::enumOfVariant(llvm::StringRef qualifier, llvm::StringRef name) const {
  if (!qualifier.empty()) {
    Symbol* sym = lookup(qualifier);
    return sym && sym->enum_info && sym->enum_info->variant(name) ? sym->enum_info : nullptr;
  }
  auto it = variants_.find(name);
  if (it == variants_.end() || it->second.size() != 1) return nullptr;
  return it->second[0];
}

namespace {
const Ty* literalType(TypeTable& types, const ast::Expr* e) {
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e)) e = u->operand;
  if (llvm::isa<ast::IntLit>(e)) return types.get(TyKind::Int);
  if (llvm::isa<ast::FloatLit>(e)) return types.get(TyKind::Float);
  if (llvm::isa<ast::StringLit>(e)) return types.get(TyKind::String);
  if (llvm::isa<ast::BoolLit>(e)) return types.get(TyKind::Bool);
  return types.dynamic();
}
}  // namespace

void Checker::bindPattern(const ast::Pattern* p, const Ty* subject) {
  if (!p) return;
  if (!subject) subject = types_.dynamic();
  auto mismatch = [&]() {
    diags_.report(DiagId::PatternTypeMismatch, p->range(), std::string(file_.slice(p->range())), typeName(subject));
  };
  // After an error, still bind the names inside (as Dynamic) so their uses do not cascade.
  auto bindRest = [&](const ast::VariantPattern* vp) {
    for (const ast::Pattern* a : vp->args) bindPattern(a, types_.dynamic());
  };
  if (auto* lp = llvm::dyn_cast<ast::LiteralPattern>(p)) {
    const Ty* lt = literalType(types_, lp->value);
    if (!isAssignable(lt, subject)) mismatch();
    return;
  }
  if (auto* rp = llvm::dyn_cast<ast::RangePattern>(p)) {
    const Ty* lt = literalType(types_, rp->lo);
    if (!isAssignable(lt, subject)) mismatch();
    return;
  }
  if (auto* bp = llvm::dyn_cast<ast::BindingPattern>(p)) {
    declareLocal(bp->name, SymbolKind::PatternBinding, subject, bp, false, false);
    return;
  }
  if (auto* op = llvm::dyn_cast<ast::OrPattern>(p)) {
    for (const ast::Pattern* alt : op->alternatives) bindPattern(alt, subject);
    return;
  }
  if (llvm::isa<ast::ListPattern, ast::ObjectPattern, ast::PrefixPattern>(p)) return bindCollectionPattern(p, subject);
  auto* vp = llvm::dyn_cast<ast::VariantPattern>(p);
  if (!vp) return;  // WildcardPattern
  llvm::StringRef n = vp->name.name;
  std::vector<const Ty*> payload;
  std::string shown = vp->qualifier.empty() ? n.str() : vp->qualifier.name.str() + "." + n.str();
  if (vp->qualifier.empty() && (n == "Some" || n == "None" || n == "Ok" || n == "Err")) {
    bool option = n == "Some" || n == "None";
    if (!subject->isDynamic() && subject->kind != (option ? TyKind::Option : TyKind::Result)) {
      mismatch();
      bindRest(vp);
      return;
    }
    const Ty* dyn = types_.dynamic();
    if (n == "Some" || n == "Ok") payload.push_back(subject->isDynamic() ? dyn : subject->elem);
    if (n == "Err") payload.push_back(subject->isDynamic() ? dyn : subject->err);
  } else {
    const EnumInfo* info = nullptr;
    if (!vp->qualifier.empty()) {
      Symbol* q = lookup(vp->qualifier.name);
      if (!q || !q->enum_info) {
        if (q) diags_.report(DiagId::NotARecordType, vp->qualifier.range, vp->qualifier.name.str(), symbolKindName(q->kind));
        else reportUnresolved(vp->qualifier, true);
        bindRest(vp);
        return;
      }
      q->reads++;
      info = q->enum_info;
    } else if (subject->kind == TyKind::Enum) {
      info = subject->enum_info;
    } else {
      info = enumOfVariant("", n);
      if (!info) {
        auto it = variants_.find(n);
        if (it != variants_.end() && it->second.size() > 1) {
          diags_.report(DiagId::AmbiguousVariant, vp->name.range, n.str(), it->second[0]->name.str(), it->second[1]->name.str())
              .help(fmt::format("qualify it: `{}.{}`", it->second[0]->name.str(), n.str()));
        } else {
          reportUnresolved(vp->name, false);
        }
        bindRest(vp);
        return;
      }
    }
    const VariantInfo* v = info->variant(n);
    if (!v) {
      std::vector<std::string_view> names;
      for (const VariantInfo& vi : info->variants) names.push_back(std::string_view(vi.name));
      diags_.report(DiagId::UnknownVariant, vp->name.range, info->name.str(), n.str())
          .note(info->range, fmt::format("`{}` is declared here", info->name.str()))
          .didYouMean(closestMatch(n, names));
      bindRest(vp);
      return;
    }
    if (!subject->isDynamic() && !(subject->kind == TyKind::Enum && subject->enum_info == info)) {
      mismatch();
      bindRest(vp);
      return;
    }
    payload = v->payload;
  }
  if (vp->args.size() != payload.size()) {
    diags_.report(DiagId::PatternArity, p->range(), shown, payload.size(), vp->args.size());
    bindRest(vp);
    return;
  }
  for (size_t i = 0; i < payload.size(); ++i) bindPattern(vp->args[i], payload[i]);
}

// The family's list (`[first, ...rest]`, `(x, y)`), object (`{ role: "admin", name }`) and
// string-prefix (`"/api" ++ rest`) patterns: each part against the part of the subject's type.
void Checker::bindCollectionPattern(const ast::Pattern* p, const Ty* subject) {
  const Ty* dyn = types_.dynamic();
  auto mismatch = [&]() {
    diags_.report(DiagId::PatternTypeMismatch, p->range(), std::string(file_.slice(p->range())), typeName(subject));
  };
  if (auto* lp = llvm::dyn_cast<ast::ListPattern>(p)) {
    bool list = subject->kind == TyKind::Array;
    if (!list && !subject->isDynamic()) mismatch();
    const Ty* elem = list ? subject->elem : dyn;
    for (const ast::Pattern* e : lp->elements) bindPattern(e, elem);
    if (lp->rest) bindPattern(lp->rest, list ? subject : dyn);
    return;
  }
  if (auto* pp = llvm::dyn_cast<ast::PrefixPattern>(p)) {
    const Ty* str = types_.get(TyKind::String);
    if (subject->kind != TyKind::String && !subject->isDynamic()) mismatch();
    bindPattern(pp->rest, str);
    return;
  }
  auto* op = llvm::cast<ast::ObjectPattern>(p);
  bool record = subject->kind == TyKind::Record;
  if (!record && subject->kind != TyKind::Object && !subject->isDynamic()) mismatch();
  for (size_t i = 0; i < op->keys.size(); ++i) {
    const Ty* ft = dyn;
    if (record) {
      if (const FieldInfo* f = subject->record->field(op->keys[i].name)) {
        ft = f->type;
      } else if (!(op->keys[i].name == "id" && subject->record->is_model)) {
        diags_.report(DiagId::UnknownField, op->keys[i].range, subject->record->is_model ? "model" : "type",
                      subject->record->name.str(), op->keys[i].name.str())
            .note(subject->record->range, fmt::format("`{}` is declared here", subject->record->name.str()));
      }
    }
    bindPattern(op->values[i], ft);
  }
}

const Ty* Checker::checkMatch(const ast::MatchExpr* e) {
  const Ty* st = checkExpr(e->subject);
  const Ty* joined = nullptr;
  std::vector<const ast::Pattern*> rows;
  const ast::MatchArm* catch_all = nullptr;
  bool pattern_errors = false;  // a bad pattern already reported: coverage would only cascade
  for (const ast::MatchArm* arm : e->arms) {
    if (catch_all) {
      diags_.report(DiagId::UnreachableArm, arm->pattern->range(), fmt::format("`{}`", file_.slice(catch_all->pattern->range())))
          .note(catch_all->pattern->range(), "the catch-all arm is here");
    }
    pushScope(Scope::Kind::Block);
    uint32_t errors_before = diags_.errorCount();
    bindPattern(arm->pattern, st);
    pattern_errors |= diags_.errorCount() != errors_before;
    if (arm->guard)
      expectType(checkExpr(arm->guard), types_.get(TyKind::Bool), arm->guard->range(), "the `if` guard");
    const Ty* at = checkExpr(arm->body);
    popScope();
    joined = joined ? joinTypes(types_, joined, at) : at;
    if (!arm->guard) {
      rows.push_back(arm->pattern);
      bool wild = llvm::isa<ast::WildcardPattern>(arm->pattern) || llvm::isa<ast::BindingPattern>(arm->pattern);
      if (wild && !catch_all) catch_all = arm;
    }
  }
  CoverageContext ctx{types_, [this](llvm::StringRef q, llvm::StringRef n) { return enumOfVariant(q, n); }};
  std::string uncovered = pattern_errors ? std::string() : findUncovered(rows, st, ctx);
  if (!uncovered.empty()) {
    auto d = diags_.report(DiagId::NonExhaustiveMatch, e->subject->range(), "`" + uncovered + "`");
    if (uncovered == "_") d.help("add a `_ => ...` arm for the other values");
    else d.help(fmt::format("add an arm for `{}`, or a `_ => ...` arm", uncovered));
  }
  return joined ? joined : types_.dynamic();
}

}  // namespace lux
