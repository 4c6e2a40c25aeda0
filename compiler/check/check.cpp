// checkProgram: runs the Checker's passes over a parsed program and returns the checked model.
// Also the small helpers every pass uses (rangeInString, symbolKindName, paramSourceName).
#include "check/check.h"

#include "check/checker.h"

namespace lux {

std::unique_ptr<CheckedProgram> checkProgram(const ast::Program& program, const SourceFile& file,
                                             DiagEngine& diags) {
  return checkProgram(program, file, diags, CheckOptions{});
}

std::unique_ptr<CheckedProgram> checkProgram(const ast::Program& program, const SourceFile& file, DiagEngine& diags,
                                             const CheckOptions& options) {
  auto model = std::make_unique<CheckedProgram>();
  if (options.editor_tables) model->editor = std::make_unique<EditorTables>();
  Checker checker(program, file, diags, *model);
  checker.run();
  return model;
}

Checker::Checker(const ast::Program& program, const SourceFile& file, DiagEngine& diags, CheckedProgram& model)
    : program_(program), file_(file), diags_(diags), model_(model), types_(model.types) {}

void Checker::run() {
  std::vector<ast::Decl*> shared_items;
  std::vector<const ast::ServerBlock*> servers;
  splitProgram(shared_items, servers);
  declareAll(shared_items, servers);
  checkBodies(shared_items, servers.size());
  checkProgramWide();
}

void Checker::splitProgram(std::vector<ast::Decl*>& shared_items,
                           std::vector<const ast::ServerBlock*>& servers) const {
  for (ast::Decl* d : program_.items) {
    if (auto* sb = llvm::dyn_cast<ast::SharedBlock>(d)) {
      shared_items.insert(shared_items.end(), sb->items.begin(), sb->items.end());
    } else if (auto* server = llvm::dyn_cast<ast::ServerBlock>(d)) {
      servers.push_back(server);
    } else {
      shared_items.push_back(d);
    }
  }
}

void Checker::addServers(llvm::ArrayRef<const ast::ServerBlock*> servers) {
  for (const ast::ServerBlock* sb : servers) {
    ServerModel sm;
    sm.decl = sb;
    sm.name = sb->name.name.str();
    checkServerFileName(*sb);
    // Two servers with the same name (or two unnamed ones) would build the same executable.
    for (const ServerModel& other : model_.servers) {
      if (other.name == sm.name) {
        diags_.report(DiagId::DuplicateServer, sb->name.empty() ? SourceRange{sb->range().begin, sb->range().begin + 6} : sb->name.range,
                      sm.name.empty() ? std::string("the unnamed server") : "server `" + sm.name + "`")
            .note(other.decl->name.empty() ? SourceRange{other.decl->range().begin, other.decl->range().begin + 6}
                                           : other.decl->name.range,
                  "first declared here");
        break;
      }
    }
    model_.servers.push_back(std::move(sm));
    auto scope = std::make_unique<Scope>();
    scope->kind = Scope::Kind::Server;
    scope->parent = &global_;
    server_scopes_.push_back(std::move(scope));
  }
}

// A server's name is part of its executable's file name (`<file>-<server>`, and the build's
// `.lux/<file>.<server>...` units): no `/` or NUL, and short enough that the longest of those
// names fits a file system's 255-byte limit next to the program's own file name.
constexpr size_t kMaxServerNameBytes = 128;

void Checker::checkServerFileName(const ast::ServerBlock& sb) {
  llvm::StringRef name = sb.name.name;
  constexpr char kHelp[] = "the server's executable is named `<file>-<server>`";
  size_t bad = name.find_first_of(llvm::StringRef("/\0", 2));
  if (bad != llvm::StringRef::npos) {
    diags_.report(DiagId::ServerNameBadChar, sb.name.range, name.size() > 40 ? name.take_front(40).str() + "..." : name.str(),
                  name[bad] == '/' ? "`/`" : "a NUL character")
        .help(kHelp);
  } else if (name.size() > kMaxServerNameBytes) {
    diags_.report(DiagId::ServerNameTooLong, sb.name.range, name.size(), kMaxServerNameBytes).help(kHelp);
  }
}

// Pass 1: shared and top-level declarations, then each server's names.
void Checker::declareAll(llvm::ArrayRef<ast::Decl*> shared_items, llvm::ArrayRef<const ast::ServerBlock*> servers) {
  declareTypes(shared_items, global_, -1);
  addServers(servers);
  for (size_t i = 0; i < servers.size(); ++i) {
    cur_server_ = static_cast<int>(i);
    declareTypes(servers[i]->items, *server_scopes_[i], cur_server_);
  }
  cur_server_ = -1;
  resolveTypeBodies(shared_items);
  for (size_t i = 0; i < servers.size(); ++i) {
    cur_server_ = static_cast<int>(i);
    cur_ = server_scopes_[i].get();
    resolveTypeBodies(servers[i]->items);
  }
  cur_server_ = -1;
  cur_ = &global_;
  declareValues(shared_items, global_, -1);
  for (size_t i = 0; i < servers.size(); ++i) declareServer(static_cast<int>(i));
}

// Pass 2: bodies. Shared bindings first (servers read their types), then shared functions.
void Checker::checkBodies(llvm::ArrayRef<ast::Decl*> shared_items, size_t server_count) {
  cur_server_ = -1;
  cur_ = &global_;
  checkFieldDefaults(shared_items);
  for (const Symbol* b : model_.shared_bindings) checkBindingInit(const_cast<Symbol*>(b), llvm::cast<ast::VarDecl>(b->decl));
  for (const FunctionModel* fn : model_.shared_functions) checkFunctionBody(fn);
  checkProgramOpenApi(shared_items);
  for (size_t i = 0; i < server_count; ++i) checkServer(static_cast<int>(i));
  checkTests(shared_items);
}

// Pass 3: program-wide.
void Checker::checkProgramWide() {
  cur_server_ = -1;
  cur_ = &global_;
  checkEvents();
  checkSharedDatabases();
  checkBusAgreement();
  checkSessionUses();
}

SourceRange rangeInString(const SourceFile& file, const ast::StringLit* lit, size_t offset, size_t length) {
  SourceRange r = lit->range();
  std::string_view src = file.slice(r);
  // Offsets map one-to-one only when the literal is `"` + the cooked text + `"`.
  if (src.size() != lit->value.size() + 2 || src.substr(1, lit->value.size()) != std::string_view(lit->value)) return r;
  uint32_t b = r.begin + 1 + static_cast<uint32_t>(offset);
  uint32_t e = b + static_cast<uint32_t>(std::max<size_t>(length, 1));
  if (e > r.end - 1) e = std::max(b, r.end - 1);
  if (b > e) b = e;
  return {b, e};
}

const char* symbolKindName(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Local: return "a local variable";
    case SymbolKind::Param: return "a parameter";
    case SymbolKind::PatternBinding: return "a pattern binding";
    case SymbolKind::Function: return "a function";
    case SymbolKind::BackgroundFn: return "a `background fn`";
    case SymbolKind::Middleware: return "a `middleware fn`";
    case SymbolKind::Binding: return "a binding";
    case SymbolKind::Env: return "an env setting";
    case SymbolKind::Model: return "a model";
    case SymbolKind::Service: return "a discovered service";
    case SymbolKind::Type: return "a type";
    case SymbolKind::Variant: return "an enum variant";
    case SymbolKind::Module: return "a module";
    case SymbolKind::Builtin: return "a built-in function";
    case SymbolKind::OptionCtor: return "a built-in constructor";
  }
  return "a name";
}

const char* paramSourceName(ParamSource s) {
  switch (s) {
    case ParamSource::Path: return "path";
    case ParamSource::Query: return "query";
    case ParamSource::Body: return "body";
    case ParamSource::BodyOrQuery: return "body-field-or-query";
    case ParamSource::Request: return "request";
    case ParamSource::Response: return "response";
    case ParamSource::Stream: return "stream";
  }
  return "query";
}

}  // namespace lux
