// Expressions: names (scope chain, then enum variants, then built-ins), members (record fields
// E3004, enum variants E2401, durations `x.hours`), operators (E3007), record construction
// (E3003/E3004/E3005/E2105), lambdas (parameter types from the context when it knows them), if,
// blocks; and the gradual type check (E3001).
// Entry points: Checker::checkExpr, checkName, checkMember, checkBinary, checkRecordExpr,
// checkLambda, expectType, checkObjectAgainstRecord.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker.h"

namespace lux {

namespace {

bool isDurationUnit(llvm::StringRef m) {
  static const char* kUnits[] = {"ms",      "millisecond", "milliseconds", "second", "seconds", "minute", "minutes",
                                 "hour",    "hours",       "day",          "days",   "week",    "weeks"};
  for (const char* u : kUnits)
    if (m == u) return true;
  return false;
}

const char* opText(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Add: return "+";
    case ast::BinaryOp::Sub: return "-";
    case ast::BinaryOp::Mul: return "*";
    case ast::BinaryOp::Div: return "/";
    case ast::BinaryOp::Mod: return "%";
    case ast::BinaryOp::Eq: return "==";
    case ast::BinaryOp::Ne: return "!=";
    case ast::BinaryOp::Lt: return "<";
    case ast::BinaryOp::Le: return "<=";
    case ast::BinaryOp::Gt: return ">";
    case ast::BinaryOp::Ge: return ">=";
    case ast::BinaryOp::And: return "&&";
    case ast::BinaryOp::Or: return "||";
    case ast::BinaryOp::In: return "in";
    case ast::BinaryOp::NotIn: return "not in";
    case ast::BinaryOp::Coalesce: return "??";
    case ast::BinaryOp::Pow: return "**";
  }
  return "?";
}

// The operator as the program spells it (`and` or `&&`).
const char* opText(const ast::BinaryExpr* e) {
  if (e->word) return e->op == ast::BinaryOp::And ? "and" : "or";
  return opText(e->op);
}

}  // namespace

bool Checker::expectType(const Ty* from, const Ty* to, SourceRange at, const std::string& what, SourceRange note_at,
                         const std::string& note) {
  if (from && from->json && to && needsConversionFromJson(to)) return reportJsonToTyped(to, at, what);
  if (isAssignable(from, to)) return true;
  auto d = diags_.report(DiagId::TypeMismatch, at, typeName(to), what, typeName(from));
  if (note_at.size() > 0) d.note(note_at, note);
  if (to->kind == TyKind::String && from->isScalar()) d.help("convert the value with `to_string(...)`");
  if (from == types_.option(types_.dynamic()) && to->kind != TyKind::Option)
    d.help(fmt::format("`nil` (`None`) is an absent value and only an `Option` can be absent: declare `Option<{}>`",
                       typeName(to)));
  else if (from->kind == TyKind::Option && to->kind != TyKind::Option && from->elem && isAssignable(from->elem, to))
    // `fn get_user(id) -> User { User.find(id) }`: find may find nothing.
    d.help(fmt::format("the value may be nil: declare `Option<{0}>` (a handler answers a nil as `null`), or check it "
                       "first and answer the absent case (`guard x != nil else {{ return respond(404, {{ error: \"not found\" }}) }}`)",
                       typeName(to)));
  else if (from->kind == TyKind::Result && to->kind != TyKind::Result)
    d.help(fmt::format("a function that returns `Ok(...)`/`Err(...)` declares `Result<{}, String>` "
                       "(a handler answers `Err(e)` with 400 `{{ error: e }}`), or answer with `respond(404, {{ error: ... }})`", typeName(to)));
  return false;
}

// A JSON document's parts are whatever the document holds: a typed place (a parameter, a typed
// binding, a record field, a result) of a scalar, Duration, record, enum or function type takes
// one only converted (convertsFromJson: where the checker sees the value, json_conversions), so
// a misspelt field read (`body.cuont`) is never passed on as null.
bool Checker::needsConversionFromJson(const Ty* to) {
  switch (to->kind) {
    case TyKind::Int:
    case TyKind::Float:
    case TyKind::String:
    case TyKind::Duration:
    case TyKind::Record:
    case TyKind::Enum:
    case TyKind::Fn: return true;
    default: return false;
  }
}

// The types a `Json` value converts to where one is expected (lux::stdlib::JsonAs): the scalars,
// records, enums whose variants carry nothing, and lists and Options of those (or of Json).
bool Checker::convertsFromJson(const Ty* to) {
  if (!to) return false;
  switch (to->kind) {
    case TyKind::Int:
    case TyKind::Float:
    case TyKind::String:
    case TyKind::Bool:
    case TyKind::Duration:
    case TyKind::Record: return true;
    case TyKind::Enum:
      for (const VariantInfo& v : to->enum_info->variants)
        if (!v.payload.empty()) return false;
      return true;
    case TyKind::Array: return to->elem && (to->elem->isDynamic() || convertsFromJson(to->elem));
    case TyKind::Option: return to->elem && convertsFromJson(to->elem) && to->elem->kind != TyKind::Option;
    default: return false;
  }
}

bool Checker::convertJson(const ast::Expr* e, const Ty* from, const Ty* to, JsonConversion::Mode mode) {
  if (!e || !from || !from->json) return false;
  if (mode != JsonConversion::Mode::Number && !convertsFromJson(to)) return false;
  model_.json_conversions[e] = JsonConversion{to, mode, from->client};
  return true;
}

// A `Json` operand beside a typed one takes its type: `u.id == req.params.id` compares the id the
// path spells with an Int; `req.query.page - 1` and `req.query.n > 5` compute with the number the
// text spells (both sides of `-`, `*`, `/`, `%` when both are Json).
void Checker::convertJsonOperands(const ast::BinaryExpr* e, const Ty* l, const Ty* r) {
  using Mode = JsonConversion::Mode;
  auto scalar = [](const Ty* t) { return t->isScalar() || t->kind == TyKind::Duration || t->kind == TyKind::Enum; };
  switch (e->op) {
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
      if (scalar(r)) convertJson(e->lhs, l, r, Mode::Equality);
      if (scalar(l)) convertJson(e->rhs, r, l, Mode::Equality);
      return;
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge:
    case ast::BinaryOp::Add:
      if (r->isNumeric() || r->kind == TyKind::Duration) convertJson(e->lhs, l, r, Mode::Number);
      if (l->isNumeric() || l->kind == TyKind::Duration) convertJson(e->rhs, r, l, Mode::Number);
      if (e->op != ast::BinaryOp::Add && r->kind == TyKind::String) convertJson(e->lhs, l, r, Mode::Place);
      if (e->op != ast::BinaryOp::Add && l->kind == TyKind::String) convertJson(e->rhs, r, l, Mode::Place);
      return;
    case ast::BinaryOp::Sub:
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::Div:
    case ast::BinaryOp::Mod:
    case ast::BinaryOp::Pow:
      if (r->isNumeric() || r->kind == TyKind::Duration || r->json) convertJson(e->lhs, l, r, Mode::Number);
      if (l->isNumeric() || l->kind == TyKind::Duration || l->json) convertJson(e->rhs, r, l, Mode::Number);
      return;
    default: return;
  }
}

