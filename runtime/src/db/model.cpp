// Model: validation of a ModelSpec, its fixed SQL, and Value <-> SQLite conversions with the
// declared column types (Bool stored 0/1 and read back as Bool, Json as text, null as NULL).
#include "db/model.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "lux/error.h"

namespace lux::db {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

}  // namespace

const char* TypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kInt: return "Int";
    case ColumnType::kFloat: return "Float";
    case ColumnType::kBool: return "Bool";
    case ColumnType::kString: return "String";
    case ColumnType::kJson: return "Json";
  }
  return "?";
}

const char* SqlTypeName(ColumnType t, Dialect d) {
  if (d == Dialect::kPostgres) {
    switch (t) {
      case ColumnType::kInt: return "BIGINT";
      case ColumnType::kFloat: return "DOUBLE PRECISION";
      case ColumnType::kBool: return "BOOLEAN";
      case ColumnType::kString: return "TEXT";
      case ColumnType::kJson: return "JSONB";
    }
    return "?";
  }
  switch (t) {
    case ColumnType::kInt: return "INTEGER";
    case ColumnType::kFloat: return "REAL";
    case ColumnType::kBool: return "BOOLEAN";
    case ColumnType::kString: return "TEXT";
    case ColumnType::kJson: return "JSON_TEXT";  // TEXT affinity: JSON stays text as written
  }
  return "?";
}

std::string QuoteIdent(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string DefaultTableName(std::string_view model) {
  std::string snake;
  for (std::size_t i = 0; i < model.size(); ++i) {
    char c = model[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && model[i - 1] != '_' && !std::isupper(static_cast<unsigned char>(model[i - 1]))) snake += '_';
      snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      snake += c;
    }
  }
  if (snake.empty()) return snake;
  char last = snake.back();
  char before = snake.size() > 1 ? snake[snake.size() - 2] : '\0';
  if (last == 'y' && !IsVowel(before)) return snake.substr(0, snake.size() - 1) + "ies";
  if (last == 's' || last == 'x' || last == 'z' || (last == 'h' && (before == 'c' || before == 's')))
    return snake + "es";
  return snake + "s";
}

Model::Model(ModelSpec spec) : spec_(std::move(spec)) {
  if (!IsIdentifier(spec_.name)) throw std::invalid_argument("model name `" + spec_.name + "` is not an identifier");
  if (spec_.table.empty()) spec_.table = DefaultTableName(spec_.name);
  if (!IsIdentifier(spec_.table)) throw std::invalid_argument("model " + spec_.name + ": table name `" + spec_.table + "` is not an identifier");
  if (spec_.table.rfind("sqlite_", 0) == 0) throw std::invalid_argument("model " + spec_.name + ": table names starting with sqlite_ are reserved");
  for (std::size_t i = 0; i < spec_.columns.size(); ++i) {
    const ColumnSpec& c = spec_.columns[i];
    if (!IsIdentifier(c.name)) throw std::invalid_argument("model " + spec_.name + ": field name `" + c.name + "` is not an identifier");
    if (c.name == "id") throw std::invalid_argument("model " + spec_.name + ": `id` is the primary key, assigned by the database; do not declare it as a column");
    for (std::size_t j = 0; j < i; ++j)
      if (spec_.columns[j].name == c.name) throw std::invalid_argument("model " + spec_.name + ": duplicate field `" + c.name + "`");
    if (!c.default_value.IsNull()) {
      try {
        CheckValue("model " + spec_.name + " default", static_cast<int>(i), c.default_value, false);
      } catch (const Error& e) {
        throw std::invalid_argument(e.what());
      }
    }
  }
  quoted_table_ = QuoteIdent(spec_.table);
  select_list_ = "\"id\"";
  std::string cols, marks;
  for (const ColumnSpec& c : spec_.columns) {
    select_list_ += "," + QuoteIdent(c.name);
    if (!cols.empty()) {
      cols += ",";
      marks += ",";
    }
    cols += QuoteIdent(c.name);
    marks += "?";
  }
  insert_sql_ = spec_.columns.empty() ? "INSERT INTO " + quoted_table_ + " DEFAULT VALUES"
                                      : "INSERT INTO " + quoted_table_ + " (" + cols + ") VALUES (" + marks + ")";
  all_sql_ = "SELECT " + select_list_ + " FROM " + quoted_table_ + " ORDER BY \"id\"";
  find_sql_ = "SELECT " + select_list_ + " FROM " + quoted_table_ + " WHERE \"id\" = ?";
  delete_sql_ = "DELETE FROM " + quoted_table_ + " WHERE \"id\" = ?";
}

