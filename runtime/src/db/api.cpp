// The lux::rt database calls generated code makes (lux/db.h): each checks its arguments against
// the model (unknown fields, wrong types, defaults, `id`) and builds the filter here, the same
// for every adapter, then hands plain SQL work to the open database's Backend (SQLite or
// PostgreSQL). Every value reaches the database as a bound parameter.
#include <string>

#include "db/backend.h"
#include "db/db_state.h"
#include "lux/db.h"
#include "lux/error.h"
#include "lux/rt.h"
#include "tracing/instrument.h"

#include <cctype>

namespace lux::rt {
namespace {

using db::Model;

std::string Op(std::string_view model, const char* what) { return std::string(model) + "." + what; }

// Fields built from what the client sent (`{ ...req.body, slug: s }`): the object, or one of its
// values, is the client's (Value::FromClient), so an unknown or missing field is its mistake.
bool FromClient(const Value& fields) {
  if (fields.FromClient()) return true;
  if (fields.IsObject())
    for (const auto& entry : fields.AsObject())
      if (entry.second.FromClient()) return true;
  return false;
}

// A mistake in the fields: 400 when they came from the client, else the program's error (500).
[[noreturn]] void FieldsError(const Value& fields, const std::string& message) {
  if (FromClient(fields)) throw HttpError(400, message);
  throw Error(message);
}

[[noreturn]] void NotAField(const Model& m, std::string_view op, const std::string& key, const Value& fields) {
  FieldsError(fields, std::string(op) + ": `" + key.substr(0, 64) + "` is not a field of " + m.name() + " (fields: " +
                          m.FieldList() + ")");
}

// The values of `fields` (an object) in the model's column order for INSERT: missing fields
// take their default, or null when optional. `record` gets them as they read back.
std::vector<const Value*> CreateValues(const Model& m, std::string_view op, const Value& fields, Object& record) {
  if (!fields.IsObject()) throw Error(std::string(op) + ": expected an object of fields, got " + fields.KindName());
  for (const auto& [key, value] : fields.AsObject()) {
    if (key == "id") continue;  // assigned by the database (a typed record may carry a placeholder)
    if (m.FindColumn(key) == -2) NotAField(m, op, key, fields);
  }
  const auto& cols = m.spec().columns;
  std::vector<const Value*> values;
  values.reserve(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const Value* v = fields.Find(cols[i].name);
    const Value& value = v && !(v->IsNull() && !cols[i].default_value.IsNull() && !cols[i].optional) ? *v : cols[i].default_value;
    if (!v && value.IsNull() && !cols[i].optional && FromClient(fields))  // the client's object left it out
      throw HttpError(400, std::string(op) + ": field `" + cols[i].name + "` of " + m.name() + " is missing");
    m.CheckValue(op, static_cast<int>(i), value, cols[i].optional);
    values.push_back(&value);
    // What was stored, as it reads back: Int given for a Float field comes back a Float.
    if (cols[i].type == ColumnType::kFloat && value.IsInt())
      record.Set(cols[i].name, Value(static_cast<double>(value.AsInt())));
    else
      record.Set(cols[i].name, value);
  }
  return values;
}

struct Target {
  std::shared_ptr<db::DbState> state;
  const Model* model;
  db::Backend& backend() const { return state->backend(); }
};

Target Open(std::string_view model, const std::string& op) {
  auto state = db::Active(op);
  const Model& m = state->FindModel(model, op);
  return {std::move(state), &m};
}

const char* DbSystem(db::Dialect d) { return d == db::Dialect::kPostgres ? "postgresql" : "sqlite"; }

// The span of a model call (`INSERT metric_records`), nothing when tracing is off.
tracing::Span ModelSpan(const Target& t, std::string_view operation) {
  if (!tracing::Enabled()) return {};
  return tracing::DbSpan(DbSystem(t.backend().dialect()), operation, t.model->table());
}

// The span of `db.run`/`db.query`: the SQL's first word names the operation; the text keeps
// its `?` placeholders and never the values.
tracing::Span SqlSpan(db::DbState& state, std::string_view sql) {
  if (!tracing::Enabled()) return {};
  std::size_t b = sql.find_first_not_of(" \t\r\n(");
  std::string op;
  for (std::size_t i = b; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i)
    op.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
  return tracing::DbSpan(DbSystem(state.backend().dialect()), op.empty() ? "SQL" : op, "", sql);
}

}  // namespace

namespace {
// The fields with a model's timestamps set to now (create: both, update: `updated_at`); other
// models' fields, and values that are not objects (refused by the caller), as given.
Value Stamped(const Model& m, const Value& fields, bool created) {
  if (!m.spec().timestamps || !fields.IsObject()) return fields;
  Object o = fields.AsObject();
  Value now(static_cast<long long>(NowMs()));
  if (created) o.Set("created_at", now);
  o.Set("updated_at", now);
  return Value(std::move(o));
}
}  // namespace

Value ModelCreate(std::string_view model, const Value& given) {
  std::string op = Op(model, "create");
  Target t = Open(model, op);
  Value fields = Stamped(*t.model, given, true);
  Object record;
  record.Reserve(t.model->spec().columns.size() + 1);
  record.Set("id", Value());
  std::vector<const Value*> values = CreateValues(*t.model, op, fields, record);
  tracing::Span span = ModelSpan(t, "INSERT");
  *record.Find("id") = Value(static_cast<long long>(t.backend().Insert(*t.model, op, values)));
  return Value(std::move(record));
}

Value ModelAll(std::string_view model) {
  std::string op = Op(model, "all");
  Target t = Open(model, op);
  db::Clause clause;
  clause.sql = " ORDER BY \"id\"";
  tracing::Span span = ModelSpan(t, "SELECT");
  return Value(t.backend().Select(*t.model, op, clause));
}

Value ModelFind(std::string_view model, std::int64_t id) {
  std::string op = Op(model, "find");
  Target t = Open(model, op);
  tracing::Span span = ModelSpan(t, "SELECT");
  return t.backend().Find(*t.model, op, id);
}

Value ModelWhere(std::string_view model, const Value& filter, const Value& options) {
  std::string op = Op(model, "where");
  Target t = Open(model, op);
  db::Clause clause = db::BuildFilter(*t.model, op, filter, t.backend().dialect());
  db::BuildOptions(*t.model, op, options, clause);
  tracing::Span span = ModelSpan(t, "SELECT");
  return Value(t.backend().Select(*t.model, op, clause));
}

std::int64_t ModelCount(std::string_view model, const Value& filter) {
  std::string op = Op(model, "count");
  Target t = Open(model, op);
  db::Clause clause = db::BuildFilter(*t.model, op, filter, t.backend().dialect());
  tracing::Span span = ModelSpan(t, "SELECT");
  return t.backend().Count(*t.model, op, clause);
}

Value ModelUpdate(std::string_view model, std::int64_t id, const Value& given) {
  std::string op = Op(model, "update");
  Target t = Open(model, op);
  const Model& m = *t.model;
  Value fields = Stamped(m, given, false);
  if (!fields.IsObject()) throw Error(op + ": expected an object of fields, got " + fields.KindName());
  db::FieldSets sets;
  for (const auto& [key, value] : fields.AsObject()) {
    int column = m.FindColumn(key);
    if (column == db::kIdColumn) throw Error(op + ": `id` cannot be changed");
    if (column == -2) NotAField(m, op, key, fields);
    m.CheckValue(op, column, value, m.spec().columns[static_cast<std::size_t>(column)].optional);
    sets.emplace_back(column, &value);
  }
  tracing::Span span = ModelSpan(t, "UPDATE");
  Value updated = t.backend().Update(m, op, id, sets);
  // A missing record is a 404 the client may see (the id usually comes from the path).
  if (updated.IsNull()) throw HttpError(404, op + ": no " + m.name() + " with id " + std::to_string(id));
  return updated;
}

bool ModelDelete(std::string_view model, std::int64_t id) {
  std::string op = Op(model, "delete");
  Target t = Open(model, op);
  tracing::Span span = ModelSpan(t, "DELETE");
  return t.backend().Delete(*t.model, op, id);
}

std::int64_t ModelDeleteWhere(std::string_view model, const Value& filter) {
  std::string op = Op(model, "delete_all");
  Target t = Open(model, op);
  db::Clause clause = db::BuildFilter(*t.model, op, filter, t.backend().dialect());
  tracing::Span span = ModelSpan(t, "DELETE");
  return t.backend().DeleteWhere(*t.model, op, clause);
}

std::int64_t ModelDeleteAll(std::string_view model, const Value& records) {
  std::string op = Op(model, "delete_all");
  Target t = Open(model, op);
  const Model& m = *t.model;
  if (!records.IsArray()) throw Error(op + ": expected an array of " + m.name() + " records, got " + records.KindName());
  Array ids;
  ids.reserve(records.size());
  for (const Value& r : records.AsArray()) {
    const Value* id = r.IsObject() ? r.Find("id") : nullptr;
    if (!id || !id->IsInt()) throw Error(op + ": every element must be a " + m.name() + " record with an Int `id`");
    ids.push_back(*id);
  }
  tracing::Span span = ModelSpan(t, "DELETE");
  return t.backend().DeleteIds(m, op, ToJson(Value(std::move(ids))));
}

std::int64_t DbRun(std::string_view sql, const Array& args) {
  auto state = db::Active("db.run");
  tracing::Span span = SqlSpan(*state, sql);
  return state->backend().Run(sql, args);
}

Value DbQuery(std::string_view sql, const Array& args) {
  auto state = db::Active("db.query");
  tracing::Span span = SqlSpan(*state, sql);
  return state->backend().Query(sql, args);
}

Value DbTransaction(const std::function<Value()>& body) {
  if (!body) throw Error("db.transaction: no function given");
  return db::Active("db.transaction")->backend().Transaction(body);
}

void DbMigrate() { db::Active("db.migrate")->Migrate(); }

void DbClose() {
  // Closing twice (on_stop calls db.close(), then the App closes it) is harmless.
  if (auto state = db::OpenState()) state->Close();
}

}  // namespace lux::rt
