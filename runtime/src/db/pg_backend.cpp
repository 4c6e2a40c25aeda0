// The PostgreSQL backend: model SQL and raw statements on a pool of PgConnections (each
// statement outside db.transaction autocommits), BEGIN/COMMIT and SAVEPOINTs for db.transaction,
// migration in one transaction holding an advisory lock (replicas starting together migrate one
// after the other), and the text-format conversions between lux::Value and PostgreSQL types.
#include <boost/context/detail/exception.hpp>
#include <charconv>
#include <cmath>
#include <string>

#include "db/backend.h"
#include "db/pg_connection.h"
#include "db/pool.h"
#include "db/schema.h"
#include "db/session.h"
#include "lux/error.h"
#include "metrics/instrument.h"

namespace lux::db {
namespace {

using PgPool = BasicPool<PgConnection>;
using PgLease = BasicLease<PgConnection>;
using PgSession = BasicSession<PgConnection>;

// pg_advisory_xact_lock key held while migrating ("lux-migr"): one migration at a time per
// database, whichever replica starts first.
constexpr std::int64_t kMigrationLockKey = 0x6c75782d6d696772;

std::string FloatText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string CheckedText(const std::string& s, std::string_view op) {
  if (s.find('\0') != std::string::npos)
    throw Error(std::string(op) + ": PostgreSQL text cannot contain NUL characters");
  return s;
}

// A model column's value as a parameter of the column's type.
PgParam ColumnParam(const Model& m, int column, const Value& v, std::string_view op) {
  ColumnType type = column == kIdColumn ? ColumnType::kInt : m.spec().columns[static_cast<std::size_t>(column)].type;
  if (v.IsNull()) return {std::nullopt, pgtype::kUnknown};
  switch (type) {
    case ColumnType::kInt: return {std::to_string(v.AsInt()), pgtype::kInt8};
    case ColumnType::kFloat:
      return {FloatText(v.IsInt() ? static_cast<double>(v.AsInt()) : v.AsFloat()), pgtype::kFloat8};
    case ColumnType::kBool: return {v.AsBool() ? "true" : "false", pgtype::kBool};
    case ColumnType::kString: return {CheckedText(v.AsString(), op), pgtype::kText};
    case ColumnType::kJson: return {CheckedText(ToJson(v), op), pgtype::kJsonb};
  }
  return {};
}

std::vector<PgParam> ClauseParams(const Model& m, const Clause& c, std::string_view op) {
  std::vector<PgParam> out;
  out.reserve(c.params.size());
  for (const SqlParam& p : c.params) {
    if (p.column == kNoColumn) {
      std::int64_t n = p.value->AsInt();
      out.push_back({n == kNoLimit ? std::nullopt : std::optional<std::string>(std::to_string(n)), pgtype::kInt8});
    } else if (p.json_list) {
      out.push_back({CheckedText(ToJson(*p.value), op), pgtype::kJsonb});
    } else {
      out.push_back(ColumnParam(m, p.column, *p.value, op));
    }
  }
  return out;
}

// db.run/db.query arguments typed by their kind (Strings untyped: the statement decides, so a
// String may fill a timestamp or UUID column).
std::vector<PgParam> ArgParams(const Array& args, std::string_view op) {
  std::vector<PgParam> out;
  out.reserve(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    const Value& v = args[i];
    switch (v.kind()) {
      case Value::Kind::kNull: out.push_back({std::nullopt, pgtype::kUnknown}); break;
      case Value::Kind::kBool: out.push_back({v.AsBool() ? "true" : "false", pgtype::kBool}); break;
      case Value::Kind::kInt: out.push_back({std::to_string(v.AsInt()), pgtype::kInt8}); break;
      case Value::Kind::kFloat: out.push_back({FloatText(v.AsFloat()), pgtype::kFloat8}); break;
      case Value::Kind::kString: out.push_back({CheckedText(v.AsString(), op), pgtype::kUnknown}); break;
      case Value::Kind::kArray:
      case Value::Kind::kObject: out.push_back({CheckedText(ToJson(v), op), pgtype::kJsonb}); break;
      case Value::Kind::kFunction: throw Error(std::string(op) + ": argument " + std::to_string(i + 1) + " is a function");
    }
  }
  return out;
}

Value IntOrFloat(std::string_view text) {
  long long n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value(n);
  return Value(std::strtod(std::string(text).c_str(), nullptr));
}

Value JsonOrText(std::string_view text) {
  try {
    return ParseJson(text);
  } catch (const JsonError&) {
    return Value(std::string(text));
  }
}

// A model column read back with its declared type.
Value ReadField(const PgResult& r, int row, int col, ColumnType type) {
  if (r.IsNull(row, col)) return Value();
  std::string_view t = r.Text(row, col);
  switch (type) {
    case ColumnType::kInt: return IntOrFloat(t);
    case ColumnType::kFloat: return Value(std::strtod(std::string(t).c_str(), nullptr));
    case ColumnType::kBool: return Value(!t.empty() && t[0] == 't');
    case ColumnType::kString: return Value(std::string(t));
    case ColumnType::kJson: return JsonOrText(t);
  }
  return Value();
}

// A db.query column, by the result column's type.
Value ReadAny(const PgResult& r, int row, int col) {
  if (r.IsNull(row, col)) return Value();
  std::string_view t = r.Text(row, col);
  switch (r.Type(col)) {
    case pgtype::kBool: return Value(!t.empty() && t[0] == 't');
    case pgtype::kInt2:
    case pgtype::kInt4:
    case pgtype::kInt8:
    case pgtype::kOid:
    case pgtype::kNumeric: return IntOrFloat(t);
    case pgtype::kFloat4:
    case pgtype::kFloat8: return Value(std::strtod(std::string(t).c_str(), nullptr));
    case pgtype::kJson:
    case pgtype::kJsonb: return JsonOrText(t);
    default: return Value(std::string(t));
  }
}

Value ReadRecord(const Model& m, const PgResult& r, int row) {
  Object o;
  const auto& cols = m.spec().columns;
  o.Reserve(cols.size() + 1);
  o.Set("id", ReadField(r, row, 0, ColumnType::kInt));
  for (std::size_t i = 0; i < cols.size(); ++i) o.Set(cols[i].name, ReadField(r, row, static_cast<int>(i) + 1, cols[i].type));
  return Value(std::move(o));
}

void RefuseTransactionControl(const std::string& first_word, std::string_view op) {
  static const char* const kWords[] = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"};
  for (const char* w : kWords)
    if (first_word == w)
      throw Error(std::string(op) + ": BEGIN/COMMIT/ROLLBACK are not allowed here; use db.transaction(fn() { ... })");
}

// Runs body; then `commit`, or `rollback` when body threw (outside the catch block: the
// ROLLBACK waits for the server, which suspends the fiber) and rethrows. A statement that
// failed inside the body aborted the transaction on the server even if the body caught the
// error: COMMIT would silently roll back, so that is an error too.
template <typename F>
Value Guarded(PgConnection& c, const std::string& commit, const std::string& rollback, F&& body) {
  std::exception_ptr failed;
  Value result;
  try {
    result = body();
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // the fiber is being destroyed: no I/O
  } catch (...) {
    failed = std::current_exception();
  }
  if (!failed && c.TransactionFailed()) {
    failed = std::make_exception_ptr(Error(
        "db.transaction: a statement inside the transaction failed, so PostgreSQL aborted it; it was rolled back"));
  }
  if (failed) {
    c.TryCommand(rollback);
    std::rethrow_exception(failed);
  }
  c.Command(commit, "db.transaction");
  return result;
}

class PgSchema : public SchemaAccess {
 public:
  explicit PgSchema(PgConnection& c) : c_(c) {}
  Dialect dialect() const override { return Dialect::kPostgres; }
  std::vector<TableColumn> ReadTable(const Model& m) override {
    static const char* const kSql =
        "SELECT c.column_name, upper(c.data_type), c.is_nullable = 'NO',"
        " c.column_default IS NOT NULL OR c.is_identity = 'YES',"
        " EXISTS (SELECT 1 FROM information_schema.table_constraints tc"
        "   JOIN information_schema.key_column_usage k"
        "     ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name"
        "   WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema"
        "     AND tc.table_name = c.table_name AND k.column_name = c.column_name)"
        " FROM information_schema.columns c"
        " WHERE c.table_schema = current_schema() AND c.table_name = ?"
        " ORDER BY c.ordinal_position";
    PgResult r = c_.Exec(kSql, {{m.table(), pgtype::kText}}, "migrate");
    std::vector<TableColumn> out;
    for (int i = 0; i < r.rows(); ++i) {
      auto flag = [&](int col) { return r.Text(i, col) == "t"; };
      out.push_back({std::string(r.Text(i, 0)), std::string(r.Text(i, 1)), flag(2), flag(3), flag(4)});
    }
    return out;
  }
  bool Exists(const std::string& sql) override { return c_.Exec(sql, {}, "migrate").rows() > 0; }
  void Exec(const std::string& sql) override { c_.Command(sql, "migrate"); }

