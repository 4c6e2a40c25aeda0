// completionAt: what may be typed at the cursor — after `.` the fields of a record, the
// methods of a model, the members of a module, the functions of a peer server, the variants of
// an enum; in an options object (`db { }`, `discover ... with { }`) the keys its table
// accepts; after a route's `with` the route modifiers; elsewhere the names in scope (locals,
// the server's and shared declarations), built-ins and keywords (grammar/keywords.def).
#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <set>

#include "lsp/ast_walk.h"
#include "lsp/features.h"
#include "lsp/semantic.h"

namespace lux::lsp {
namespace {

using nlohmann::json;

// LSP CompletionItemKind values.
enum ItemKind { kMethod = 2, kFunction = 3, kField = 5, kVariable = 6, kClass = 7, kModule = 9, kProperty = 10,
                kEnum = 13, kKeyword = 14, kEnumMember = 20, kConstant = 21, kStruct = 22, kEvent = 23 };

constexpr const char* kKeywords[] = {
#define LUX_KEYWORD(Token, Spelling, Class, Role) Spelling,
#include "grammar/keywords.def"
#undef LUX_KEYWORD
};

struct ModifierRow {
  const char* name;
  const char* args;
};
constexpr ModifierRow kModifiers[] = {
#define LUX_ROUTE_MODIFIER(Name, Args, Min, Factory, Status) {#Name, Args},
#include "check/route_modifiers.def"
};

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

json item(const std::string& label, int kind, const std::string& detail, const std::string& doc = "") {
  json it = {{"label", label}, {"kind", kind}};
  if (!detail.empty()) it["detail"] = detail;
  if (!doc.empty()) it["documentation"] = {{"kind", "markdown"}, {"value", doc}};
  return it;
}

int symbolItemKind(const Symbol& s) {
  switch (s.kind) {
    case SymbolKind::Function:
    case SymbolKind::BackgroundFn:
    case SymbolKind::Middleware: return kFunction;
    case SymbolKind::Env: return kConstant;
    case SymbolKind::Model: return kClass;
    case SymbolKind::Service: return kModule;
    case SymbolKind::Type: return s.enum_info ? kEnum : kStruct;
    case SymbolKind::Variant: return kEnumMember;
    default: return kVariable;
  }
}

std::string symbolDetail(const Symbol& s) {
  if (s.fn) return functionSignature(*s.fn);
  if (s.kind == SymbolKind::Type || s.kind == SymbolKind::Model || s.kind == SymbolKind::Service) return symbolKindName(s.kind);
  return typeName(s.type);
}

// The Symbol a name means at `offset`: a local, else a declaration of the program.
const Symbol* lookupName(const Analysis& a, uint32_t offset, llvm::StringRef name) {
  for (const Symbol* s : localsAt(a, offset))
    if (s->name == name) return s;
  for (const Symbol* s : programSymbolsFor(a, a.serverAt(offset)))
    if (s->name == name) return s;
  return nullptr;
}

void fieldItems(const Ty* t, json& items) {
  while (t && t->kind == TyKind::Option && t->elem) t = t->elem;
  if (!t) return;
  if (t->kind == TyKind::Record && t->record) {
    for (const FieldInfo& f : t->record->fields) items.push_back(item(f.name.str(), kField, typeName(f.type)));
  }
}

// Completions after `chain.` (chain: `a`, `a.b`, ...).
json memberItems(const Analysis& a, uint32_t offset, const std::vector<std::string>& chain) {
  json items = json::array();
  const Builtins& builtins = a.model->builtins;
  const Symbol* head = lookupName(a, offset, chain[0]);
  if ((!head || head->kind == SymbolKind::Module) && builtins.isModule(chain[0]) && chain.size() == 1) {
    for (const Builtin& b : builtins.all())
      if (b.owner == chain[0]) items.push_back(item(std::string(b.name), kFunction, builtinSignature(b), std::string(builtinDoc(b))));
    return items;
  }
  if (!head) return items;
  if (chain.size() == 1) {
    if (head->kind == SymbolKind::Service && head->service && head->service->target_server >= 0) {
      for (const FunctionModel* fn : a.model->servers[head->service->target_server].functions)
        if (fn->kind == SymbolKind::Function) items.push_back(item(fn->name.str(), kFunction, functionSignature(*fn)));
      return items;
    }
    if (head->kind == SymbolKind::Model) {
      for (const Builtin& b : builtins.all())
        if (b.isModelMethod()) items.push_back(item(std::string(b.name), kMethod, builtinSignature(b), std::string(builtinDoc(b))));
      return items;
    }
    if (head->kind == SymbolKind::Type && head->enum_info) {
      for (const VariantInfo& v : head->enum_info->variants) items.push_back(item(v.name.str(), kEnumMember, head->enum_info->name.str()));
      return items;
    }
  }
  const Ty* t = head->type;
  for (size_t i = 1; i < chain.size() && t; ++i) {
    while (t && t->kind == TyKind::Option && t->elem) t = t->elem;
    const FieldInfo* f = t && t->kind == TyKind::Record && t->record ? t->record->field(chain[i]) : nullptr;
    t = f ? f->type : nullptr;
  }
  fieldItems(t, items);
  return items;
}

// The keys of the innermost options object around `offset` that are not given yet.
std::optional<json> optionItems(const Analysis& a, uint32_t offset) {
  if (!a.model->editor || !a.program) return std::nullopt;
  std::vector<const ast::Node*> path = pathAt(a.program, offset);
  for (size_t i = path.size(); i-- > 0;) {
    auto* obj = llvm::dyn_cast<ast::ObjectExpr>(path[i]);
    if (!obj) continue;
    auto it = a.model->editor->option_keys.find(obj);
    if (it == a.model->editor->option_keys.end()) return std::nullopt;
    std::set<std::string> given;
    for (const ast::ObjectEntry* e : obj->entries)
      if (!contains(e->key.range, offset)) given.insert(e->key.name.str());
    json items = json::array();
    for (std::string_view k : it->second)
      if (!given.count(std::string(k))) items.push_back(item(std::string(k), kProperty, "option"));
    return items;
  }
  return std::nullopt;
}

// Declarations of a tree without a checked model (a partial tree): their names, by kind.
void declaredNames(llvm::ArrayRef<ast::Decl*> items, uint32_t offset, const std::function<void(const ast::Ident&, int)>& add) {
  for (const ast::Decl* d : items) {
    if (!d) continue;
    if (auto* s = llvm::dyn_cast<ast::SharedBlock>(d)) declaredNames(s->items, offset, add);
    else if (auto* s = llvm::dyn_cast<ast::ServerBlock>(d); s && contains(s->range(), offset)) declaredNames(s->items, offset, add);
    else if (auto* g = llvm::dyn_cast<ast::RoutesDecl>(d)) declaredNames(g->items, offset, add);
    else if (auto* f = llvm::dyn_cast<ast::FnDecl>(d)) add(f->name, kFunction);
    else if (auto* t = llvm::dyn_cast<ast::RecordTypeDecl>(d)) add(t->name, kStruct);
    else if (auto* t = llvm::dyn_cast<ast::EnumTypeDecl>(d)) add(t->name, kEnum);
    else if (auto* t = llvm::dyn_cast<ast::TypeAliasDecl>(d)) add(t->name, kStruct);
    else if (auto* m = llvm::dyn_cast<ast::ModelDecl>(d)) add(m->name, kClass);
    else if (auto* e = llvm::dyn_cast<ast::EnvDecl>(d)) add(e->name, kConstant);
    else if (auto* v = llvm::dyn_cast<ast::VarDecl>(d)) add(v->name, kVariable);
  }
}

// The built-in table, for a document that has never checked (its rows parse once).
const Builtins& builtinTable() {
  static TypeTable* types = new TypeTable();
  static Builtins* table = new Builtins(*types);
  return *table;
}

json scopeItems(const Analysis& a, uint32_t offset) {
  json items = json::array();
  std::set<std::string> seen;
  auto add = [&](const std::string& label, json it) {
    if (seen.insert(label).second) items.push_back(std::move(it));
  };
  if (a.model) {
    for (const Symbol* s : localsAt(a, offset)) add(s->name.str(), item(s->name.str(), kVariable, typeName(s->type)));
    for (const Symbol* s : programSymbolsFor(a, a.serverAt(offset)))
      add(s->name.str(), item(s->name.str(), symbolItemKind(*s), symbolDetail(*s)));
    std::set<std::string> modules;
    for (const Builtin& b : a.model->builtins.all()) {
      if (b.name.starts_with("__")) continue;  // the code generator's own helpers
      if (b.owner == "Global") add(std::string(b.name), item(std::string(b.name), kFunction, builtinSignature(b), std::string(builtinDoc(b))));
      else if (b.owner != "Model") modules.insert(std::string(b.owner));
    }
    for (const std::string& m : modules) add(m, item(m, kModule, "module"));
  } else if (a.program) {
    for (const ast::Ident& id : namesInScopeAt(*a.program, offset))
      if (!id.empty()) add(id.name.str(), item(id.name.str(), kVariable, ""));
    declaredNames(a.program->items, offset, [&](const ast::Ident& id, int kind) {
      if (!id.empty()) add(id.name.str(), item(id.name.str(), kind, ""));
    });
    for (const Builtin& b : builtinTable().all())
      if (b.owner == "Global" && !b.name.starts_with("__")) add(std::string(b.name), item(std::string(b.name), kFunction, builtinSignature(b), std::string(builtinDoc(b))));
  }
  for (const char* c : {"Some", "None", "Ok", "Err"}) add(c, item(c, kEnumMember, "Option / Result"));
  for (const char* k : kKeywords) add(k, item(k, kKeyword, "keyword"));
  return items;
}

// `route GET "/x" with auth, ` / `routes "/v1" with `: the cursor is among a `with`'s modifiers.
bool inRouteModifiers(std::string_view before) {
  size_t with = before.rfind(" with ");
  if (with == std::string_view::npos) return false;
  std::string_view head = before.substr(0, with);
  size_t start = head.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  head = head.substr(start);
  if (!head.starts_with("route ") && !head.starts_with("routes ")) return false;
  std::string_view tail = before.substr(with + 6);
  return tail.find_first_of("{=>") == std::string_view::npos;
}

}  // namespace

json completionAt(const Analysis& a, uint32_t offset, std::string_view before) {
  size_t word_start = before.size();
  while (word_start > 0 && isNameChar(before[word_start - 1])) --word_start;
  std::string_view lead = before.substr(0, word_start);
  if (inRouteModifiers(before)) {
    json items = json::array();
    for (const ModifierRow& m : kModifiers)
      items.push_back(item(m.name, kKeyword, *m.args ? fmt::format("{}({})", m.name, m.args) : std::string(m.name), "route modifier"));
    return items;
  }
  if (!a.model) return scopeItems(a, offset);
  if (!lead.empty() && lead.back() == '.') {
    std::vector<std::string> chain;
    size_t end = lead.size() - 1;
    for (;;) {
      size_t s = end;
      while (s > 0 && isNameChar(lead[s - 1])) --s;
      if (s == end) break;
      chain.insert(chain.begin(), std::string(lead.substr(s, end - s)));
      if (s == 0 || lead[s - 1] != '.') break;
      end = s - 1;
    }
    if (chain.empty() || std::isdigit(static_cast<unsigned char>(chain[0][0]))) return json::array();
    return memberItems(a, offset, chain);
  }
  if (auto options = optionItems(a, offset)) {
    size_t k = lead.find_last_not_of(" \t");
    if (k == std::string_view::npos || lead[k] == '{' || lead[k] == ',') return *options;
  }
  return scopeItems(a, offset);
}

}  // namespace lux::lsp
