// Data: `db { }` becomes lux::RegisterDb, each `model` a lux::RegisterModel with its columns
// (Int, Float, Bool, String; Option<T> nullable; records, lists and enums as JSON) and field
// defaults; model methods and the `db` module map to lux::stdlib wrappers over lux::rt::Model*
// and Db*. `Model.where(f) |> delete_all()` becomes one DELETE; `records |> delete_all()`
// deletes by id, the model taken from the records' static type.
// Entry points: Emitter::emitDbRegistrations, modelCall, dbCall, deleteAllCall.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

const char* columnType(const Ty* t) {
  switch (t ? t->kind : TyKind::Dynamic) {
    case TyKind::Int: return "lux::ColumnType::kInt";
    case TyKind::Float: return "lux::ColumnType::kFloat";
    case TyKind::Bool: return "lux::ColumnType::kBool";
    case TyKind::String: return "lux::ColumnType::kString";
    default: return "lux::ColumnType::kJson";
  }
}

}  // namespace

void Emitter::emitDbRegistrations(const ServerModel& sm) {
  if (sm.db && sm.db->adapter == "sqlite") {
    lineDirective(sm.db->decl->range());
    line(fmt::format("lux::RegisterDb(app, lux::DbConfig{{{}}});", cppString(sm.db->path)));
  } else if (sm.db) {  // postgres, or an adapter computed at start
    lineDirective(sm.db->decl->range());
    FnContext ctx;
    fn_ = &ctx;
    auto text = [&](const ast::Expr* e) {
      if (auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(e)) return cppString(lit->value);
      return e ? fmt::format("lux::Value({}).AsString()", expr(e)) : std::string("\"\"");
    };
    std::string pool = "0";
    if (auto* n = llvm::dyn_cast_or_null<ast::IntLit>(sm.db->pool)) pool = std::to_string(n->value);
    else if (sm.db->pool) pool = fmt::format("static_cast<int>(lux::Value({}).AsInt())", expr(sm.db->pool));
    line(fmt::format("lux::RegisterDb(app, lux::DbConfig{{.path = {}, .adapter = {}, .url = {}, .pool = {}}});",
                     cppString(sm.db->path), text(sm.db->adapter_value), text(sm.db->url), pool));
    fn_ = nullptr;
  }
  for (const ModelInfo* m : sm.models) {
    if (!m->record) continue;
    lineDirective(m->decl->range());
    line("{");
    w_.indent();
    line(fmt::format("lux::ModelSpec spec{{{}, \"\", {{}}}};", cppString(m->name)));
    FnContext ctx;
    fn_ = &ctx;
    for (const FieldInfo& f : m->record->fields) {
      if (f.name == "id") continue;  // the primary key, assigned by the database
      const Ty* t = f.type;
      bool optional = t && t->kind == TyKind::Option;
      const Ty* inner = optional ? t->elem : t;
      std::string def = "lux::Value()";
      if (f.default_value) def = expr(f.default_value);
      line(fmt::format("spec.columns.push_back(lux::ColumnSpec{{{}, {}, {}, {}}});", cppString(f.name), columnType(inner),
                       optional ? "true" : "false", def));
    }
    fn_ = nullptr;
    line("lux::RegisterModel(app, std::move(spec));");
    w_.dedent();
    line("}");
  }
}

std::string Emitter::modelCall(const ModelInfo* m, llvm::StringRef method, const std::string& args, SourceRange at) {
  static const struct {
    const char* method;
    const char* cpp;
  } kMethods[] = {
      {"create", "ModelCreate"}, {"all", "ModelAll"},       {"find", "ModelFind"},     {"where", "ModelWhere"},
      {"count", "ModelCount"},   {"update", "ModelUpdate"}, {"delete", "ModelDelete"}, {"delete_all", "ModelDeleteEvery"},
  };
  for (const auto& e : kMethods)
    if (method == e.method)
      return fmt::format("lux::stdlib::{}({}{}{})", e.cpp, cppString(m->name), args.empty() ? "" : ", ", args);
  unsupported(at, fmt::format("`{}.{}`", m->name.str(), method.str()));
  return "lux::Value()";
}

std::string Emitter::deleteAllCall(const std::vector<const ast::Expr*>& args, SourceRange at) {
  if (args.size() != 1) return "lux::Value()";
  const ast::Expr* arg = args[0];
  // `Model.where(filter) |> delete_all()`: one DELETE with the same filter.
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(arg)) {
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(c->callee); m && m->member.name == "where" && c->args.size() == 1) {
      const Symbol* base = llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
      if (base && base->kind == SymbolKind::Model && base->model)
        return fmt::format("lux::stdlib::ModelDeleteWhere({}, {})", cppString(base->model->name), argText(c->args[0]));
    }
  }
  const Ty* t = typeOf(arg);
  const RecordInfo* rec = t && t->kind == TyKind::Array && t->elem && t->elem->kind == TyKind::Record ? t->elem->record : nullptr;
  for (const ServerModel& sm : prog_.servers)
    for (const ModelInfo* m : sm.models)
      if (rec && m->record == rec) return fmt::format("lux::stdlib::ModelDeleteAll({}, {})", cppString(m->name), argText(arg));
  unsupported(at, "`delete_all` of values that are not known to be a model's records");
  return "lux::Value()";
}

}  // namespace lux::emit
