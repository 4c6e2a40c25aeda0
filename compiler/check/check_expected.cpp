// Values against the type their place expects: a declared return type, a typed parameter, a
// typed binding, a record field, an element of a typed list, a model's fields. An object literal
// where a record is expected is checked as a record construction (E2105, E3004, E3005, field
// types) and takes the record's type; a list literal takes the typed list's; a string literal
// that names a variant of the expected enum is that variant (E2401 otherwise); `Some(v)`, `Ok(v)`,
// `Err(v)` check `v` against their part, and a local bound to an object literal is checked at
// each use as a record; the result of a function that returns nothing (`Unit`) and an `if`
// without `else` are not values (E3010).
// Entry points: Checker::checkValueAgainst, checkRecordFields, reportMissingFields, checkCreateFields,
// checkUnitUse, checkFieldDefaults, checkHandlerResponse.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// `{`: where a missing-field report points for an object literal.
SourceRange openingBrace(const ast::Expr* e) { return {e->range().begin, e->range().begin + 1}; }

std::string variantList(const EnumInfo* info) {
  std::string out;
  for (size_t i = 0; i < info->variants.size(); ++i) out += (i ? ", " : "") + ("`" + info->variants[i].name.str() + "`");
  return out;
}

}  // namespace

std::string Checker::unitCallee(const ast::Expr* e) const {
  auto it = model_.expr_types.find(e);
  if (it == model_.expr_types.end() || !it->second || it->second->kind != TyKind::Unit) return {};
  if (auto* a = llvm::dyn_cast<ast::AwaitExpr>(e)) e = a->operand;
  const ast::Expr* callee = nullptr;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(e)) callee = c->callee;
  else if (auto* p = llvm::dyn_cast<ast::PipeExpr>(e))
    callee = llvm::isa<ast::CallExpr>(p->target) ? llvm::cast<ast::CallExpr>(p->target)->callee : p->target;
  if (!callee) return {};
  return std::string(file_.slice(callee->range()));
}

bool Checker::checkUnitUse(const ast::Expr* e, const std::string& use, bool if_without_else) {
  if (!e) return false;
  if (auto* ie = llvm::dyn_cast<ast::IfExpr>(e); ie && !ie->else_body && if_without_else) {
    // No value when every condition is false.
    diags_.report(DiagId::UnitValue, SourceRange{e->range().begin, e->range().begin + 2}, "if` without `else", use)
        .help("add an `else` branch with the value to use when the condition is false");
    model_.expr_types[e] = types_.dynamic();
    return true;
  }
  std::string callee = unitCallee(e);
  if (callee.empty()) return false;
  auto d = diags_.report(DiagId::UnitValue, e->range(), callee, use);
  // A function of the program without a declared result: show the call its body ends in.
  const ast::Expr* call = e;
  if (auto* a = llvm::dyn_cast<ast::AwaitExpr>(call)) call = a->operand;
  if (auto* p = llvm::dyn_cast<ast::PipeExpr>(call)) call = p->target;
  const ast::Expr* callee_expr = llvm::isa<ast::CallExpr>(call) ? llvm::cast<ast::CallExpr>(call)->callee : call;
  if (const Symbol* s = model_.resolved.lookup(callee_expr); s && s->fn && !s->fn->annotated_result && s->fn->decl && s->fn->decl->body)
    if (const ast::Expr* last = s->fn->decl->body->resultExpr())
      d.note(last->range(), fmt::format("`{}` ends in this call, which returns nothing", callee));
  d.help(fmt::format("`{}` returns nothing; call it as a statement", callee));
  model_.expr_types[e] = types_.dynamic();  // reported once, wherever else the value goes
  return true;
}

const Ty* Checker::checkExprExpecting(const ast::Expr* e, const Ty* expected) {
  // A lambda passed where a function type is declared takes its parameters' types from it.
  if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(e); lam && expected) {
    const Ty* t = checkLambda(lam, expected);
    model_.expr_types[lam] = t;
    return t;
  }
  const Ty* target = expected && expected->kind == TyKind::Option ? expected->elem : expected;
  if (!llvm::isa_and_nonnull<ast::NameExpr>(e) || !target || target->kind != TyKind::Enum) return checkExpr(e);
  const EnumInfo* saved = variant_hint_;
  variant_hint_ = target->enum_info;
  const Ty* t = checkExpr(e);
  variant_hint_ = saved;
  return t;
}