// `req.body`, `req.query`, `req.params` and `req.cookies` of the request (an unannotated
// parameter named `req` or `request`) are what the client sent: JSON documents; so is
// `req.session`, the values the session keeps (docs/language.md, "Sessions and cookies").
bool Checker::isRequestJson(const ast::MemberExpr* e) const {
  auto* base = llvm::dyn_cast<ast::NameExpr>(e->base);
  llvm::StringRef m = e->member.name;
  if (!base || !(m == "body" || m == "query" || m == "params" || m == "cookies" || m == "session")) return false;
  auto it = model_.resolved.find(base);
  const Symbol* sym = it == model_.resolved.end() ? nullptr : it->second;
  return isRequestParam(sym);
}

bool Checker::reportJsonToTyped(const Ty* to, SourceRange at, const std::string& what) {
  auto d = diags_.report(DiagId::JsonNeedsConversion, at, typeName(to), what);
  switch (to->kind) {
    case TyKind::Int: d.help("convert it with `to_int(...)`"); break;
    case TyKind::Float: d.help("convert it with `to_float(...)`"); break;
    case TyKind::String: d.help("convert it with `to_string(...)`"); break;
    case TyKind::Record:
      d.help(fmt::format("build the record from converted fields: `{} {{ field: to_string(doc.field), ... }}`", typeName(to)));
      break;
    case TyKind::Fn: d.help("a JSON document holds no functions: pass a function of the program"); break;
    case TyKind::Enum:
      d.help(fmt::format("`{}` has variants that carry values: build one from the document's fields with a `match` "
                         "or an `if` (`Circle(to_float(doc.radius))`)", typeName(to)));
      break;
    default: d.help("read it into a typed value with a conversion or a `match` first"); break;
  }
  return false;
}

const Ty* Checker::checkExpr(const ast::Expr* e) {
  if (!e) return types_.dynamic();
  if (e == prechecked_expr_) {  // checked already by checkBuiltinMethod
    prechecked_expr_ = nullptr;
    return prechecked_type_;
  }
  const Ty* t = types_.dynamic();
  switch (e->kind()) {
    case ast::NodeKind::IntLit: t = types_.get(TyKind::Int); break;
    case ast::NodeKind::FloatLit: t = types_.get(TyKind::Float); break;
    case ast::NodeKind::BoolLit: t = types_.get(TyKind::Bool); break;
    case ast::NodeKind::StringLit: t = types_.get(TyKind::String); break;
    case ast::NodeKind::DurationLit: t = types_.get(TyKind::Duration); break;
    case ast::NodeKind::InterpolatedString:
      for (const ast::Expr* p : llvm::cast<ast::InterpolatedString>(e)->parts) {
        checkExpr(p);
        checkUnitUse(p, "an interpolation");
      }
      t = types_.get(TyKind::String);
      break;
    case ast::NodeKind::NameExpr: t = checkName(llvm::cast<ast::NameExpr>(e)); break;
    case ast::NodeKind::ArrayExpr: {
      const Ty* elem = nullptr;
      for (const ast::Expr* el : llvm::cast<ast::ArrayExpr>(e)->elements) {
        const Ty* et = checkExpr(el);
        checkUnitUse(el, "an element of a list");
        if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(el); u && u->op == ast::UnaryOp::Spread)  // a String: its characters
          et = et->kind == TyKind::Array ? et->elem : et->kind == TyKind::String ? et : types_.dynamic();
        elem = elem ? joinTypes(types_, elem, et) : et;
      }
      t = types_.array(elem ? elem : types_.dynamic());
      break;
    }
    case ast::NodeKind::ObjectExpr:
      for (const ast::ObjectEntry* en : llvm::cast<ast::ObjectExpr>(e)->entries) {
        if (en->key_expr) checkComputedKey(en);
        checkExpr(en->value);
        if (en->key_expr) checkUnitUse(en->value, "a computed key's value");
        else if (en->form != ast::ObjectEntry::Form::Spread) checkUnitUse(en->value, fmt::format("field `{}`", en->key.name.str()));
      }
      t = types_.get(TyKind::Object);
      break;
    case ast::NodeKind::RecordExpr: t = checkRecordExpr(llvm::cast<ast::RecordExpr>(e)); break;
    case ast::NodeKind::CallExpr:
      t = checkCall(llvm::cast<ast::CallExpr>(e), nullptr, nullptr, {});
      // `x?.method()`: None when `x` is (the emitter's optionalCall), so an Option of the result.
      if (auto* m = llvm::dyn_cast<ast::MemberExpr>(llvm::cast<ast::CallExpr>(e)->callee); m && m->optional && t &&
          !t->isDynamic() && t->kind != TyKind::Option && t->kind != TyKind::Unit)
        t = types_.option(t);
      checkRoundedIntDivision(llvm::cast<ast::CallExpr>(e));
      break;
    case ast::NodeKind::MemberExpr:
      t = narrowedMember(llvm::cast<ast::MemberExpr>(e), checkMember(llvm::cast<ast::MemberExpr>(e)));
      break;
    case ast::NodeKind::IndexExpr: {
      auto* ie = llvm::cast<ast::IndexExpr>(e);
      const Ty* bt = checkExpr(ie->base);
      if (auto* r = llvm::dyn_cast<ast::RangeExpr>(ie->index)) {
        // `xs[a..b]`, `s[a..=b]`: a slice of a list or a string, of the same type.
        const Ty* Int = types_.get(TyKind::Int);
        for (const ast::Expr* bound : {r->lo, r->hi})
          if (bound) expectType(checkExpr(bound), Int, bound->range(), "a slice bound");
        model_.expr_types[ie->index] = types_.dynamic();
        t = sliceResult(bt, ie->base->range());
        break;
      }
      checkExpr(ie->index);
      t = bt->kind == TyKind::Array ? bt->elem : bt->json ? bt : bt->kind == TyKind::String ? bt : types_.dynamic();
      break;
    }
    case ast::NodeKind::UnaryExpr: {
      auto* ue = llvm::cast<ast::UnaryExpr>(e);
      const Ty* ot = checkExpr(ue->operand);
      checkUnitUse(ue->operand, ue->op == ast::UnaryOp::Not   ? "the operand of `!`"
                                : ue->op == ast::UnaryOp::Neg ? "the operand of `-`"
                                                              : "a spread");
      if (ue->op == ast::UnaryOp::Not) t = types_.get(TyKind::Bool);
      else if (ue->op == ast::UnaryOp::Neg) t = ot->isNumeric() || ot->kind == TyKind::Duration ? ot : types_.dynamic();
      else t = ot;
      break;
    }
    case ast::NodeKind::BinaryExpr:
      t = checkBinary(llvm::cast<ast::BinaryExpr>(e));
      checkRoundedThenDivided(llvm::cast<ast::BinaryExpr>(e));
      break;
    case ast::NodeKind::ComprehensionExpr: t = checkComprehension(llvm::cast<ast::ComprehensionExpr>(e)); break;
    case ast::NodeKind::SliceExpr: t = checkSlice(llvm::cast<ast::SliceExpr>(e)); break;
    case ast::NodeKind::CompareChain: t = checkCompareChain(llvm::cast<ast::CompareChain>(e)); break;
    case ast::NodeKind::RangeExpr: {
      auto* re = llvm::cast<ast::RangeExpr>(e);
      checkExpr(re->lo);
      checkExpr(re->hi);
      t = types_.array(types_.get(TyKind::Int));
      break;
    }
    case ast::NodeKind::PipeExpr: t = checkPipe(llvm::cast<ast::PipeExpr>(e)); break;
    case ast::NodeKind::UnwrapExpr: {
      const Ty* ot = checkExpr(llvm::cast<ast::UnwrapExpr>(e)->operand);
      t = (ot->kind == TyKind::Option || ot->kind == TyKind::Result) ? ot->elem : types_.dynamic();
      break;
    }
    case ast::NodeKind::AwaitExpr: t = checkExpr(llvm::cast<ast::AwaitExpr>(e)->operand); break;
    case ast::NodeKind::LambdaExpr: t = checkLambda(llvm::cast<ast::LambdaExpr>(e)); break;
    case ast::NodeKind::IfExpr: t = checkIf(llvm::cast<ast::IfExpr>(e)); break;
    case ast::NodeKind::MatchExpr: t = checkMatch(llvm::cast<ast::MatchExpr>(e)); break;
    case ast::NodeKind::BlockExpr: t = checkBlock(llvm::cast<ast::BlockExpr>(e)); break;
    default: break;
  }
  model_.expr_types[e] = t;
  return t;
}

