// The code generator's internal state, shared by the emit_*.cpp files.
// Values: every Lux value in a function body is a lux::Value (dynamic); records and enums of
// the program become typed C++ structs / enum classes with ToValue/FromValue, used where data
// crosses a boundary (request bodies, record construction). Statements are emitted into `out_`
// as they are produced, so an expression that needs statements first (an `if`/`match` used as
// a value, `e!`) writes them to `out_` and returns the name of a temporary ("hoisting").
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emit/emit.h"

namespace lux::emit {

// The OpenAPI 3 document of one server (emit_openapi.cpp).
std::string openApiDocument(const CheckedProgram& prog, const ServerModel& sm, const std::string& title);

// The port a server listens on by default, as written (emit_events.cpp).
std::string defaultPort(const ServerModel& sm);

// A Lux name as a C++ identifier (keywords and reserved spellings get a suffix or prefix).
std::string safeName(llvm::StringRef name);

// Where the value of an expression emitted as statements goes.
struct Target {
  enum Kind { Discard, Assign, Return } kind = Discard;
  std::string var;  // Assign
  static Target discard() { return {}; }
  static Target assign(std::string v) { return {Assign, std::move(v)}; }
  static Target ret() { return {Return, {}}; }
};

// What a handler/hook/middleware parameter is bound to in C++.
enum class ParamRole { Value, Request, Response, Next };

struct FnContext {
  std::map<const Symbol*, std::string> names;  // C++ name (or projection) per Lux symbol
  std::set<std::string> used;                  // C++ names taken in this function
  std::set<const Symbol*> boxed;               // mutable locals captured by a lambda
  // Locals, parameters and pattern bindings that `cache_control(x, ...)` / `etag(x, ...)` change
  // in place (`x = CacheControl(x, ...)`): declared without `const`, parameters copied first.
  std::set<const Symbol*> inplace;
  std::map<const Symbol*, ParamRole> roles;    // request/response/next parameters
  int temps = 0;
};

class Emitter {
 public:
  Emitter(const CheckedProgram& prog, const ast::Program& program, const SourceFile& file, DiagEngine& diags,
          const EmitOptions& opts)
      : prog_(prog), program_(program), file_(file), diags_(diags), opts_(opts) {}

  bool run(EmittedProgram& out);

  // --- output helpers (emitter.cpp)
  void line(const std::string& text);  // one line at the current indent
  void lineDirective(SourceRange r);   // `#line N "file"` when it changes
  std::string indentStr() const { return std::string(indent_ * 2, ' '); }
  std::string cppString(llvm::StringRef s) const;  // a C++ string literal
  std::string temp(const char* prefix = "t");
  std::string unique(const std::string& base);  // a fresh C++ local name in this function
  std::string nameOf(const Symbol* sym);        // declares on first use in this function
  std::string declare(const Symbol* sym, const std::string& hint);
  void unsupported(SourceRange r, const std::string& what);
  const Ty* typeOf(const ast::Node* e) const;
  const Symbol* symbolOf(const ast::Node* n) const;
  bool usesSymbol(const ast::Node* n, const Symbol* sym) const;
  // The names that `cache_control`/`etag` calls inside `n` change in place (see FnContext::inplace).
  void findInplace(const ast::Node* n, std::set<const Symbol*>& out) const;
  bool isInplace(const Symbol* sym) const { return sym && fn_ && fn_->inplace.count(sym); }
  // `const ` unless `sym` is changed in place.
  const char* constFor(const Symbol* sym) const { return isInplace(sym) ? "" : "const "; }
  std::string where(SourceRange r) const;  // "file.lux:12"

  // --- translation units (emitter.cpp). Definitions are emitted as pieces: each top-level
  // definition (a function, a route, a hook, ...) starts one with piece(); endSection groups a
  // section's pieces, kPiecesPerUnit at a time, into units. Declarations go to the header.
  void beginSection(int server, const std::string& ns);  // -1: the shared code
  void piece(bool alone = false);  // alone: the piece gets a unit of its own
  void endSection();
  void headerLine(const std::string& text);
  template <class F>
  void intoHeader(F&& f) {  // runs f with line() writing to the header (no #line there)
    std::swap(out_, header_);
    int indent = indent_;
    indent_ = 0;
    bool lines = in_header_;
    in_header_ = true;
    f();
    in_header_ = lines;
    indent_ = indent;
    std::swap(out_, header_);
  }

  // --- declarations (emit_decls.cpp)
  std::string cppType(const Ty* t);  // the typed C++ form of a Lux type (records, fields)
  // Records whose struct is complete at this point of the header: a field naming another record
  // (or its own) is typed only then; otherwise (recursive and mutually recursive types,
  // `manager: Option<User>`) it is a lux::Value, converted like any dynamic value.
  std::set<const RecordInfo*> complete_records_;
  bool isComplete(const Ty* t) const;
  void emitEnum(const EnumInfo* e);
  void emitRecord(const RecordInfo* r);             // the struct (in the header)
  void emitRecordConversions(const RecordInfo* r);  // its ToValue/FromValue (in a unit)
  void emitFunctionDecl(const FunctionModel* fn, bool definition);
  std::string fnName(const FunctionModel* fn) const;
  std::string signature(const FunctionModel* fn, const std::vector<ParamRole>& roles);
  void emitFunctionBody(const std::vector<const ast::Param*>& params, const std::vector<ParamRole>& roles,
                        const ast::BlockExpr* body, Target target);
  void prepareFunction(const std::vector<const ast::Param*>& params, const std::vector<ParamRole>& roles,
                       const ast::Node* body);
  std::vector<ParamRole> rolesFor(const FunctionModel* fn) const;

