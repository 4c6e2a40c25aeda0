// Small out-of-line pieces of the AST: kind names and node helpers.
#include <cmath>

#include "ast/ast.h"

namespace lux::ast {

llvm::StringRef nodeKindName(NodeKind kind) {
  switch (kind) {
#define LUX_AST_NODE(Name, Category) \
  case NodeKind::Name:               \
    return #Name;
#include "ast/ast_nodes.def"
  }
  return "?";
}

double DurationLit::milliseconds() const {
  double amount_value = 0;
  if (auto* i = llvm::dyn_cast<IntLit>(amount)) amount_value = static_cast<double>(i->value);
  if (auto* f = llvm::dyn_cast<FloatLit>(amount)) amount_value = f->value;
  double scale = 1;
  switch (unit) {
    case DurationUnit::Milliseconds: scale = 1; break;
    case DurationUnit::Seconds: scale = 1e3; break;
    case DurationUnit::Minutes: scale = 60e3; break;
    case DurationUnit::Hours: scale = 3600e3; break;
    case DurationUnit::Days: scale = 86400e3; break;
    case DurationUnit::Weeks: scale = 7 * 86400e3; break;
  }
  // std::trunc, not a cast through int64_t: a literal past the Int range (E1014) stays finite.
  return std::trunc(amount_value * scale);
}

Expr* ObjectExpr::find(llvm::StringRef key) const {
  for (ObjectEntry* e : entries) {
    if (e->form != ObjectEntry::Form::Spread && e->key.name == key) return e->value;
  }
  return nullptr;
}

}  // namespace lux::ast