// `if`/`elif`/`else`: each condition is a condition (checkCondition), each branch checked where
// the conditions before it are false and its own true, the else where all are false (checkNarrowed).
const Ty* Checker::checkIf(const ast::IfExpr* ie) {
  const Ty* joined = nullptr;
  // Each condition is checked where the ones before it were false; its branch where it holds.
  std::vector<std::pair<const ast::Expr*, bool>> facts;
  for (const ast::IfBranch* b : ie->branches) {
    checkNarrowed(facts, [&] {
      checkCondition(b->cond, "the `if` condition");
      return static_cast<const Ty*>(nullptr);
    });
    facts.emplace_back(b->cond, true);
    const Ty* bt = checkNarrowed(facts, [&] { return checkBlock(b->body); });
    facts.back().second = false;
    joined = joined ? joinTypes(types_, joined, bt) : bt;
  }
  if (!ie->else_body) return types_.get(TyKind::Unit);
  const Ty* bt = checkNarrowed(facts, [&] { return checkBlock(ie->else_body); });
  return joined ? joinTypes(types_, joined, bt) : bt;
}

const Symbol* Checker::resolveValueName(const ast::NameExpr* e) {
  llvm::StringRef n = e->name.name;
  if (Symbol* sym = lookup(n)) {
    sym->reads++;
    model_.resolved[e] = sym;
    return sym;
  }
  // Enum variants, by their bare name.
  auto vit = variants_.find(n);
  if (vit != variants_.end() && !vit->second.empty()) {
    std::vector<const EnumInfo*> enums = vit->second;
    // Where an enum is expected, its own variant is meant (checkExprExpecting).
    if (enums.size() > 1 && variant_hint_ && std::count(enums.begin(), enums.end(), variant_hint_)) enums = {variant_hint_};
    if (enums.size() > 1) {
      diags_.report(DiagId::AmbiguousVariant, e->range(), n.str(), enums[0]->name.str(), enums[1]->name.str())
          .note(enums[0]->variant(n)->range, fmt::format("declared in `{}` here", enums[0]->name.str()))
          .note(enums[1]->variant(n)->range, fmt::format("and in `{}` here", enums[1]->name.str()))
          .help(fmt::format("qualify it: `{}.{}`", enums[0]->name.str(), n.str()));
      return nullptr;
    }
    Symbol* sym = newSymbol(SymbolKind::Variant, n, enums[0]->variant(n)->range, nullptr, types_.enumTy(enums[0]));
    sym->enum_info = enums[0];
    sym->variant = enums[0]->variant(n);
    sym->server = enums[0]->server;
    model_.resolved[e] = sym;
    return sym;
  }
  // `nil` and `null` spell `None` (unless a binding of that name is in scope).
  if (ast::isNoneSpelling(n)) n = "None";
  if (n == "Some" || n == "None" || n == "Ok" || n == "Err") {
    Symbol* sym = newSymbol(SymbolKind::OptionCtor, n, {}, nullptr,
                              n == "None" ? types_.option(types_.dynamic()) : types_.dynamic());
    sym->server = -1;
    model_.resolved[e] = sym;
    return sym;
  }
  if (const Builtin* b = model_.builtins.global(n)) {
    Symbol* sym = newSymbol(SymbolKind::Builtin, n, {}, nullptr, types_.dynamic());
    sym->builtin = b;
    sym->server = -1;
    model_.resolved[e] = sym;
    return sym;
  }
  if (model_.builtins.isModule(n)) {
    if (n == "db") {
      if (cur_server_ < 0 || !model_.servers[cur_server_].db) {
        auto d = diags_.report(DiagId::DbNotConfigured, e->range(), hereName());
        if (cur_server_ >= 0) d.help("add `db { path: \"./data.db\" }` to the server");
        else d.help("shared code runs in every server; pass the data in, or move this function into a server");
      }
    }
    Symbol* sym = newSymbol(SymbolKind::Module, n, {}, nullptr, types_.dynamic());
    sym->server = -1;
    model_.resolved[e] = sym;
    return sym;
  }
  reportUnresolved(e->name, false);
  return nullptr;
}

const Ty* Checker::checkName(const ast::NameExpr* e, bool as_callee) {
  if (e->name.name == "true" || e->name.name == "false") return types_.get(TyKind::Bool);
  const Symbol* sym = resolveValueName(e);
  if (!sym) return types_.dynamic();
  switch (sym->kind) {
    case SymbolKind::Variant:
      return sym->type;
    case SymbolKind::Builtin:
      return as_callee ? types_.dynamic() : builtinValue(e, sym->builtin);
    case SymbolKind::Model:
    case SymbolKind::Module:
    case SymbolKind::Service:
    case SymbolKind::Type:
      return types_.dynamic();
    default:
      return sym->type ? sym->type : types_.dynamic();
  }
}

