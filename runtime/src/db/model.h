// Model: a registered ModelSpec checked and turned into what every call needs: the table name,
// quoted column lists, the fixed SQL texts (insert, select, find, delete), and the conversions
// between lux::Value and SQLite (type checks on the way in, declared types on the way out).
// Field names in SQL only ever come from here, never from user data. Entry points: Model,
// CheckValue, Bind, ReadRecord.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "lux/db.h"
#include "lux/value.h"

namespace lux::db {

// Longest model, table or field name: names become SQL identifiers and error messages.
inline constexpr std::size_t kMaxNameLength = 64;

// The column index used for `id` in lookups (not in spec.columns).
inline constexpr int kIdColumn = -1;

// The SQL spoken by a backend: column types, the `_in` filter, boolean literals.
enum class Dialect : std::uint8_t { kSqlite, kPostgres };

const char* TypeName(ColumnType t);        // "Int", "Float", ...
// SQLite: "INTEGER", "REAL", "BOOLEAN", "TEXT", "JSON_TEXT";
// PostgreSQL: "BIGINT", "DOUBLE PRECISION", "BOOLEAN", "TEXT", "JSONB".
const char* SqlTypeName(ColumnType t, Dialect d = Dialect::kSqlite);
std::string QuoteIdent(std::string_view name);  // "name" (names are validated identifiers)
// User for `model User`, MetricRecord -> metric_records, Category -> categories.
std::string DefaultTableName(std::string_view model);

class Model {
 public:
  // Throws std::invalid_argument on a bad name, a duplicate or reserved field.
  explicit Model(ModelSpec spec);

  const ModelSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  const std::string& table() const { return spec_.table; }
  const std::string& quoted_table() const { return quoted_table_; }
  // Index in spec().columns, kIdColumn for "id", or -2 when not a field.
  int FindColumn(std::string_view field) const;
  // "id, name, email" for error messages.
  std::string FieldList() const;

  const std::string& select_list() const { return select_list_; }  // "id","a","b"
  const std::string& insert_sql() const { return insert_sql_; }
  const std::string& all_sql() const { return all_sql_; }
  const std::string& find_sql() const { return find_sql_; }
  const std::string& delete_sql() const { return delete_sql_; }

  // Throws lux::Error "<op>: field `f` of User must be an Int, got String" (null only when
  // `allow_null`).
  void CheckValue(std::string_view op, int column, const Value& v, bool allow_null) const;
  // Binds a checked value as the column's storage type (Bool 0/1, Json as text, null NULL).
  void Bind(sqlite3_stmt* s, int index, int column, const Value& v) const;
  // The current row of a statement selecting select_list() -> {id, fields...}.
  Value ReadRecord(sqlite3_stmt* s) const;

 private:
  ModelSpec spec_;
  std::string quoted_table_;
  std::string select_list_;
  std::string insert_sql_;
  std::string all_sql_;
  std::string find_sql_;
  std::string delete_sql_;
};

// A column value read back with its declared type (shared by ReadRecord and db.query).
Value ReadColumn(sqlite3_stmt* s, int index, ColumnType type);

}  // namespace lux::db
