// emitProgram and the program's outline: the program header (includes, declarations, records,
// prototypes), the shared code's units, then each server's (emit_server.cpp); C++ names (safeName)
// and per-function naming (temporaries, locals).
#include "emit/emitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace lux {
namespace emit {

namespace {

const char* const kCppKeywords[] = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const",
    "constexpr", "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export",
    "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "main", "mutable",
    "namespace", "new", "noexcept", "not", "nullptr", "operator", "or", "private", "protected", "public",
    "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "template", "this",
    "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void",
    "volatile", "while", "xor", "lux", "std", "app", "args", "Register", "error",
    // Names the generated code declares next to the program's own (emit_server.cpp, ...).
    "OnStart", "OnStop", "OnError", "ToValue", "FromValue", "FromField", "kOpenApi", "kEnv", "lux_program",
    "shared_",
    // C++20 keywords and alternative tokens beyond the list above
    "and_eq", "bitand", "bitor", "char8_t", "char16_t", "char32_t", "co_await", "co_return", "co_yield",
    "compl", "concept", "const_cast", "consteval", "constinit", "decltype", "dynamic_cast",
    "not_eq", "or_eq", "reinterpret_cast", "requires", "static_assert", "static_cast", "thread_local",
    "wchar_t", "xor_eq",
    // names the C library defines as macros or functions generated code may see unqualified
    "assert", "setjmp"};

// `Route3`, `Route3Body`, `Schedule2`, `Subscriber1`, `RegisterPart4`: generated functions of a
// server.
bool generatedName(llvm::StringRef n) {
  for (llvm::StringRef prefix : {"RegisterPart", "Route", "Schedule", "Subscriber"}) {
    if (!n.consume_front(prefix)) continue;
    size_t digits = 0;
    while (digits < n.size() && std::isdigit(static_cast<unsigned char>(n[digits]))) ++digits;
    if (digits == 0) return false;
    n = n.drop_front(digits);
    return n.empty() || n == "Body";
  }
  return false;
}

// Macros visible to generated code (cpp_macros.def): a variable named `errno` or `NULL` would
// be replaced by the preprocessor.
const char* const kCppMacros[] = {
#define LUX_CPP_MACRO(Name) #Name,
#include "emit/cpp_macros.def"
};

}  // namespace

std::string safeName(llvm::StringRef name) {
  std::string n = name.str();
  static const std::unordered_set<std::string_view> reserved = [] {
    std::unordered_set<std::string_view> s;
    for (const char* k : kCppKeywords) s.insert(k);
    for (const char* k : kCppMacros) s.insert(k);
    return s;
  }();
  if (reserved.count(n)) return n + "_";
  if (generatedName(name)) return n + "_";
  // Names with a leading underscore and a capital, or two underscores, are reserved in C++.
  if (n.size() > 1 && n[0] == '_' && (n[1] == '_' || std::isupper(static_cast<unsigned char>(n[1]))))
    return "lux" + n;
  return n;
}

// The C++ names of the program's functions and top-level bindings: a temporary named like one
// would hide it inside the function (a Lux `fn t1()` called where a temporary `t1` is in scope).
const std::set<std::string>& Emitter::globalNames() {
  if (!global_names_) {
    global_names_.emplace();
    auto add = [&](llvm::StringRef n) { global_names_->insert(safeName(n)); };
    for (const FunctionModel* f : prog_.shared_functions) add(f->name);
    for (const Symbol* s : prog_.shared_bindings) add(s->name);
    for (const ServerModel& sm : prog_.servers) {
      for (const FunctionModel* f : sm.functions) add(f->name);
      for (const Symbol* s : sm.bindings) add(s->name);
    }
  }
  return *global_names_;
}

std::string FnContext::temp(const char* prefix, const std::set<std::string>& globals) {
  // Skip the names a local already took (a Lux local may be called `m1` or `t2`), and the
  // program's functions and bindings.
  std::string name;
  do name = fmt::format("{}{}", prefix, ++temps);
  while (used.count(name) || globals.count(name));
  used.insert(name);
  return name;
}