namespace {
bool mentionsTypeParam(const Ty* t) {
  if (!t) return false;
  if (t->kind == TyKind::Param) return true;
  if (mentionsTypeParam(t->elem)) return true;
  for (const Ty* p : t->params)
    if (mentionsTypeParam(p)) return true;
  return false;
}
}  // namespace

// A built-in passed as a value (`words.map(upper)`, `xs.map(parseInt)`): a function of the
// built-in's fewest arguments, each of unknown type (the emitter wraps the call; `parseInt` given
// to `map` takes the element alone, never JavaScript's index). One that returns nothing, takes no
// argument, or whose longer forms take another first argument than its shortest (`max(xs)` and
// `max(a, b)`: which one is meant is not known) is E2317.
const Ty* Checker::builtinValue(const ast::NameExpr* e, const Builtin* b) {
  const int arity = b->min_args;
  bool ok = b->form == BuiltinForm::Call && b->owner == "Global" && !b->overloads.empty() && arity >= 1;
  std::vector<const Ty*> firsts;  // the first parameters of the shortest forms
  for (const Signature& s : b->overloads)
    if (s.min_args == arity && !s.params.empty()) firsts.push_back(s.params[0]);
  const Ty* result = nullptr;
  for (const Signature& s : b->overloads) {
    if (!s.result || s.result->kind == TyKind::Unit) ok = false;
    if (s.min_args > arity && !s.params.empty() && !llvm::is_contained(firsts, s.params[0])) ok = false;
    result = !result || result == s.result ? s.result : types_.dynamic();
  }
  if (!ok) {
    diags_.report(DiagId::BuiltinAsValue, e->range(), e->name.name.str())
        .help(b->max_args > b->min_args
                  ? fmt::format("call it inside a lambda with the arguments you mean: `fn(a, b) {}(a, b)`", e->name.name.str())
                  : fmt::format("call it inside a lambda: `fn(x) {}(x)`", e->name.name.str()));
    return types_.dynamic();
  }
  model_.builtin_values[e] = b;
  if (mentionsTypeParam(result)) result = types_.dynamic();
  return types_.fn(std::vector<const Ty*>(static_cast<size_t>(arity), types_.dynamic()), result);
}

const Ty* Checker::checkMember(const ast::MemberExpr* e) {
  if (e->optional) {
    // `x?.f`: on Option<T>, T's field as an Option (an Option field stays one); None stays None.
    // On a value of another type the same, as in TypeScript: the value may still be missing
    // where it was read past a list's end (`xs[0]?.name ?? "-"` on an empty list).
    const Ty* bt = checkExpr(e->base);
    if (bt->isDynamic()) return bt->json ? bt : types_.dynamic();
    const Ty* f = fieldType(e, bt->kind == TyKind::Option ? bt->elem : bt);
    if (f->isDynamic() || f->kind == TyKind::Option) return f;
    return types_.option(f);
  }
  if (auto* base = llvm::dyn_cast<ast::NameExpr>(e->base)) {
    Symbol* sym = lookup(base->name.name);
    if (sym && sym->kind == SymbolKind::Type && sym->enum_info) {
      sym->reads++;
      model_.resolved[base] = sym;
      const EnumInfo* info = sym->enum_info;
      if (!info->variant(e->member.name)) {
        std::vector<std::string_view> names;
        for (const VariantInfo& v : info->variants) names.push_back(std::string_view(v.name));
        diags_.report(DiagId::UnknownVariant, e->member.range, info->name.str(), e->member.name.str())
            .note(info->range, fmt::format("`{}` is declared here", info->name.str()))
            .didYouMean(closestMatch(e->member.name, names));
        return types_.dynamic();
      }
      return types_.enumTy(info);
    }
    if (sym && (sym->kind == SymbolKind::Model || sym->kind == SymbolKind::Service)) {
      sym->reads++;
      model_.resolved[base] = sym;
      if (sym->kind == SymbolKind::Model && !model_.builtins.modelMethod(e->member.name)) {
        diags_.report(DiagId::UnknownModelMethod, e->member.range, sym->name.str(), e->member.name.str())
            .didYouMean(closestMatch(e->member.name, model_.builtins.namesOf("Model")));
      }
      return types_.dynamic();
    }
    if (!sym && model_.builtins.isModule(base->name.name)) {
      checkName(base);
      // JavaScript's constants of `Math`: Floats.
      static const std::pair<llvm::StringRef, const char*> kMathConstants[] = {
          {"PI", "3.141592653589793"},         {"E", "2.718281828459045"},           {"LN2", "0.6931471805599453"},
          {"LN10", "2.302585092994046"},       {"LOG2E", "1.4426950408889634"},      {"LOG10E", "0.4342944819032518"},
          {"SQRT2", "1.4142135623730951"},     {"SQRT1_2", "0.7071067811865476"}};
      if (base->name.name == "Math")
        for (const auto& [name, value] : kMathConstants)
          if (e->member.name == name) {
            model_.math_constants[e] = value;
            return types_.get(TyKind::Float);
          }
      // JavaScript's constants of `Number`: the safe-integer bounds are Ints, the rest Floats.
      static const std::pair<llvm::StringRef, const char*> kNumberConstants[] = {
          {"MAX_SAFE_INTEGER", "9007199254740991LL"}, {"MIN_SAFE_INTEGER", "-9007199254740991LL"},
          {"EPSILON", "2.220446049250313e-16"},       {"MAX_VALUE", "1.7976931348623157e308"},
          {"MIN_VALUE", "5e-324"}};
      if (base->name.name == "Number")
        for (const auto& [name, value] : kNumberConstants)
          if (e->member.name == name) {
            model_.math_constants[e] = value;
            return types_.get(llvm::StringRef(value).endswith("LL") ? TyKind::Int : TyKind::Float);
          }
      if (!model_.builtins.module(base->name.name, e->member.name)) {
        diags_.report(DiagId::UnknownModuleMember, e->member.range, base->name.name.str(), e->member.name.str())
            .didYouMean(closestMatch(e->member.name, model_.builtins.namesOf(std::string_view(base->name.name))));
      }
      return types_.dynamic();
    }
  }
  // `req.form.NAME`: that inner `req.form` reads one field, not the whole form.
  if (auto* inner = llvm::dyn_cast<ast::MemberExpr>(e->base); inner && inner->member.name == "form") named_form_ = inner;
  const Ty* bt = checkExpr(e->base);
  noteFormField(e);
  if (const Ty* typed = typedRequestBody(e)) return typed;
  if (isRequestJson(e)) {
    if (e->member.name == "session") {  // written by the server (signed), not sent by the client
      if (cur_server_ >= 0 && !model_.servers[cur_server_].session_use) model_.servers[cur_server_].session_use = e;
      return types_.json();
    }
    return types_.clientJson();
  }
  if (const Ty* t = uploadMember(e)) return t;
  return fieldType(e, bt);
}

