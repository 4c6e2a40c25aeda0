// DbState: one App's database (its DbConfig and models) and, while open, its connection pool.
// The App's "db" runtime component owns it (db_state.cpp): it opens first, before the job store
// and on_start (Open: pragmas and migration, StartupError on failure), and closes last. The rt functions find the
// open one (one per process) through Active().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/backend.h"
#include "db/model.h"
#include "lux/db.h"

namespace lux::db {

class DbState : public std::enable_shared_from_this<DbState> {
 public:
  ~DbState();

  // Applies LUX_DB_PATH / LUX_DB_SYNC (SQLite) or LUX_DB_URL / LUX_DB_POOL (PostgreSQL), opens
  // the backend, migrates every model, and makes this the process's open database. Throws
  // StartupError "db <path or URL without password>: ..." (one line).
  void Open(const std::string& app_name);
  // Re-runs the migration on the open database (db.migrate()); throws lux::Error.
  void Migrate();
  // Closes the pool; no longer the open database. Idempotent.
  void Close();

  const Model& FindModel(std::string_view name, std::string_view op) const;  // throws lux::Error
  Backend& backend() { return *backend_; }

  DbConfig config;
  std::string app_name;     // the default path is "<app_name>.db"
  bool configured = false;  // RegisterDb was called
  std::map<std::string, Model, std::less<>> models;
  std::string path;  // resolved (PostgreSQL: the URL without its password), while open

 private:
  void MigrateAll();
  void OpenPostgres(const std::string& url);
  // Opens the backend and migrates (StartupError "db <path>: ..."), then makes this the
  // process's open database.
  void OpenWith(const std::function<std::unique_ptr<Backend>()>& open);
  std::unique_ptr<Backend> backend_;
  bool opened_ = false;  // opened at least once (a closed state is not reopened lazily)
  friend std::shared_ptr<DbState> Active(std::string_view op);
// The open database or nullptr, without opening one.
std::shared_ptr<DbState> OpenState();
};

// The App's state, created on first use by RegisterDb / RegisterModel.
DbState& StateOf(App& app);

// The open database for an rt call; `op` names the call in errors. When no App started yet but
// one registered a database (e.g. `<binary> run-task NAME` runs a task without the server), it
// is opened here on first use. Throws lux::Error when there is none.
std::shared_ptr<DbState> Active(std::string_view op);
// The open database or nullptr, without opening one.
std::shared_ptr<DbState> OpenState();

}  // namespace lux::db