std::string FnContext::unique(const std::string& base) {
  std::string n = base;
  for (int i = 2; used.count(n); ++i) n = fmt::format("{}_{}", base, i);
  used.insert(n);
  return n;
}

std::string Emitter::temp(const char* prefix) { return fn_ ? fn_->temp(prefix, globalNames()) : fmt::format("{}0", prefix); }

std::string Emitter::unique(const std::string& base) { return fn_ ? fn_->unique(base) : base; }

std::string Emitter::declare(const Symbol* sym, const std::string& hint) {
  std::string n = unique(safeName(hint));
  if (fn_) fn_->names[sym] = n;
  return n;
}

std::string Emitter::nameOf(const Symbol* sym) {
  if (fn_) {
    auto it = fn_->names.find(sym);
    if (it != fn_->names.end()) {
      if (fn_->boxed.count(sym)) return "(*" + it->second + ")";
      return it->second;
    }
  }
  return safeName(sym->name);
}

void Emitter::unsupported(SourceRange r, const std::string& what) {
  failed_ = true;
  diags_.report(DiagId::EmitUnsupported, r, what);
}

const Ty* Emitter::typeOf(const ast::Node* e) const {
  auto it = prog_.expr_types.find(e);
  return it == prog_.expr_types.end() ? prog_.types.dynamic() : it->second;
}

const Symbol* Emitter::symbolOf(const ast::Node* n) const {
  auto it = prog_.resolved.find(n);
  return it == prog_.resolved.end() ? nullptr : it->second;
}

std::string Emitter::where(SourceRange r) const {
  std::string base = opts_.source_name;
  size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  return fmt::format("{}:{}", base, file_.lineCol(r.begin).line);
}

namespace {

// Records in an order where every record comes after the records its fields use.
void orderRecords(const RecordInfo* r, const std::vector<const RecordInfo*>& all, std::set<const RecordInfo*>& done,
                  std::vector<const RecordInfo*>& out) {
  if (done.count(r)) return;
  done.insert(r);
  std::function<void(const Ty*)> visit = [&](const Ty* t) {
    if (!t) return;
    if (t->kind == TyKind::Record && t->record && t->record->server == r->server) orderRecords(t->record, all, done, out);
    if (t->elem) visit(t->elem);
    if (t->err) visit(t->err);
  };
  for (const FieldInfo& f : r->fields) visit(f.type);
  out.push_back(r);
}

// The shared records, each after the records its fields use.
std::vector<const RecordInfo*> sharedRecords(const CheckedProgram& prog) {
  std::vector<const RecordInfo*> out;
  std::set<const RecordInfo*> done;
  for (const RecordInfo* r : prog.records)
    if (r->server < 0) orderRecords(r, prog.records, done, out);
  return out;
}

}  // namespace

bool Emitter::run(EmittedProgram& result) {
  assignRouteRoles();
  emitProgramHeader();
  emitSharedCode();
  for (size_t i = 0; i < prog_.servers.size(); ++i) {
    EmittedServer s;
    emitServer(i, s);
    result.servers.push_back(std::move(s));
  }
  // `luxc test` of a program without servers: one executable for its tests of shared code.
  if (opts_.tests && prog_.servers.empty() && !prog_.tests.empty()) {
    EmittedServer s;
    s.executable = opts_.stem;
    s.main_cpp = testMain(-1, "lux_program", s.executable, "");
    result.servers.push_back(std::move(s));
  }
  headerLine("}  // namespace lux_program");

  result.header = w_.takeHeader();
  result.units = w_.takeUnits();
  // The same program as one translation unit: the header, then every unit's definitions.
  result.cpp = result.header;
  for (const EmittedUnit& u : result.units)
    result.cpp += fmt::format("\n// ===== translation unit {}.{}.cpp =====\n{}", opts_.stem, u.name, u.body);
  return !failed_;
}

