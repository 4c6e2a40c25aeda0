// The code generator's implementation, shared by the emit_*.cpp files only (compiler/emit/emit.h
// is the outside's entry point). An Emitter reads the checked model and writes through a
// CodeWriter (code_writer.h); its members are private and each emit_*.cpp file defines one
// area's: declarations, expressions, statements, servers, routes, jobs, data, events, services.
// Values: every Lux value in a function body is a lux::Value (dynamic); records and enums of
// the program become typed C++ structs / enum classes with ToValue/FromValue, used where data
// crosses a boundary (request bodies, record construction). Statements are written as they are
// produced, so an expression that needs statements first (an `if`/`match` used as a value,
// `e!`) writes them and returns the name of a temporary ("hoisting").
#pragma once

#include <map>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emit/code_writer.h"
#include "emit/emit.h"

namespace lux::emit {

// The program's calls in source order (by their start): where the OpenAPI document finds a
// handler's literal answers (emit_openapi.cpp). Computed once per program.
std::vector<const ast::CallExpr*> callsInSourceOrder(const CheckedProgram& prog);

// The OpenAPI 3 document of one server (emit_openapi.cpp); `calls` is callsInSourceOrder(prog).
std::string openApiDocument(const CheckedProgram& prog, const std::vector<const ast::CallExpr*>& calls,
                            const ServerModel& sm, const std::string& title);

// The OpenAPI schema of a type as compact JSON text (emit_openapi.cpp): a record or an enum is a
// $ref to the component the server's document holds for it.
std::string openApiSchemaText(const Ty* t);

// A Lux name as a C++ identifier (keywords and reserved spellings get a suffix or prefix).
std::string safeName(llvm::StringRef name);
// The first `break`/`continue` inside `n` that leaves it for a loop outside it (labels
// followed), or null; lambdas inside are their own functions (emit_stmt.cpp).
const ast::Node* loopExit(const ast::Node* n);

// The lux::stdlib::Kind of a scalar type (kAny for the others) (emit_decls.cpp).
std::string scalarKind(const Ty* t);

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

// The C++ names of one generated function: per Lux symbol, the temporaries taken, and what the
// body's analysis found (boxed captures, values changed in place, request/response parameters).
// Where a failed call goes without an exception (emit_rpc.cpp): Raise throws it (a lambda, a
// shared `var`'s update, code outside functions); Return leaves the function with it kept for the
// caller (lux::rt::DeferCallFailure); Catch hands it to the enclosing `try`'s catch body.
struct CallExit {
  enum class Kind { Raise, Return, Catch };
  Kind kind = Kind::Raise;
  std::string caught;  // Catch: the std::optional<lux::Value> the catch body reads
  std::string label;   // Catch: the label before the catch body
  int used = 0;        // Catch: jumps written to it
  bool void_return = false;  // Return from a C++ lambda returning void (a shared `var`'s update)
  bool finally_inside = false;  // Catch: a `finally` body's failure may be kept when a jump arrives

  static CallExit Returning() {
    CallExit x;
    x.kind = Kind::Return;
    return x;
  }
};

struct FnContext {
  std::map<const Symbol*, std::string> names;  // C++ name (or projection) per Lux symbol
  std::set<std::string> used;                  // C++ names taken in this function
  std::set<const Symbol*> boxed;               // mutable locals captured by a lambda
  // Locals, parameters and pattern bindings that `cache_control(x, ...)` / `etag(x, ...)` change
  // in place (`x = CacheControl(x, ...)`): declared without `const`, parameters copied first.
  std::set<const Symbol*> inplace;
  std::map<const Symbol*, ParamRole> roles;    // request/response/next parameters
  // Parameters taken by reference whose in-place changes are the point (a `ws` hook's
  // connection: `ws.data.x = v`): never copied first.
  std::set<const Symbol*> by_reference;
  // How a failed call of a discovered service (or of a function that returned one) leaves the
  // code being written, innermost last; none: it raises (emit_rpc.cpp).
  std::vector<CallExit> call_exits;
  int temps = 0;

  // A fresh temporary `<prefix>N`, avoiding this function's names and `globals`.
  std::string temp(const char* prefix, const std::set<std::string>& globals);
  std::string unique(const std::string& base);  // `base`, else `base_2`, `base_3`, ...
};

class Emitter {
 public:
  Emitter(const CheckedProgram& prog, const SourceFile& file, DiagEngine& diags, const EmitOptions& opts)
      : prog_(prog), file_(file), diags_(diags), opts_(opts), w_(file, opts) {}

