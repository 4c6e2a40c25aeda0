// `db.exec(sql)`: a script of SQL statements separated by `;` (schema changes, seeds), run in
// one transaction through the backend's single-statement Run. SplitSqlStatements knows the
// lexical forms in which a `;` does not end a statement: quoted strings ('...', "...", `...`,
// [...]) and comments (-- to the end of the line, /* ... */).
// Entry points: lux::db::SplitSqlStatements, lux::rt::DbExec.
#include <string>
#include <vector>

#include "db/exec.h"
#include "lux/db.h"
#include "lux/value.h"

namespace lux::db {

namespace {

// The index just past a quoted run starting at `at` (its opening character), or the end.
std::size_t SkipQuoted(std::string_view sql, std::size_t at) {
  const char close = sql[at] == '[' ? ']' : sql[at];
  std::size_t i = at + 1;
  while (i < sql.size()) {
    if (sql[i] != close) {
      ++i;
      continue;
    }
    // A doubled quote ('it''s') is one quote inside the string.
    if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
      i += 2;
      continue;
    }
    return i + 1;
  }
  return i;
}

// The index just past a comment starting at `at`, or `at` when none starts there.
std::size_t SkipComment(std::string_view sql, std::size_t at) {
  if (sql.compare(at, 2, "--") == 0) {
    std::size_t nl = sql.find('\n', at);
    return nl == std::string_view::npos ? sql.size() : nl + 1;
  }
  if (sql.compare(at, 2, "/*") == 0) {
    std::size_t end = sql.find("*/", at + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  return at;
}

bool OnlySpaceAndComments(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::size_t past = SkipComment(s, i); past != i) {
      i = past;
    } else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string_view> SplitSqlStatements(std::string_view sql) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  std::size_t i = 0;
  auto flush = [&](std::size_t end) {
    std::string_view piece = sql.substr(start, end - start);
    if (!OnlySpaceAndComments(piece)) out.push_back(piece);
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      i = SkipQuoted(sql, i);
    } else if (std::size_t past = SkipComment(sql, i); past != i) {
      i = past;
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(sql.size());
  return out;
}

}  // namespace lux::db

namespace lux::rt {

std::int64_t DbExec(std::string_view sql) {
  std::vector<std::string_view> statements = db::SplitSqlStatements(sql);
  DbTransaction([&] {
    for (std::string_view s : statements) DbRun(s, {});
    return Value();
  });
  return static_cast<std::int64_t>(statements.size());
}

}  // namespace lux::rt
