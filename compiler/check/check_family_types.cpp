// The family's ways of building typed values that luxc's own syntax writes another way:
// `User(1, "Alice", "a@x")` builds a record from its fields in declaration order (the same record
// as `User { id: 1, name: "Alice", email: "a@x" }`; trailing fields with a default or of an
// Option type may be left out). Entry points: Checker::positionalRecordExpected,
// checkPositionalRecord.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// How many leading fields a positional construction must give: up to the last field that has
// no default and is not an Option.
size_t requiredFields(const RecordInfo* rec) {
  size_t required = 0;
  for (size_t i = 0; i < rec->fields.size(); ++i)
    if (!rec->fields[i].has_default && rec->fields[i].type->kind != TyKind::Option) required = i + 1;
  return required;
}

}  // namespace

const RecordInfo* Checker::positionalRecordOf(const ast::Expr* callee) {
  auto* n = llvm::dyn_cast<ast::NameExpr>(callee);
  if (!n) return nullptr;
  const Symbol* s = lookup(n->name.name);
  return s && s->kind == SymbolKind::Type && s->record ? s->record : nullptr;
}

const Ty* Checker::checkPositionalRecord(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee,
                                         const Symbol* sym, const std::vector<ArgInfo>& args) {
  const RecordInfo* rec = sym->record;
  std::string name = callee->name.name.str();
  const size_t lo = requiredFields(rec), hi = rec->fields.size();
  if (args.size() < lo || args.size() > hi) {
    reportCallArity(call, piped, args.size(), name, arityText(static_cast<int>(lo), static_cast<int>(hi)), rec->range,
                    fmt::format("`{}` is declared here", name));
  } else {
    for (size_t i = 0; i < args.size(); ++i) {
      const FieldInfo& f = rec->fields[i];
      if (args[i].expr)
        checkValueAgainst(args[i].expr, args[i].type, f.type, fmt::format("field `{}` of `{}`", f.name.str(), name),
                          f.range, fmt::format("`{}` is declared `{}` here", f.name.str(), typeName(f.type)));
    }
  }
  model_.positional_records[call] = rec;
  return types_.record(rec);
}

}  // namespace lux
