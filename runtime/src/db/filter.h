// The `where` language: a filter object ({ field: v, field_lt: v, field_in: [..], ... },
// entries ANDed) and query options ({order_by, desc, limit, offset}) turned into a WHERE /
// ORDER BY / LIMIT clause with `?` parameters. Keys are matched against the model's fields, so a
// key that is not a field is an error and no text from the filter ever reaches the SQL.
// Entry points: BuildFilter, BuildOptions, BindParams.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "db/model.h"

namespace lux::db {

struct SqlParam {
  int column;           // model column (kIdColumn for id), or kNoColumn for limit/offset
  const Value* value;   // owned by the caller's filter/options
  bool json_list;       // an `_in` array: bound as JSON text for json_each / jsonb_array_elements_text
};
inline constexpr int kNoColumn = -3;
// The LIMIT bound when only an offset is given (SQLite reads -1 as none; PostgreSQL gets NULL).
inline constexpr std::int64_t kNoLimit = -1;

struct Clause {
  std::string sql;  // " WHERE ..." / " ORDER BY ... LIMIT ? OFFSET ?" or ""
  std::vector<SqlParam> params;
};

// Throws lux::Error "<op>: ..." for a non-object filter, an unknown field or operator, or a
// value of the wrong type.
// PostgreSQL: `_in` reads the JSON array with jsonb_array_elements_text, cast to the column type.
Clause BuildFilter(const Model& m, std::string_view op, const Value& filter, Dialect d = Dialect::kSqlite);
// Appends ORDER BY (default: id) and LIMIT/OFFSET to `c` (no limit: the param is kNoLimit).
void BuildOptions(const Model& m, std::string_view op, const Value& options, Clause& c);
// Binds c.params from index `first` on.
void BindParams(const Model& m, sqlite3_stmt* s, const Clause& c, int first = 1);

}  // namespace lux::db
