// MigrateModel: compares the table (SQLite: PRAGMA table_info; PostgreSQL: information_schema,
// read by pg_backend.cpp) with the model. SQLite types are matched by the declared column type
// (what luxc writes: INTEGER, REAL, BOOLEAN, TEXT, JSON_TEXT; tables made by hand are accepted by
// SQLite's affinity rules), so Bool -> Int or String -> Json are type changes; PostgreSQL types
// by data_type (BIGINT, INTEGER and SMALLINT hold Ints, JSON and JSONB hold Json, ...).
#include "db/schema.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "lux/error.h"

namespace lux::db {
namespace {

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool Has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Whether a column declared `decl` holds values of `type` (SQLite affinity rules, with
// BOOLEAN and JSON told apart from the INTEGER and TEXT they would otherwise be).
bool CompatibleSqlite(const std::string& decl, ColumnType type) {
  bool is_bool = Has(decl, "BOOL");
  bool is_json = Has(decl, "JSON");
  bool int_aff = Has(decl, "INT");
  bool text_aff = !int_aff && (Has(decl, "CHAR") || Has(decl, "CLOB") || Has(decl, "TEXT"));
  bool real_aff = !int_aff && !text_aff && (Has(decl, "REAL") || Has(decl, "FLOA") || Has(decl, "DOUB"));
  switch (type) {
    case ColumnType::kBool: return is_bool;
    case ColumnType::kJson: return is_json;
    case ColumnType::kInt: return int_aff && !is_bool && !is_json;
    case ColumnType::kFloat: return real_aff && !is_json;
    case ColumnType::kString: return text_aff && !is_json;
  }
  return false;
}

// PostgreSQL data_type names (information_schema) that hold values of `type`.
bool CompatiblePostgres(const std::string& t, ColumnType type) {
  switch (type) {
    case ColumnType::kBool: return t == "BOOLEAN";
    case ColumnType::kJson: return t == "JSONB" || t == "JSON";
    case ColumnType::kInt: return t == "BIGINT" || t == "INTEGER" || t == "SMALLINT";
    case ColumnType::kFloat: return t == "DOUBLE PRECISION" || t == "REAL" || t == "NUMERIC";
    case ColumnType::kString: return t == "TEXT" || t == "CHARACTER VARYING" || t == "CHARACTER";
  }
  return false;
}

bool Compatible(const std::string& decl, ColumnType type, Dialect d) {
  return d == Dialect::kSqlite ? CompatibleSqlite(decl, type) : CompatiblePostgres(decl, type);
}

// What a declared type holds, for messages.
std::string Describe(const std::string& decl, Dialect d) {
  for (ColumnType t : {ColumnType::kBool, ColumnType::kJson, ColumnType::kInt, ColumnType::kFloat, ColumnType::kString})
    if (Compatible(decl, t, d)) return std::string(TypeName(t)) + " (" + (decl.empty() ? "no type" : decl) + ")";
  return decl.empty() ? "no declared type" : decl;
}

// A default from the program source as an SQL literal (DDL cannot take parameters). Strings
// double their quotes; the value was type-checked at registration.
std::string Literal(const Value& v, ColumnType type, Dialect d) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
  };
  switch (type) {
    case ColumnType::kInt: return std::to_string(v.AsInt());
    case ColumnType::kFloat: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, v.AsFloat());
      std::string s(buf, r.ptr);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case ColumnType::kBool:
      if (d == Dialect::kPostgres) return v.AsBool() ? "TRUE" : "FALSE";
      return v.AsBool() ? "1" : "0";
    case ColumnType::kString: return quote(v.AsString());
    case ColumnType::kJson: return quote(ToJson(v));
  }
  return "NULL";
}

std::string ColumnDef(const ColumnSpec& col, bool not_null, Dialect d) {
  std::string s = QuoteIdent(col.name) + " " + SqlTypeName(col.type, d);
  if (not_null) s += " NOT NULL";
  if (!col.default_value.IsNull()) s += " DEFAULT " + Literal(col.default_value, col.type, d);
  return s;
}

class SqliteSchema : public SchemaAccess {
 public:
  explicit SqliteSchema(Connection& c) : c_(c) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::vector<TableColumn> ReadTable(const Model& m) override;
  bool Exists(const std::string& sql) override {
    StmtUse s = c_.Prepare(sql, "migrate");
    return c_.Step(s, "migrate");
  }
  void Exec(const std::string& sql) override { c_.Exec(sql.c_str(), "migrate"); }
  void KeepIdsUnique(const Model& m) override;