  // --- jobs and schedules (emit_jobs.cpp)
  void emitSchedules(const ServerModel& sm);          // one task function per schedule
  void emitJobRegistrations(const ServerModel& sm);   // inside Register
  // Calls `fn` with the elements of the array `args` (a stored job's or an RPC call's
  // arguments): parameters with defaults may be left out, so a switch on how many were given
  // picks the call. Each call is written `before` fn(...) `after`.
  void emitCallFromArgs(const FunctionModel* fn, const std::string& before, const std::string& after);

  // --- data (emit_db.cpp)
  void emitDbRegistrations(const ServerModel& sm);  // inside Register
  std::string deleteAllCall(const std::vector<const ast::Expr*>& args, SourceRange at);

  // --- the event bus (emit_events.cpp)
  void emitSubscriptions(const ServerModel& sm);                     // one handler per `subscribe`
  void emitEventRegistrations(const ServerModel& sm, size_t index);  // inside Register
  // Whether another server of the program may publish an event server `index` subscribes to.
  bool receivesFromPeers(size_t index) const;

  // --- discovered services and RPC (emit_services.cpp)
  void emitServiceRegistrations(const ServerModel& sm);  // inside Register
  std::string rpcCall(const std::string& service, llvm::StringRef fn, const std::string& args);

  // --- expressions (emit_expr.cpp)
  std::string expr(const ast::Expr* e);
  std::string argText(const ast::Expr* e);
  std::string cond(const ast::Expr* e);  // a C++ `bool` expression for if/while/guards  // literals bare, else expr(e)
  std::string call(const ast::CallExpr* c, const ast::Expr* piped);
  // A built-in call, generated from its row of stdlib/builtins.def (form and C++ function);
  // `model`: the model of a Model row's call (`User.create(...)`).
  std::string builtinCall(const Builtin* b, const ast::Expr* at, const std::vector<const ast::Expr*>& args,
                          const ModelInfo* model = nullptr);
  std::string lambda(const ast::LambdaExpr* l);
  std::string functionValue(const Symbol* sym);
  std::string nameExpr(const ast::NameExpr* n);
  std::string member(const ast::MemberExpr* m);
  std::string lvalue(const ast::Expr* e);
  // A `var` at server or shared level: a lux::stdlib::SharedVar (read with Load(), written
  // under its lock with Update()), since handlers, jobs and event handlers run on many threads.
  static bool isSharedVar(const Symbol* sym) { return sym && sym->kind == SymbolKind::Binding && sym->is_mutable; }
  // The binding at the root of an assignment target (`x`, `x.f`, `x[i].g`), or null.
  const Symbol* targetRoot(const ast::Expr* e) const;
  std::string objectLiteral(llvm::ArrayRef<ast::ObjectEntry*> entries);
  std::string hoistInto(const ast::Expr* e);  // emits e as statements into a temp, returns it
  std::string requestRef(const Symbol* sym) const;

  // --- statements (emit_stmt.cpp)
  void block(const ast::BlockExpr* b, Target t);
  void stmt(const ast::Stmt* s);
  void exprInto(const ast::Expr* e, Target t);
  void ifInto(const ast::IfExpr* e, Target t);
  void tryInto(const ast::TryStmt* s, Target t);
  void tryCatch(const ast::TryStmt* s, Target t);  // try/catch without the `finally`
  void matchInto(const ast::MatchExpr* m, Target t);
  void matchWithFlag(const ast::MatchExpr* m, const std::string& subject, Target t);  // guards that hoist
  void armBody(const ast::MatchArm* arm, const std::vector<std::pair<const Symbol*, std::string>>& binds, Target t);
  std::string patternTest(const ast::Pattern* p, const std::string& subject);
  void patternBindings(const ast::Pattern* p, const std::string& subject,
                       std::vector<std::pair<const Symbol*, std::string>>& out);
  void finish(Target t, const std::string& value);

  // --- servers (emit_server.cpp)
  void emitServer(size_t index, EmittedServer& out);
  void emitRoute(const ServerModel& sm, const RouteModel& r);
  void emitHook(const HookModel& h);
  void emitMiddleware(const FunctionModel* fn);
  bool checkSupported(const ServerModel& sm);

  // While emitting the body of a SharedVar::Update: its root binding and the lambda's name for it.
  const Symbol* lvalue_root_ = nullptr;
  std::string lvalue_alias_;
  const CheckedProgram& prog_;
  std::optional<std::set<std::string>> global_names_;  // see globalNames()
  const std::set<std::string>& globalNames();
  const ast::Program& program_;
  const SourceFile& file_;
  DiagEngine& diags_;
  const EmitOptions& opts_;
  std::string out_;
  std::string header_;
  bool in_header_ = false;
  struct Piece {
    std::string text;
    bool alone = false;
  };
  std::vector<Piece> pieces_;  // of the open section (out_ is the text of the one being written)
  bool alone_ = false;         // of the one being written
  int section_server_ = -1;
  std::string section_ns_;
  std::vector<EmittedUnit> units_;
  int indent_ = 0;
  int last_line_ = -1;
  bool failed_ = false;
  FnContext* fn_ = nullptr;
  int cur_server_ = -1;
  // C++ names at the program namespace's level: shared records, enums, functions, bindings and
  // the servers' namespaces (emit_server.cpp).
  std::set<std::string> namespaces_;
  // Functions whose parameter at index i is bound to the request/response by a route.
  std::map<const FunctionModel*, std::vector<ParamRole>> fn_roles_;
};

}  // namespace lux::emit
