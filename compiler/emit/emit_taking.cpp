// Assignments whose new value is built from the variable's old one: `s = s + t`, `s += t`,
// `xs = xs + ys`, `xs = [...xs, x]`, `state = { ...state, n: state.n + 1 }`,
// `node = { v: i, next: node }`. The old value moves into the new one instead of being copied
// (lux::stdlib::Add(Value&&, ...), the `take` of a literal's part, lux/stdlib.h), so a text or a
// list built in a loop grows in place: linear, not quadratic. The meaning is the copy's:
//   - the variable is a local `var` of the function;
//   - `+`: the variable is the leftmost operand and appears nowhere else on the right side; in
//     a chain (`s = s + a + b`) it is a String and the other operands are computed first, into
//     temporaries, so nothing fails after its text was taken;
//   - a literal: the part taken is the variable itself (`...xs`, `next: node`); another part may
//     read it only through names, fields, indexes, operators and literals (it cannot change it
//     before the literal takes it), and nothing else may when a closure shares the variable.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

void forEachChild(const ast::Node* n, const std::function<void(const ast::Node*)>& fn);

namespace {

// Only reads, and nothing that can change a variable (no call, lambda, pipe, block...).
bool plainRead(const ast::Node* n) {
  using ast::NodeKind;
  switch (n->kind()) {
    case NodeKind::IntLit:
    case NodeKind::FloatLit:
    case NodeKind::BoolLit:
    case NodeKind::StringLit:
    case NodeKind::InterpolatedString:
    case NodeKind::DurationLit:
    case NodeKind::NameExpr:
    case NodeKind::ArrayExpr:
    case NodeKind::ObjectExpr:
    case NodeKind::ObjectEntry:
    case NodeKind::MemberExpr:
    case NodeKind::IndexExpr:
    case NodeKind::UnaryExpr:
    case NodeKind::BinaryExpr:
      break;
    default:
      return false;
  }
  bool plain = true;
  forEachChild(n, [&](const ast::Node* c) { plain = plain && plainRead(c); });
  return plain;
}

// What a literal's part spreads (`...x` in a list or an object), or null.
const ast::Expr* spreadOperand(const ast::Node* part) {
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(part); u && u->op == ast::UnaryOp::Spread) return u->operand;
  if (auto* en = llvm::dyn_cast<ast::ObjectEntry>(part); en && en->form == ast::ObjectEntry::Form::Spread) return en->value;
  return nullptr;
}

// The elements of a list literal, the entries of an object literal.
std::vector<const ast::Node*> literalParts(const ast::Expr* literal) {
  std::vector<const ast::Node*> out;
  if (auto* a = llvm::dyn_cast<ast::ArrayExpr>(literal)) out.assign(a->elements.begin(), a->elements.end());
  if (auto* o = llvm::dyn_cast<ast::ObjectExpr>(literal)) out.assign(o->entries.begin(), o->entries.end());
  return out;
}

}  // namespace

bool Emitter::takesFrom(const ast::Expr* e, const Symbol* sym) const {
  auto* n = llvm::dyn_cast<ast::NameExpr>(e);
  return n && symbolOf(n) == sym;
}

// The variable `x` of `x = e` / `x += e` whose old value may move into the new one, or null.
const Symbol* Emitter::takingTarget(const ast::AssignStmt* as) const {
  auto* name = llvm::dyn_cast<ast::NameExpr>(as->target);
  const Symbol* sym = name ? symbolOf(name) : nullptr;
  if (!sym || sym->kind != SymbolKind::Local || !sym->is_mutable || !fn_) return nullptr;
  return sym;
}

bool Emitter::assignTaking(const ast::AssignStmt* as) {
  using namespace ast;
  const Symbol* sym = takingTarget(as);
  if (!sym) return false;
  if (as->op == AssignOp::Add) {
    if (usesSymbol(as->value, sym)) return false;
    std::string target = lvalue(as->target);
    std::string value = expr(as->value);
    line(fmt::format("{0} = lux::stdlib::Add(std::move({0}), {1});", target, value));
    return true;
  }
  if (as->op != AssignOp::Assign) return false;
  if (llvm::isa<ArrayExpr, ObjectExpr>(as->value)) return literalTaking(as, sym);
  // `x = x + a + b`: the operands right of the leftmost, in order.
  std::vector<const Expr*> operands;
  const Expr* left = as->value;
  while (auto* b = llvm::dyn_cast<BinaryExpr>(left)) {
    if (b->op != BinaryOp::Add) return false;
    operands.insert(operands.begin(), b->rhs);
    left = b->lhs;
  }
  if (operands.empty() || !takesFrom(left, sym) || prog_.json_conversions.count(as->value)) return false;
  for (const Expr* o : operands)
    if (usesSymbol(o, sym)) return false;
  bool chain = operands.size() > 1;
  if (chain && typeOf(left)->kind != TyKind::String) return false;
  std::string target = lvalue(as->target);
  std::string sum = fmt::format("std::move({})", target);
  for (const Expr* o : operands) {
    std::string value = expr(o);
    if (chain) {
      std::string t = temp("t");
      line(fmt::format("const lux::Value& {} = {};", t, value));
      value = t;
    }
    sum = fmt::format("lux::stdlib::Add({}, {})", sum, value);
  }
  line(fmt::format("{} = {};", target, sum));
  return true;
}