  // Generates the whole program; false (after reporting) when something has no code generation.
  bool run(EmittedProgram& out);

 private:
  // --- the program (emitter.cpp)
  void emitProgramHeader();
  void emitSharedCode();
  void emitSharedBindings();
  void assignRouteRoles();

  // --- output and naming (emitter.cpp)
  void line(const std::string& text) { w_.line(text); }
  void lineDirective(SourceRange r) { w_.lineDirective(r); }
  void piece(bool alone = false, bool standalone = false) { w_.piece(alone, standalone); }
  void headerLine(const std::string& text) { w_.headerLine(text); }
  std::string temp(const char* prefix = "t");
  std::string unique(const std::string& base);  // a fresh C++ local name in this function
  std::string nameOf(const Symbol* sym);        // declares on first use in this function
  std::string declare(const Symbol* sym, const std::string& hint);
  // The C++ names of the program's functions and top-level bindings (temporaries avoid them).
  const std::set<std::string>& globalNames();
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

  // --- declarations (emit_decls.cpp)
  std::string cppType(const Ty* t);  // the typed C++ form of a Lux type (records, fields)
  bool isComplete(const Ty* t) const;
  void emitEnum(const EnumInfo* e);             // the enum and its conversions' prototypes (header)
  void emitEnumConversions(const EnumInfo* e);  // its ToValue/FromValue (in a unit)
  // The conversions of the plain enums and the records of one section (`server` -1: shared), one
  // piece, or one piece each with one definition per unit.
  void emitConversions(int server, const std::vector<const RecordInfo*>& records);
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
  void registerTlsAndSession(const ServerModel& sm);
  // Calls `fn` with the elements of the array `args` (a stored job's or an RPC call's
  // arguments): parameters with defaults may be left out, so a switch on how many were given
  // picks the call. Each call is written `before` fn(...) `after`.
  // `typed`: each annotated Int/Float/Bool/String/Duration or record parameter is checked
  // (lux::rt::RpcArg: 400 on a mismatch) rather than taken as it comes (RPC; jobs check nothing).
  // `runner_takes_failure`: the runtime takes a failed call the function kept (a job's runner,
  // lux::rt::TakeCallFailure); else it raises here.
  void emitCallFromArgs(const FunctionModel* fn, const std::string& before, const std::string& after, bool typed = false,
                        bool runner_takes_failure = false);

  // --- data (emit_db.cpp)
  void emitDbRegistrations(const ServerModel& sm);  // inside Register
  std::string deleteAllCall(const std::vector<const ast::Expr*>& args, SourceRange at);
  std::string relationCall(const ModelRelation& rel, const std::string& id);

  // --- the event bus (emit_events.cpp)
  void emitSubscriptions(const ServerModel& sm);                     // one handler per `subscribe`
  void emitEventRegistrations(const ServerModel& sm, size_t index);  // inside Register
  // Whether another server of the program may publish an event server `index` subscribes to.
  bool receivesFromPeers(size_t index) const;

  // --- WebSocket endpoints (emit_ws.cpp)
  void emitWsHooks(const ServerModel& sm);  // one function per hook
  void registerWs(const ServerModel& sm);   // inside Register

  // --- discovered services and RPC (emit_services.cpp)
  void emitServiceRegistrations(const ServerModel& sm);  // inside Register

