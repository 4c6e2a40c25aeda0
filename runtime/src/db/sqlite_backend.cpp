// The SQLite backend: model SQL and raw statements on the pool of one database file (WAL),
// writes outside db.transaction in BEGIN IMMEDIATE .. COMMIT (session.h), schema migration in
// one BEGIN IMMEDIATE. What was lux::rt's SQLite code before the PostgreSQL adapter.
#include <string>

#include "db/backend.h"
#include "db/schema.h"
#include "db/session.h"
#include "lux/error.h"
#include "metrics/instrument.h"

namespace lux::db {
namespace {

Value SelectRecords(Connection& c, const Model& m, const std::string& sql, const Clause& clause, std::string_view op) {
  StmtUse s = c.Prepare(sql, op);
  BindParams(m, s.get(), clause);
  Array out;
  while (c.Step(s, op)) out.push_back(m.ReadRecord(s.get()));
  return Value(std::move(out));
}

Value FindIn(Connection& c, const Model& m, std::int64_t id, std::string_view op) {
  StmtUse s = c.Prepare(m.find_sql(), op);
  sqlite3_bind_int64(s.get(), 1, id);
  if (!c.Step(s, op)) return Value();
  return m.ReadRecord(s.get());
}

// Binds db.run/db.query arguments by their kind (Bool 0/1, arrays/objects as JSON text).
void BindArgs(sqlite3_stmt* s, const Array& args, std::string_view op) {
  int expected = sqlite3_bind_parameter_count(s);
  if (static_cast<std::size_t>(expected) != args.size())
    throw Error(std::string(op) + ": the statement has " + std::to_string(expected) + " parameter(s) but " +
                std::to_string(args.size()) + " argument(s) were given");
  for (std::size_t i = 0; i < args.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    const Value& v = args[i];
    switch (v.kind()) {
      case Value::Kind::kNull: sqlite3_bind_null(s, index); break;
      case Value::Kind::kBool: sqlite3_bind_int(s, index, v.AsBool() ? 1 : 0); break;
      case Value::Kind::kInt: sqlite3_bind_int64(s, index, v.AsInt()); break;
      case Value::Kind::kFloat: sqlite3_bind_double(s, index, v.AsFloat()); break;
      case Value::Kind::kString:
        sqlite3_bind_text64(s, index, v.AsString().data(), v.AsString().size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      case Value::Kind::kArray:
      case Value::Kind::kObject: {
        std::string text = ToJson(v);
        sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      }
      case Value::Kind::kFunction: throw Error(std::string(op) + ": argument " + std::to_string(index) + " is a function");
    }
  }
}

// A db.query column: by the declared type when it is a table column, else by the stored type.
Value QueryColumn(sqlite3_stmt* s, int i) {
  const char* decl = sqlite3_column_decltype(s, i);
  if (decl) {
    std::string d(decl);
    for (char& ch : d) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (d.find("BOOL") != std::string::npos) return ReadColumn(s, i, ColumnType::kBool);
    if (d.find("JSON") != std::string::npos) return ReadColumn(s, i, ColumnType::kJson);
  }
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER: return Value(static_cast<long long>(sqlite3_column_int64(s, i)));
    case SQLITE_FLOAT: return Value(sqlite3_column_double(s, i));
    case SQLITE_NULL: return Value();
    default: return ReadColumn(s, i, ColumnType::kString);  // TEXT, and BLOB as bytes
  }
}

// A raw statement must not leave a transaction open on a pooled connection, nor end the
// transaction db.transaction is running.
void CheckNoOpenTransaction(Connection& c, bool in_tx, std::string_view op) {
  bool autocommit = sqlite3_get_autocommit(c.get()) != 0;
  if (!in_tx && !autocommit) sqlite3_exec(c.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  if (in_tx == autocommit)
    throw Error(std::string(op) + ": BEGIN/COMMIT/ROLLBACK are not allowed here; use db.transaction(fn() { ... })");
}

class SqliteBackend : public Backend {
 public:
  SqliteBackend(const std::string& path, const OpenOptions& options, int max) : pool_(path, options, max) {}
  Dialect dialect() const override { return Dialect::kSqlite; }

  std::int64_t Insert(const Model& m, std::string_view op, const std::vector<const Value*>& values) override {
    return WithWrite(pool_, op, [&](Connection& c) {
      StmtUse s = c.Prepare(m.insert_sql(), op);
      for (std::size_t i = 0; i < values.size(); ++i)
        m.Bind(s.get(), static_cast<int>(i) + 1, static_cast<int>(i), *values[i]);
      c.Step(s, op);
      return static_cast<std::int64_t>(sqlite3_last_insert_rowid(c.get()));
    });
  }

  Array Select(const Model& m, std::string_view op, const Clause& clause) override {
    Session session(pool_);
    std::string sql = "SELECT " + m.select_list() + " FROM " + m.quoted_table() + clause.sql;
    return SelectRecords(session.conn(), m, sql, clause, op).AsArray();
  }

  Value Find(const Model& m, std::string_view op, std::int64_t id) override {
    Session session(pool_);
    return FindIn(session.conn(), m, id, op);
  }

  std::int64_t Count(const Model& m, std::string_view op, const Clause& clause) override {
    Session session(pool_);
    Connection& c = session.conn();
    StmtUse s = c.Prepare("SELECT count(*) FROM " + m.quoted_table() + clause.sql, op);
    BindParams(m, s.get(), clause);
    c.Step(s, op);
    return sqlite3_column_int64(s.get(), 0);
  }

  Value Update(const Model& m, std::string_view op, std::int64_t id, const FieldSets& sets) override {
    std::string sql;
    for (const auto& [column, value] : sets)
      sql += (sql.empty() ? "" : ",") + QuoteIdent(m.spec().columns[static_cast<std::size_t>(column)].name) + " = ?";
    return WithWrite(pool_, op, [&](Connection& c) {
      if (!sets.empty()) {
        StmtUse s = c.Prepare("UPDATE " + m.quoted_table() + " SET " + sql + " WHERE \"id\" = ?", op);
        int index = 1;
        for (const auto& [column, value] : sets) m.Bind(s.get(), index++, column, *value);
        sqlite3_bind_int64(s.get(), index, id);
        c.Step(s, op);
      }
      return FindIn(c, m, id, op);
    });
  }

  bool Delete(const Model& m, std::string_view op, std::int64_t id) override {
    return WithWrite(pool_, op, [&](Connection& c) {
      StmtUse s = c.Prepare(m.delete_sql(), op);
      sqlite3_bind_int64(s.get(), 1, id);
      c.Step(s, op);
      return sqlite3_changes(c.get()) > 0;
    });
  }

  std::int64_t DeleteWhere(const Model& m, std::string_view op, const Clause& clause) override {
    return WithWrite(pool_, op, [&](Connection& c) {
      StmtUse s = c.Prepare("DELETE FROM " + m.quoted_table() + clause.sql, op);
      BindParams(m, s.get(), clause);
      c.Step(s, op);
      return static_cast<std::int64_t>(sqlite3_changes64(c.get()));
    });
  }

  std::int64_t DeleteIds(const Model& m, std::string_view op, const std::string& text) override {
    return WithWrite(pool_, op, [&](Connection& c) {
      StmtUse s = c.Prepare("DELETE FROM " + m.quoted_table() + " WHERE \"id\" IN (SELECT value FROM json_each(?))", op);
      sqlite3_bind_text64(s.get(), 1, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      c.Step(s, op);
      return static_cast<std::int64_t>(sqlite3_changes64(c.get()));
    });
  }

  std::int64_t Run(std::string_view sql, const Array& args) override {
    const std::string op = "db.run";
    metrics::DbTimer timer("run");
    Session session(pool_);
    Connection& c = session.conn();
    // Prepared first: a read-only statement needs no write lock.
    bool read_only;
    {
      StmtUse probe = c.Prepare(sql, op);
      read_only = sqlite3_stmt_readonly(probe.get()) != 0;
    }
    // Rows changed by this statement (sqlite3_changes would still report an earlier INSERT after
    // a CREATE TABLE).
    auto run = [&](Connection& conn) {
      sqlite3_int64 before = sqlite3_total_changes64(conn.get());
      StmtUse s = conn.Prepare(sql, op);
      BindArgs(s.get(), args, op);
      while (conn.Step(s, op)) {
      }
      return static_cast<std::int64_t>(sqlite3_total_changes64(conn.get()) - before);
    };
    std::int64_t changed;
    if (read_only || session.in_transaction()) {
      changed = run(c);
      CheckNoOpenTransaction(c, session.in_transaction(), op);
    } else {
      WriteTx tx(c, op);
      changed = run(c);
      tx.Commit();
    }
    return changed;
  }

  Value Query(std::string_view sql, const Array& args) override {
    const std::string op = "db.query";
    metrics::DbTimer timer("query");
    Session session(pool_);
    Connection& c = session.conn();
    Array rows;
    {
      StmtUse s = c.Prepare(sql, op);
      BindArgs(s.get(), args, op);
      int n = sqlite3_column_count(s.get());
      while (c.Step(s, op)) {
        Object row;
        row.Reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) row.Set(sqlite3_column_name(s.get(), i), QueryColumn(s.get(), i));
        rows.push_back(Value(std::move(row)));
      }
    }
    CheckNoOpenTransaction(c, session.in_transaction(), op);
    return Value(std::move(rows));
  }

  Value Transaction(const std::function<Value()>& body) override { return RunTransaction(pool_, body); }

  void Migrate(const Models& models) override {
    if (models.empty()) return;
    Lease lease = pool_.Acquire();
    WriteTx tx(*lease, "migrate");
    for (const auto& [name, m] : models) MigrateModel(*lease, m);
    tx.Commit();
  }

  void Close() override { pool_.Close(); }

 private:
  Pool pool_;
};

}  // namespace

std::unique_ptr<Backend> OpenSqlite(const std::string& path, const OpenOptions& options, int max_connections) {
  return std::make_unique<SqliteBackend>(path, options, max_connections);
}

}  // namespace lux::db
