// Scopes and symbols: declaring names (E2104 duplicates), looking them up along the scope chain,
// the unused-variable warning when a scope closes (W0001), and what to say about a name that is
// not in scope: declared by another server (E2102) or nowhere (E2101/E2103, with did-you-mean).
#include <fmt/format.h>

#include "check/checker.h"
#include "lux_common/env_names.h"

namespace lux {

Symbol* Checker::newSymbol(SymbolKind kind, llvm::StringRef name, SourceRange range, const ast::Node* decl,
                           const Ty* type) {
  Symbol& s = model_.symbols.emplace_back();
  s.kind = kind;
  s.name = name;
  s.range = range;
  s.decl = decl;
  s.type = type ? type : types_.dynamic();
  s.server = cur_server_;
  return &s;
}

bool Checker::declare(Scope& scope, Symbol* sym, const std::string& where) {
  if (sym->name.empty()) return false;
  auto [it, inserted] = scope.names.try_emplace(sym->name, sym);
  if (inserted) return true;
  Symbol* first = it->second;
  diags_.report(DiagId::DuplicateDeclaration, sym->range, sym->name.str(), where)
      .note(first->range, fmt::format("`{}` is first declared here", sym->name.str()));
  return false;
}

Symbol* Checker::lookup(llvm::StringRef name, Scope** found_in) const {
  for (Scope* s = cur_; s; s = s->parent) {
    auto it = s->names.find(name);
    if (it != s->names.end()) {
      if (found_in) *found_in = s;
      return it->second;
    }
  }
  return nullptr;
}

Symbol* Checker::lookupInFunction(llvm::StringRef name) const {
  for (Scope* s = cur_; s; s = s->parent) {
    if (s->kind == Scope::Kind::Server || s->kind == Scope::Kind::Global) break;
    auto it = s->names.find(name);
    if (it != s->names.end()) return it->second;
    if (s->kind == Scope::Kind::Function) break;
  }
  return nullptr;
}

void Checker::pushScope(Scope::Kind kind) {
  auto s = std::make_unique<Scope>();
  s->kind = kind;
  s->parent = cur_;
  if (kind == Scope::Kind::Function) {
    // `break` inside a lambda leaves the lambda, not a loop around it.
    s->outer_loop_depth = loop_depth_;
    loop_depth_ = 0;
  }
  cur_ = s.get();
  stack_.push_back(std::move(s));
}

namespace {
bool ignoredName(llvm::StringRef n) { return n.empty() || n.startswith("_"); }
}  // namespace

void Checker::popScope() {
  Scope* s = cur_;
  for (Symbol* sym : s->locals) {
    if (sym->reads > 0 || ignoredName(sym->name)) continue;
    if (sym->kind == SymbolKind::PatternBinding) {
      diags_.report(DiagId::UnusedVariable, sym->range, sym->name.str())
          .help("write `_` in the pattern to ignore the value");
    } else if (sym->kind == SymbolKind::Local && sym->pure_init) {
      // Only bindings whose initializer has no effect: the whole statement is dead code. A
      // binding that names the result of a call (`response = await fetch(url)`) documents it.
      diags_.report(DiagId::UnusedVariable, sym->range, sym->name.str())
          .help(fmt::format("remove it, or name it `_{}` if it is intended", sym->name.str()));
    }
  }
  for (auto it = s->narrowed.rbegin(); it != s->narrowed.rend(); ++it) it->first->type = it->second;
  if (s->kind == Scope::Kind::Function) loop_depth_ = s->outer_loop_depth;
  cur_ = s->parent;
  stack_.pop_back();
}

std::string Checker::serverLabel(int server) const {
  if (server < 0) return "shared code";
  return model_.servers[server].displayName();
}

std::string Checker::hereName() const { return serverLabel(cur_server_); }

Symbol* Checker::serverSymbol(int s, llvm::StringRef name) const {
  if (s < 0 || s >= static_cast<int>(server_scopes_.size())) return nullptr;
  auto it = server_scopes_[s]->names.find(name);
  return it == server_scopes_[s]->names.end() ? nullptr : it->second;
}

std::vector<std::string_view> Checker::visibleNames(bool types_only) const {
  std::vector<std::string_view> out;
  for (Scope* s = cur_; s; s = s->parent) {
    for (const auto& entry : s->names) {
      const Symbol* sym = entry.second;
      bool is_type = sym->kind == SymbolKind::Type || (sym->kind == SymbolKind::Model && sym->record);
      if (types_only && !is_type) continue;
      out.push_back(std::string_view(entry.first()));
    }
  }
  if (types_only) {
    for (std::string_view b : {"Int", "Float", "Bool", "String", "Duration", "Option", "Result", "Any", "Json"}) out.push_back(b);
  } else {
    for (const Builtin& b : model_.builtins.all()) {
      if (b.owner == "Global") out.push_back(b.name);
      else if (b.owner != "Model") out.push_back(b.owner);
    }
    for (const auto& v : variants_) out.push_back(std::string_view(v.first()));
  }
  // Deterministic order for closestMatch ties.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
// Objects of the family's JavaScript host that its pages call (`process.env`, `Bun.password`,
// `jwt.sign`): what a Lux server writes instead.
const char* hostObjectHelp(llvm::StringRef name) {
  if (name == "process")
    return "a server reads its environment through `env` settings: `env JWT_SECRET: String = \"dev-secret\"`, "
           "then `JWT_SECRET`";
  if (name == "Bun") return "hash passwords with `hash_password(password)` and check them with `verify_password(password, hash)`";
  if (name == "jwt")
    return "sign tokens with `sign_jwt(payload, secret?, { expires_in: seconds })` and check them with `verify_jwt(token)` "
           "or `with auth`";
  if (name == "Math")
    return "the numeric built-ins are functions: `floor(x)`, `ceil(x)`, `round(x)`, `abs(x)`, `sqrt(x)`, `pow(a, b)`, "
           "`min(a, b)`, `max(a, b)`";
  if (name == "require") return "a Lux program imports nothing: the built-ins (docs/stdlib.md) are always in scope";
  // Python's spellings of the Booleans and of a list built from an iterable.
  if (name == "True") return "Lux's Booleans are lower case: `true`";
  if (name == "False") return "Lux's Booleans are lower case: `false`";
  if (name == "list")
    return "`range(n)` is a list already (`[0, 1, 2]` for `range(3)`); copy a list with `[...xs]`, "
           "turn a String into its characters with `chars(s)`";
  return nullptr;
}
}  // namespace

void Checker::reportUnresolved(const ast::Ident& name, bool is_type) {
  if (const char* help = is_type ? nullptr : hostObjectHelp(name.name)) {
    diags_.report(DiagId::UndefinedName, name.range, name.name.str()).help(help);
    return;
  }
  // A local function calling itself: its binding is not in scope in its own value.
  if (!is_type && !binding_in_progress_.empty() && name.name == binding_in_progress_) {
    diags_.report(DiagId::UndefinedName, name.range, name.name.str())
        .help(fmt::format("a local function (`fn {0}` inside a function) cannot call itself: declare `fn {0}` "
                          "beside the server's other functions, where functions may call themselves",
                          name.name.str()));
    return;
  }
  // Declared by another server?
  for (size_t i = 0; i < server_scopes_.size(); ++i) {
    if (static_cast<int>(i) == cur_server_) continue;
    Symbol* other = serverSymbol(static_cast<int>(i), name.name);
    if (!other) continue;
    if (is_type && !(other->kind == SymbolKind::Type || (other->kind == SymbolKind::Model && other->record))) continue;
    const ServerModel& sm = model_.servers[i];
    std::string server_name = sm.name.empty() ? std::string("(unnamed)") : sm.name;
    diags_.report(DiagId::NameInOtherServer, name.range, name.name.str(), server_name, hereName())
        .note(other->range, fmt::format("`{}` is declared here, in {}", name.name.str(), sm.displayName()))
        .help("named servers run as separate processes and do not see each other's declarations; "
              "declare it in this server too, or move it into `shared { }`");
    return;
  }
  // Another server of the program, called without a `discover` for it.
  for (size_t i = 0; !is_type && i < model_.servers.size(); ++i) {
    const ServerModel& sm = model_.servers[i];
    if (static_cast<int>(i) == cur_server_ || sm.name.empty() || !sm.decl || sm.name != name.name) continue;
    diags_.report(DiagId::UndefinedName, name.range, name.name.str())
        .note(sm.decl->name.range, fmt::format("`{}` is a server of this program, declared here", sm.name))
        .help(fmt::format("add `discover \"{}\"` to {} to call its functions (it is found at its declared port; "
                          "{} overrides that)", sm.name, hereName(), core::EnvVarName("LUX_SERVICE_", sm.name, "_URL")));
    return;
  }
  std::vector<std::string_view> candidates = visibleNames(is_type);
  std::string_view suggestion = closestMatch(name.name, candidates);
  std::string family = familyGlobalHelp(name.name, is_type);
  if (is_type) {
    auto d = diags_.report(DiagId::UndefinedType, name.range, name.name.str());
    if (family.empty()) d.didYouMean(suggestion);
    else d.help(family);
  } else {
    auto d = diags_.report(DiagId::UndefinedName, name.range, name.name.str());
    if (family.empty()) d.didYouMean(suggestion);
    else d.help(family);
  }
}

}  // namespace lux