const Ty* Checker::checkValueAgainst(const ast::Expr* e, const Ty* from, const Ty* to, const std::string& what,
                                     SourceRange note_at, const std::string& note) {
  if (!e || !to) return from;
  if (to->kind != TyKind::Unit && checkUnitUse(e, what)) return from;
  if (to->isDynamic()) return from;
  const Ty* target = to->kind == TyKind::Option ? to->elem : to;
  auto refine = [&](const Ty* t) {
    model_.expr_types[e] = t;
    return t;
  };
  if (auto* obj = llvm::dyn_cast<ast::ObjectExpr>(e); obj && target->kind == TyKind::Record) {
    checkRecordFields(obj->entries, target->record, openingBrace(obj), fmt::format("an object literal for {}", what));
    return refine(types_.record(target->record));
  }
  // `Some(v)`, `Ok(v)`, `Err(v)` where an Option or Result is expected: `v` against its part.
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(e); call && call->args.size() == 1) {
    const ast::Expr* arg = call->args[0];
    const Symbol* ctor = model_.resolved.lookup(call->callee);
    if (ctor && ctor->kind == SymbolKind::OptionCtor) {
      llvm::StringRef name = ctor->name;
      const Ty* part = to->kind == TyKind::Option && name == "Some"  ? to->elem
                       : to->kind == TyKind::Result && name == "Ok"  ? to->elem
                       : to->kind == TyKind::Result && name == "Err" ? to->err
                                                                      : nullptr;
      if (part) {
        const Ty* at = checkValueAgainst(arg, model_.expr_types.lookup(arg), part, what, note_at, note);
        if (!isAssignable(at, part)) return from;
        return refine(name == "Some" ? types_.option(at)
                      : name == "Ok" ? types_.result(at, from && from->kind == TyKind::Result ? from->err : types_.dynamic())
                                     : types_.result(from && from->kind == TyKind::Result ? from->elem : types_.dynamic(), at));
      }
    }
  }
  // An immutable local bound to an object literal (`x = { code: "a" }`), used where a record is
  // expected: the literal is checked against the record at each such use.
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e); n && target->kind == TyKind::Record && from && from->kind == TyKind::Object) {
    const Symbol* s = model_.resolved.lookup(n);
    const ast::Expr* init = nullptr;
    if (s && s->kind == SymbolKind::Local && !s->is_mutable) {
      if (auto* let = llvm::dyn_cast_or_null<ast::LetStmt>(s->decl)) init = let->init;
      else if (auto* as = llvm::dyn_cast_or_null<ast::AssignStmt>(s->decl)) init = as->value;
    }
    if (auto* obj = llvm::dyn_cast_or_null<ast::ObjectExpr>(init)) {
      checkRecordFields(obj->entries, target->record, openingBrace(obj),
                        fmt::format("the object literal bound to `{}`, used as {}", n->name.name.str(), what));
      // `item = { ...req.body, id: n }` then `items.push(item)`: what the spread brings is known
      // only when it runs, so the value is converted there (as the literal written in place is).
      bool spread = false, client = false;
      for (const ast::ObjectEntry* en : obj->entries) {
        if (en->form != ast::ObjectEntry::Form::Spread) continue;
        spread = true;
        const Ty* st = model_.expr_types.lookup(en->value);
        client = client || (st && st->client);
      }
      if (spread && convertsFromJson(to)) model_.json_conversions[e] = JsonConversion{to, JsonConversion::Mode::Place, client};
      return from;
    }
  }
  if (auto* arr = llvm::dyn_cast<ast::ArrayExpr>(e); arr && target->kind == TyKind::Array) {
    bool ok = true;
    for (const ast::Expr* el : arr->elements) {
      if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(el); u && u->op == ast::UnaryOp::Spread) {
        const Ty* st = model_.expr_types.lookup(u->operand);
        if (st && st->kind == TyKind::Option) st = st->elem;  // spreading None adds nothing
        if (st && st->kind == TyKind::String) st = types_.array(st);  // a String's characters
        ok &= expectType(st, target, u->operand->range(), fmt::format("a spread in {}", what));
        continue;
      }
      const Ty* et = model_.expr_types.lookup(el);
      ok &= isAssignable(checkValueAgainst(el, et, target->elem, fmt::format("an element of {}", what)), target->elem);
    }
    return ok ? refine(target) : from;
  }
  if (auto* s = llvm::dyn_cast<ast::StringLit>(e); s && target->kind == TyKind::Enum) {
    const EnumInfo* info = target->enum_info;
    const VariantInfo* v = info->variant(s->value);
    if (v && v->payload.empty()) return refine(target);
    std::vector<std::string_view> names;
    for (const VariantInfo& vi : info->variants)
      if (vi.payload.empty()) names.push_back(std::string_view(vi.name));
    diags_.report(DiagId::UnknownVariant, e->range(), info->name.str(), s->value.str())
        .note(info->range, fmt::format("`{}` is declared here", info->name.str()))
        .didYouMean(closestMatch(s->value, names))
        .help(fmt::format("`{}` has the variants {}", info->name.str(), variantList(info)));
    return target;
  }
  if (auto* ie = llvm::dyn_cast<ast::IfExpr>(e); ie && ie->else_body && !isAssignable(from, to)) {
    bool ok = true;
    auto branch = [&](const ast::BlockExpr* b) {
      if (const ast::Expr* r = b ? b->resultExpr() : nullptr)
        ok &= isAssignable(checkValueAgainst(r, model_.expr_types.lookup(r), to, what, note_at, note), to);
    };
    for (const ast::IfBranch* b : ie->branches) branch(b->body);
    branch(ie->else_body);
    return ok ? refine(to) : from;
  }
  if (convertJson(e, from, to, JsonConversion::Mode::Place)) return to;
  expectType(from, to, e->range(), what, note_at, note);
  return from;
}