  // --- failed calls through the normal result path (emit_rpc.cpp)
  // `svc.fn(args)` (a CallExpr of a discovered service's function), else null.
  const ast::CallExpr* asRpcCall(const ast::Expr* e) const;
  // The call as written where it stands: lux::rt::TryCallService into a temporary and the exit
  // of its failure written before the statement (the expression reads the result), or the
  // throwing lux::rt::CallService where failures raise.
  std::string rpcCall(const std::string& service, llvm::StringRef fn, const std::string& args);
  // A call of a function that may return a failed call: its value into a temporary and the
  // failure's exit, or lux::rt::Checked(call) (raises it) where failures raise.
  std::string propagatedCall(const FunctionModel* fn, const std::string& call);
  std::string failingCall(const std::string& call);  // propagatedCall's, for any such call
  std::string checkedCall(const FunctionModel* fn, const std::string& call);  // at a boundary
  // `next(req)` in a (req, next) middleware function of a program that calls services: the rest
  // of the chain may hand back a failed call (lux::stdlib::NextValue), else null.
  const Symbol* failingNext(const ast::Expr* callee);
  std::string nextCall(const ast::Expr* callee, const Symbol* next);  // `next(req)` as a value
  // A middleware function whose failed calls (its own and those `next` hands back) return to its
  // stage in the chain, which hands them on as a failed response (middlewareStage).
  bool middlewareReturns(const FunctionModel* fn);
  // The C++ middleware that runs middleware function `fn` in a chain (app.Use, a route's list).
  std::string middlewareStage(const FunctionModel* fn);
  std::string decoratorStage(const FunctionModel* fn);  // a (req, res) one's lux::Decorator
  static std::string returned(const std::string& value);  // what `return` writes of `value`
  CallExit::Kind callExit() const;
  void writeFailureExit(const std::string& failed_test, const std::string& keep, const std::string& to_catch);
  // Functions whose failed calls go to their callers (lux::rt::CallFailed after each call).
  bool propagates(const FunctionModel* fn);
  void findPropagating();
  bool hasCallSites(const ast::Node* n);  // a call that may fail, outside lambdas
  uint32_t lastCallSite(const ast::Node* n);
  bool isCallSite(const ast::Expr* e);
  // A call of a built-in that calls its function arguments only while it runs, one after the
  // other (map, filter, each, ...), with a lambda argument whose body has a failing call: the
  // lambda returns its failure (later calls of it return at once), the built-in's result is
  // dropped and the call site takes the function's exit (deferredBuiltin). Else null.
  const Builtin* iteratingCall(const ast::Expr* e);
  std::string deferredBuiltin(const ast::CallExpr* c, const std::function<std::string()>& write);  // else write()
  // A call evaluated before a later failing call of the same expression goes into a temporary
  // first, so the hoisted failing call keeps its place in the order of evaluation.
  std::string inOrder(const ast::Expr* e, std::string value);
  void pushCallExit(CallExit exit);
  CallExit popCallExit();
  // `try`/`catch` whose body has failing calls: they jump to the catch body with the error value
  // (lux::rt::CaughtCall) that a thrown error would have given it.
  void tryCatchJumping(const ast::TryStmt* ts, Target t);
  // A `finally` body, run from a C++ lambda. Where the function returns its failures (and no
  // `break`/`continue` leaves the try), the body's failed calls return from the lambda, kept (in
  // place of one set aside before it: lux::rt::FailureAside); else they raise, and a failure kept
  // for the caller while the body runs (it may suspend the fiber) is set aside.
  bool finallyDefers(const ast::TryStmt* ts);
  void finallyBody(const ast::TryStmt* ts, bool defers);
  // Routes: whether the route's handler returns failed calls, and how the route answers them.
  bool defersCalls(const ServerModel& sm, const RouteModel& r);

