// MigrateModel: compares PRAGMA table_info with the model. Types are matched by the declared
// column type (what luxc writes: INTEGER, REAL, BOOLEAN, TEXT, JSON_TEXT; tables made by hand
// are accepted by SQLite's affinity rules), so Bool -> Int or String -> Json are type changes.
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

struct TableColumn {
  std::string name;
  std::string type;  // declared, upper-cased
  bool not_null;
  bool has_default;
  bool pk;
};

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool Has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Whether a column declared `decl` holds values of `type` (SQLite affinity rules, with
// BOOLEAN and JSON told apart from the INTEGER and TEXT they would otherwise be).
bool Compatible(const std::string& decl, ColumnType type) {
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

// What a declared type holds, for messages.
std::string Describe(const std::string& decl) {
  for (ColumnType t : {ColumnType::kBool, ColumnType::kJson, ColumnType::kInt, ColumnType::kFloat, ColumnType::kString})
    if (Compatible(decl, t)) return std::string(TypeName(t)) + " (" + (decl.empty() ? "no type" : decl) + ")";
  return decl.empty() ? "no declared type" : decl;
}

// A default from the program source as an SQL literal (DDL cannot take parameters). Strings
// double their quotes; the value was type-checked at registration.
std::string Literal(const Value& v, ColumnType type) {
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
    case ColumnType::kBool: return v.AsBool() ? "1" : "0";
    case ColumnType::kString: return quote(v.AsString());
    case ColumnType::kJson: return quote(ToJson(v));
  }
  return "NULL";
}

std::string ColumnDef(const ColumnSpec& col, bool not_null) {
  std::string s = QuoteIdent(col.name) + " " + SqlTypeName(col.type);
  if (not_null) s += " NOT NULL";
  if (!col.default_value.IsNull()) s += " DEFAULT " + Literal(col.default_value, col.type);
  return s;
}

std::vector<TableColumn> ReadTable(Connection& c, const Model& m) {
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

bool Exists(Connection& c, const std::string& sql) {
  StmtUse s = c.Prepare(sql, "migrate");
  return c.Step(s, "migrate");
}

}  // namespace

void MigrateModel(Connection& c, const Model& m) {
  const std::string who = "model " + m.name() + " (table " + m.table() + ")";
  std::vector<TableColumn> table = ReadTable(c, m);
  if (table.empty()) {
    std::string sql = "CREATE TABLE " + m.quoted_table() + " (\"id\" INTEGER PRIMARY KEY";
    for (const ColumnSpec& col : m.spec().columns) sql += ", " + ColumnDef(col, !col.optional);
    sql += ")";
    c.Exec(sql.c_str(), "migrate");
    core::Log(LogLevel::kInfo, "db table created", {{"model", m.name()}, {"table", m.table()}});
    return;
  }
  auto find = [&](std::string_view name) -> const TableColumn* {
    for (const TableColumn& t : table)
      if (t.name == name) return &t;
    return nullptr;
  };
  const TableColumn* id = find("id");
  if (!id || !id->pk || id->type != "INTEGER")
    throw SchemaError(who + ": the table exists without an `id INTEGER PRIMARY KEY` column");
  bool has_rows = Exists(c, "SELECT 1 FROM " + m.quoted_table() + " LIMIT 1");
  for (const ColumnSpec& col : m.spec().columns) {
    const TableColumn* t = find(col.name);
    std::string field = "field `" + col.name + "` (" + TypeName(col.type) + (col.optional ? ", optional" : "") + ")";
    if (t) {
      if (!Compatible(t->type, col.type))
        throw SchemaError(who + ": " + field + " but column `" + col.name + "` holds " + Describe(t->type) +
                          ": a column's type cannot change in place; add a new field, or convert the table with SQL");
      if (col.optional && t->not_null)
        throw SchemaError(who + ": " + field + " but column `" + col.name +
                          "` is NOT NULL: make the field non-optional, or rebuild the table with SQL");
      if (!col.optional && !t->not_null &&
          Exists(c, "SELECT 1 FROM " + m.quoted_table() + " WHERE " + QuoteIdent(col.name) + " IS NULL LIMIT 1"))
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
    std::string sql = "ALTER TABLE " + m.quoted_table() + " ADD COLUMN " + ColumnDef(col, not_null);
    c.Exec(sql.c_str(), "migrate");
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
