// The collection forms in C++: a comprehension is a result variable filled by nested `for`
// loops over lux::stdlib::Items (each `if` a `continue`), a Python slice one call of
// lux::stdlib::SliceStep, and `a < b < c` each operand in a variable of its own, compared
// pairwise until one comparison is false.
// Entry points: Emitter::comprehension, sliceExpr, compareChain.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

std::string Emitter::comprehension(const ast::ComprehensionExpr* e) {
  std::string out = temp("comp");
  line(fmt::format("lux::Value {} = {};", out, e->key ? "lux::Value::MakeObject()" : "lux::Value::MakeArray()"));
  compClause(e, 0, out);
  return out;
}

// The loop of clause `i` around the clauses after it; past the last one, the element is added.
void Emitter::compClause(const ast::ComprehensionExpr* e, size_t i, const std::string& out) {
  if (i == e->clauses.size()) {
    if (e->key) {
      std::string k = expr(e->key);
      line(fmt::format("lux::stdlib::PutEntry({}, {}, {});", out, k, expr(e->value)));
    } else {
      line(fmt::format("{}.PushBack({});", out, expr(e->value)));
    }
    return;
  }
  const ast::CompClause& c = e->clauses[i];
  std::string items = expr(c.iterable);
  const Symbol* vsym = symbolOf(c.value);
  std::string v = vsym ? declare(vsym, c.value->name.name.str()) : unique(safeName(c.value->name.name));
  if (!c.index) {
    line(fmt::format("for (const lux::Value& {} : lux::stdlib::Items({})) {{", v, items));
  } else {
    const Symbol* isym = symbolOf(c.index);
    std::string idx = isym ? declare(isym, c.index->name.name.str()) : unique(safeName(c.index->name.name));
    const Ty* it = typeOf(c.iterable);
    if (it->kind == TyKind::Array && it->elem->kind == TyKind::Array) {
      // `for k, v in pairs`: each inner list's first two elements.
      std::string pair = temp("pair");
      line(fmt::format("for (const lux::Value& {} : lux::stdlib::Items({})) {{", pair, items));
      line(fmt::format("  const lux::Value {} = lux::stdlib::Index({}, lux::Value(0));", idx, pair));
      line(fmt::format("  const lux::Value {} = lux::stdlib::Index({}, lux::Value(1));", v, pair));
    } else {
      // (index, element) of a list or a string, (key, value) of an object's entries.
      std::string entry = temp("entry");
      line(fmt::format("for (const auto& {} : lux::stdlib::ItemPairs({})) {{", entry, items));
      line(fmt::format("  const lux::Value& {} = {}.first;", idx, entry));
      line(fmt::format("  const lux::Value& {} = {}.second;", v, entry));
    }
  }
  w_.indent();
  for (const ast::Expr* f : c.conds) {
    std::string test = cond(f);
    line(fmt::format("if (!({})) continue;", test));
  }
  compClause(e, i + 1, out);
  w_.dedent();
  line("}");
}

std::string Emitter::sliceExpr(const ast::SliceExpr* e) {
  auto part = [&](const ast::Expr* p) { return p ? expr(p) : std::string("lux::Value()"); };
  std::string base = expr(e->base);
  std::string lo = part(e->lo), hi = part(e->hi), step = part(e->step);
  return fmt::format("lux::stdlib::SliceStep({}, {}, {}, {})", base, lo, hi, step);
}

std::string Emitter::compareChain(const ast::CompareChain* e) {
  auto opName = [](ast::BinaryOp op) {
    switch (op) {
      case ast::BinaryOp::Lt: return "Lt";
      case ast::BinaryOp::Le: return "Le";
      case ast::BinaryOp::Gt: return "Gt";
      default: return "Ge";
    }
  };
  std::string result = temp("t");
  std::string left = temp("t");
  line(fmt::format("lux::Value {} = {};", left, expr(e->operands[0])));
  line(fmt::format("lux::Value {}(false);", result));
  // Each further operand runs only while every comparison before it held.
  int open = 0;
  for (size_t i = 0; i < e->ops.size(); ++i) {
    std::string right = temp("t");
    line(fmt::format("lux::Value {} = {};", right, expr(e->operands[i + 1])));
    bool last = i + 1 == e->ops.size();
    std::string test = fmt::format("lux::stdlib::{}({}, {})", opName(e->ops[i]), left, right);
    if (last) {
      line(fmt::format("{} = lux::Value({});", result, test));
    } else {
      line(fmt::format("if ({}) {{", test));
      w_.indent();
      ++open;
    }
    left = right;
  }
  for (; open > 0; --open) {
    w_.dedent();
    line("}");
  }
  return result;
}

}  // namespace lux::emit
