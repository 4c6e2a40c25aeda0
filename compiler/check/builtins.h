// The built-in functions and modules, loaded from stdlib/builtins.def: one row per built-in with
// its form (how the call is checked and generated), its C++ function and its generic signature.
// Entry points: Builtins (global(name), module(owner, name), modelMethod(name), isModule(name),
// namesOf(owner)); instantiate (a signature at one call: overload, type parameters bound from the
// arguments, expected parameter types, result); arityText for messages ("1", "1 to 3", "at least 1").
#pragma once

#include <llvm/ADT/StringRef.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check/types.h"

namespace lux {

// How a call of the built-in is checked and generated beyond its signature (stdlib/builtins.def
// explains each).
#define LUX_BUILTIN_FORMS(X) \
  X(Call)                    \
  X(ArgList)                 \
  X(SqlArgs)                 \
  X(KeyOrOrder)              \
  X(ResponseHelper)          \
  X(Respond)                 \
  X(RespondError)            \
  X(Redirect)                \
  X(Publish)                 \
  X(SpawnJob)                \
  X(SpawnJobIn)              \
  X(SpawnJobWith)            \
  X(DeleteAll)               \
  X(ModelCall)               \
  X(ModelFields)             \
  X(ModelQuery)              \
  X(Cookie)                  \
  X(Jwt)                     \
  X(Test)                    \
  X(MockService)

enum class BuiltinForm : uint8_t {
#define LUX_FORM_ENUM(F) F,
  LUX_BUILTIN_FORMS(LUX_FORM_ENUM)
#undef LUX_FORM_ENUM
};

// One overload of a signature: `([T], fn(T) -> U) -> [U]`. Types may hold type parameters
// (TyKind::Param), which instantiate replaces.
struct Signature {
  std::vector<const Ty*> params;  // with a variadic signature the last one repeats
  int min_args = 0;
  int max_args = 0;  // -1: variadic
  const Ty* result = nullptr;

  bool acceptsCount(int n) const { return n >= min_args && (max_args < 0 || n <= max_args); }
  const Ty* paramAt(size_t i) const {
    if (params.empty()) return nullptr;
    return i < params.size() ? params[i] : (max_args < 0 ? params.back() : nullptr);
  }
};

struct Builtin {
  std::string_view owner;  // "Global", "Model", or a module name ("Date", "db", ...)
  std::string_view name;
  BuiltinForm form = BuiltinForm::Call;
  std::string_view cpp;        // the lux::stdlib function (KeyOrOrder: the stem of <cpp>By/<cpp>With)
  std::string_view signature;  // as the table writes it (docs/stdlib.md shows the same text)
  std::vector<Signature> overloads;
  std::vector<std::string_view> type_params;  // by Ty::param_index; `Self` among them on Model rows
  int min_args = 0;  // over all overloads
  int max_args = 0;  // -1: variadic

  bool acceptsCount(int n) const { return n >= min_args && (max_args < 0 || n <= max_args); }
  bool isModelMethod() const { return owner == "Model"; }
  bool isResponseHelper() const { return form == BuiltinForm::ResponseHelper; }
  int selfParam() const;  // index of `Self` in type_params, or -1
};

class Builtins {
 public:
  // Parses every row's signature; a malformed row throws std::logic_error naming it (a bug in
  // stdlib/builtins.def, caught by every test, never a user diagnostic).
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

// An argument as instantiation sees it: its type, or (type null) a lambda not checked yet, of
// which only the number of parameters is known.
struct ArgShape {
  const Ty* type = nullptr;
  int lambda_params = -1;  // with type null: the lambda's parameter count
};

// A built-in's signature at one call.
struct Instance {
  const Signature* sig = nullptr;    // the overload taken
  std::vector<const Ty*> bound;      // by type parameter; null: not bound (Dynamic)
  const Ty* result = nullptr;        // instantiated (Dynamic when overloads disagree on unknown arguments)
  std::vector<const Ty*> params;     // instantiated expected type of each argument (null: unchecked)
};

// Takes the first overload whose parameters fit the arguments' shapes (an unknown argument fits
// any; a `Json` parameter takes only a JSON document or an unknown value; none fits: the first
// overload with a fitting arity and no `Json` parameter, whose parameters then report the
// mismatch), binds its type parameters from the known arguments (an `Any` argument binds them to
// Any; two bindings join: `Int` and `Float` give `Float`, unrelated types Any; the other
// arguments bind before lambdas, and a lambda's result does not change a parameter they bound to
// a fully known type, so `reduce`'s accumulator stays the init's type; a lambda's `Unit` result
// binds nothing) and substitutes them. `self` binds `Self` (Model rows).
Instance instantiate(TypeTable& types, const Builtin& b, const std::vector<ArgShape>& args, const Ty* self = nullptr);

// `t` with its type parameters replaced by `bound` (unbound ones by Dynamic).
const Ty* substitute(TypeTable& types, const Ty* t, const std::vector<const Ty*>& bound);

// Parses a type as the table writes it (`Int`, `[String]`, `Option<T>`, `fn(T) -> U`), type
// parameters named in `type_params` (a new single capital letter or `Self` is added). Throws
// std::logic_error on malformed text.
const Ty* parseBuiltinType(TypeTable& types, std::string_view text, std::vector<std::string_view>* type_params = nullptr);

// "1", "1 to 3", "at least 1", "no" (for messages: "expected 1 to 3 arguments").
std::string arityText(int min_args, int max_args);

}  // namespace lux
