// Data: the `db { ... }` block and `model`s on embedded SQLite or on PostgreSQL (libpq).
// Registration functions take the App whose lifecycle opens the database (SQLite: WAL, busy
// timeout, foreign keys; PostgreSQL: a connection pool), creates or extends the models' tables
// before the job store and on_start, and closes it after on_stop. The lux::rt functions are what
// generated code calls, the same for both adapters; the pools, schema and SQL live in src/db/.
// Users' view: docs/runtime.md#data.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/value.h"

namespace lux {

class App;

// A model field's Lux type. Records, arrays and enums are stored as JSON text (kJson).
// Timestamps are Ints (milliseconds, what `Date.now()` returns): declare them Int.
enum class ColumnType : std::uint8_t { kInt, kFloat, kBool, kString, kJson };

struct ColumnSpec {
  std::string name;                      // [A-Za-z_][A-Za-z0-9_]*, not `id`
  ColumnType type = ColumnType::kString;
  bool optional = false;                 // Option<T>: None <-> NULL
  // The field's default (null: none). Fills a missing field on create, and lets a
  // non-optional field be added to a table that already has rows.
  Value default_value;
};

// `model User` (fields of the shared type `User`, minus `id`) or `model Name { fields }`.
// Every table has `id INTEGER PRIMARY KEY`, assigned by the database.
struct ModelSpec {
  std::string name;   // what rt calls take: "User", "MetricRecord"
  std::string table;  // "" = snake_case plural of name: users, metric_records, categories
  std::vector<ColumnSpec> columns;
  // `timestamps: true`: the Int columns `created_at` and `updated_at` (ms since the epoch, from
  // rt::NowMs) are set by ModelCreate (both) and ModelUpdate (`updated_at`) over what is given.
  bool timestamps = false;
};

// `db { path: "./data.db" }` / `db { adapter: "sqlite", database: "metrics.db" }`.
// LUX_DB_PATH overrides path; ":memory:" keeps the data in memory (one connection).
// "" = "<app name>.db" in the working directory.
// `db { adapter: "postgres", url: DATABASE_URL, pool: 20 }`: `url` is a postgres:// or
// postgresql:// URL or libpq key=value conninfo. LUX_DB_URL overrides url (and, set on a SQLite
// program, moves it to PostgreSQL); LUX_DB_POOL overrides pool.
struct DbConfig {
  std::string path;
  std::string adapter = {};  // "" or "sqlite": embedded; "postgres"
  std::string url = {};      // postgres only
  int pool = 0;         // postgres connections; 0 = kDefaultPostgresPool
};
// `db { url: ... }` without an adapter, and LUX_DB_URL: `postgres://`, `postgresql://` and libpq
// `key=value` pairs are PostgreSQL; `sqlite:PATH`, `sqlite://PATH` and a plain path are an SQLite
// file (`path` then holds it). An empty `adapter` means the URL names nothing (an empty path).
struct DbUrlChoice {
  std::string adapter;  // "postgres", "sqlite" or ""
  std::string path;     // the SQLite file
};
DbUrlChoice DbAdapterForUrl(std::string_view url);

// PostgreSQL connections per server process when `pool` is not given.
inline constexpr int kDefaultPostgresPool = 10;
// The most `pool` (or LUX_DB_POOL) may ask for: each connection is a server process.
inline constexpr int kMaxPostgresPool = 1000;

// Registration, before Start/Run. RegisterModel throws std::invalid_argument on a bad or
// duplicate name; schema problems (a column whose type changed, ...) are StartupErrors at start.
void RegisterDb(App& app, DbConfig config);
void RegisterModel(App& app, ModelSpec spec);

namespace rt {
// Model operations; `model` is ModelSpec::name. Records are objects {id, fields...} in the
// model's field order. Unknown models or fields, values of the wrong type and a closed
// database throw lux::Error naming the model and field.
//
// `filter` (where/count/delete_where) is an object, entries ANDed; null = everything:
//   field: v (null: IS NULL), field_ne: v (null: IS NOT NULL), field_lt / _lte / _gt / _gte: v,
//   field_in: [v, ...]
// `options` (where): {order_by: "field", desc: Bool, limit: Int, offset: Int}, each optional;
// default order is by id.
Value ModelCreate(std::string_view model, const Value& fields);  // -> the record with its id
Value ModelAll(std::string_view model);                          // -> array, by id
Value ModelFind(std::string_view model, std::int64_t id);        // -> record, or null
Value ModelWhere(std::string_view model, const Value& filter, const Value& options = {});
std::int64_t ModelCount(std::string_view model, const Value& filter = {});
// Sets the given fields (a partial object); -> the updated record. No such id: lux::Error 404.
Value ModelUpdate(std::string_view model, std::int64_t id, const Value& fields);
bool ModelDelete(std::string_view model, std::int64_t id);  // false when there was no such row
// `Model.where(filter) |> delete_all()`: one DELETE; -> rows deleted.
std::int64_t ModelDeleteWhere(std::string_view model, const Value& filter);
// `records |> delete_all()` for any array of the model's records (by their ids); -> rows deleted.
std::int64_t ModelDeleteAll(std::string_view model, const Value& records);

// `db.run(sql, args...)`: one statement, `?` parameters bound from args -> rows changed.
std::int64_t DbRun(std::string_view sql, const Array& args = {});
// `db.query(sql, args...)` -> array of row objects (BOOLEAN columns as Bool, JSON_TEXT parsed;
// PostgreSQL: by the result column's type). `?` marks a parameter with both adapters.
Value DbQuery(std::string_view sql, const Array& args = {});
// `db.exec(script)`: the script's statements (separated by `;`, outside quotes and comments),
// without parameters, in one transaction -> the number of statements run.
std::int64_t DbExec(std::string_view sql);
// `db.transaction(fn() { ... })`: commits when body returns, rolls back when it throws (and
// rethrows); nested calls are savepoints. Returns what body returns.
Value DbTransaction(const std::function<Value()>& body);
// `db.migrate()`: creates missing tables and columns now (start-up already did).
void DbMigrate();
// `db.close()`: closes the database; later calls throw. The App closes it after on_stop anyway.
void DbClose();
}  // namespace rt

}  // namespace lux