// The type of field `e->member` of a value of type `bt` (E3004 when it has none).
const Ty* Checker::fieldType(const ast::MemberExpr* e, const Ty* bt) {
  if (bt->kind == TyKind::Record) {
    const RecordInfo* rec = bt->record;
    if (const FieldInfo* f = rec->field(e->member.name)) return f->type;
    if (e->member.name == "id" && rec->is_model) return types_.get(TyKind::Int);
    std::vector<std::string_view> names;
    for (const FieldInfo& f : rec->fields) names.push_back(std::string_view(f.name));
    auto d = diags_.report(DiagId::UnknownField, e->member.range, rec->is_model ? "model" : "type", rec->name.str(),
                           e->member.name.str());
    if (rec != uploaded_file_ && bt != types_.webSocket()) d.note(rec->range, fmt::format("`{}` is declared here", rec->name.str()));
    d.didYouMean(closestMatch(e->member.name, names));
    return types_.dynamic();
  }
  if ((bt->isNumeric() || bt->isDynamic()) && isDurationUnit(e->member.name) && !bt->isDynamic())
    return types_.get(TyKind::Duration);
  // `todos.length`, `name.length`: the family's (JavaScript's) length, as `len` gives it.
  if (e->member.name == "length" && e != callee_member_ && (bt->kind == TyKind::Array || bt->kind == TyKind::String))
    return types_.get(TyKind::Int);
  if (!bt->json && e != callee_member_ && hasNoFields(bt)) {
    // `xs.size` on a list, `n.count` on an Int: values of these types have no fields (at
    // run time the read fails the request); built-ins take them as an argument. A method call
    // `x.f(...)` is reported by checkMethodCall instead (E2305).
    auto d = diags_.report(DiagId::UnknownField, e->member.range, "type", typeName(bt), e->member.name.str());
    llvm::StringRef m = e->member.name;
    const RecordInfo* inner = bt->kind == TyKind::Option && bt->elem && bt->elem->kind == TyKind::Record ? bt->elem->record : nullptr;
    if (inner && inner->field(m)) {
      // `user = User.find(id)` then `user.name`: the value may be nil (a model's `find`).
      std::string shown(file_.slice(e->base->range()));
      std::string path;
      if (llvm::isa<ast::MemberExpr>(e->base) && !memberPath(e->base, path)) {
        // `q.dims` of a `var q` (or through `?.`): a check of it narrows nothing, as `q` may change.
        d.help(fmt::format("`{0}` may be nil: read it into a constant and check that (`const v = {0}`, `if v == nil {{ return "
                           "... }}`, after which `v.{1}` is a `{2}`'s field), or read through it with `{0}?.{1}`",
                           shown, m.str(), inner->name.str()));
        return types_.dynamic();
      }
      d.help(fmt::format("`{0}` may be nil: check it first (`if {0} == nil {{ return respond(404, {{ error: \"not found\" }}) }}`, "
                         "after which `{0}.{1}` is a `{2}`'s field), or read through it with `{0}?.{1}`",
                         shown, m.str(), inner->name.str()));
    } else if (m == "length" || m == "size" || m == "count")
      d.help(fmt::format("values of type `{}` have no fields; their length is `len(value)`", typeName(bt)));
    else
      d.help(fmt::format("values of type `{}` have no fields; built-in functions take the value as their first "
                         "argument (`f(value)` or `value |> f()`)",
                         typeName(bt)));
    return types_.dynamic();
  }
  return bt->json ? bt : types_.dynamic();  // a field of a JSON document is one too
}

// `xs.findIndex(f) === -1`, `idx < 0`, `idx >= 0`: JavaScript's "not found" is a negative number,
// but an `Option<Int>` (find_index, a model's optional field) is None then, so the comparison
// means nothing (E3011, with the test for the absent or the present value). True when reported.
bool Checker::checkSentinelCompare(const ast::BinaryExpr* e, const Ty* l, const Ty* r) {
  auto literal = [](const ast::Expr* x) -> std::optional<int64_t> {  // 0 or a negative Int literal
    if (auto* i = llvm::dyn_cast<ast::IntLit>(x); i && i->value == 0) return 0;
    auto* u = llvm::dyn_cast<ast::UnaryExpr>(x);
    if (u && u->op == ast::UnaryOp::Neg && llvm::isa<ast::IntLit>(u->operand)) return -1;
    return std::nullopt;
  };
  const Ty* Int = types_.get(TyKind::Int);
  const bool left = l->kind == TyKind::Option && l->elem == Int && literal(e->rhs);
  const bool right = !left && r->kind == TyKind::Option && r->elem == Int && literal(e->lhs);
  if (!left && !right) return false;
  const ast::Expr* opt = left ? e->lhs : e->rhs;
  const ast::Expr* lit = left ? e->rhs : e->lhs;
  const bool negative = *literal(lit) < 0;
  // The operator as if the Option were on the left (`0 > idx` is `idx < 0`).
  ast::BinaryOp op = e->op;
  if (right && op == ast::BinaryOp::Lt) op = ast::BinaryOp::Gt;
  else if (right && op == ast::BinaryOp::Gt) op = ast::BinaryOp::Lt;
  else if (right && op == ast::BinaryOp::Le) op = ast::BinaryOp::Ge;
  else if (right && op == ast::BinaryOp::Ge) op = ast::BinaryOp::Le;
  bool absent = false;  // what the comparison meant: "not found"
  switch (op) {
    case ast::BinaryOp::Eq: case ast::BinaryOp::Ne:
      if (!negative) return false;  // `idx == 0` compares a found index
      absent = op == ast::BinaryOp::Eq;
      break;
    case ast::BinaryOp::Lt: absent = true; break;                    // `idx < 0`, `idx < -1`
    case ast::BinaryOp::Ge: absent = false; break;                   // `idx >= 0`
    case ast::BinaryOp::Le: if (!negative) return false; absent = true; break;   // `idx <= -1`
    case ast::BinaryOp::Gt: if (!negative) return false; absent = false; break;  // `idx > -1`
    default: return false;
  }
  std::string shown(file_.slice(opt->range()));
  const bool equality = e->op == ast::BinaryOp::Eq || e->op == ast::BinaryOp::Ne;
  diags_.report(DiagId::OptionSentinel, e->range(), shown,
                equality ? std::string(file_.slice(lit->range())) : std::string("negative"))
      .help(fmt::format("test for the {} value: `{} {} nil`", absent ? "absent" : "present", shown, absent ? "==" : "!="));
  return true;
}

