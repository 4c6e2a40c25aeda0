// Servers that share a database: two servers of a program share one when their `db { }` blocks
// name the same file (seed 002's collector writes metrics the api reads), or the same
// PostgreSQL URL written as a literal (one given by env is only known at start). Each declares the
// models it uses; a model declared by two servers over one file must have the same fields with
// the same types, since both read and write the same table (E4603).
// Entry point: Checker::checkSharedDatabases (program-wide, after every server is checked).
#include <fmt/format.h>

#include <filesystem>

#include "check/checker.h"

namespace lux {

namespace {

// Where a server's tables live, as a key two servers share exactly when they share the data;
// "" when unknown or never shared.
std::string dbKey(const DbModel& db) {
  if (db.postgres()) return db.literal_url.empty() ? "" : "postgres " + db.literal_url;
  if (db.adapter != "sqlite" || db.path.empty() || db.path == ":memory:") return "";
  return std::filesystem::path(db.path).lexically_normal().string();
}

std::string dbName(const DbModel& db) { return db.postgres() ? db.literal_url : db.path; }

// What differs between two field lists, for the message; empty when they agree.
std::string fieldDifference(const RecordInfo& a, const RecordInfo& b) {
  for (const FieldInfo& f : a.fields) {
    const FieldInfo* g = b.field(f.name);
    if (!g) return fmt::format("field `{}` is missing from the second", f.name.str());
    if (typeName(f.type) != typeName(g->type))
      return fmt::format("field `{}` is `{}` in the first and `{}` in the second", f.name.str(), typeName(f.type),
                         typeName(g->type));
  }
  for (const FieldInfo& g : b.fields)
    if (!a.field(g.name)) return fmt::format("field `{}` is missing from the first", g.name.str());
  return "";
}

}  // namespace

void Checker::checkSharedDatabases() {
  const auto& servers = model_.servers;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!servers[i].db) continue;
    std::string pi = dbKey(*servers[i].db);
    if (pi.empty()) continue;
    for (size_t j = i + 1; j < servers.size(); ++j) {
      if (!servers[j].db || dbKey(*servers[j].db) != pi) continue;
      for (const ModelInfo* a : servers[i].models) {
        for (const ModelInfo* b : servers[j].models) {
          if (a->name != b->name || !a->record || !b->record) continue;
          std::string diff = fieldDifference(*a->record, *b->record);
          if (diff.empty()) continue;
          diags_.report(DiagId::SharedModelMismatch, b->decl->name.range, b->name.str(), servers[i].displayName(),
                        servers[j].displayName(), dbName(*servers[i].db), diff)
              .note(a->decl->name.range, "the first declaration is here")
              .help("servers that share a database read and write the same tables: declare the model alike in "
                    "both, or move its type to `shared { }` and write `model Name` in each");
        }
      }
    }
  }
}

}  // namespace lux