 private:
  PgConnection& c_;
};

class PgBackend : public Backend {
 public:
  PgBackend(const std::string& conninfo, const std::string& shown, int pool_size)
      : pool_([conninfo, shown] { return PgConnection::Open(conninfo, shown); }, pool_size,
              [](PgConnection& c) { return c.Usable(); }) {}
  Dialect dialect() const override { return Dialect::kPostgres; }

  std::int64_t Insert(const Model& m, std::string_view op, const std::vector<const Value*>& values) override {
    std::vector<PgParam> params;
    params.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) params.push_back(ColumnParam(m, static_cast<int>(i), *values[i], op));
    PgSession s(pool_);
    PgResult r = s.conn().Exec(m.insert_sql() + " RETURNING \"id\"", params, op);
    return ReadField(r, 0, 0, ColumnType::kInt).AsInt();
  }

  Array Select(const Model& m, std::string_view op, const Clause& clause) override {
    PgSession s(pool_);
    PgResult r = s.conn().Exec("SELECT " + m.select_list() + " FROM " + m.quoted_table() + clause.sql,
                               ClauseParams(m, clause, op), op);
    Array out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(ReadRecord(m, r, i));
    return out;
  }

  Value Find(const Model& m, std::string_view op, std::int64_t id) override {
    PgSession s(pool_);
    PgResult r = s.conn().Exec(m.find_sql(), {{std::to_string(id), pgtype::kInt8}}, op);
    return r.rows() ? ReadRecord(m, r, 0) : Value();
  }

