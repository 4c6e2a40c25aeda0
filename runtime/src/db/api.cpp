// The lux::rt database calls generated code makes (lux/db.h): model CRUD and queries through
// Model's fixed SQL and the filter builder, raw db.run/db.query with bound arguments, and
// db.transaction/migrate/close. Every value reaches SQLite as a bound parameter.
#include <string>

#include "db/db_state.h"
#include "db/filter.h"
#include "db/session.h"
#include "lux/db.h"
#include "lux/error.h"

namespace lux::rt {
namespace {

using db::Connection;
using db::Model;
using db::StmtUse;

std::string Op(std::string_view model, const char* what) { return std::string(model) + "." + what; }

// Binds `fields` (an object) in the model's column order for INSERT; missing fields take
// their default, or null when optional.
void BindCreate(const Model& m, std::string_view op, sqlite3_stmt* s, const Value& fields, Object& record) {
  if (!fields.IsObject()) throw Error(std::string(op) + ": expected an object of fields, got " + fields.KindName());
  for (const auto& [key, value] : fields.AsObject()) {
    if (key == "id") continue;  // assigned by the database (a typed record may carry a placeholder)
    if (m.FindColumn(key) == -2)
      throw Error(std::string(op) + ": `" + key.substr(0, 64) + "` is not a field of " + m.name() + " (fields: " + m.FieldList() + ")");
  }
  const auto& cols = m.spec().columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const Value* v = fields.Find(cols[i].name);
    const Value& value = v && !(v->IsNull() && !cols[i].default_value.IsNull() && !cols[i].optional) ? *v : cols[i].default_value;
    m.CheckValue(op, static_cast<int>(i), value, cols[i].optional);
    m.Bind(s, static_cast<int>(i) + 1, static_cast<int>(i), value);
    // What was stored, as it reads back: Int given for a Float field comes back a Float.
    if (cols[i].type == ColumnType::kFloat && value.IsInt())
      record.Set(cols[i].name, Value(static_cast<double>(value.AsInt())));
    else
      record.Set(cols[i].name, value);
  }
}

Value SelectRecords(Connection& c, const Model& m, const std::string& sql, const db::Clause& clause, std::string_view op) {
  StmtUse s = c.Prepare(sql, op);
  db::BindParams(m, s.get(), clause);
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
    if (d.find("BOOL") != std::string::npos) return db::ReadColumn(s, i, ColumnType::kBool);
    if (d.find("JSON") != std::string::npos) return db::ReadColumn(s, i, ColumnType::kJson);
  }
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER: return Value(static_cast<long long>(sqlite3_column_int64(s, i)));
    case SQLITE_FLOAT: return Value(sqlite3_column_double(s, i));
    case SQLITE_NULL: return Value();
    default: return db::ReadColumn(s, i, ColumnType::kString);  // TEXT, and BLOB as bytes
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

}  // namespace

Value ModelCreate(std::string_view model, const Value& fields) {
  std::string op = Op(model, "create");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  return db::WithWrite(state->pool(), op, [&](Connection& c) {
    StmtUse s = c.Prepare(m.insert_sql(), op);
    Object record;
    record.Reserve(m.spec().columns.size() + 1);
    record.Set("id", Value());
    BindCreate(m, op, s.get(), fields, record);
    c.Step(s, op);
    *record.Find("id") = Value(static_cast<long long>(sqlite3_last_insert_rowid(c.get())));
    return Value(std::move(record));
  });
}

Value ModelAll(std::string_view model) {
  std::string op = Op(model, "all");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  db::Session session(state->pool());
  return SelectRecords(session.conn(), m, m.all_sql(), {}, op);
}

Value ModelFind(std::string_view model, std::int64_t id) {
  std::string op = Op(model, "find");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  db::Session session(state->pool());
  return FindIn(session.conn(), m, id, op);
}

Value ModelWhere(std::string_view model, const Value& filter, const Value& options) {
  std::string op = Op(model, "where");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  db::Clause clause = db::BuildFilter(m, op, filter);
  db::BuildOptions(m, op, options, clause);
  std::string sql = "SELECT " + m.select_list() + " FROM " + m.quoted_table() + clause.sql;
  db::Session session(state->pool());
  return SelectRecords(session.conn(), m, sql, clause, op);
}

std::int64_t ModelCount(std::string_view model, const Value& filter) {
  std::string op = Op(model, "count");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  db::Clause clause = db::BuildFilter(m, op, filter);
  db::Session session(state->pool());
  Connection& c = session.conn();
  StmtUse s = c.Prepare("SELECT count(*) FROM " + m.quoted_table() + clause.sql, op);
  db::BindParams(m, s.get(), clause);
  c.Step(s, op);
  return sqlite3_column_int64(s.get(), 0);
}

