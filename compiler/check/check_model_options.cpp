// A model's options, written in its body beside (or instead of) fields:
//   model User { table: "app_users", timestamps: true, belongs_to: [Company], has_many: [Post] }
// `table` names the table, `timestamps` adds `created_at`/`updated_at` (Ints, ms since the epoch,
// set by create and update), and each relation gives the model an accessor: `belongs_to:
// [Company]` gives `User.company(company_id) -> Option<Company>` (needs `company_id: Int` in
// User), `has_many: [Post]` gives `User.posts(user_id) -> [Post]` (needs `user_id: Int` in Post).
// Entry points: Checker::checkModelOptions (per server, before bodies), Checker::checkRelationCall.
#include <cctype>

#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// `OrderItem` → `order_item`.
std::string SnakeCase(llvm::StringRef name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool word_start = std::isupper(c) && i > 0 && name[i - 1] != '_' && !std::isupper(static_cast<unsigned char>(name[i - 1]));
    if (word_start) out += '_';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

// The English plural the runtime also gives table names (`post` → `posts`, `category` →
// `categories`, `box` → `boxes`).
std::string Plural(const std::string& word) {
  if (word.empty()) return word;
  auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; };
  char last = word.back();
  char before = word.size() > 1 ? word[word.size() - 2] : '\0';
  if (last == 'y' && !vowel(before)) return word.substr(0, word.size() - 1) + "ies";
  bool sibilant = last == 's' || last == 'x' || last == 'z' || (last == 'h' && (before == 'c' || before == 's'));
  return word + (sibilant ? "es" : "s");
}

constexpr size_t kMaxTableName = 64;  // the runtime's kMaxNameLength for model, table and field names