  // --- expressions (emit_expr.cpp)
  std::string expr(const ast::Expr* e);    // exprOf, its calls kept in order (emit_rpc.cpp)
  std::string exprOf(const ast::Expr* e);
  std::string binaryExpr(const ast::BinaryExpr* b);  // `&&`/`||` evaluate their right side only when needed
  // collections (emit_collections.cpp)
  std::string comprehension(const ast::ComprehensionExpr* e);
  void compClause(const ast::ComprehensionExpr* e, size_t i, const std::string& out);
  std::string sliceExpr(const ast::SliceExpr* e);
  std::string compareChain(const ast::CompareChain* e);
  std::string interpolated(const ast::InterpolatedString* e);
  std::string arrayLiteral(const ast::ArrayExpr* a);
  std::string placeText(const ast::Expr* e, int depth = 0) const;  // `req.body.count`, for a 400
  std::string spreadList(llvm::ArrayRef<const ast::Expr*> elements);
  std::string jsonConverted(const ast::Expr* e, const JsonConversion& c, const std::string& v);
  std::string argText(const ast::Expr* e);      // literals bare, else expr(e)
  std::string cond(const ast::Expr* e);         // a C++ `bool` expression for if/while/guards
  std::string condOf(const ast::Expr* e);
  // f(e) with inOrder's limit set for the whole of `e` (emit_rpc.cpp).
  std::string ordered(const ast::Expr* e, std::string (Emitter::*f)(const ast::Expr*));
  std::string functionCall(const FunctionModel* fn, const std::vector<const ast::Expr*>& args);
  std::string call(const ast::CallExpr* c, const ast::Expr* piped);
  // `items.push(x)` on a binding: the stdlib's ListPush & co. on the place (emit_inplace.cpp).
  std::string inplaceCall(const ast::CallExpr* c, InplaceMethod m);
  int sortArity(const ast::Expr* f) const;
  std::optional<std::string> responseCall(const ast::MemberExpr* m, const std::vector<const ast::Expr*>& args,
                                          const std::function<std::string()>& arg_list);
  // A built-in call, generated from its row of stdlib/builtins.def (form and C++ function);
  // `model`: the model of a Model row's call (`User.create(...)`).
  // `x.f(args)` on a value of unknown type naming a built-in: lux::stdlib::MethodOr (check_methods.cpp).
  std::string positionalBuiltin(const Builtin* b, const ast::CallExpr* c);
  std::string methodOr(const ast::CallExpr* c, const std::string& fallback);
  std::string dispatchedMethodCall(const ast::CallExpr* c, const std::vector<const FunctionModel*>& fns, const Builtin* builtin);
  std::string dynamicMethodCall(const Builtin* b, const ast::CallExpr* c);
  // sign_jwt's options give `expires_in` (`expiresIn`) as a Duration: an object literal, or a
  // `const` bound to one, whose entry the checker typed Duration (milliseconds at run time).
  bool jwtLifetimeIsDuration(const ast::Expr* options) const;
  std::string builtinCall(const Builtin* b, const ast::Expr* at, const std::vector<const ast::Expr*>& args,
                          const ModelInfo* model = nullptr);
  // `M.create(v)` / `M.update(id, v)` of a value the client sent: the fields checked first (emit_db.cpp).
  std::string clientModelFields(const Builtin* b, const std::vector<const ast::Expr*>& args, const ModelInfo* model);
  std::string lambda(const ast::LambdaExpr* l);
  std::string builtinValue(const Builtin* b);
  std::string functionValue(const Symbol* sym);
  std::string positionalRecord(const RecordInfo* rec, const std::vector<const ast::Expr*>& args);
  std::string nameExpr(const ast::NameExpr* n);
  std::string member(const ast::MemberExpr* m);
  std::string optionalCall(const ast::CallExpr* c, const ast::MemberExpr* m);  // `x?.method()`
  bool mayBeNone(const ast::Expr* e) const;
  static bool objectLike(const Ty* t);
  std::optional<std::string> entryMethodCall(const ast::MemberExpr* m, const std::vector<const ast::Expr*>& args,
                                             const Symbol* base_sym);  // `d.get(k)`, `d.items()`
  std::string lvalue(const ast::Expr* e);
  // A `var` at server or shared level: a lux::stdlib::SharedVar (read with Load(), written
  // under its lock with Update()), since handlers, jobs and event handlers run on many threads.
  static bool isSharedVar(const Symbol* sym) { return sym && sym->kind == SymbolKind::Binding && sym->is_mutable; }
  // The binding at the root of an assignment target (`x`, `x.f`, `x[i].g`), or null.
  bool isSessionClear(const ast::MemberExpr* m) const;
  bool isRequestValue(const Symbol* sym) const;
  const Symbol* targetRoot(const ast::Expr* e) const;
  std::string objectLiteral(llvm::ArrayRef<ast::ObjectEntry*> entries);
  std::string hoistInto(const ast::Expr* e);  // emits e as statements into a temp, returns it
  std::string requestRef(const Symbol* sym) const;

