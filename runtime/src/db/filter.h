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
  bool json_list;       // an `_in` array: bound as JSON text for json_each
};
inline constexpr int kNoColumn = -3;

struct Clause {
  std::string sql;  // " WHERE ..." / " ORDER BY ... LIMIT ? OFFSET ?" or ""
  std::vector<SqlParam> params;
};

// Throws lux::Error "<op>: ..." for a non-object filter, an unknown field or operator, or a
// value of the wrong type.
Clause BuildFilter(const Model& m, std::string_view op, const Value& filter);
// Appends ORDER BY (default: id) and LIMIT/OFFSET to `c`.
void BuildOptions(const Model& m, std::string_view op, const Value& options, Clause& c);
// Binds c.params from index `first` on.
void BindParams(const Model& m, sqlite3_stmt* s, const Clause& c, int first = 1);

}  // namespace lux::db