// The rounding built-in `call` calls (`ceil`, `Math.round`, ...: "Math." and the name), or ""
// when it calls something else (a function of the program of that name included).
std::string Checker::roundingCallee(const ast::CallExpr* call) {
  std::string callee;
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(call->callee)) {
    auto* base = llvm::dyn_cast<ast::NameExpr>(m->base);
    if (!base || base->name.name != "Math" || lookup(base->name.name)) return "";
    callee = "Math." + m->member.name.str();
  } else if (auto* n = llvm::dyn_cast<ast::NameExpr>(call->callee); n && !lookup(n->name.name)) {
    callee = n->name.name.str();
  }
  const std::string_view fn = callee.starts_with("Math.") ? std::string_view(callee).substr(5) : callee;
  return fn == "ceil" || fn == "round" || fn == "floor" || fn == "trunc" ? callee : "";
}

// `Math.ceil(total / per)` with two Ints: the division is an Int division, which drops the
// remainder before `ceil` or `round` sees the value (W0007). (`Math.floor(ms / 1000)` is left
// alone: on values that are not negative the Int division is the floor.)
void Checker::checkRoundedIntDivision(const ast::CallExpr* call) {
  std::string callee = roundingCallee(call);
  const std::string_view fn = callee.starts_with("Math.") ? std::string_view(callee).substr(5) : callee;
  if (call->args.empty() || (fn != "ceil" && fn != "round")) return;
  auto* div = llvm::dyn_cast<ast::BinaryExpr>(call->args[0]);
  if (!div || div->op != ast::BinaryOp::Div) return;
  const Ty* Int = types_.get(TyKind::Int);
  if (model_.expr_types.lookup(div->lhs) != Int || model_.expr_types.lookup(div->rhs) != Int) return;
  std::string lhs(file_.slice(div->lhs->range())), rhs(file_.slice(div->rhs->range()));
  diags_.report(DiagId::RoundedIntDivision, div->range(), lhs + " / " + rhs, callee)
      .help(fmt::format("divide as Floats: `{}({} / {})`", callee, lhs,
                        llvm::isa<ast::IntLit>(div->rhs) ? rhs + ".0" : "to_float(" + rhs + ")"));
}

// JavaScript's rounding to decimals, `Math.round(price * 100) / 100`: the rounded value is an
// Int, so `/ 100` is an Int division and the decimals are gone (W0009).
void Checker::checkRoundedThenDivided(const ast::BinaryExpr* div) {
  if (div->op != ast::BinaryOp::Div) return;
  auto* call = llvm::dyn_cast<ast::CallExpr>(div->lhs);
  auto* by = llvm::dyn_cast<ast::IntLit>(div->rhs);
  if (!call || call->args.size() != 1 || !by || by->value < 2) return;
  std::string callee = roundingCallee(call);
  if (callee.empty() || model_.expr_types.lookup(call) != types_.get(TyKind::Int)) return;
  std::string shown(file_.slice(div->range()));
  std::string arg(file_.slice(call->args[0]->range()));
  std::string rhs(file_.slice(by->range()));
  diags_.report(DiagId::RoundedThenDivided, div->range(), shown, callee)
      .help(fmt::format("divide by a Float, `{}({}) / {}.0`, or round to decimals with `round(x, digits)`", callee,
                        arg, rhs));
}

// Types whose values have no fields to read: scalars, lists, Option and Result.
bool Checker::hasNoFields(const Ty* t) {
  switch (t->kind) {
    case TyKind::Int:
    case TyKind::Float:
    case TyKind::Bool:
    case TyKind::String:
    case TyKind::Duration:
    case TyKind::Array:
    case TyKind::Option:
    case TyKind::Result:
      return true;
    default:
      return false;
  }
}