  // --- statements (emit_stmt.cpp)
  void block(const ast::BlockExpr* b, Target t);
  void declareHoisted(const ast::Stmt* s);
  void stmt(const ast::Stmt* s);
  void declareValue(const Symbol* sym, llvm::StringRef name, const ast::Expr* init, bool is_mutable);
  void destructure(const ast::DestructureStmt* ds);
  void assignSymbol(const Symbol* sym, const std::string& value);  // a `var` a destructuring assigns
  // `let [a, _, ...rest] = e` (emit_patterns.cpp).
  void destructureList(const ast::DestructureStmt* ds);
  void assign(const ast::AssignStmt* as);
  // `x = x + t`, `x = [...x, v]`, ...: the old value moves into the new one (emit_taking.cpp).
  bool assignTaking(const ast::AssignStmt* as);
  bool literalTaking(const ast::AssignStmt* as, const Symbol* sym);
  const Symbol* takingTarget(const ast::AssignStmt* as) const;
  bool takesFrom(const ast::Expr* e, const Symbol* sym) const;
  const ast::Node* takenPart(const ast::Expr* literal, const Symbol* sym) const;
  const Symbol* returnedParamTaken(const ast::Expr* literal) const;
  const Symbol* spreadTaken(const ast::Expr* literal, const std::function<bool(const Symbol*)>& may) const;
  bool returnTaking(const ast::Expr* e);  // `return [...acc, x]`: written when it takes
  static std::vector<const ast::Expr*> lambdaResults(const ast::LambdaExpr* l);
  void assignShared(const ast::AssignStmt* as, const Symbol* root, const char* op);
  void assignSharedBody(const ast::AssignStmt* as, const Symbol* root, const char* op);  // a server `var`
  void forStmt(const ast::ForStmt* fs);
  void whileStmt(const ast::WhileStmt* ws);
  // Labelled loops and loops with `else` (emit_stmt.cpp): entered, body, left; `break`/`continue`.
  struct LoopContext {
    llvm::StringRef label;  // the Lux label, empty when unlabelled
    std::string jump;       // the C++ labels' stem (`<jump>_break`, `<jump>_continue`), empty when unlabelled
    std::string broke;      // the flag a `break` sets when the loop has an `else`
  };
  std::vector<LoopContext> loops_;
  void beginLoop(const ast::Ident& label, const ast::BlockExpr* else_body);
  void loopBody(const ast::BlockExpr* body);
  void endLoop(const ast::BlockExpr* else_body);
  void leaveLoop(const ast::Ident& label, bool is_break);
  void guardStmt(const ast::GuardStmt* gs);
  void exprInto(const ast::Expr* e, Target t);
  void ifInto(const ast::IfExpr* e, Target t);
  void tryInto(const ast::TryStmt* s, Target t);
  void tryIntoBody(const ast::TryStmt* s, Target t);
  void tryCatch(const ast::TryStmt* s, Target t);  // try/catch without the `finally`
  void throwStmt(const ast::ThrowStmt* s);
  void matchInto(const ast::MatchExpr* m, Target t);
  void matchWithFlag(const ast::MatchExpr* m, const std::string& subject, Target t);  // guards that hoist
  void armBody(const ast::MatchArm* arm, const std::vector<std::pair<const Symbol*, std::string>>& binds, Target t);
  std::string patternTest(const ast::Pattern* p, const std::string& subject);
  std::string collectionPatternTest(const ast::Pattern* p, const std::string& subject);
  std::string literalValue(const ast::Expr* e);  // a literal pattern's value
  void patternBindings(const ast::Pattern* p, const std::string& subject,
                       std::vector<std::pair<const Symbol*, std::string>>& out);
  void finish(Target t, const std::string& value);

  // --- servers (emit_server.cpp): a namespace, a Register function and a main per server
  void emitServer(size_t index, EmittedServer& out);
  std::string serverNamespace(const ServerModel& sm);
  void assignMiddlewareRoles(const ServerModel& sm);
  static bool takesNext(const FunctionModel* fn);  // a `(req, next)` or `(req, res, next)` middleware function
  static int nextParam(const FunctionModel* fn);   // which parameter is its `next` (-1: none)
  void declareServer(const ServerModel& sm, size_t index, const std::string& ns,
                     const std::vector<const RecordInfo*>& records);  // the header's part
  void emitServerFunctions(const ServerModel& sm, const std::vector<const RecordInfo*>& records);
  void emitHook(const HookModel& h);
  void emitRegister(const ServerModel& sm, size_t index, const EmittedServer& server,
                    const std::vector<std::string>& handlers);
  void emitServerGlobals(const ServerModel& sm, const std::string& openapi);
  void registerEnv(const ServerModel& sm);
  void registerAuth(const ServerModel& sm);
  // emit_http_blocks.cpp: `cors`, `rate_limit`, `cache`, `max_body`, `limits`
  void registerHttpBlocks(const ServerModel& sm);
  std::string httpOptions(const std::vector<const ast::ObjectEntry*>& entries,
                          const std::vector<std::pair<std::string, std::string>>& extra);
  std::string httpOptionValue(llvm::StringRef key, const ast::Expr* value);
  void registerPort(const ServerModel& sm);
  void registerBindings(const ServerModel& sm);
  void registerMiddleware(const ServerModel& sm);
  void registerHooks(const ServerModel& sm);
  void registerOpenApi(const ServerModel& sm, const std::string& title);
  void registerUpload(const ServerModel& sm);  // emit_upload.cpp: `upload { }`, readiness routes
  void registerRoutes(const ServerModel& sm, const std::vector<std::string>& handlers);
  std::vector<std::string> routeMiddleware(const ServerModel& sm, const RouteModel& r);
  std::string modifierCall(const RouteModifierUse& u);
  std::string guardCall(const RouteModifierUse& u);
  // `static` directories and `compression { }` (runtime components: lux/static.h, lux/compression.h).
  void registerStaticAndCompression(const ServerModel& sm);
  // GET /metrics (`metrics { }` or the defaults; lux/metrics.h).
  void registerMetrics(const ServerModel& sm);
  std::string serverMain(const ServerModel& sm, const std::string& ns, const EmittedServer& server) const;