 private:
  // The first column of each row of `sql`, with `arg` bound to its one parameter.
  std::vector<std::string> Texts(const std::string& sql, const std::string& arg) {
    std::vector<std::string> out;
    StmtUse s = c_.Prepare(sql, "migrate");
    sqlite3_bind_text(s.get(), 1, arg.data(), static_cast<int>(arg.size()), SQLITE_TRANSIENT);
    while (c_.Step(s, "migrate")) {
      const unsigned char* t = sqlite3_column_text(s.get(), 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    return out;
  }

  Connection& c_;
};

// Tables made by luxc before ids were AUTOINCREMENT start exactly like this; columns added later
// by ALTER TABLE are appended to the stored text, so the prefix stays.
std::string LegacyPrefix(const Model& m) { return "CREATE TABLE " + m.quoted_table() + " (\"id\" INTEGER PRIMARY KEY"; }

// SQLite cannot add AUTOINCREMENT in place: the table is rebuilt (SQLite's documented
// procedure: a new table, the rows copied with their ids, the old table dropped, the new one
// renamed, its indexes made again) inside the migration's transaction. sqlite_sequence starts
// at the highest id copied, so an id deleted before the rebuild above the remaining ones can
// still be handed out once; none deleted after it is. Only a table with luxc's shape is
// rebuilt, and only when nothing else depends on it (a foreign key from another table would
// see the DROP as a DELETE and could cascade; a view or trigger is not rewritten); otherwise
// the start logs a warning naming the table and goes on with the table as it is.
void SqliteSchema::KeepIdsUnique(const Model& m) {
  std::vector<std::string> create = Texts("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", m.table());
  if (create.empty()) return;
  const std::string& sql = create.front();
  if (Has(Upper(sql), "AUTOINCREMENT")) return;
  const std::string prefix = LegacyPrefix(m);
  bool luxc_shape = sql.compare(0, prefix.size(), prefix) == 0 && sql.size() > prefix.size() &&
                    (sql[prefix.size()] == ',' || sql[prefix.size()] == ')');
  bool depended_on =
      !Texts("SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
             "WHERE m.type = 'table' AND f.\"table\" = ?1 COLLATE NOCASE",
             m.table()).empty() ||
      !Texts("SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger') AND "
             "(tbl_name = ?1 COLLATE NOCASE OR instr(lower(sql), lower(?1)) > 0)",
             m.table()).empty();
  if (!luxc_shape || depended_on) {
    core::Log(LogLevel::kWarn, "db table keeps reusing the ids of deleted rows",
              {{"model", m.name()}, {"table", m.table()},
               {"reason", !luxc_shape ? "the table was not created by luxc" : "a foreign key, view or trigger depends on it"},
               {"fix", "rebuild it with `id INTEGER PRIMARY KEY AUTOINCREMENT`"}});
    return;
  }
  std::vector<std::string> indexes =
      Texts("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL", m.table());
  const std::string rebuilt_name = "lux_rebuild_" + m.table();
  const std::string rebuilt = QuoteIdent(rebuilt_name);
  std::string columns;
  for (const std::string& name : Texts("SELECT name FROM pragma_table_info(?1)", m.table()))
    columns += (columns.empty() ? "" : ", ") + QuoteIdent(name);
  Exec("DROP TABLE IF EXISTS " + rebuilt);
  Exec("CREATE TABLE " + rebuilt + " (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT" + sql.substr(prefix.size()));
  Exec("INSERT INTO " + rebuilt + " (" + columns + ") SELECT " + columns + " FROM " + m.quoted_table() + " ORDER BY \"id\"");
  Exec("DROP TABLE " + m.quoted_table());
  Exec("ALTER TABLE " + rebuilt + " RENAME TO " + m.quoted_table());
  for (const std::string& index : indexes) Exec(index);
  core::Log(LogLevel::kInfo, "db table rebuilt so ids are never reused", {{"model", m.name()}, {"table", m.table()}});
}

std::vector<TableColumn> SqliteSchema::ReadTable(const Model& m) {
  Connection& c = c_;
  std::vector<TableColumn> cols;
  // The table name is a validated identifier; PRAGMA takes no parameters.
  StmtUse s = c.Prepare("PRAGMA table_info(" + m.quoted_table() + ")", "migrate");
  while (c.Step(s, "migrate")) {
    TableColumn t;
    t.name = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
    const unsigned char* type = sqlite3_column_text(s.get(), 2);
    t.type = Upper(type ? reinterpret_cast<const char*>(type) : "");
    t.not_null = sqlite3_column_int(s.get(), 3) != 0;
    t.has_default = sqlite3_column_type(s.get(), 4) != SQLITE_NULL;
    t.pk = sqlite3_column_int(s.get(), 5) != 0;
    cols.push_back(std::move(t));
  }
  return cols;
}

}  // namespace

void MigrateModel(Connection& c, const Model& m) {
  SqliteSchema access(c);
  MigrateModel(access, m);
}

void MigrateModel(SchemaAccess& c, const Model& m) {
  const Dialect d = c.dialect();
  const bool pg = d == Dialect::kPostgres;
  const std::string who = "model " + m.name() + " (table " + m.table() + ")";
  std::vector<TableColumn> table = c.ReadTable(m);
  if (table.empty()) {
    std::string sql = "CREATE TABLE " + m.quoted_table() +
                      (pg ? " (\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                          : " (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT");
    for (const ColumnSpec& col : m.spec().columns) sql += ", " + ColumnDef(col, !col.optional, d);
    sql += ")";
    c.Exec(sql);
    core::Log(LogLevel::kInfo, "db table created", {{"model", m.name()}, {"table", m.table()}});
    return;
  }
  auto find = [&](std::string_view name) -> const TableColumn* {
    for (const TableColumn& t : table)
      if (t.name == name) return &t;
    return nullptr;
  };
  const TableColumn* id = find("id");
  if (!id || !id->pk || !(pg ? CompatiblePostgres(id->type, ColumnType::kInt) : id->type == "INTEGER"))
    throw SchemaError(who + (pg ? ": the table exists without an `id BIGINT PRIMARY KEY` column"
                                : ": the table exists without an `id INTEGER PRIMARY KEY` column"));
  c.KeepIdsUnique(m);
  bool has_rows = c.Exists("SELECT 1 FROM " + m.quoted_table() + " LIMIT 1");
  for (const ColumnSpec& col : m.spec().columns) {
    const TableColumn* t = find(col.name);
    std::string field = "field `" + col.name + "` (" + TypeName(col.type) + (col.optional ? ", optional" : "") + ")";
    if (t) {
      if (!Compatible(t->type, col.type, d))
        throw SchemaError(who + ": " + field + " but column `" + col.name + "` holds " + Describe(t->type, d) +
                          ": a column's type cannot change in place; add a new field, or convert the table with SQL");
      if (col.optional && t->not_null)
        throw SchemaError(who + ": " + field + " but column `" + col.name +
                          "` is NOT NULL: make the field non-optional, or rebuild the table with SQL");
      if (!col.optional && !t->not_null &&
          c.Exists("SELECT 1 FROM " + m.quoted_table() + " WHERE " + QuoteIdent(col.name) + " IS NULL LIMIT 1"))
        throw SchemaError(who + ": " + field + " is not optional but column `" + col.name +
                          "` has rows without a value: make it Option<" + TypeName(col.type) + ">, or fill them with db.run");
      continue;
    }
    bool not_null = !col.optional && !col.default_value.IsNull();
    if (!col.optional && col.default_value.IsNull() && has_rows)
      throw SchemaError(who + ": new " + field + " is not optional and has no default, but the table has rows: make it Option<" +
                        TypeName(col.type) + "> or give it a default");
    // A non-optional field without default on an empty table: nullable column, the runtime
    // never writes NULL into it (and a later start checks that).
    c.Exec("ALTER TABLE " + m.quoted_table() + " ADD COLUMN " + ColumnDef(col, not_null, d));
    core::Log(LogLevel::kInfo, "db column added", {{"model", m.name()}, {"table", m.table()}, {"column", col.name}});
  }
  for (const TableColumn& t : table) {
    if (t.pk || m.FindColumn(t.name) != -2) continue;
    if (t.not_null && !t.has_default)
      throw SchemaError(who + ": column `" + t.name + "` is NOT NULL without a default but the model has no such field, so " +
                        "creating a record would fail: add the field back (optional), or drop the column with SQL");
  }
}

}  // namespace lux::db
