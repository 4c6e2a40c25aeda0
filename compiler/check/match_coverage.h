// Exhaustiveness of `match`: the classic usefulness algorithm over a matrix of patterns, with
// constructors taken from the subject's type (Bool, Option, Result, enums) or, when the type is
// unknown, from the patterns themselves. Types with infinitely many values (Int, String, ...)
// are covered only by a catch-all. Entry point: findUncovered (unit-tested on its own).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/types.h"

namespace lux {

struct CoverageContext {
  TypeTable& types;
  // The enum declaring variant `name` (`qualifier` may be empty), or null.
  std::function<const EnumInfo*(llvm::StringRef qualifier, llvm::StringRef name)> enum_of;
};

// A value that no row matches, written as a pattern (`Info`, `Some(false)`, `_`), or an empty
// string when the rows are exhaustive. Rows are the patterns of the unguarded arms, in order.
std::string findUncovered(const std::vector<const ast::Pattern*>& rows, const Ty* type, const CoverageContext& ctx);

}  // namespace lux