int Model::FindColumn(std::string_view field) const {
  if (field == "id") return kIdColumn;
  for (std::size_t i = 0; i < spec_.columns.size(); ++i)
    if (spec_.columns[i].name == field) return static_cast<int>(i);
  return -2;
}

std::string Model::FieldList() const {
  std::string s = "id";
  for (const ColumnSpec& c : spec_.columns) s += ", " + c.name;
  return s;
}

void Model::CheckValue(std::string_view op, int column, const Value& v, bool allow_null) const {
  ColumnType type = column == kIdColumn ? ColumnType::kInt : spec_.columns[static_cast<std::size_t>(column)].type;
  std::string_view field = column == kIdColumn ? std::string_view("id") : spec_.columns[static_cast<std::size_t>(column)].name;
  auto fail = [&](const char* why) {  // 400 when the client sent the value (Value::FromClient)
    ClientOrError(v, std::string(op) + ": field `" + std::string(field) + "` of " + spec_.name + " " + why);
  };
  if (v.IsNull()) {
    if (!allow_null) fail(column == kIdColumn ? "cannot be null" : "is not optional: it cannot be null");
    return;
  }
  bool ok = false;
  switch (type) {
    case ColumnType::kInt: ok = v.IsInt(); break;
    case ColumnType::kFloat:
      ok = v.IsNumber();
      if (ok && v.IsFloat() && std::isnan(v.AsFloat())) fail("cannot store NaN");
      break;
    case ColumnType::kBool: ok = v.IsBool(); break;
    case ColumnType::kString: ok = v.IsString(); break;
    case ColumnType::kJson: ok = !v.IsFunction(); break;
  }
  if (!ok) {
    std::string why = std::string("must be ") + (type == ColumnType::kInt ? "an " : "a ") + TypeName(type) + ", got " + v.KindName();
    fail(why.c_str());
  }
}

void Model::Bind(sqlite3_stmt* s, int index, int column, const Value& v) const {
  ColumnType type = column == kIdColumn ? ColumnType::kInt : spec_.columns[static_cast<std::size_t>(column)].type;
  if (v.IsNull()) {
    sqlite3_bind_null(s, index);
    return;
  }
  switch (type) {
    case ColumnType::kInt: sqlite3_bind_int64(s, index, v.AsInt()); break;
    case ColumnType::kFloat: sqlite3_bind_double(s, index, v.AsFloat()); break;
    case ColumnType::kBool: sqlite3_bind_int(s, index, v.AsBool() ? 1 : 0); break;
    case ColumnType::kString: {
      const std::string& text = v.AsString();
      sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    }
    case ColumnType::kJson: {
      std::string text = ToJson(v);
      sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    }
  }
}

Value ReadColumn(sqlite3_stmt* s, int index, ColumnType type) {
  int kind = sqlite3_column_type(s, index);
  if (kind == SQLITE_NULL) return Value();
  switch (type) {
    case ColumnType::kInt:
      if (kind == SQLITE_FLOAT) return Value(sqlite3_column_double(s, index));  // raw SQL wrote a REAL
      return Value(static_cast<long long>(sqlite3_column_int64(s, index)));
    case ColumnType::kFloat: return Value(sqlite3_column_double(s, index));
    case ColumnType::kBool: return Value(sqlite3_column_int64(s, index) != 0);
    case ColumnType::kString: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
      return Value(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, index))));
    }
    case ColumnType::kJson: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
      std::string_view text(p, static_cast<std::size_t>(sqlite3_column_bytes(s, index)));
      try {
        return ParseJson(text);
      } catch (const JsonError&) {
        return Value(std::string(text));  // written by raw SQL as plain text: keep it readable
      }
    }
  }
  return Value();
}

Value Model::ReadRecord(sqlite3_stmt* s) const {
  Object o;
  o.Reserve(spec_.columns.size() + 1);
  o.Set("id", Value(static_cast<long long>(sqlite3_column_int64(s, 0))));
  for (std::size_t i = 0; i < spec_.columns.size(); ++i)
    o.Set(spec_.columns[i].name, ReadColumn(s, static_cast<int>(i) + 1, spec_.columns[i].type));
  return Value(std::move(o));
}

}  // namespace lux::db