Value ModelUpdate(std::string_view model, std::int64_t id, const Value& fields) {
  std::string op = Op(model, "update");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  if (!fields.IsObject()) throw Error(op + ": expected an object of fields, got " + fields.KindName());
  std::string sql;
  std::vector<std::pair<int, const Value*>> sets;
  for (const auto& [key, value] : fields.AsObject()) {
    int column = m.FindColumn(key);
    if (column == db::kIdColumn) throw Error(op + ": `id` cannot be changed");
    if (column == -2)
      throw Error(op + ": `" + key.substr(0, 64) + "` is not a field of " + m.name() + " (fields: " + m.FieldList() + ")");
    m.CheckValue(op, column, value, m.spec().columns[static_cast<std::size_t>(column)].optional);
    sql += (sql.empty() ? "" : ",") + db::QuoteIdent(key) + " = ?";
    sets.emplace_back(column, &value);
  }
  Value updated = db::WithWrite(state->pool(), op, [&](Connection& c) {
    if (!sets.empty()) {
      StmtUse s = c.Prepare("UPDATE " + m.quoted_table() + " SET " + sql + " WHERE \"id\" = ?", op);
      int index = 1;
      for (const auto& [column, value] : sets) m.Bind(s.get(), index++, column, *value);
      sqlite3_bind_int64(s.get(), index, id);
      c.Step(s, op);
    }
    return FindIn(c, m, id, op);
  });
  if (updated.IsNull()) throw Error(op + ": no " + m.name() + " with id " + std::to_string(id), 404);
  return updated;
}

bool ModelDelete(std::string_view model, std::int64_t id) {
  std::string op = Op(model, "delete");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  return db::WithWrite(state->pool(), op, [&](Connection& c) {
    StmtUse s = c.Prepare(m.delete_sql(), op);
    sqlite3_bind_int64(s.get(), 1, id);
    c.Step(s, op);
    return sqlite3_changes(c.get()) > 0;
  });
}

std::int64_t ModelDeleteWhere(std::string_view model, const Value& filter) {
  std::string op = Op(model, "delete_all");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  db::Clause clause = db::BuildFilter(m, op, filter);
  return db::WithWrite(state->pool(), op, [&](Connection& c) {
    StmtUse s = c.Prepare("DELETE FROM " + m.quoted_table() + clause.sql, op);
    db::BindParams(m, s.get(), clause);
    c.Step(s, op);
    return static_cast<std::int64_t>(sqlite3_changes64(c.get()));
  });
}

std::int64_t ModelDeleteAll(std::string_view model, const Value& records) {
  std::string op = Op(model, "delete_all");
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  if (!records.IsArray()) throw Error(op + ": expected an array of " + m.name() + " records, got " + records.KindName());
  Array ids;
  ids.reserve(records.size());
  for (const Value& r : records.AsArray()) {
    const Value* id = r.IsObject() ? r.Find("id") : nullptr;
    if (!id || !id->IsInt()) throw Error(op + ": every element must be a " + m.name() + " record with an Int `id`");
    ids.push_back(*id);
  }
  std::string text = ToJson(Value(std::move(ids)));
  return db::WithWrite(state->pool(), op, [&](Connection& c) {
    StmtUse s = c.Prepare("DELETE FROM " + m.quoted_table() + " WHERE \"id\" IN (SELECT value FROM json_each(?))", op);
    sqlite3_bind_text64(s.get(), 1, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    c.Step(s, op);
    return static_cast<std::int64_t>(sqlite3_changes64(c.get()));
  });
}

std::int64_t DbRun(std::string_view sql, const Array& args) {
  const std::string op = "db.run";
  auto state = db::Active(op);
  db::Session session(state->pool());
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
    db::WriteTx tx(c, op);
    changed = run(c);
    tx.Commit();
  }
  return changed;
}

Value DbQuery(std::string_view sql, const Array& args) {
  const std::string op = "db.query";
  auto state = db::Active(op);
  db::Session session(state->pool());
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

Value DbTransaction(const std::function<Value()>& body) {
  auto state = db::Active("db.transaction");
  return db::RunTransaction(state->pool(), body);
}

void DbMigrate() { db::Active("db.migrate")->Migrate(); }

void DbClose() {
  // Closing twice (on_stop calls db.close(), then the App closes it) is harmless.
  if (auto state = db::OpenState()) state->Close();
}

}  // namespace lux::rt
