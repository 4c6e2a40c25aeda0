// Model methods and the `db` module as generated code calls them: lux::Value arguments in,
// lux::Value out, over lux::rt::Model* / Db* (runtime/include/lux/db.h). An id that is not an
// Int is an error naming the call; `find` gives None (null) or the record.
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

std::int64_t IdOf(const Value& id, const char* model, const char* method) {
  if (id.IsInt()) return id.AsInt();
  throw Error(std::string(model) + "." + method + ": the id must be an Int, found " + Str(id));
}

}  // namespace

Value ModelCreate(const char* model, const Value& fields) { return rt::ModelCreate(model, fields); }
Value ModelAll(const char* model) { return rt::ModelAll(model); }
Value ModelFind(const char* model, const Value& id) { return rt::ModelFind(model, IdOf(id, model, "find")); }
Value ModelWhere(const char* model, const Value& filter, const Value& options) {
  return rt::ModelWhere(model, filter, options);
}
Value ModelCount(const char* model, const Value& filter) {
  return Value(static_cast<long long>(rt::ModelCount(model, filter)));
}
Value ModelUpdate(const char* model, const Value& id, const Value& fields) {
  return rt::ModelUpdate(model, IdOf(id, model, "update"), fields);
}
Value ModelDelete(const char* model, const Value& id) {
  return Value(rt::ModelDelete(model, IdOf(id, model, "delete")));
}
Value ModelDeleteEvery(const char* model) { return Value(static_cast<long long>(rt::ModelDeleteWhere(model, Value()))); }
Value ModelDeleteWhere(const char* model, const Value& filter) {
  return Value(static_cast<long long>(rt::ModelDeleteWhere(model, filter)));
}
Value ModelDeleteAll(const char* model, const Value& records) {
  return Value(static_cast<long long>(rt::ModelDeleteAll(model, records)));
}

Value DbRun(const Value& sql, std::initializer_list<Value> args) {
  if (!sql.IsString()) throw Error("db.run: the SQL must be a String, found " + Str(sql));
  return Value(static_cast<long long>(rt::DbRun(sql.AsString(), Array(args))));
}
Value DbQuery(const Value& sql, std::initializer_list<Value> args) {
  if (!sql.IsString()) throw Error("db.query: the SQL must be a String, found " + Str(sql));
  return rt::DbQuery(sql.AsString(), Array(args));
}
namespace {
// Unwinds a transaction whose body returned Err(e): rolled back, and the Err is its value.
struct ErrResult {
  Value err;
};
}  // namespace

Value DbTransaction(const Value& body) {
  try {
    return rt::DbTransaction([&] {
      Value v = Call(body, {});
      if (IsErr(v)) throw ErrResult{std::move(v)};
      return v;
    });
  } catch (ErrResult& e) {
    return std::move(e.err);
  }
}
Value DbMigrate() {
  rt::DbMigrate();
  return Value();
}
Value DbClose() {
  rt::DbClose();
  return Value();
}

}  // namespace lux::stdlib