const Ty* Checker::checkBinary(const ast::BinaryExpr* e) {
  const Ty* l = checkExpr(e->lhs);
  // `u != nil && u.active`, `u == nil || u.banned`: the right side sees what the left proves.
  const bool logical = e->op == ast::BinaryOp::And || e->op == ast::BinaryOp::Or;
  const Ty* r = logical ? checkNarrowed({{e->lhs, e->op == ast::BinaryOp::And}}, [&] { return checkExpr(e->rhs); })
                        : checkExpr(e->rhs);
  // The result of a built-in that returns nothing is no operand (E3010).
  bool unit = checkUnitUse(e->lhs, fmt::format("the left of `{}`", opText(e)));
  unit |= checkUnitUse(e->rhs, fmt::format("the right of `{}`", opText(e)));
  bool boolean = e->op >= ast::BinaryOp::Eq && e->op != ast::BinaryOp::Coalesce && e->op != ast::BinaryOp::Pow;
  if (unit) return boolean ? types_.get(TyKind::Bool) : types_.dynamic();
  const Ty* Int = types_.get(TyKind::Int);
  const Ty* Float = types_.get(TyKind::Float);
  const Ty* Bool = types_.get(TyKind::Bool);
  const Ty* Str = types_.get(TyKind::String);
  const Ty* Dur = types_.get(TyKind::Duration);
  convertJsonOperands(e, l, r);
  bool known = !l->isDynamic() && !r->isDynamic();
  auto bad = [&]() {
    auto d = diags_.report(DiagId::BadOperands, e->range(), opText(e), typeName(l), typeName(r));
    // `a + b` where one side is an Option of the other's number (`parseInt`'s result, a
    // `find`): say how to give the absent case a value.
    const bool arith = e->op <= ast::BinaryOp::Mod;
    const ast::Expr* maybe = l->kind == TyKind::Option && l->elem == r ? e->lhs : r->kind == TyKind::Option && r->elem == l ? e->rhs : nullptr;
    if (arith && maybe && (l->isNumeric() || r->isNumeric()))
      d.help(fmt::format("`{}` may be nil: give it a value first, `({} ?? 0)`", file_.slice(maybe->range()),
                         file_.slice(maybe->range())));
    return types_.dynamic();
  };
  // The type of `a ?? b` and of a `||` default: T, or Option<T> when b is an Option; a Json `a`
  // stays Json.
  auto defaulted = [&]() -> const Ty* {
    if (l->json) return l;
    if (l->isDynamic() || r->isDynamic()) return types_.dynamic();
    const Ty* want = r->kind == TyKind::Option ? r->elem : r;
    if (!isAssignable(want, l->elem) && !isAssignable(l->elem, want)) return bad();
    return r->kind == TyKind::Option ? joinTypes(types_, l, r) : joinTypes(types_, l->elem, r);
  };
  switch (e->op) {
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
      checkSentinelCompare(e, l, r);
      return Bool;
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or:
      // JavaScript's default `a || b` (`req.query.page || 1`, `user.nickname || "anon"`,
      // `(counts[w] || 0) + 1`): `a` when it is truthy, else `b`, on a Json, Option or unknown
      // left side (`b` not a Bool: `ok || false` stays a Bool).
      if (e->op == ast::BinaryOp::Or && !e->word && (l->isDynamic() || l->kind == TyKind::Option) && r != Bool) {
        model_.value_ors.insert(e);
        return defaulted();
      }
      if ((!l->isDynamic() && l != Bool && l->kind != TyKind::Option) || (!r->isDynamic() && r != Bool && r->kind != TyKind::Option))
        bad();  // an Option operand holds when it is present (`if user && user.active`)
      return Bool;
    case ast::BinaryOp::Pow:
      // As pow(): Int ** Int is Int (a negative exponent fails the request), else Float.
      if (!known) return types_.dynamic();
      if (!l->isNumeric() || !r->isNumeric()) return bad();
      return l == Int && r == Int ? Int : Float;
    case ast::BinaryOp::Coalesce: {
      // `a ?? b`: a's value when it is Some, else b; the type is T (Option<T> when b is an Option).
      // (`req.query.page ?? 1` of Json: still what the client sent, or the default.)
      if (l->kind != TyKind::Option && !l->isDynamic()) {
        diags_.report(DiagId::CoalesceNotOption, e->lhs->range(), typeName(l))
            .help(fmt::format("a value of type `{}` is never None: use it as it is", typeName(l)));
        return l;
      }
      return defaulted();
    }
    case ast::BinaryOp::In:
    case ast::BinaryOp::NotIn:
      // An element of a list (compared as `==` does), a substring, a key of an object or record.
      if (!r->isDynamic()) {
        bool keyed = r == Str || r->kind == TyKind::Object || r->kind == TyKind::Record;
        if (r->kind != TyKind::Array && !keyed) bad();
        else if (keyed && !l->isDynamic() && l != Str) bad();
      }
      return Bool;
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge:
      if (checkSentinelCompare(e, l, r)) return Bool;
      if (known && !((l->isNumeric() && r->isNumeric()) || (l == Str && r == Str) || (l == Dur && r == Dur))) bad();
      return Bool;
    default:
      break;
  }
  // Arithmetic.
  // `"-" * 40` repeats the string (lux::stdlib::Mul), as the family writes a separator.
  const bool repeat = e->op == ast::BinaryOp::Mul && l == Str && (r == Int || r->isDynamic());
  if (!known) {
    if (e->op == ast::BinaryOp::Add && (l == Str || r == Str)) return Str;
    if (repeat) return Str;
    return types_.dynamic();
  }
  if (repeat) return Str;
  bool add_sub = e->op == ast::BinaryOp::Add || e->op == ast::BinaryOp::Sub;
  if (l->isNumeric() && r->isNumeric()) return (l == Float || r == Float) ? Float : Int;
  // `+` with a String on either side joins the other value's text (`"n=" + 3`, `"a" + true`), as
  // interpolation does (lux::stdlib::Add); the family writes it this way.
  if (e->op == ast::BinaryOp::Add && (l == Str || r == Str)) return Str;
  // `xs + ys` joins two lists (`[Any] + [String]` stays gradual).
  if (e->op == ast::BinaryOp::Add && l->kind == TyKind::Array && r->kind == TyKind::Array) return joinTypes(types_, l, r);
  if (add_sub && l == Dur && r == Dur) return Dur;
  if (add_sub && l == Int && r == Dur) return Int;  // a timestamp in ms ± a duration
  if (add_sub && l == Dur && r == Int) return Dur;
  if ((e->op == ast::BinaryOp::Mul || e->op == ast::BinaryOp::Div) && l == Dur && r->isNumeric()) return Dur;
  if (e->op == ast::BinaryOp::Mul && l->isNumeric() && r == Dur) return Dur;
  if (e->op == ast::BinaryOp::Div && l == Dur && r == Dur) return Float;
  return bad();
}

const Ty* Checker::checkRecordExpr(const ast::RecordExpr* e) {
  Symbol* sym = lookup(e->type_name.name);
  const RecordInfo* rec = nullptr;
  if (sym && sym->record && (sym->kind == SymbolKind::Type || sym->kind == SymbolKind::Model)) {
    rec = sym->record;
    sym->reads++;
    model_.resolved[e] = sym;
  } else if (sym) {
    diags_.report(DiagId::NotARecordType, e->type_name.range, e->type_name.name.str(),
                  sym->enum_info ? "an enum" : symbolKindName(sym->kind))
        .note(sym->range, fmt::format("`{}` is declared here", e->type_name.name.str()));
  } else {
    reportUnresolved(e->type_name, true);
  }
  for (const ast::ObjectEntry* en : e->entries) {
    const FieldInfo* f = rec && en->form != ast::ObjectEntry::Form::Spread ? rec->field(en->key.name) : nullptr;
    checkExprExpecting(en->value, f ? f->type : nullptr);
    if (en->form != ast::ObjectEntry::Form::Spread) checkUnitUse(en->value, fmt::format("field `{}`", en->key.name.str()));
  }
  checkRecordFields(e->entries, rec, e->type_name.range, fmt::format("`{}`", e->type_name.name.str()));
  if (!rec) return types_.dynamic();
  return types_.record(rec);
}

void Checker::checkObjectAgainstRecord(const ast::ObjectExpr* obj, const RecordInfo* rec, const std::string& what,
                                       bool filters) {
  static const char* kSuffixes[] = {"_lt", "_gt", "_lte", "_gte", "_ne", "_in"};
  for (const ast::ObjectEntry* en : obj->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread || en->form == ast::ObjectEntry::Form::Computed) continue;
    llvm::StringRef key = en->key.name;
    const FieldInfo* f = rec->field(key);
    llvm::StringRef suffix;
    if (!f && filters) {
      for (const char* s : kSuffixes) {
        if (key.endswith(s) && (f = rec->field(key.drop_back(strlen(s))))) {
          suffix = s;
          break;
        }
      }
    }
    const Ty* vt = model_.expr_types.count(en->value) ? model_.expr_types[en->value] : types_.dynamic();
    if (!f) {
      std::vector<std::string_view> names;
      for (const FieldInfo& fi : rec->fields) names.push_back(std::string_view(fi.name));
      diags_.report(DiagId::UnknownField, en->key.range, "model", rec->name.str(), key.str())
          .note(rec->range, fmt::format("`{}` is declared here", rec->name.str()))
          .didYouMean(closestMatch(key, names));
      continue;
    }
    // Ordering filters (`_lt`, `_gt`, ...) compare as the database does; equality ones are typed.
    if (suffix.empty() || suffix == "_ne") {
      checkValueAgainst(en->value, vt, f->type, fmt::format("field `{}` of {}", f->name.str(), what), f->range,
                        fmt::format("`{}` is declared `{}` here", f->name.str(), typeName(f->type)));
    } else if (suffix == "_in") {
      checkValueAgainst(en->value, vt, types_.array(f->type), fmt::format("filter `{}` of {}", key.str(), what));
    }
  }
}

