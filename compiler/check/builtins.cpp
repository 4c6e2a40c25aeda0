// Loads stdlib/builtins.def into a lookup table with parsed types.
#include "check/builtins.h"

#include <fmt/format.h>

namespace lux {
namespace {

struct RawBuiltin {
  std::string_view owner, name;
  int min_args, max_args;
  std::string_view result, params;
};

constexpr RawBuiltin kRaw[] = {
#define LUX_BUILTIN(Owner, Name, Min, Max, Ret, Params) {#Owner, #Name, Min, Max, Ret, Params},
#include "stdlib/builtins.def"
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Splits on commas at bracket depth 0.
std::vector<std::string_view> splitTop(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' || s[i] == '[') ++depth;
    if (s[i] == '>' || s[i] == ']') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!trim(s.substr(start)).empty()) out.push_back(trim(s.substr(start)));
  return out;
}

}  // namespace

const Ty* parseBuiltinType(TypeTable& types, std::string_view text) {
  text = trim(text);
  if (text.empty() || text == "Any") return types.dynamic();
  if (text == "Unit") return types.get(TyKind::Unit);
  if (text == "Int") return types.get(TyKind::Int);
  if (text == "Float") return types.get(TyKind::Float);
  if (text == "Bool") return types.get(TyKind::Bool);
  if (text == "String") return types.get(TyKind::String);
  if (text == "Duration") return types.get(TyKind::Duration);
  if (text.front() == '[' && text.back() == ']') return types.array(parseBuiltinType(types, text.substr(1, text.size() - 2)));
  size_t lt = text.find('<');
  if (lt != std::string_view::npos && text.back() == '>') {
    std::string_view head = text.substr(0, lt);
    auto args = splitTop(text.substr(lt + 1, text.size() - lt - 2));
    if (head == "Option" && args.size() == 1) return types.option(parseBuiltinType(types, args[0]));
    if (head == "Result" && args.size() == 2)
      return types.result(parseBuiltinType(types, args[0]), parseBuiltinType(types, args[1]));
  }
  return types.dynamic();
}

Builtins::Builtins(TypeTable& types) {
  for (const RawBuiltin& r : kRaw) {
    Builtin b;
    b.owner = r.owner;
    b.name = r.name;
    b.min_args = r.min_args;
    b.max_args = r.max_args;
    if (r.result == "Self") b.result_is_self = true;
    else if (r.result == "[Self]") b.result_is_self_array = true;
    else if (r.result == "Option<Self>") b.result_is_self_option = true;
    else if (r.result == "$0") b.result_is_first_arg = true;
    else b.result = parseBuiltinType(types, r.result);
    for (std::string_view p : splitTop(r.params)) b.params.push_back(parseBuiltinType(types, p));
    table_.push_back(std::move(b));
  }
}

const Builtin* Builtins::global(llvm::StringRef name) const { return module("Global", name); }

const Builtin* Builtins::module(llvm::StringRef owner, llvm::StringRef name) const {
  for (const Builtin& b : table_)
    if (b.owner == std::string_view(owner) && b.name == std::string_view(name)) return &b;
  return nullptr;
}

bool Builtins::isModule(llvm::StringRef name) const {
  if (name == "Global" || name == "Model") return false;
  for (const Builtin& b : table_)
    if (b.owner == std::string_view(name)) return true;
  return false;
}

std::vector<std::string_view> Builtins::namesOf(std::string_view owner) const {
  std::vector<std::string_view> out;
  for (const Builtin& b : table_)
    if (b.owner == owner) out.push_back(b.name);
  return out;
}

std::string arityText(int min_args, int max_args) {
  if (max_args < 0) return fmt::format("at least {}", min_args);
  if (min_args == max_args) return fmt::format("{}", min_args);
  return fmt::format("{} to {}", min_args, max_args);
}

}  // namespace lux
