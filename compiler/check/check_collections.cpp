// The collection forms: comprehensions (`[e for x in xs if c]` is `[T]` of its element,
// `{k: v for ...}` an `Object`), Python slices (`xs[a:b:step]`, the type of what is sliced) and
// chained comparisons (`a < b < c`, each pair as `<` alone). E5541-E5544.
// Entry points: Checker::checkComprehension, checkSlice, checkCompareChain.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

const char* orderingText(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Lt: return "<";
    case ast::BinaryOp::Le: return "<=";
    case ast::BinaryOp::Gt: return ">";
    default: return ">=";
  }
}

// `0` or `-0` written as the step.
bool isZeroLiteral(const ast::Expr* e) {
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e); u && u->op == ast::UnaryOp::Neg) e = u->operand;
  auto* i = llvm::dyn_cast<ast::IntLit>(e);
  return i && i->value == 0;
}

// `make().push(x)` and its kin change a list kept in a binding (check_inplace.cpp); on a list that
// is computed there is nothing to change: the help line says where to keep it (null for any other
// method name).
const char* listMutationHelp(llvm::StringRef method) {
  if (method == "push" || method == "append" || method == "pop" || method == "sort" || method == "reverse" ||
      method == "shift" || method == "unshift" || method == "insert" || method == "remove" || method == "clear" ||
      method == "extend" || method == "splice")
    return "this method changes a list kept in a binding: keep the list first (`items = ...`), then call "
           "`items.push(x)`; or use the copying forms `[...xs, x]`, `sorted(xs)`, `reversed(xs)`";
  return nullptr;
}

}  // namespace

// The help of E2305 for the methods other languages call on their values that Lux writes another
// way: list mutations on a computed list, JavaScript's regex methods of a String (`s.match(p)`)
// and a built-in on the value an Option holds (`name?.toUpperCase()`); "" for any other.
std::string Checker::familyMethodHelp(const ast::CallExpr* call, const ast::MemberExpr* callee, const Ty* recv) {
  llvm::StringRef method = callee->member.name;
  const std::string base(file_.slice(callee->base->range()));
  const std::string args =
      call->args.empty() ? "" : std::string(file_.slice(SourceRange::cover(call->args.front()->range(), call->args.back()->range())));
  if (recv->kind == TyKind::Array)
    if (const char* h = listMutationHelp(method)) return h;
  if (recv->kind == TyKind::String && (method == "match" || method == "matchAll" || method == "search"))
    return fmt::format("Lux's regexes are built-in functions: `regex_match({0}, {1})` (`Ok` of the first match: "
                       "`match`, `index`, `groups`), `regex_find_all({0}, {1})` (every match), "
                       "`regex_test({0}, {1})` (whether it matches)",
                       base, args.empty() ? "r\"...\"" : args);
  if (recv->kind == TyKind::Option) {
    const Builtin* b = model_.builtins.global(method);
    Instance in = b ? instantiate(types_, *b, {ArgShape{recv->elem, -1}}) : Instance{};
    if (!in.params.empty() && in.params[0] && isAssignable(recv->elem, in.params[0]))
      return fmt::format("`{0}` is an `{1}`: call `{2}` on the value it holds with `{0}.map(fn(v) v.{2}({3}))`, "
                         "which is None when `{0}` is",
                         base, typeName(recv), method.str(), args);
  }
  return "";
}

// The names one `for` clause declares, from the type it walks: a list's elements (with the
// index), a String's characters (with the index), an object's or a record's values (with the
// key); two names over a list of lists take each inner list's first two elements.
void Checker::declareCompClause(const ast::CompClause& c, const Ty* it) {
  const Ty* Int = types_.get(TyKind::Int);
  const Ty* elem = types_.dynamic();
  const Ty* index = types_.dynamic();
  switch (it->kind) {
    case TyKind::Array:
      elem = it->elem;
      index = Int;
      if (c.index && elem->kind == TyKind::Array) index = elem = elem->elem;
      break;
    case TyKind::String: elem = it; index = Int; break;
    case TyKind::Object:
    case TyKind::Record: index = types_.get(TyKind::String); break;
    case TyKind::Dynamic: break;
    default:
      diags_.report(DiagId::ComprehensionNotIterable, c.iterable->range(), typeName(it))
          .help(it->kind == TyKind::Int ? "walk the numbers up to it with `range(n)` or `0..n`"
                                        : "walk a list, a String (its characters) or an object (`for k, v in o`)");
      break;
  }
  if (c.index) declareLocal(c.index->name, SymbolKind::Local, index, c.index, false, false);
  declareLocal(c.value->name, SymbolKind::Local, elem, c.value, false, false);
}