// Route parameters bound to the request or the response change the handler's C++ signature.
void Emitter::assignRouteRoles() {
  for (const ServerModel& sm : prog_.servers) {
    for (const RouteModel& r : sm.routes) {
      if (!r.handler) continue;
      std::vector<ParamRole> roles(r.handler->params.size(), ParamRole::Value);
      for (size_t i = 0; i < r.bindings.size() && i < roles.size(); ++i) {
        if (r.bindings[i].source == ParamSource::Request) roles[i] = ParamRole::Request;
        if (r.bindings[i].source == ParamSource::Response) roles[i] = ParamRole::Response;
      }
      fn_roles_[r.handler] = roles;
    }
  }
}

// The header's start: includes, then the shared declarations, records and bindings.
void Emitter::emitProgramHeader() {
  std::string base = opts_.source_name;
  size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  w_.intoHeader([&] {
    line(fmt::format("// Generated by luxc from {} — do not edit.", base));
    line("// The program header: declarations, records and prototypes. The definitions follow in");
    line("// translation units of a few each (shared code, then one namespace per server with its");
    line("// env settings, functions and registration function, called from the server's main).");
    line("#include <lux/lux.h>");
    line("#include <lux/stdlib.h>");
    line("#include <lux/stack.h>");
    line("");
    line("namespace lux_program {");
    line("");
  });
  // Declarations: enums and the shared records' names, then shared function prototypes.
  std::vector<const RecordInfo*> shared_records = sharedRecords(prog_);
  w_.intoHeader([&] {
    line("// --- declarations");
    for (const EnumInfo* e : prog_.enums)
      if (e->server < 0) emitEnum(e);
    for (const RecordInfo* r : shared_records) line(fmt::format("struct {};", safeName(r->name)));
    for (const FunctionModel* fn : prog_.shared_functions) emitFunctionDecl(fn, false);
    line("");
    line("// --- records");
    for (const RecordInfo* r : shared_records) emitRecord(r);
    if (!prog_.shared_bindings.empty()) line("// --- shared bindings");
    for (const Symbol* b : prog_.shared_bindings)
      line(fmt::format("extern {} {};", isSharedVar(b) ? "lux::stdlib::SharedVar" : "lux::Value", safeName(b->name)));
  });
}

// The shared code's units: the records' conversions, the shared bindings, the shared functions.
void Emitter::emitSharedCode() {
  std::vector<const RecordInfo*> shared_records = sharedRecords(prog_);
  w_.beginSection(-1, "");
  emitConversions(-1, shared_records);
  emitSharedBindings();
  for (const FunctionModel* fn : prog_.shared_functions) {
    piece();
    emitFunctionDecl(fn, true);
  }
  emitTests(-1);
  w_.endSection();
}

void Emitter::emitSharedBindings() {
  if (!prog_.shared_bindings.empty()) {
    // One piece, in source order: shared bindings are computed once, before main.
    piece();
    line("// --- shared bindings");
  }
  for (const Symbol* b : prog_.shared_bindings) {
    const auto* vd = llvm::dyn_cast_or_null<ast::VarDecl>(b->decl);
    lineDirective(b->range);
    const char* type = isSharedVar(b) ? "lux::stdlib::SharedVar" : "lux::Value";
    if (!vd || !vd->init) {
      line(fmt::format("{} {};", type, safeName(b->name)));
      continue;
    }
    FnContext ctx;
    fn_ = &ctx;
    line(fmt::format("{} {}{{[] {{", type, safeName(b->name)));
    w_.indent();
    exprInto(vd->init, Target::ret());
    w_.dedent();
    line("}()};");
    fn_ = nullptr;
  }
}

}  // namespace emit

bool emitProgram(const CheckedProgram& prog, const SourceFile& file, DiagEngine& diags, const EmitOptions& opts,
                 EmittedProgram& out) {
  emit::Emitter e(prog, file, diags, opts);
  return e.run(out);
}

}  // namespace lux
