// Model methods and the `db` module as generated code calls them: lux::Value arguments in,
// lux::Value out, over lux::rt::Model* / Db* (runtime/include/lux/db.h). An id that is not an
// Int is an error naming the call; `find` gives None (null) or the record.
#include <algorithm>
#include <charconv>
#include <cstdint>

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
Value ModelFindBy(const char* model, const Value& filter) {
  Value rows = rt::ModelWhere(model, filter, Value{{"limit", 1}});
  return rows.size() == 0 ? Value() : rows[0];
}
namespace {
long long PageNumber(const Value& v, const char* model, const char* what, long long absent) {
  if (v.IsNull()) return absent;
  if (v.IsInt()) return v.AsInt();
  // `req.query.page` arrives as a string: a whole number in it counts.
  if (v.IsString()) {
    const std::string& s = v.AsString();
    long long n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size()) return n;
  }
  throw Error(std::string(model) + ".paginate: the " + what + " must be an Int, found " + Str(v));
}
}  // namespace
Value ModelPaginate(const char* model, const Value& page, const Value& per_page) {
  long long p = std::max(1LL, PageNumber(page, model, "page", 1));
  long long n = std::clamp(PageNumber(per_page, model, "page size", kDefaultPerPage), 1LL, kMaxPerPage);
  long long total = rt::ModelCount(model, Value());
  // Past the last page the data is empty; the offset stays in range of a 64-bit product.
  long long offset = p > (INT64_MAX / n) ? INT64_MAX : (p - 1) * n;
  Value data = rt::ModelWhere(model, Value(), Value{{"limit", n}, {"offset", offset}});
  return Value{{"data", std::move(data)}, {"page", p}, {"perPage", n}, {"total", total},
               {"totalPages", (total + n - 1) / n}};
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
Value DbGet(const Value& sql, std::initializer_list<Value> args) {
  if (!sql.IsString()) throw Error("db.get: the SQL must be a String, found " + Str(sql));
  Value rows = rt::DbQuery(sql.AsString(), Array(args));
  return rows.size() == 0 ? Value() : rows[0];
}
Value DbExec(const Value& sql) {
  if (!sql.IsString()) throw Error("db.exec: the SQL must be a String, found " + Str(sql));
  rt::DbExec(sql.AsString());
  return Value();
}
namespace {
// A client's mistake in the fields it sent, in FromRequest's form: 400 "`place`: why" naming it.
[[noreturn]] void ClientFieldError(const std::string& place, const std::string& why) {
  throw HttpError(400, "`" + place + "`: " + why, Value{{"field", Value(place)}});
}
}  // namespace

Value ModelFieldsFromRequest(const Value& v, std::string_view place, const char* model,
                             std::initializer_list<ClientField> fields, bool partial,
                             std::initializer_list<const char*> server_set) {
  std::string at(place);
  if (!v.IsObject())
    ClientFieldError(at, std::string("expected an object of ") + model + "'s fields, found " +
                             (v.IsNull() ? "nothing (null)" : v.IsArray() ? "a list" : Str(v)));
  std::string names;
  for (const ClientField& f : fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
  Object out;
  for (const auto& [key, value] : v.AsObject()) {
    bool dropped = false;
    for (const char* s : server_set) dropped |= key == s;
    if (dropped) continue;
    if (key == "id") ClientFieldError(at + ".id", std::string("the id of a ") + model + " cannot be changed");
    const ClientField* field = nullptr;
    for (const ClientField& f : fields)
      if (key == f.name) field = &f;
    if (!field)
      ClientFieldError(at + "." + key.substr(0, 64), std::string("not a field of ") + model + " (fields: " + names + ")");
    if (value.IsNull() && !partial && !field->required) continue;  // create: its default or None
    try {
      out.Set(key, field->convert(value));
    } catch (const TypeError& e) {
      ClientFieldError(at + "." + key, e.what());
    } catch (const HttpError&) {
      throw;
    } catch (const Error& e) {
      ClientFieldError(at + "." + key, e.what());
    }
  }
  if (!partial)
    for (const ClientField& f : fields)
      if (f.required && !out.Find(f.name))
        ClientFieldError(at + "." + f.name, std::string("missing: ") + model + ".create needs it");
  return Value(std::move(out));
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
