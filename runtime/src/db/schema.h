// Schema migration of one model's table, run inside the caller's transaction (SQLite: BEGIN
// IMMEDIATE; PostgreSQL: a transaction holding an advisory lock), so two processes starting
// together do not both alter: CREATE TABLE when missing, ALTER TABLE ADD COLUMN for fields the
// model gained, and a one-line refusal for changes that cannot be made in place (a column's
// type changed, a non-optional field added to a table with rows and no default, ...). The
// decisions are the same for both backends; SchemaAccess is what differs (how the table is
// read, the SQL types). Entry point: MigrateModel.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "db/connection.h"
#include "db/model.h"

namespace lux::db {

class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A column of an existing table as the database describes it.
struct TableColumn {
  std::string name;
  std::string type;  // declared (SQLite) or information_schema data_type (PostgreSQL), upper-cased
  bool not_null;
  bool has_default;
  bool pk;
};

class SchemaAccess {
 public:
  virtual ~SchemaAccess() = default;
  virtual Dialect dialect() const = 0;
  // The table's columns in order; empty when there is no such table.
  virtual std::vector<TableColumn> ReadTable(const Model& m) = 0;
  // Whether `sql` (no parameters) returns a row.
  virtual bool Exists(const std::string& sql) = 0;
  virtual void Exec(const std::string& sql) = 0;
  // Makes a table created before ids were kept unique (SQLite: without AUTOINCREMENT, where a
  // deleted highest id is handed out again) keep them unique from now on. PostgreSQL's identity
  // never reuses a value, so there is nothing to do there.
  virtual void KeepIdsUnique(const Model&) {}
};

// Throws SchemaError with the reason (one line); logs each table created / column added.
void MigrateModel(SchemaAccess& db, const Model& m);
// The SQLite form (a SchemaAccess over `c`).
void MigrateModel(Connection& c, const Model& m);

}  // namespace lux::db