  // `test` blocks, with EmitOptions::tests only (emit_tests.cpp).
  static std::string testFunctionName(size_t index);
  void emitTests(int server);
  std::string testMain(int server, const std::string& ns, const std::string& executable, const std::string& setup_fn) const;

  // --- routes (emit_routes.cpp): one handler function per route
  std::vector<std::string> emitRoutes(const ServerModel& sm);  // the handlers' names
  void emitRoute(const RouteModel& r, const std::string& hname);
  std::string lambdaHandler(const RouteModel& r, const std::string& hname, std::vector<ParamRole>& roles);
  void emitSseRoute(const RouteModel& r, const std::string& hname, const std::string& target);
  void registerSse(const ServerModel& sm);  // `sse { }` and the realtime hub (emit_server.cpp)
  std::string bindRouteParam(const RouteParamBinding& b);  // declares the parameter, returns its name
  std::string withDefault(const RouteParamBinding& b, const std::string& read);

  const CheckedProgram& prog_;
  std::optional<std::vector<const ast::CallExpr*>> calls_;  // callsInSourceOrder, on first use
  const SourceFile& file_;
  DiagEngine& diags_;
  const EmitOptions& opts_;
  CodeWriter w_;
  bool failed_ = false;
  FnContext* fn_ = nullptr;  // of the function being written
  std::optional<std::set<const FunctionModel*>> propagating_;  // see findPropagating
  std::set<const Symbol*> failing_next_;  // the `next` parameters of failingNext (findPropagating)
  std::set<const ast::LambdaExpr*> deferring_lambdas_;  // arguments of iteratingCall calls being written
  bool route_defers_ = false;  // the route being written: defersCalls (emitRoutes)
  bool route_answers_ = false;  // and it answers a failed call itself (no middleware of its own)
  uint32_t order_limit_ = 0;    // inOrder: the start of the expression's last failing call
  int expr_depth_ = 0;          // expr() nesting: the limit is computed at the outermost one
  int cur_server_ = -1;
  // While emitting the body of a SharedVar::Update: its root binding and the lambda's name for it.
  const Symbol* lvalue_root_ = nullptr;
  std::string lvalue_alias_;
  // While emitting the literal of literalTaking: its part that takes the variable, and the
  // variable's place.
  struct TakePart {
    const ast::Node* part = nullptr;
    std::string place;
  } take_;
  std::map<const ast::Expr*, std::string> computed_;  // expressions already computed into a C++ name
  int finally_depth_ = 0;  // inside the try of a `finally` (or a `defer`'s scope): no returnTaking
  std::optional<std::set<std::string>> global_names_;  // see globalNames()
  // Records whose struct is complete at this point of the header: a field naming another record
  // (or its own) is typed only then; otherwise (recursive and mutually recursive types,
  // `manager: Option<User>`) it is a lux::Value, converted like any dynamic value.
  std::set<const RecordInfo*> complete_records_;
  std::set<const FieldInfo*> held_as_value_;  // record fields kept as lux::Value (emitRecord)
  // C++ names at the program namespace's level: shared records, enums, functions, bindings and
  // the servers' namespaces (emit_server.cpp).
  std::set<std::string> namespaces_;
  // Functions whose parameter at index i is bound to the request/response by a route.
  std::map<const FunctionModel*, std::vector<ParamRole>> fn_roles_;
};

}  // namespace lux::emit
