// BuildFilter / BuildOptions: filter keys are `field` or `field_<op>` with op one of
// ne, lt, lte, gt, gte, in (a key equal to a field name always means equality); `_in` binds one
// JSON array and tests `IN (SELECT value FROM json_each(?))`, so the SQL text (and its cached
// statement) does not depend on the list's length.
#include "db/filter.h"

#include "lux/error.h"

namespace lux::db {
namespace {

// A key from user data is shown in errors at most this long.
constexpr std::size_t kMaxKeyInMessage = 64;

enum class Op { kEq, kNe, kLt, kLte, kGt, kGte, kIn };

struct OpSuffix {
  std::string_view suffix;
  Op op;
  const char* sql;
};
constexpr OpSuffix kOps[] = {
    {"_ne", Op::kNe, " <> ?"},  {"_lte", Op::kLte, " <= ?"}, {"_gte", Op::kGte, " >= ?"},
    {"_lt", Op::kLt, " < ?"},   {"_gt", Op::kGt, " > ?"},    {"_in", Op::kIn, nullptr},
};

std::string Shown(std::string_view key) {
  return key.size() > kMaxKeyInMessage ? std::string(key.substr(0, kMaxKeyInMessage)) + "..." : std::string(key);
}

ColumnType TypeOf(const Model& m, int column) {
  return column == kIdColumn ? ColumnType::kInt : m.spec().columns[static_cast<std::size_t>(column)].type;
}

}  // namespace

// ` IN (...)` for an `_in` filter on a column of `type`, one JSON array parameter.
static std::string InList(ColumnType type, Dialect d) {
  if (d == Dialect::kSqlite) return " IN (SELECT value FROM json_each(?))";
  return std::string(" IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS JSONB)) AS ") + SqlTypeName(type, d) + "))";
}

Clause BuildFilter(const Model& m, std::string_view op, const Value& filter, Dialect d) {
  Clause c;
  if (filter.IsNull()) return c;
  if (!filter.IsObject()) throw Error(std::string(op) + ": the filter must be an object, got " + filter.KindName());
  for (const auto& [key, value] : filter.AsObject()) {
    int column = m.FindColumn(key);
    Op kind = Op::kEq;
    const char* sql = " = ?";
    if (column == -2) {
      for (const OpSuffix& s : kOps) {
        if (key.size() > s.suffix.size() && key.compare(key.size() - s.suffix.size(), s.suffix.size(), s.suffix) == 0) {
          column = m.FindColumn(std::string_view(key).substr(0, key.size() - s.suffix.size()));
          if (column != -2) {
            kind = s.op;
            sql = s.sql;
            break;
          }
        }
      }
    }
    if (column == -2)
      throw Error(std::string(op) + ": `" + Shown(key) + "` is not a field of " + m.name() + " (fields: " + m.FieldList() +
                  "; operators: _ne, _lt, _lte, _gt, _gte, _in)");
    std::string field = column == kIdColumn ? "\"id\"" : QuoteIdent(m.spec().columns[static_cast<std::size_t>(column)].name);
    ColumnType type = TypeOf(m, column);
    std::string where_op = std::string(op) + " `" + Shown(key) + "`";
    if ((kind == Op::kEq || kind == Op::kNe) && value.IsNull()) {
      c.sql += (c.sql.empty() ? " WHERE " : " AND ") + field + (kind == Op::kEq ? " IS NULL" : " IS NOT NULL");
      continue;
    }
    if (type == ColumnType::kJson && kind != Op::kEq && kind != Op::kNe)
      throw Error(where_op + ": " + TypeName(type) + " fields can only be compared for equality");
    if (type == ColumnType::kBool && kind != Op::kEq && kind != Op::kNe && kind != Op::kIn)
      throw Error(where_op + ": Bool fields have no order (use `" + Shown(key.substr(0, key.rfind('_'))) + "` or _ne)");
    if (value.IsNull()) throw Error(where_op + ": null is only compared by `field: null` (IS NULL) or `field_ne: null`");
    if (kind == Op::kIn) {
      if (!value.IsArray()) throw Error(where_op + ": expected an array, got " + value.KindName());
      for (const Value& item : value.AsArray()) {
        if (item.IsNull()) throw Error(where_op + ": the list cannot contain null (use `field: null`)");
        m.CheckValue(where_op, column, item, /*allow_null=*/false);
      }
    } else {
      m.CheckValue(where_op, column, value, /*allow_null=*/false);
    }
    c.sql += (c.sql.empty() ? " WHERE " : " AND ") + field + (kind == Op::kIn ? InList(type, d) : std::string(sql));
    c.params.push_back({column, &value, kind == Op::kIn});
  }
  return c;
}

void BuildOptions(const Model& m, std::string_view op, const Value& options, Clause& c) {
  std::string order = "\"id\"";
  bool desc = false;
  const Value* limit = nullptr;
  const Value* offset = nullptr;
  if (!options.IsNull()) {
    if (!options.IsObject()) throw Error(std::string(op) + ": options must be an object, got " + options.KindName());
    for (const auto& [key, value] : options.AsObject()) {
      if (key == "order_by") {
        if (!value.IsString()) throw Error(std::string(op) + ": order_by must be a field name (String), got " + value.KindName());
        int column = m.FindColumn(value.AsString());
        if (column == -2)
          throw Error(std::string(op) + ": order_by `" + Shown(value.AsString()) + "` is not a field of " + m.name() +
                      " (fields: " + m.FieldList() + ")");
        order = column == kIdColumn ? "\"id\"" : QuoteIdent(m.spec().columns[static_cast<std::size_t>(column)].name);
      } else if (key == "desc") {
        if (!value.IsBool()) throw Error(std::string(op) + ": desc must be a Bool, got " + value.KindName());
        desc = value.AsBool();
      } else if (key == "limit" || key == "offset") {
        if (!value.IsInt() || value.AsInt() < 0)
          throw Error(std::string(op) + ": " + key + " must be an Int >= 0, got " + (value.IsInt() ? std::to_string(value.AsInt()) : value.KindName()));
        (key == "limit" ? limit : offset) = &value;
      } else {
        throw Error(std::string(op) + ": unknown option `" + Shown(key) + "` (options: order_by, desc, limit, offset)");
      }
    }
  }
  c.sql += " ORDER BY " + order + (desc ? " DESC" : "");
  // Ties (and the default) are broken by id so results are deterministic.
  if (order != "\"id\"") c.sql += desc ? ", \"id\" DESC" : ", \"id\"";
  if (limit || offset) {
    static const Value kNone(kNoLimit);
    c.sql += " LIMIT ? OFFSET ?";
    c.params.push_back({kNoColumn, limit ? limit : &kNone, false});
    static const Value kZero(0);
    c.params.push_back({kNoColumn, offset ? offset : &kZero, false});
  }
}

void BindParams(const Model& m, sqlite3_stmt* s, const Clause& c, int first) {
  int index = first;
  for (const SqlParam& p : c.params) {
    if (p.column == kNoColumn) {
      sqlite3_bind_int64(s, index, p.value->AsInt());
    } else if (p.json_list) {
      // json_each yields true/false as 1/0, matching how Bool is stored.
      std::string text = ToJson(*p.value);
      sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
      m.Bind(s, index, p.column, *p.value);
    }
    ++index;
  }
}

}  // namespace lux::db