  std::int64_t Count(const Model& m, std::string_view op, const Clause& clause) override {
    PgSession s(pool_);
    PgResult r = s.conn().Exec("SELECT count(*) FROM " + m.quoted_table() + clause.sql, ClauseParams(m, clause, op), op);
    return ReadField(r, 0, 0, ColumnType::kInt).AsInt();
  }

  Value Update(const Model& m, std::string_view op, std::int64_t id, const FieldSets& sets) override {
    if (sets.empty()) return Find(m, op, id);
    std::string sql;
    std::vector<PgParam> params;
    for (const auto& [column, value] : sets) {
      sql += (sql.empty() ? "" : ",") + QuoteIdent(m.spec().columns[static_cast<std::size_t>(column)].name) + " = ?";
      params.push_back(ColumnParam(m, column, *value, op));
    }
    params.push_back({std::to_string(id), pgtype::kInt8});
    PgSession s(pool_);
    PgResult r = s.conn().Exec("UPDATE " + m.quoted_table() + " SET " + sql + " WHERE \"id\" = ? RETURNING " + m.select_list(),
                               params, op);
    return r.rows() ? ReadRecord(m, r, 0) : Value();
  }

  bool Delete(const Model& m, std::string_view op, std::int64_t id) override {
    PgSession s(pool_);
    return s.conn().Exec(m.delete_sql(), {{std::to_string(id), pgtype::kInt8}}, op).Affected() > 0;
  }

