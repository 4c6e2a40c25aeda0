// AstBuilder, the collection forms: list and dict comprehensions (`[e for x in xs if c]`,
// `{k: v for k, v in o}`), slices (`xs[a:b:step]`, `xs[a..]`, `xs[..b]`) and chained
// comparisons (`a < b < c`). Entry points: visitArrayLit's comprehension branch, dictComprehension (visitObjectExpr),
// visitSliceExpr, visitOpenSliceExpr, compareChain (from visitBinaryExpr).
#include "parse/builder.h"
#include "parse/parse.h"

namespace lux::parse {

using namespace lux::ast;

namespace {

bool isOrdering(size_t token) {
  return token == LuxParser::LT || token == LuxParser::LE || token == LuxParser::GT || token == LuxParser::GE;
}

}  // namespace

bool AstBuilder::compClauses(const std::vector<LuxParser::CompForContext*>& fors, llvm::SmallVectorImpl<CompClause>& out) {
  for (auto* f : fors) {
    if (!f || f->exception) return false;
    std::vector<LuxParser::IdentContext*> names = f->ident();
    std::vector<LuxParser::ExprContext*> exprs = f->expr();
    if (names.empty() || exprs.empty()) return false;
    CompClause clause{};
    Ident value = ident(names.back());
    Ident index = names.size() == 2 ? ident(names[0]) : Ident{};
    if (value.empty() || (names.size() == 2 && index.empty())) return false;
    clause.value = ctx_.create<NameExpr>(value.range, value);
    if (!index.empty()) clause.index = ctx_.create<NameExpr>(index.range, index);
    clause.iterable = expr(exprs[0]);
    if (!clause.iterable) return false;
    llvm::SmallVector<Expr*, 2> conds;
    for (size_t i = 1; i < exprs.size(); ++i) {
      Expr* cond = expr(exprs[i]);
      if (!cond) return false;
      conds.push_back(cond);
    }
    clause.conds = copy(conds);
    out.push_back(clause);
  }
  return true;
}

// `[value for ...]`: the array literal's one element with its clauses.
Expr* AstBuilder::listComprehension(LuxParser::ArrayLitContext* c) {
  auto* el = c->arrayElem(0);
  if (el->ELLIPSIS()) {
    diags_.report(DiagId::ComprehensionSpread, range(el))
        .help("a comprehension gives one element per step; to join lists write `[...a, ...b]` without `for`, "
              "or flatten: `[y for x in xss for y in x]`");
    return nullptr;
  }
  Expr* value = expr(el->expr());
  llvm::SmallVector<CompClause, 2> clauses;
  if (!value || !compClauses(c->compFor(), clauses)) return nullptr;
  return ctx_.create<ComprehensionExpr>(range(c), nullptr, value, copy(clauses));
}

// `{key: value for ...}`: the object literal's one entry with its clauses. The key is a name
// (`{x: x * x for x in xs}`: the value of `x`) or a string, interpolated or not.
Expr* AstBuilder::dictComprehension(LuxParser::ObjectLitContext* c) {
  auto* entry = c->objEntry(0);
  Expr* key = nullptr;
  Expr* value = nullptr;
  if (auto* named = dynamic_cast<LuxParser::NamedEntryContext*>(entry)) {
    Ident name = identToken(named->key);
    if (name.empty()) return nullptr;
    key = ctx_.create<NameExpr>(name.range, name);
    value = expr(named->expr());
  } else if (auto* quoted = dynamic_cast<LuxParser::QuotedEntryContext*>(entry)) {
    key = str(quoted->str());
    value = expr(quoted->expr());
  } else if (auto* computed = dynamic_cast<LuxParser::ComputedEntryContext*>(entry)) {
    key = expr(computed->key);
    value = expr(computed->value);
  } else {
    diags_.report(DiagId::DictCompEntry, range(entry))
        .help("Lux has no sets: build a list `[x for ...]`, or an object with `{key: value for ...}`");
    return nullptr;
  }
  llvm::SmallVector<CompClause, 2> clauses;
  if (!key || !value || !compClauses(c->compFor(), clauses)) return nullptr;
  return ctx_.create<ComprehensionExpr>(range(c), key, value, copy(clauses));
}

antlrcpp::Any AstBuilder::visitSliceExpr(LuxParser::SliceExprContext* c) {
  Expr* base = expr(c->expr(0));
  if (!base) return {};
  Expr* parts[3] = {nullptr, nullptr, nullptr};
  LuxParser::ExprContext* ctxs[3] = {c->lo, c->hi, c->step};
  for (int i = 0; i < 3; ++i)
    if (ctxs[i] && !(parts[i] = expr(ctxs[i]))) return {};
  expr_ = ctx_.create<SliceExpr>(range(c), base, parts[0], parts[1], parts[2]);
  return {};
}

// `xs[a..]`, `xs[..b]`, `xs[..=b]`: the range slice with an open end (an IndexExpr over a
// RangeExpr whose missing bound is null, as `xs[a..b]` is with both).
antlrcpp::Any AstBuilder::visitOpenSliceExpr(LuxParser::OpenSliceExprContext* c) {
  Expr* base = expr(c->expr(0));
  Expr* lo = c->lo ? expr(c->lo) : nullptr;
  Expr* hi = c->hi ? expr(c->hi) : nullptr;
  if (!base || (c->lo && !lo) || (c->hi && !hi) || !c->op) return {};
  SourceRange r = SourceRange::cover(range(c->op), lo ? lo->range() : hi->range());
  auto* bounds = ctx_.create<RangeExpr>(r, lo, hi, c->op->getType() == LuxParser::DOTDOTEQ);
  expr_ = ctx_.create<IndexExpr>(range(c), base, bounds);
  return {};
}

// `a < b < c`: the left side is itself an ordering written without parentheses.
Expr* AstBuilder::compareChain(LuxParser::BinaryExprContext* c, Expr* lhs, BinaryOp op, Expr* rhs) {
  auto* left = dynamic_cast<LuxParser::BinaryExprContext*>(c->expr(0));
  if (!left || !left->op || !isOrdering(left->op->getType()) || !isOrdering(c->op->getType())) return nullptr;
  llvm::SmallVector<Expr*, 4> operands;
  llvm::SmallVector<BinaryOp, 3> ops;
  if (auto* chain = llvm::dyn_cast<CompareChain>(lhs)) {
    operands.append(chain->operands.begin(), chain->operands.end());
    ops.append(chain->ops.begin(), chain->ops.end());
  } else if (auto* b = llvm::dyn_cast<BinaryExpr>(lhs)) {
    operands.append({b->lhs, b->rhs});
    ops.push_back(b->op);
  } else {
    return nullptr;
  }
  operands.push_back(rhs);
  ops.push_back(op);
  return ctx_.create<CompareChain>(range(c), copy(operands), copy(ops));
}

}  // namespace lux::parse

namespace lux::parse {

// `[expr]: value`, an object key computed when the literal is built: a value object literal's
// entry; options blocks and record literals take keys written out (E5591).
ast::ObjectEntry* AstBuilder::computedEntry(LuxParser::ComputedEntryContext* c, bool allowed) {
  if (!allowed) {
    diags_.report(DiagId::ComputedKeyNotValue, range(c))
        .help("write the key out (`name: value` or `\"name\": value`); a record literal names its fields, and a block's options are read as written");
    return nullptr;
  }
  ast::Expr* key = expr(c->key);
  ast::Expr* value = expr(c->value);
  if (!key || !value) return nullptr;
  auto* entry = ctx_.create<ast::ObjectEntry>(range(c), ast::ObjectEntry::Form::Computed, ast::Ident{}, value);
  entry->key_expr = key;
  return entry;
}

}  // namespace lux::parse