const Ty* Checker::checkComprehension(const ast::ComprehensionExpr* e) {
  pushScope(Scope::Kind::Block);
  // A comprehension is no loop that `break` or `continue` could leave.
  int outer_loops = loop_depth_;
  loop_depth_ = 0;
  const Ty* Bool = types_.get(TyKind::Bool);
  for (const ast::CompClause& c : e->clauses) {
    const Ty* it = checkExpr(c.iterable);
    if (checkUnitUse(c.iterable, "a comprehension's `for`")) it = types_.dynamic();
    declareCompClause(c, it);
    for (const ast::Expr* cond : c.conds) expectType(checkExpr(cond), Bool, cond->range(), "a comprehension's `if` filter");
  }
  const Ty* t;
  if (e->key) {
    const Ty* kt = checkExpr(e->key);
    if (!checkUnitUse(e->key, "a dict comprehension's key") && !kt->isDynamic() && kt->kind != TyKind::String &&
        kt->kind != TyKind::Int)
      diags_.report(DiagId::DictCompKey, e->key->range(), typeName(kt))
          .help("write the key as text: `{ \"{k}\": v for ... }`");
    checkExpr(e->value);
    checkUnitUse(e->value, "a dict comprehension's value");
    t = types_.get(TyKind::Object);
  } else {
    const Ty* vt = checkExpr(e->value);
    if (checkUnitUse(e->value, "a comprehension's element")) vt = types_.dynamic();
    t = types_.array(vt);
  }
  loop_depth_ = outer_loops;
  popScope();
  return t;
}

// `{ [k]: v }`: the key's value names the entry, so it is a String or an Int (E5590); the
// literal is an `Object` as any object literal is.
void Checker::checkComputedKey(const ast::ObjectEntry* en) {
  const Ty* kt = checkExpr(en->key_expr);
  if (checkUnitUse(en->key_expr, "a computed key") || kt->isDynamic() || kt->kind == TyKind::String ||
      kt->kind == TyKind::Int)
    return;
  diags_.report(DiagId::ComputedKeyType, en->key_expr->range(), typeName(kt))
      .help("write the key as text: `{ [\"{k}\"]: v }` or `{ [to_string(k)]: v }`");
}

// `base[lo:hi:step]`: Int bounds and step (a literal step 0 is E5542) over a list or a String
// (E5543 on anything else known); the slice has the type of what it slices.
const Ty* Checker::checkSlice(const ast::SliceExpr* e) {
  const Ty* bt = checkExpr(e->base);
  const Ty* Int = types_.get(TyKind::Int);
  for (const ast::Expr* bound : {e->lo, e->hi})
    if (bound) expectType(checkExpr(bound), Int, bound->range(), "a slice bound");
  if (e->step) {
    expectType(checkExpr(e->step), Int, e->step->range(), "a slice step");
    if (isZeroLiteral(e->step))
      diags_.report(DiagId::SliceStepZero, e->step->range())
          .help("leave the step out for every element (`xs[a:b]`), or write `-1` to walk backwards");
  }
  return sliceResult(bt, e->base->range());
}

const Ty* Checker::sliceResult(const Ty* bt, SourceRange base) {
  if (bt->kind == TyKind::Array || bt->kind == TyKind::String || bt->json) return bt;
  if (!bt->isDynamic())
    diags_.report(DiagId::SliceNotSequence, base, typeName(bt))
        .help(bt->kind == TyKind::Record || bt->kind == TyKind::Object
                  ? "a record or an object has fields, not positions: read them by name (`o.field`, `o[\"key\"]`)"
                  : "slice a list or a String; `to_string(x)` makes text of a value");
  return types_.dynamic();
}

// `a < b <= c`: every adjacent pair compared as `<` would be (E3007 on a pair that cannot be).
const Ty* Checker::checkCompareChain(const ast::CompareChain* e) {
  std::vector<const Ty*> types;
  for (const ast::Expr* o : e->operands) {
    const Ty* t = checkExpr(o);
    if (checkUnitUse(o, "an operand of a comparison")) t = types_.dynamic();
    types.push_back(t);
  }
  const Ty* Str = types_.get(TyKind::String);
  const Ty* Dur = types_.get(TyKind::Duration);
  for (size_t i = 0; i < e->ops.size(); ++i) {
    const Ty* l = types[i];
    const Ty* r = types[i + 1];
    if (l->isDynamic() || r->isDynamic()) continue;
    if ((l->isNumeric() && r->isNumeric()) || (l == Str && r == Str) || (l == Dur && r == Dur)) continue;
    diags_.report(DiagId::BadOperands, SourceRange::cover(e->operands[i]->range(), e->operands[i + 1]->range()),
                  orderingText(e->ops[i]), typeName(l), typeName(r));
  }
  return types_.get(TyKind::Bool);
}

}  // namespace lux
