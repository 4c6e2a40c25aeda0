// The statement splitter behind `db.exec` (exec.cpp): a script's statements, in order, each
// without its `;`; empty statements and ones holding only comments are left out.
#pragma once
#include <string_view>
#include <vector>

namespace lux::db {
std::vector<std::string_view> SplitSqlStatements(std::string_view sql);
}  // namespace lux::db