// The part of `literal` (an ArrayExpr or ObjectExpr) that may take the variable `sym`: the
// first that is `sym` itself (`...x`, `next: x`, `x`), when every other part that reads `sym`
// only reads it (and, when a closure shares the variable, every other part only reads); null
// when there is none.
const ast::Node* Emitter::takenPart(const ast::Expr* literal, const Symbol* sym) const {
  using namespace ast;
  std::vector<const Node*> parts;
  const Node* taken = nullptr;
  auto consider = [&](const Node* part, const Expr* value) {
    if (!taken && takesFrom(value, sym)) taken = part;
    else parts.push_back(part);
  };
  for (const Node* part : literalParts(literal)) {
    const Expr* value = spreadOperand(part);
    if (!value) value = llvm::isa<ObjectEntry>(part) ? llvm::cast<ObjectEntry>(part)->value : llvm::cast<Expr>(part);
    consider(part, value);
  }
  if (!taken) return nullptr;
  bool shared = fn_ && fn_->boxed.count(sym) > 0;
  for (const Node* p : parts)
    if ((shared || usesSymbol(p, sym)) && !plainRead(p)) return nullptr;
  return taken;
}

// `x = [...x, v]` / `x = { ...x, k: v }` / `x = { next: x }`: the literal written with the part
// that is `x` taking it (ListPart/ObjectPart::take), when that keeps the copy's meaning.
bool Emitter::literalTaking(const ast::AssignStmt* as, const Symbol* sym) {
  const ast::Node* taken = takenPart(as->value, sym);
  if (!taken) return false;
  std::string target = lvalue(as->target);
  take_ = {taken, target};
  std::string value = expr(as->value);
  take_ = {};
  line(fmt::format("{} = {};", target, value));
  return true;
}

// The first variable that `literal` spreads, that `may` allows and that a part of it may take
// (takenPart), or null.
const Symbol* Emitter::spreadTaken(const ast::Expr* literal, const std::function<bool(const Symbol*)>& may) const {
  if (!llvm::isa_and_nonnull<ast::ArrayExpr, ast::ObjectExpr>(literal)) return nullptr;
  for (const ast::Node* part : literalParts(literal)) {
    auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(spreadOperand(part));
    const Symbol* sym = n ? symbolOf(n) : nullptr;
    if (sym && may(sym) && takenPart(literal, sym)) return sym;
  }
  return nullptr;
}

// The parameter a returned literal spreads and may take (`fn(acc, x) [...acc, x]`, `return {
// ...acc, [k]: v }`, the family's reduce idioms): nothing reads it after the return, so its
// value moves into the result. Such a parameter is bound by value (findInplace; a lambda's
// takes its argument from reduce's call, TakeArg).
const Symbol* Emitter::returnedParamTaken(const ast::Expr* literal) const {
  return spreadTaken(literal, [&](const Symbol* sym) {
    return sym->kind == SymbolKind::Param && !(fn_ && (fn_->roles.count(sym) || fn_->by_reference.count(sym)));
  });
}

namespace {
void collectReturns(const ast::Node* n, std::vector<const ast::Expr*>& out) {
  if (llvm::isa<ast::LambdaExpr>(n)) return;  // a nested lambda's returns are its own
  if (auto* rs = llvm::dyn_cast<ast::ReturnStmt>(n); rs && rs->value) out.push_back(rs->value);
  forEachChild(n, [&](const ast::Node* c) { collectReturns(c, out); });
}
}  // namespace

// The values a lambda returns: its expression body, or its block's last expression and the
// values of its `return`s.
std::vector<const ast::Expr*> Emitter::lambdaResults(const ast::LambdaExpr* l) {
  std::vector<const ast::Expr*> out;
  auto* b = llvm::dyn_cast<ast::BlockExpr>(l->body);
  if (!b) {
    out.push_back(l->body);
    return out;
  }
  if (!b->stmts.empty())
    if (auto* es = llvm::dyn_cast<ast::ExprStmt>(b->stmts.back())) out.push_back(es->expr);
  collectReturns(b, out);
  return out;
}

// `return [...acc, x]` of a parameter bound by value, or of a local `var` no closure shares
// (a spread part: one that copies a whole list or object).
bool Emitter::returnTaking(const ast::Expr* e) {
  // A `finally` (or `defer`) body runs after the returned value is made, and may read the variable.
  if (!fn_ || finally_depth_ > 0 || !llvm::isa<ast::ArrayExpr, ast::ObjectExpr>(e)) return false;
  const Symbol* sym = returnedParamTaken(e);
  if (sym && !isInplace(sym)) sym = nullptr;
  if (!sym)
    sym = spreadTaken(e, [&](const Symbol* s) { return s->kind == SymbolKind::Local && s->is_mutable && !fn_->boxed.count(s); });
  if (!sym) return false;
  take_ = {takenPart(e, sym), nameOf(sym)};
  std::string value = expr(e);
  take_ = {};
  line("return " + value + ";");
  return true;
}

}  // namespace lux::emit
