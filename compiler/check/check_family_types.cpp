// The family's ways of building typed values that luxc's own syntax writes another way:
// `User(1, "Alice", "a@x")` builds a record from its fields in declaration order (the same record
// as `User { id: 1, name: "Alice", email: "a@x" }`; trailing fields with a default or of an
// Option type may be left out). Also what to write instead of the JavaScript names the family's
// guides use (`Promise.all`, the type `Object`). Entry points:
// Checker::positionalRecordOf, checkPositionalRecord, familyGlobalHelp, familyTypeHelp.
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

std::string Checker::familyGlobalHelp(llvm::StringRef name, bool is_type) {
  static const std::pair<llvm::StringRef, const char*> kValues[] = {
      {"Promise", "every call waits for its result where it is made (requests run on fibers, so other requests go on): "
                  "call them one after the other, `a = fetch_a()` then `b = fetch_b()`"},
      {"collections", "Lux values are not changed in place, so there are no collection classes: count with "
                      "`frequencies(xs)` or `count_by(xs, f)`, group with `group_by(xs, f)`, keep a queue as a list in "
                      "a `var` (`queue = [...queue, x]`, then `queue[0]` and `queue = queue[1:]`)"},
      {"curry", "call the function with all its arguments, or fix the first ones with `partial(f, a)`"},
      {"debounce", "a server has no input events to debounce: limit how often clients call a route with "
                   "`with rate_limit(n)`, or run the work later with `spawn_job_in(delay, job)`"},
      {"throttle", "limit how often clients call a route with `with rate_limit(n)`, or run periodic work in "
                   "`schedule every 5.minutes { ... }`"},
      {"Set", "Lux has no `Set` class: keep a list (`unique(xs)` drops repeats, `x in xs` tests membership) or an "
              "object whose keys are the elements (`seen[x] = true`, then `x in seen`)"},
      {"Map", "Lux has no `Map` class: an object is one (`m = {}`, `m[key] = value`, `m[key]`, `key in m`, `keys(m)`, "
              "`entries(m)`)"},
      {"WeakMap", "Lux has no `WeakMap`: an object keyed by a String is a map (`m = {}`, `m[key] = value`)"},
      {"Boolean", "keep the truthy elements with a lambda: `xs.filter(x => x)` on JSON or a list of Options; on "
                  "Strings or numbers say which (`xs.filter(x => x != \"\")`, `xs.filter(n => n != 0)`)"},
      {"PI", "JavaScript's spelling is built in: `Math.PI`"},
      {"INF", "a Float has no literal infinity here: start a minimum from the first element (`min(xs)`, "
              "`min_by(xs, f)`) or use an `Option`"},
  };
  static const std::pair<llvm::StringRef, const char*> kTypes[] = {
      {"Object", "write `Json` for a JSON document (`JSON.parse`'s value), or declare a record type"},
      {"Number", "write `Int` or `Float`"},
      {"Nil", "the absent value belongs to an `Option<T>`: write `Option<T>` and `None` (or `nil`)"},
  };
  for (const auto& [n, help] : is_type ? llvm::ArrayRef(kTypes) : llvm::ArrayRef(kValues))
    if (n == name) return help;
  return "";
}

namespace {

// Other languages' names of the scalar types: `number`, `str`, `boolean`, ...
const char* scalarTypeName(llvm::StringRef n) {
  static const std::pair<llvm::StringRef, const char*> kNames[] = {
      {"int", "Int"},       {"integer", "Int"},   {"i64", "Int"},      {"long", "Int"},   {"float", "Float"},
      {"double", "Float"},  {"f64", "Float"},     {"str", "String"},   {"string", "String"}, {"bool", "Bool"},
      {"boolean", "Bool"},
  };
  for (const auto& [name, lux] : kNames)
    if (n == name) return lux;
  return nullptr;
}

}  // namespace

// What to write for a type other languages spell their way (E2103's help): `number`, `str`,
// `Array<String>`/`List<str>` (`[String]`), `Record<String, Int>`/`Map<K, V>` (an object: `Json`).
std::string Checker::familyTypeHelp(const ast::NamedType* nt) {
  llvm::StringRef n = nt->name.name;
  auto shown = [&](const ast::Type* t) {
    auto* named = llvm::dyn_cast<ast::NamedType>(t);
    const char* lux = named && named->args.empty() ? scalarTypeName(named->name.name) : nullptr;
    return lux ? std::string(lux) : std::string(file_.slice(t->range()));
  };
  if (n == "number") return "write `Int` for whole numbers or `Float`";
  if (const char* lux = scalarTypeName(n)) return fmt::format("write `{}`", lux);
  if ((n == "Array" || n == "List" || n == "Vec" || n == "ReadonlyArray" || n == "list") && nt->args.size() == 1)
    return fmt::format("a list type is written `[{}]`", shown(nt->args[0]));
  if ((n == "Record" || n == "Map" || n == "HashMap" || n == "Dict" || n == "dict") && nt->args.size() == 2)
    return "Lux has no map type: an object keyed by String is one (`m = {}`, `m[key] = value`, `m[key]`), "
           "and its type is `Json` (or leave the type out)";
  return "";
}

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
