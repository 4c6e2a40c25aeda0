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

// `x = [...x, v]` / `x = { ...x, k: v }` / `x = { next: x }`: the literal written with the part
// that is `x` taking it (ListPart/ObjectPart::take), when that keeps the copy's meaning.
bool Emitter::literalTaking(const ast::AssignStmt* as, const Symbol* sym) {
  using namespace ast;
  const Expr* literal = as->value;
  std::vector<const Node*> parts;
  const Node* taken = nullptr;
  auto consider = [&](const Node* part, const Expr* value) {
    if (!taken && takesFrom(value, sym)) taken = part;
    else parts.push_back(part);
  };
  if (auto* a = llvm::dyn_cast<ArrayExpr>(literal)) {
    for (const Expr* el : a->elements) {
      auto* u = llvm::dyn_cast<UnaryExpr>(el);
      consider(el, u && u->op == UnaryOp::Spread ? u->operand : el);
    }
  } else {
    for (const ObjectEntry* en : llvm::cast<ObjectExpr>(literal)->entries) consider(en, en->value);
  }
  if (!taken) return false;
  bool shared = fn_->boxed.count(sym) > 0;
  for (const Node* p : parts)
    if ((shared || usesSymbol(p, sym)) && !plainRead(p)) return false;
  std::string target = lvalue(as->target);
  take_ = {taken, target};
  std::string value = expr(literal);
  take_ = {};
  line(fmt::format("{} = {};", target, value));
  return true;
}

}  // namespace lux::emit