// An argument that reads `it` is the callback `fn(it) argument` (the AST builder made it so): it
// must not hide a variable `it` where a function is taken (E2315), and its place must take a
// function (E2316) when that place's type is known. Where a variable `it` is in scope and the
// place takes a value, the argument is that value (`fn(acc, it) acc + to_int(it.qty)`): the
// lambda is marked in implicit_it_values and its body checked in its place.
bool Checker::checkImplicitIt(const ast::LambdaExpr* e, const Ty* expected) {
  if (e->params.size() != 1 || !e->params[0]->implicit) return true;
  const Symbol* s = lookup("it");
  auto* outer = s ? llvm::dyn_cast_or_null<ast::Param>(s->decl) : nullptr;
  if (s && namesValue(s) && !(outer && outer->implicit)) {  // an enclosing callback's `it` is hidden, as a parameter is
    if (expected && expected->kind != TyKind::Fn && expected->kind != TyKind::Param) {
      model_.implicit_it_values.insert(e);
      return true;
    }
    diags_.report(DiagId::ImplicitItShadows, e->range())
        .note(s->range, "the variable `it` is declared here")
        .help("rename the variable: an argument that reads `it` is a one-parameter callback (`xs.filter(it > 0)`)");
    return false;
  }
  if (expected && expected->kind != TyKind::Fn && expected->kind != TyKind::Param && !expected->isDynamic()) {
    diags_.report(DiagId::ImplicitItNotCallback, e->range(), fmt::format("a place of type `{}`", typeName(expected)))
        .help("`it` stands for the parameter of a callback argument, as in `users.map(it.name)`");
    return false;
  }
  return true;
}

// A value a truthy predicate may give (truthy_predicate_), what a condition may be: a Bool, an
// Option (present and truthy, as `if user` holds), or JSON or an unknown value (JavaScript's
// truthiness: the client's `[1, 0, "a", ""]` keeps 1 and "a"). A typed String or number is no
// condition (`if name` neither): E3001 with the test to write (predicateNotBool).
bool Checker::truthyResult(const Ty* t) const {
  if (!t) return false;
  return t->json || t->isDynamic() || t->kind == TyKind::Bool || t->kind == TyKind::Option;
}

// `names.filter(x => x)` on a `[String]`, `counts.filter(n => n)` on numbers: JavaScript keeps the
// non-empty and the non-zero ones; here the predicate says which.
void Checker::predicateNotBool(const ast::Expr* last, const Ty* t) {
  std::string shown(file_.slice(last->range()));
  const bool text = t->kind == TyKind::String;
  diags_.report(DiagId::TypeMismatch, last->range(), "Bool", "the result of this predicate", typeName(t))
      .help(fmt::format("a predicate gives a `Bool`, as an `if` condition does: `{0} != {1}` keeps the {2} ones "
                        "(JavaScript's truthy ones)",
                        shown, text ? "\"\"" : "0", text ? "non-empty" : "non-zero"));
}

const Ty* Checker::checkLambda(const ast::LambdaExpr* e, const Ty* expected) {
  const bool truthy = truthy_predicate_;
  truthy_predicate_ = false;
  const bool it_ok = checkImplicitIt(e, expected);
  if (model_.implicit_it_values.count(e)) return checkExpr(e->body);
  std::vector<ParamModel> params = makeParams(e->params, "this lambda");
  // Unannotated parameters take the types the context expects (`links |> map(fn(l) l.code)`: `l`
  // is a `Link`), so field reads on them are checked as on declared types.
  if (expected && expected->kind == TyKind::Fn)
    for (size_t i = 0; i < params.size() && i < expected->params.size(); ++i)
      if (!params[i].annotated && expected->params[i]) params[i].type = expected->params[i];
  pushScope(Scope::Kind::Function);
  noteReturnedParams(e->params, e->body);
  std::vector<const Ty*> ptys;
  for (size_t i = 0; i < params.size(); ++i) {
    // A default (`fn(page: Int = 1)`, used by a route handler when the request has none) is
    // checked as a named function's is.
    if (const ast::Expr* d = e->params[i]->default_value)
      checkValueAgainst(d, checkExpr(d), params[i].type,
                        fmt::format("the default of parameter `{}`", e->params[i]->name.name.str()));
    declareLocal(e->params[i]->name, SymbolKind::Param, params[i].type, e->params[i], false, false);
    ptys.push_back(params[i].type);
  }
  const Ty* saved = cur_return_;
  std::string saved_name = cur_fn_name_;
  cur_return_ = e->return_type ? resolveType(e->return_type) : nullptr;
  cur_fn_name_ = "this lambda";
  const Ty* rt = checkExpr(e->body);
  const ast::Expr* last = e->body;
  if (auto* b = llvm::dyn_cast<ast::BlockExpr>(e->body)) last = b->resultExpr();
  const Ty* Bool = types_.get(TyKind::Bool);
  const bool predicate = expected && expected->kind == TyKind::Fn && expected->elem == Bool;
  const Ty* lt = last ? model_.expr_types.lookup(last) : nullptr;
  if (cur_return_ && last) checkValueAgainst(last, model_.expr_types.lookup(last), cur_return_, "the result of this lambda");
  // `xs.filter(x => x)`: the built-in keeps the truthy ones (stdlib Truthy), as JavaScript does.
  else if (truthy && predicate && last && truthyResult(lt))
    rt = Bool;
  else if (predicate && last && lt && !lt->json && (lt->kind == TyKind::String || lt->isNumeric()))
    predicateNotBool(last, lt);
  // A predicate (`filter`, `find`: `fn(T) -> Bool`) must give a Bool, as an `if` condition must;
  // a result the other arguments fix (`reduce(xs, fn(acc, x) ..., init)`: the init's type) must be
  // of that type.
  else if (last && expected && expected->kind == TyKind::Fn && expected->elem && !expected->elem->isDynamic() &&
           expected->elem->kind != TyKind::Unit && expected->elem->kind != TyKind::Param)
    checkValueAgainst(last, model_.expr_types.lookup(last), expected->elem,
                      predicate ? "the result of this predicate" : "the result of this lambda");
  const Ty* result = cur_return_ ? cur_return_ : rt;
  cur_return_ = saved;
  cur_fn_name_ = saved_name;
  popScope();
  return it_ok ? types_.fn(ptys, result) : types_.dynamic();  // one error for a misplaced `it`
}

}  // namespace lux
