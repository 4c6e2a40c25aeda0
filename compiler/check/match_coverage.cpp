// The usefulness algorithm behind E3006 (see match_coverage.h).
#include "check/match_coverage.h"

#include <optional>

namespace lux {
namespace {

using Row = std::vector<const ast::Pattern*>;  // nullptr stands for a wildcard

struct Ctor {
  std::string name;
  std::vector<const Ty*> args;
};

bool isWild(const ast::Pattern* p) {
  return !p || llvm::isa<ast::WildcardPattern>(p) || llvm::isa<ast::BindingPattern>(p);
}

// Splits or-patterns in the first column into separate rows.
std::vector<Row> expandOr(const std::vector<Row>& rows) {
  std::vector<Row> out;
  for (const Row& r : rows) {
    if (!r.empty() && r[0] && llvm::isa<ast::OrPattern>(r[0])) {
      std::vector<Row> alts;
      for (const ast::Pattern* alt : llvm::cast<ast::OrPattern>(r[0])->alternatives) {
        Row nr = r;
        nr[0] = alt;
        alts.push_back(nr);
      }
      for (const Row& a : expandOr(alts)) out.push_back(a);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

const Ty* inferType(const std::vector<Row>& rows, const Ty* t, const CoverageContext& ctx) {
  if (t && !t->isDynamic()) return t;
  for (const Row& r : rows) {
    const ast::Pattern* p = r[0];
    if (auto* v = llvm::dyn_cast_or_null<ast::VariantPattern>(p)) {
      llvm::StringRef n = v->name.name;
      if (v->qualifier.empty() && (n == "Some" || n == "None")) return ctx.types.option(ctx.types.dynamic());
      if (v->qualifier.empty() && (n == "Ok" || n == "Err"))
        return ctx.types.result(ctx.types.dynamic(), ctx.types.dynamic());
      if (const EnumInfo* e = ctx.enum_of(v->qualifier.name, n)) return ctx.types.enumTy(e);
    }
    if (auto* l = llvm::dyn_cast_or_null<ast::LiteralPattern>(p))
      if (llvm::isa<ast::BoolLit>(l->value)) return ctx.types.get(TyKind::Bool);
  }
  return ctx.types.dynamic();
}

std::optional<std::vector<Ctor>> constructors(const Ty* t, const CoverageContext& ctx) {
  const Ty* dyn = ctx.types.dynamic();
  switch (t->kind) {
    case TyKind::Bool: return std::vector<Ctor>{{"true", {}}, {"false", {}}};
    case TyKind::Option: return std::vector<Ctor>{{"Some", {t->elem ? t->elem : dyn}}, {"None", {}}};
    case TyKind::Result: return std::vector<Ctor>{{"Ok", {t->elem ? t->elem : dyn}}, {"Err", {t->err ? t->err : dyn}}};
    case TyKind::Enum: {
      std::vector<Ctor> out;
      for (const VariantInfo& v : t->enum_info->variants) out.push_back({v.name.str(), v.payload});
      return out;
    }
    default: return std::nullopt;
  }
}

// Does pattern `p` (not a wildcard) have constructor `c` at the head? Sets `args`.
bool headIs(const ast::Pattern* p, const Ctor& c, std::vector<const ast::Pattern*>& args) {
  if (auto* v = llvm::dyn_cast<ast::VariantPattern>(p)) {
    if (v->name.name != c.name) return false;
    args.assign(v->args.begin(), v->args.end());
    return true;
  }
  if (auto* l = llvm::dyn_cast<ast::LiteralPattern>(p)) {
    if (auto* b = llvm::dyn_cast<ast::BoolLit>(l->value)) {
      args.clear();
      return (b->value ? "true" : "false") == c.name;
    }
  }
  return false;
}

std::string render(const Ctor& c, const std::vector<std::string>& args) {
  if (c.args.empty()) return c.name;
  std::string s = c.name + "(";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
  return s + ")";
}

// Witness values (one per column) not matched by any row, or nullopt when rows cover everything.
std::optional<std::vector<std::string>> missing(const std::vector<Row>& in_rows, const std::vector<const Ty*>& tys,
                                                const CoverageContext& ctx, int depth) {
  if (tys.empty()) {
    if (in_rows.empty()) return std::vector<std::string>{};
    return std::nullopt;
  }
  if (depth > 64) return std::nullopt;  // patterns nest no deeper than the parser allows; stay bounded
  std::vector<Row> rows = expandOr(in_rows);
  const Ty* t = inferType(rows, tys[0], ctx);
  std::vector<const Ty*> rest(tys.begin() + 1, tys.end());
  auto ctors = constructors(t, ctx);
  // A column of wildcards only is covered by the rows as they are (the default matrix): split it
  // into constructors only when some row names one, or a recursive enum (`Node(Tree, Tree)`)
  // would be expanded without end.
  bool any_ctor = false;
  for (const Row& r : rows) any_ctor = any_ctor || !isWild(r[0]);
  if (!ctors || (!any_ctor && !rows.empty())) {
    std::vector<Row> def;
    for (const Row& r : rows)
      if (isWild(r[0])) def.emplace_back(r.begin() + 1, r.end());
    auto sub = missing(def, rest, ctx, depth + 1);
    if (!sub) return std::nullopt;
    sub->insert(sub->begin(), "_");
    return sub;
  }
  for (const Ctor& c : *ctors) {
    std::vector<Row> spec;
    for (const Row& r : rows) {
      std::vector<const ast::Pattern*> args;
      if (isWild(r[0])) {
        args.assign(c.args.size(), nullptr);
      } else if (!headIs(r[0], c, args)) {
        continue;
      }
      args.resize(c.args.size(), nullptr);
      Row nr = args;
      nr.insert(nr.end(), r.begin() + 1, r.end());
      spec.push_back(std::move(nr));
    }
    std::vector<const Ty*> sub_tys = c.args;
    sub_tys.insert(sub_tys.end(), rest.begin(), rest.end());
    auto sub = missing(spec, sub_tys, ctx, depth + 1);
    if (!sub) continue;
    std::vector<std::string> head_args(sub->begin(), sub->begin() + c.args.size());
    std::vector<std::string> out{render(c, head_args)};
    out.insert(out.end(), sub->begin() + c.args.size(), sub->end());
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::string findUncovered(const std::vector<const ast::Pattern*>& rows, const Ty* type, const CoverageContext& ctx) {
  std::vector<Row> matrix;
  for (const ast::Pattern* p : rows) matrix.push_back({p});
  auto m = missing(matrix, {type ? type : ctx.types.dynamic()}, ctx, 0);
  if (!m) return {};
  return (*m)[0];
}

}  // namespace lux
