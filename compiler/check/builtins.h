// The built-in functions and modules the checker knows, loaded from stdlib/builtins.def.
// Entry points: Builtins (global(name), module(owner, name), modelMethod(name), isModule(name),
// namesOf(owner)), and arityText for messages ("1", "1 to 3", "at least 1").
#pragma once

#include <llvm/ADT/StringRef.h>

#include <string>
#include <string_view>
#include <vector>

#include "check/types.h"

namespace lux {

struct Builtin {
  std::string_view owner;  // "Global", "Model", or a module name ("Date", "db", ...)
  std::string_view name;
  int min_args = 0;
  int max_args = 0;  // -1: variadic
  const Ty* result = nullptr;       // Dynamic for `Any`; unset (nullptr) for Self/$0 forms
  std::vector<const Ty*> params;    // the last repeats for variadic builtins
  bool result_is_self = false;      // `Self`
  bool result_is_self_array = false;   // `[Self]`
  bool result_is_self_option = false;  // `Option<Self>`
  bool result_is_first_arg = false;    // `$0`

  bool acceptsCount(int n) const { return n >= min_args && (max_args < 0 || n <= max_args); }
  const Ty* paramType(size_t i) const {
    if (params.empty()) return nullptr;
    return i < params.size() ? params[i] : (max_args < 0 ? params.back() : nullptr);
  }
};

class Builtins {
 public:
  explicit Builtins(TypeTable& types);
  const Builtin* global(llvm::StringRef name) const;
  const Builtin* module(llvm::StringRef owner, llvm::StringRef name) const;
  const Builtin* modelMethod(llvm::StringRef name) const { return module("Model", name); }
  bool isModule(llvm::StringRef name) const;
  // Names of every entry of `owner`, for did-you-mean.
  std::vector<std::string_view> namesOf(std::string_view owner) const;
  const std::vector<Builtin>& all() const { return table_; }

 private:
  std::vector<Builtin> table_;
};

// Parses a type as the table writes it (`Int`, `[String]`, `Option<Any>`, `Result<Any, Any>`).
const Ty* parseBuiltinType(TypeTable& types, std::string_view text);

// "1", "1 to 3", "at least 1", "no" (for messages: "expected 1 to 3 arguments").
std::string arityText(int min_args, int max_args);

}  // namespace lux
