// Schema migration of one model's table, run inside the caller's BEGIN IMMEDIATE (so two
// processes starting together do not both alter): CREATE TABLE when missing, ALTER TABLE ADD
// COLUMN for fields the model gained, and a one-line refusal for changes that cannot be made
// in place (a column's type changed, a non-optional field added to a table with rows and no
// default, ...). Entry point: MigrateModel.
#pragma once

#include "db/connection.h"
#include "db/model.h"

namespace lux::db {

// Throws SchemaError with the reason (one line); logs each table created / column added.
void MigrateModel(Connection& c, const Model& m);

class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lux::db