void Checker::checkRecordFields(llvm::ArrayRef<ast::ObjectEntry*> entries, const RecordInfo* rec, SourceRange missing_at,
                                const std::string& shown) {
  std::vector<const ast::ObjectEntry*> seen;
  bool spread = false;
  bool unknown = false;  // an unknown field is likely a misspelt one: then no missing-field report
  for (const ast::ObjectEntry* en : entries) {
    if (en->form == ast::ObjectEntry::Form::Spread || en->form == ast::ObjectEntry::Form::Computed) {
      spread = true;  // keys not known here
      continue;
    }
    bool dup = false;
    for (const ast::ObjectEntry* prev : seen) {
      if (prev->key.name != en->key.name) continue;
      diags_.report(DiagId::DuplicateField, en->key.range, en->key.name.str(), shown).note(prev->key.range, "first given here");
      dup = true;
      break;
    }
    if (dup) continue;
    seen.push_back(en);
    if (!rec) continue;
    const FieldInfo* f = rec->field(en->key.name);
    if (!f) {
      std::vector<std::string_view> names;
      for (const FieldInfo& fi : rec->fields) names.push_back(std::string_view(fi.name));
      diags_.report(DiagId::UnknownField, en->key.range, rec->is_model ? "model" : "type", rec->name.str(), en->key.name.str())
          .note(rec->range, fmt::format("`{}` is declared here", rec->name.str()))
          .didYouMean(closestMatch(en->key.name, names));
      unknown = true;
      continue;
    }
    checkValueAgainst(en->value, model_.expr_types.lookup(en->value), f->type,
                      fmt::format("field `{}` of `{}`", f->name.str(), rec->name.str()), f->range,
                      fmt::format("`{}` is declared `{}` here", f->name.str(), typeName(f->type)));
  }
  if (rec && !spread && !unknown) reportMissingFields(seen, rec, missing_at);
}

void Checker::reportMissingFields(llvm::ArrayRef<const ast::ObjectEntry*> given, const RecordInfo* rec, SourceRange at,
                                  bool stored) {
  std::vector<std::string> missing;
  for (const FieldInfo& f : rec->fields) {
    if (f.has_default || f.type->kind == TyKind::Option) continue;
    if (stored && f.name == "id") continue;  // the database assigns it
    bool found = false;
    for (const ast::ObjectEntry* en : given) found |= en->form != ast::ObjectEntry::Form::Spread && en->form != ast::ObjectEntry::Form::Computed &&
                                                      en->key.name == f.name;
    if (!found) missing.push_back("`" + f.name.str() + "`");
  }
  if (missing.empty()) return;
  std::string list;
  for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
  diags_.report(DiagId::MissingFields, at, (missing.size() == 1 ? "field " : "fields ") + list, rec->name.str())
      .note(rec->range, fmt::format("`{}` is declared here", rec->name.str()));
}

void Checker::checkCreateFields(const ast::ObjectExpr* obj, const RecordInfo* rec) {
  std::vector<const ast::ObjectEntry*> given;
  for (const ast::ObjectEntry* en : obj->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread || en->form == ast::ObjectEntry::Form::Computed)
      return;  // the spread or a computed key may hold the rest
    if (!rec->field(en->key.name)) return;                     // E3004 already: likely a misspelt one
    given.push_back(en);
  }
  reportMissingFields(given, rec, openingBrace(obj), /*stored=*/true);
}

void Checker::checkFieldDefaults(llvm::ArrayRef<ast::Decl*> items) {
  for (const ast::Decl* d : items) {
    auto it = decl_records_.find(d);
    if (it == decl_records_.end() || !it->second) continue;
    if (auto* md = llvm::dyn_cast<ast::ModelDecl>(d); md && !md->has_body) continue;
    for (const FieldInfo& f : it->second->fields) {
      if (!f.default_value) continue;
      checkValueAgainst(f.default_value, checkExprExpecting(f.default_value, f.type), f.type,
                        fmt::format("the default of field `{}`", f.name.str()), f.range,
                        fmt::format("`{}` is declared `{}` here", f.name.str(), typeName(f.type)));
    }
  }
}

void Checker::checkHandlerResponse(const ast::Node* handler, const std::string& route) {
  const ast::Expr* body = nullptr;
  if (auto* fn = llvm::dyn_cast_or_null<ast::FnDecl>(handler)) body = fn->body;
  else if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(handler)) body = lam->body;
  if (auto* b = llvm::dyn_cast_or_null<ast::BlockExpr>(body)) body = b->resultExpr();
  if (body) checkUnitUse(body, fmt::format("the response of {}", route), /*if_without_else=*/false);
}

}  // namespace lux
