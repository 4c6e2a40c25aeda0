// Option blocks (`discover ... with { }`, `db { }`, `background fn ... with { }`, `openapi { }`):
// known keys (E4401 with did-you-mean), one value per key under either spelling (E4403), value
// kinds (E4402). Entry points: Checker::checkOptions, literalMillis.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {
const char* kindText(Checker::OptionSpec::Kind k) {
  switch (k) {
    case Checker::OptionSpec::Kind::Int: return "a positive `Int`";
    case Checker::OptionSpec::Kind::SignedInt: return "an `Int`";
    case Checker::OptionSpec::Kind::Duration: return "a duration such as `30.seconds` (or milliseconds as an `Int`)";
    case Checker::OptionSpec::Kind::String: return "a `String`";
    case Checker::OptionSpec::Kind::Object: return "an object `{ ... }`";
    case Checker::OptionSpec::Kind::Bool: return "a `Bool`";
    case Checker::OptionSpec::Kind::List: return "a list `[...]`";
    case Checker::OptionSpec::Kind::StringOrList: return "a `String` or a list of `String`s";
    case Checker::OptionSpec::Kind::Lifetime:
      return "a lifetime: seconds (`3600`), a Duration (`1.hour`) or a span such as \"1h\", \"30m\", \"7d\"";
    case Checker::OptionSpec::Kind::ProxyTrust: return "a `Bool`, a hop count (`Int`), or a list of addresses (`[String]`)";
  }
  return "a value";
}
}  // namespace

double Checker::literalMillis(const ast::Expr* e) const {
  if (auto* d = llvm::dyn_cast_or_null<ast::DurationLit>(e)) return d->milliseconds();
  if (auto* i = llvm::dyn_cast_or_null<ast::IntLit>(e)) return static_cast<double>(i->value);
  if (auto* f = llvm::dyn_cast_or_null<ast::FloatLit>(e)) return f->value;
  return -1;
}

llvm::StringMap<const ast::ObjectEntry*> Checker::checkOptions(const ast::ObjectExpr* obj, const std::string& what,
                                                             llvm::ArrayRef<OptionSpec> specs) {
  llvm::StringMap<const ast::ObjectEntry*> out;
  if (!obj) return out;
  if (model_.editor) {
    std::vector<std::string_view>& keys = model_.editor->option_keys[obj];
    for (const OptionSpec& s : specs) keys.push_back(std::string_view(s.key));
  }
  for (const ast::ObjectEntry* en : obj->entries) {
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs)
      if (s.key == en->key.name) spec = &s;
    // Nested objects, and the elements of a literal list given to a List option, are checked by
    // the caller (with their own specs), so their values are not checked twice.
    const Ty* vt = nullptr;
    if (llvm::isa<ast::ObjectExpr>(en->value)) vt = types_.get(TyKind::Object);
    else if (spec && spec->kind == OptionSpec::Kind::List && llvm::isa<ast::ArrayExpr>(en->value)) vt = types_.array(types_.dynamic());
    else vt = checkExpr(en->value);
    if (en->form == ast::ObjectEntry::Form::Spread) continue;
    if (!spec) {
      std::vector<std::string_view> keys;
      for (const OptionSpec& s : specs) keys.push_back(std::string_view(s.key));
      diags_.report(DiagId::UnknownOption, en->key.range, what, en->key.name.str()).didYouMean(closestMatch(en->key.name, keys));
      continue;
    }
    llvm::StringRef canonical = spec->alias_of.empty() ? spec->key : spec->alias_of;
    if (const ast::ObjectEntry* prev = out.lookup(canonical)) {
      auto d = diags_.report(DiagId::DuplicateOption, en->key.range, what, en->key.name.str());
      if (prev->key.name != en->key.name)
        d.note(prev->key.range, fmt::format("already given here as `{}`, another spelling of the same option", prev->key.name.str()));
      else
        d.note(prev->key.range, "first given here");
      continue;
    }
    out[canonical] = en;
    bool ok = true;
    std::string found = "`" + typeName(vt) + "`";
    switch (spec->kind) {
      case OptionSpec::Kind::Int:
        ok = vt->isDynamic() || vt->kind == TyKind::Int;
        if (auto* lit = llvm::dyn_cast<ast::IntLit>(en->value); lit && lit->value == 0) {
          ok = false;
          found = "`0`";
        }
        if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg) {
          ok = false;
          found = "a negative number";
        }
        break;
      case OptionSpec::Kind::SignedInt: ok = vt->isDynamic() || vt->kind == TyKind::Int; break;
      case OptionSpec::Kind::Duration:
        ok = vt->isDynamic() || vt->kind == TyKind::Int || vt->kind == TyKind::Duration;
        if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg) {
          ok = false;
          found = "a negative duration";
        }
        break;
      case OptionSpec::Kind::String: ok = vt->isDynamic() || vt->kind == TyKind::String; break;
      case OptionSpec::Kind::Object: ok = llvm::isa<ast::ObjectExpr>(en->value); break;
      case OptionSpec::Kind::Bool: ok = vt->isDynamic() || vt->kind == TyKind::Bool; break;
      case OptionSpec::Kind::List: ok = vt->isDynamic() || vt->kind == TyKind::Array; break;
      case OptionSpec::Kind::StringOrList:
        ok = vt->isDynamic() || vt->kind == TyKind::String ||
             (vt->kind == TyKind::Array && (vt->elem->isDynamic() || vt->elem->kind == TyKind::String));
        break;
      case OptionSpec::Kind::Lifetime:
        ok = vt->isDynamic() || vt->kind == TyKind::Int || vt->kind == TyKind::Float || vt->kind == TyKind::Duration ||
             vt->kind == TyKind::String;
        break;
      case OptionSpec::Kind::ProxyTrust:
        ok = vt->isDynamic() || vt->kind == TyKind::Bool || vt->kind == TyKind::Int || vt->kind == TyKind::String ||
             (vt->kind == TyKind::Array && (vt->elem->isDynamic() || vt->elem->kind == TyKind::String));
        break;
    }
    if (!ok) diags_.report(DiagId::OptionType, en->value->range(), what, en->key.name.str(), kindText(spec->kind), found);
  }
  return out;
}

void Checker::checkOptionChoice(const ast::ObjectEntry* en, const std::string& what,
                                llvm::ArrayRef<llvm::StringRef> allowed) {
  auto* lit = en ? llvm::dyn_cast_or_null<ast::StringLit>(en->value) : nullptr;
  if (!lit) return;  // not a literal: checked when the server starts
  for (llvm::StringRef a : allowed)
    if (lit->value == a) return;
  std::string choices;
  std::vector<std::string_view> names;
  for (size_t i = 0; i < allowed.size(); ++i) {
    choices += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + ("\"" + allowed[i].str() + "\"");
    names.push_back(std::string_view(allowed[i]));
  }
  diags_.report(DiagId::OptionValue, lit->range(), what, en->key.name.str(), choices, "\"" + lit->value.str() + "\"")
      .didYouMean(closestMatch(lit->value, names));
}

void Checker::checkOptionMax(const ast::ObjectEntry* en, const std::string& what, int64_t max) {
  auto* lit = en ? llvm::dyn_cast_or_null<ast::IntLit>(en->value) : nullptr;
  if (!lit || static_cast<int64_t>(lit->value) <= max) return;
  diags_.report(DiagId::OptionValue, lit->range(), what, en->key.name.str(), fmt::format("at most {}", max),
                fmt::format("`{}`", lit->value));
}

}  // namespace lux
