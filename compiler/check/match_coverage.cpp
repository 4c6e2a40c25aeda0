// The usefulness algorithm behind E3006 (see match_coverage.h).
#include "check/match_coverage.h"

#include <optional>

namespace lux {
namespace {

using Row = std::vector<const ast::Pattern*>;  // nullptr stands for a wildcard

struct Ctor {
  std::string name;
  std::vector<const Ty*> args;
  int list_len = -1;       // a list's constructor: exactly this many elements ...
  bool list_open = false;  // ... or, when open, at least this many
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
    if (llvm::isa_and_nonnull<ast::ListPattern>(p)) return ctx.types.array(ctx.types.dynamic());
  }
  return ctx.types.dynamic();
}

// A list has a constructor per length: with L the longest prefix the rows' list patterns name
// (one more than their longest exact length), exactly 0 .. L-1 elements, and L or more.
std::optional<std::vector<Ctor>> listConstructors(const Ty* t, const std::vector<Row>& rows) {
  size_t longest = 0;
  bool any = false;
  std::optional<size_t> one_arity;  // every list pattern is exact and of this length
  bool tuple_like = true;
  for (const Row& r : rows) {
    auto* l = llvm::dyn_cast_or_null<ast::ListPattern>(r[0]);
    if (!l) continue;
    any = true;
    longest = std::max(longest, l->elements.size() + (l->rest ? 0 : 1));
    if (l->rest || (one_arity && *one_arity != l->elements.size())) tuple_like = false;
    one_arity = l->elements.size();
  }
  if (!any) return std::nullopt;
  // A value of unknown type matched only by patterns of one length (the family's tuples,
  // `(0, _)`, `(x, y)`) is taken to have that length; another value fails the match when it runs.
  if (tuple_like && t->elem->isDynamic()) {
    Ctor c;
    c.name = "[]";
    c.args.assign(*one_arity, t->elem);
    c.list_len = static_cast<int>(*one_arity);
    return std::vector<Ctor>{c};
  }
  std::vector<Ctor> out;
  for (size_t n = 0; n <= longest; ++n) {
    Ctor c;
    c.name = "[]";
    c.args.assign(n, t->elem);
    c.list_len = static_cast<int>(n);
    c.list_open = n == longest;
    out.push_back(std::move(c));
  }
  return out;
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
  if (auto* l = llvm::dyn_cast<ast::ListPattern>(p)) {
    if (c.list_len < 0) return false;
    size_t n = static_cast<size_t>(c.list_len);
    size_t k = l->elements.size();
    // An exact pattern matches its own length only; one with `...rest` every length from its own.
    bool fits = l->rest ? k <= n : (!c.list_open && k == n);
    if (!fits) return false;
    args.assign(l->elements.begin(), l->elements.end());
    args.resize(n, nullptr);
    return true;
  }
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
  if (c.list_len >= 0) {
    std::string s = "[";
    for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
    if (c.list_open) s += args.empty() ? "..." : ", ...";
    return s + "]";
  }
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
  auto ctors = t->kind == TyKind::Array ? listConstructors(t, rows) : constructors(t, ctx);
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
