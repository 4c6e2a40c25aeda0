// Backend: what a database adapter implements under the lux::rt calls of lux/db.h. api.cpp
// checks every argument against the model (fields, types, defaults) and builds the filter, so
// a backend only runs SQL: SQLite (sqlite_backend.cpp, embedded, the default) or PostgreSQL
// (pg_backend.cpp, through libpq). Model SQL uses `?` parameters in both; the PostgreSQL
// backend numbers them ($1..$n). Entry points: Backend, OpenSqlite, OpenPostgres.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/connection.h"
#include "db/filter.h"
#include "db/model.h"
#include "lux/value.h"

namespace lux::db {

using Models = std::map<std::string, Model, std::less<>>;
// An UPDATE's assignments: (column index, new value), checked.
using FieldSets = std::vector<std::pair<int, const Value*>>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Dialect dialect() const = 0;

  // `values`: one checked value per model column, in order. -> the new id.
  virtual std::int64_t Insert(const Model& m, std::string_view op, const std::vector<const Value*>& values) = 0;
  // `SELECT <select_list> FROM <table>` + clause.sql, bound from clause.params.
  virtual Array Select(const Model& m, std::string_view op, const Clause& clause) = 0;
  virtual Value Find(const Model& m, std::string_view op, std::int64_t id) = 0;  // record or null
  virtual std::int64_t Count(const Model& m, std::string_view op, const Clause& filter) = 0;
  // Sets `sets` (may be empty) on row `id`; -> the updated record, or null when there is none.
  virtual Value Update(const Model& m, std::string_view op, std::int64_t id, const FieldSets& sets) = 0;
  virtual bool Delete(const Model& m, std::string_view op, std::int64_t id) = 0;
  virtual std::int64_t DeleteWhere(const Model& m, std::string_view op, const Clause& filter) = 0;
  // `ids`: a JSON array of Ints.
  virtual std::int64_t DeleteIds(const Model& m, std::string_view op, const std::string& ids_json) = 0;

  virtual std::int64_t Run(std::string_view sql, const Array& args) = 0;
  virtual Value Query(std::string_view sql, const Array& args) = 0;
  virtual Value Transaction(const std::function<Value()>& body) = 0;
  // Creates/extends every model's table in one transaction; throws SchemaError or lux::Error.
  virtual void Migrate(const Models& models) = 0;
  virtual void Close() = 0;
};

// Both throw lux::Error when the first connection cannot be opened.
std::unique_ptr<Backend> OpenSqlite(const std::string& path, const OpenOptions& options, int max_connections);
// `conninfo`: a postgres:// / postgresql:// URL or key=value pairs (libpq's syntax); `shown`
// is the same without its password, for messages.
std::unique_ptr<Backend> OpenPostgres(const std::string& conninfo, const std::string& shown, int pool_size);

}  // namespace lux::db