bool IsTableName(llvm::StringRef s) {
  if (s.empty() || s.size() > kMaxTableName || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

const ModelInfo* Checker::serverModelNamed(const ServerModel& sm, llvm::StringRef name) const {
  for (const ModelInfo* m : sm.models)
    if (m->name == name) return m;
  return nullptr;
}

void Checker::checkModelOptions(ServerModel& sm) {
  static const OptionSpec kModelOptions[] = {
      {"table", "", OptionSpec::Kind::String},
      {"timestamps", "", OptionSpec::Kind::Bool},
      {"belongs_to", "", OptionSpec::Kind::List},
      {"has_many", "", OptionSpec::Kind::List},
  };
  for (const ModelInfo* m : sm.models) {
    if (!m->decl || !m->decl->options) continue;
    auto& mi = const_cast<ModelInfo&>(*m);
    auto given = checkOptions(m->decl->options, fmt::format("model `{}`", m->name.str()), kModelOptions);
    if (const ast::ObjectEntry* t = given.lookup("table")) {
      auto* lit = llvm::dyn_cast<ast::StringLit>(t->value);
      if (!lit) diags_.report(DiagId::ModelOptionNotLiteral, t->value->range(), "table", m->name.str(), "a string literal");
      else if (!IsTableName(lit->value)) diags_.report(DiagId::ModelTableName, lit->range(), m->name.str(), lit->value.str());
      else mi.table = lit->value.str();
    }
    if (const ast::ObjectEntry* t = given.lookup("timestamps")) {
      if (auto* b = llvm::dyn_cast<ast::BoolLit>(t->value)) mi.timestamps = b->value;
      else diags_.report(DiagId::ModelOptionNotLiteral, t->value->range(), "timestamps", m->name.str(), "`true` or `false`");
    }
    if (mi.timestamps && mi.record) addTimestampFields(const_cast<RecordInfo&>(*mi.record), m->decl->name.range);
  }
  // Relations after every model's own options: a relation checks the other model's fields.
  for (const ModelInfo* m : sm.models) {
    if (!m->decl || !m->decl->options) continue;
    for (const ast::ObjectEntry* en : m->decl->options->entries)
      if (en->key.name == "belongs_to" || en->key.name == "has_many") addRelations(sm, const_cast<ModelInfo&>(*m), en);
  }
}

void Checker::addTimestampFields(RecordInfo& rec, SourceRange at) {
  for (llvm::StringRef name : {llvm::StringRef("created_at"), llvm::StringRef("updated_at")}) {
    if (rec.field(name)) continue;  // declared by the type itself (an Int, checked with the columns)
    FieldInfo fi;
    fi.name = name;
    fi.range = at;
    fi.type = types_.get(TyKind::Int);
    fi.has_default = true;  // set by create and update
    rec.fields.push_back(fi);
  }
}

void Checker::addRelations(ServerModel& sm, ModelInfo& mi, const ast::ObjectEntry* en) {
  auto* list = llvm::dyn_cast<ast::ArrayExpr>(en->value);
  if (!list) return;  // checkOptions reported a value that is not a list
  bool belongs = en->key.name == "belongs_to";
  for (const ast::Expr* e : list->elements) {
    auto* name = llvm::dyn_cast<ast::NameExpr>(e);
    if (!name) {
      diags_.report(DiagId::ModelOptionNotLiteral, e->range(), en->key.name.str(), mi.name.str(), "a list of model names");
      continue;
    }
    llvm::StringRef target_name = name->name.name;
    const ModelInfo* target = serverModelNamed(sm, target_name);
    if (!target) {
      diags_.report(DiagId::ModelRelationTarget, name->range(), en->key.name.str(), target_name.str(), mi.name.str(), sm.displayName())
          .help(fmt::format("declare `model {}` in this server", target_name.str()));
      continue;
    }
    ModelRelation rel;
    rel.kind = belongs ? ModelRelation::Kind::BelongsTo : ModelRelation::Kind::HasMany;
    rel.target = target_name.str();
    rel.accessor = belongs ? SnakeCase(target_name) : Plural(SnakeCase(target_name));
    rel.foreign_key = SnakeCase(belongs ? target_name : mi.name) + "_id";
    // The key lives on the child: this model for belongs_to, the other for has_many.
    const ModelInfo* child = belongs ? &mi : target;
    const FieldInfo* key = child->record ? child->record->field(rel.foreign_key) : nullptr;
    if (child->record && (!key || !key->type || key->type->kind != TyKind::Int)) {
      diags_.report(DiagId::ModelRelationKey, name->range(), en->key.name.str(), target_name.str(), mi.name.str(), rel.foreign_key, child->name.str())
          .help(fmt::format("add `{}: Int` to the fields of `{}`", rel.foreign_key, child->name.str()));
      continue;
    }
    if (model_.builtins.modelMethod(rel.accessor)) {
      diags_.report(DiagId::ModelAccessorTaken, name->range(), rel.accessor, mi.name.str(), fmt::format("the built-in model method `{}`", rel.accessor));
      continue;
    }
    bool taken = false;
    for (const ModelRelation& r : mi.relations) taken = taken || r.accessor == rel.accessor;
    if (taken) {
      diags_.report(DiagId::ModelAccessorTaken, name->range(), rel.accessor, mi.name.str(), "the accessor of another relation");
      continue;
    }
    mi.relations.push_back(std::move(rel));
  }
}

const Ty* Checker::checkRelationCall(const ast::CallExpr* call, const ModelInfo& mi, const ModelRelation& rel,
                                     const std::vector<ArgInfo>& args, const std::string& shown) {
  const ServerModel& sm = model_.servers[static_cast<size_t>(mi.server)];
  const ModelInfo* target = serverModelNamed(sm, rel.target);
  const Ty* rec = target && target->record ? types_.record(target->record) : types_.dynamic();
  const Ty* result = rel.kind == ModelRelation::Kind::BelongsTo ? types_.option(rec) : types_.array(rec);
  if (args.size() != 1) {
    reportCallArity(call, false, args.size(), shown, "1 argument");
    return result;
  }
  checkArgsAgainst(args, {types_.get(TyKind::Int)}, shown, nullptr);
  model_.relation_calls[call] = &rel;
  return result;
}

}  // namespace lux