  std::int64_t DeleteWhere(const Model& m, std::string_view op, const Clause& clause) override {
    PgSession s(pool_);
    return s.conn().Exec("DELETE FROM " + m.quoted_table() + clause.sql, ClauseParams(m, clause, op), op).Affected();
  }

  std::int64_t DeleteIds(const Model& m, std::string_view op, const std::string& ids_json) override {
    PgSession s(pool_);
    return s.conn()
        .Exec("DELETE FROM " + m.quoted_table() +
                  " WHERE \"id\" IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS JSONB)) AS BIGINT))",
              {{ids_json, pgtype::kJsonb}}, op)
        .Affected();
  }

  std::int64_t Run(std::string_view sql, const Array& args) override {
    metrics::DbTimer timer("run");
    return Raw(sql, args, "db.run", [](const PgResult& r) { return Value(static_cast<long long>(r.Affected())); }).AsInt();
  }

  Value Query(std::string_view sql, const Array& args) override {
    metrics::DbTimer timer("query");
    return Raw(sql, args, "db.query", [](const PgResult& r) {
      Array rows;
      rows.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        Object row;
        row.Reserve(static_cast<std::size_t>(r.columns()));
        for (int c = 0; c < r.columns(); ++c) row.Set(r.Name(c), ReadAny(r, i, c));
        rows.push_back(Value(std::move(row)));
      }
      return Value(std::move(rows));
    });
  }

  Value Transaction(const std::function<Value()>& body) override {
    if (TxFrame* outer = FindTxFrame(&pool_)) {
      CheckTxDepth(*outer);
      TxFrame frame{outer->owner, &pool_, outer->conn, outer->depth + 1};
      auto& c = *static_cast<PgConnection*>(outer->conn);
      std::string sp = "lux_sp_" + std::to_string(frame.depth);
      c.Command("SAVEPOINT " + sp, "db.transaction");
      return Guarded(c, "RELEASE " + sp, "ROLLBACK TO " + sp + "; RELEASE " + sp, [&] {
        TxFrameGuard guard(&frame);
        return body();
      });
    }
    PgLease lease = pool_.Acquire();
    TxFrame frame{CurrentTxOwner(), &pool_, lease.get(), 0};
    lease->Command("BEGIN", "db.transaction");
    return Guarded(*lease, "COMMIT", "ROLLBACK", [&] {
      TxFrameGuard guard(&frame);
      return body();
    });
  }

  void Migrate(const Models& models) override {
    if (models.empty()) return;
    PgLease lease = pool_.Acquire();
    PgConnection& c = *lease;
    c.Command("BEGIN", "migrate");
    Guarded(c, "COMMIT", "ROLLBACK", [&] {
      c.Exec("SELECT pg_advisory_xact_lock(?)", {{std::to_string(kMigrationLockKey), pgtype::kInt8}}, "migrate");
      PgSchema access(c);
      for (const auto& [name, m] : models) MigrateModel(access, m);
      return Value();
    });
  }

  void Close() override { pool_.Close(); }

 private:
  // db.run / db.query: one statement, no transaction control, nothing left open on the
  // connection, and the transaction db.transaction runs not ended by it.
  template <typename F>
  Value Raw(std::string_view sql, const Array& args, std::string_view op, F&& read) {
    RefuseTransactionControl(NumberPlaceholders(sql, op).first_word, op);
    std::vector<PgParam> params = ArgParams(args, op);
    PgSession s(pool_);
    PgConnection& c = s.conn();
    Value out = read(c.Exec(sql, params, op));
    if (!s.in_transaction() && c.InTransaction()) {
      c.TryCommand("ROLLBACK");
      throw Error(std::string(op) + ": BEGIN/COMMIT/ROLLBACK are not allowed here; use db.transaction(fn() { ... })");
    }
    return out;
  }

  PgPool pool_;
};

}  // namespace

std::unique_ptr<Backend> OpenPostgres(const std::string& conninfo, const std::string& shown, int pool_size) {
  return std::make_unique<PgBackend>(conninfo, shown, pool_size);
}

}  // namespace lux::db
