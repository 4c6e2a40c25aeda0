// The checker's implementation class, private to compiler/check: nothing outside this directory
// includes this header (ctest repo/private_headers); the stage's interface is check/check.h
// (checkProgram, dumpModel). The public surface is the constructor and run(); every method and
// all state are private, and the check_*.cpp files (one construct each) define the methods.
// run() does the passes, in order:
//   1. declare: shared and top-level types, functions, bindings; then every server's names
//      (all servers first, so a use of another server's name can say where it is declared);
//   2. resolve signatures and type bodies;
//   3. check bodies and server constructs (routes, jobs, schedules, events, services, env, db,
//      openapi: the program's block first, then each server's over it);
//   4. program-wide checks (events published and subscribed).
// Scopes: global (shared + top level) ← server ← function ← blocks. Built-ins come after the
// scope chain, so a user's `fn len` wins.
#pragma once

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringSet.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/model.h"
#include "diag/diag.h"

namespace lux {

struct InplaceSpec;

struct RouteModifierRow;  // a row of route_modifiers.def (check_route_modifiers.cpp)


struct Scope {
  enum class Kind : uint8_t { Global, Server, Function, Block };
  Kind kind = Kind::Block;
  Scope* parent = nullptr;
  llvm::StringMap<Symbol*> names;
  std::vector<Symbol*> locals;  // every local declared here, for the unused-variable warning
  std::vector<std::pair<Symbol*, const Ty*>> narrowed;  // types a `guard` narrowed here, restored on exit
  // Member paths of an immutable binding narrowed here (`p.dims` after `if p.dims == nil { return }`):
  // the root, the fields after it ("dims", "body.dims") and the element type; gone with the scope.
  struct NarrowedPath {
    const Symbol* root;
    std::string path;
    const Ty* type;
  };
  std::vector<NarrowedPath> narrowed_paths;
  int outer_loop_depth = 0;     // a Function scope: the loop depth of the code around it
};

// An argument as the call checker sees it: the expression (null for a piped value that has
// none of its own) and its type.
struct ArgInfo {
  const ast::Expr* expr;
  const Ty* type;
  SourceRange range;
};

class Checker {
 public:
  // `model` receives what the checker finds; `diags` every report. run() once.
  Checker(const ast::Program& program, const SourceFile& file, DiagEngine& diags, CheckedProgram& model);
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;
  void run();

  // Types the file-local helpers of the area files name (so they are public).
  // An entry of an options table (check_jobs, check_services, check_openapi, ...; read by
  // checkOptions).
  struct OptionSpec {
    llvm::StringRef key;
    llvm::StringRef alias_of;  // a second spelling of another key (`threshold` → `failure_threshold`)
    // Int: a positive count; SignedInt: any Int (a job's `priority`, default 0)
    // StringOrList: a `String` (an env setting) or a list of them (`keys`, `audience`)
    // Lifetime: seconds (a number), a Duration or a span as text ("1h"; lux_common/timespan.h)
    enum class Kind : uint8_t { Int, SignedInt, Duration, String, Object, Bool, List, StringOrList, ProxyTrust, Lifetime } kind;
  };
  // A route's handler as checkRoute resolved it (check_routes.cpp).
  struct RouteHandler {
    std::vector<ParamModel> params;
    std::string name = "this lambda";
    const ast::Node* decl = nullptr;  // the FnDecl or LambdaExpr
    bool has_params = false;          // false when the handler is not a function
  };

 private:
  // --- the passes of run() (check.cpp) -------------------------------------------------------
  // Shared and top-level items (the contents of `shared { }` blocks and the items outside any
  // block), and the server blocks, in source order.
  void splitProgram(std::vector<ast::Decl*>& shared_items, std::vector<const ast::ServerBlock*>& servers) const;
  // One ServerModel and one server scope per server block; two servers with one name are E2108.
  void addServers(llvm::ArrayRef<const ast::ServerBlock*> servers);
  void checkServerFileName(const ast::ServerBlock& sb);
  void declareAll(llvm::ArrayRef<ast::Decl*> shared_items, llvm::ArrayRef<const ast::ServerBlock*> servers);
  void checkBodies(llvm::ArrayRef<ast::Decl*> shared_items, size_t server_count);
  void checkProgramWide();

  // --- scopes and symbols (check_scope.cpp) -----------------------------------------------
  Symbol* newSymbol(SymbolKind kind, llvm::StringRef name, SourceRange range, const ast::Node* decl,
                    const Ty* type);
  // Declares `sym` in `scope`; reports E2104 (with a note at the first) when taken.
  bool declare(Scope& scope, Symbol* sym, const std::string& where);
  Symbol* lookup(llvm::StringRef name, Scope** found_in = nullptr) const;
  void pushScope(Scope::Kind kind);
  void popScope();  // reports unused locals (W0001)
  // A name that is not in scope: E2102 when another server declares it, else E2101/E2103.
  void reportUnresolved(const ast::Ident& name, bool is_type);
  // Where the current code lives, for messages: "server `api`", "shared code".
  std::string hereName() const;
  std::string serverLabel(int server) const;
  std::vector<std::string_view> visibleNames(bool types_only) const;
  // The symbol `name` in server `s`'s own scope, or null.
  Symbol* serverSymbol(int s, llvm::StringRef name) const;

  // --- declarations (check_decls.cpp) ------------------------------------------------------
  void declareTypes(llvm::ArrayRef<ast::Decl*> items, Scope& scope, int server);
  void resolveTypeBodies(llvm::ArrayRef<ast::Decl*> items);
  void declareValues(llvm::ArrayRef<ast::Decl*> items, Scope& scope, int server);
  FunctionModel* makeFunction(const ast::FnDecl* fn, int server);
  bool endsInUnitBuiltin(const ast::FnDecl* fn) const;
  std::vector<ParamModel> makeParams(llvm::ArrayRef<ast::Param*> params, const std::string& owner);
  void checkBindingInit(Symbol* sym, const ast::VarDecl* decl);

  // --- type annotations (check_type_refs.cpp) ----------------------------------------------
  const Ty* resolveType(const ast::Type* type);

  // --- methods: `impl`, `interface` and `trait` (check_impl.cpp) ------------------------------
  struct MethodEntry {
    const FunctionModel* fn = nullptr;
    const ast::ImplDecl* impl = nullptr;
    int server = -1;
  };
  void declareTrait(const ast::TraitDecl* td, int server);
  void resolveTraitSignatures(const ast::TraitDecl* td);
  void declareImpl(const ast::ImplDecl* impl, int server);
  const Ty* implTarget(const ast::ImplDecl* impl);
  const ast::TraitDecl* implTrait(const ast::ImplDecl* impl);
  void addMethod(const ast::ImplDecl* impl, const ast::FnDecl* fn, const Ty* type, int server);
  void checkImplAgainstTrait(const ast::ImplDecl* impl, const ast::TraitDecl* trait);
  const MethodEntry* methodOf(const Ty* type, llvm::StringRef name) const;
  const Ty* checkImplMethodCall(const ast::CallExpr* call);
  void noteDispatch(const ast::CallExpr* call, llvm::StringRef name);
  const Ty* checkMethodArgs(const ast::CallExpr* call, const MethodEntry& me, const ast::Expr* receiver);
  std::map<const void*, llvm::StringMap<std::vector<MethodEntry>>> methods_;  // by RecordInfo/EnumInfo
  llvm::StringSet<> method_names_;  // every method name of every impl (a call's quick test)
  llvm::StringMap<std::pair<const ast::TraitDecl*, int>> traits_;  // name → contract, its server
  const Ty* self_type_ = nullptr;  // `Self` inside an impl (Any in a contract's signatures)

  // --- servers (check_server.cpp) -----------------------------------------------------------
  void declareServer(int index);
  void checkServer(int index);
  void checkEnv(EnvModel& env);
  void checkDb(ServerModel& server, const ast::DbDecl* db);
  void declareModel(ServerModel& server, const ast::ModelDecl* decl, Scope& scope);
  // --- model options and relations (check_model_options.cpp) ---------------------------------
  void checkModelOptions(ServerModel& server);
  void addTimestampFields(RecordInfo& rec, SourceRange at);
  void addRelations(ServerModel& server, ModelInfo& model, const ast::ObjectEntry* entry);
  const ModelInfo* serverModelNamed(const ServerModel& server, llvm::StringRef name) const;
  // `UserModel.company(id)`: a relation accessor; records the call for code generation.
  const Ty* checkRelationCall(const ast::CallExpr* call, const ModelInfo& model, const ModelRelation& rel,
                              const std::vector<ArgInfo>& args, const std::string& shown);
  void checkHook(ServerModel& server, const ast::HookDecl* hook);

  // --- `test` blocks (check_tests.cpp) ------------------------------------------------------
  void checkTests(llvm::ArrayRef<ast::Decl*> shared_items);
  void checkTest(const ast::TestDecl* test, int inside);
  int testServer(const ast::TestDecl* test, int inside, const ast::ObjectEntry* server_opt);
  // assert_eq / assert_ne of two known types that can never be equal: E5206.
  void checkTestCall(const Builtin* b, const std::vector<ArgInfo>& args);
  // mock_service (check_mocks.cpp): the service named, then the functions object (args[1].type
  // is null for an object literal, set here).
  void checkMockFunctions(std::vector<ArgInfo>& args);
  const ServiceModel* mockedService(const ArgInfo& arg);
  void checkFunctionBody(const FunctionModel* fn);
  bool selectDbByUrl(ServerModel& sm, const ast::ObjectEntry* url, const ast::ObjectEntry* pool);
  void checkHandlerParamCount(SourceRange at, const std::string& what, size_t found, size_t min, size_t max);

  // --- routes (check_routes.cpp) -----------------------------------------------------------
  void checkRoute(ServerModel& server, const ast::RouteDecl* route, int group = -1);
  std::vector<std::string> checkRoutePrefix(const ast::StringLit* prefix);  // its `:name`s

  // Route modifiers (check_route_modifiers.cpp) and route groups (check_route_groups.cpp).
  std::vector<RouteModifierUse> checkRouteModifiers(const ServerModel& server,
                                                    llvm::ArrayRef<ast::RouteModifier*> modifiers, bool auth_before);
  bool checkModifierArgs(const ast::RouteModifier* m, const RouteModifierRow& row, RouteModifierUse& use);
  const FunctionModel* guardFunction(const ServerModel& sm, llvm::StringRef name) const;
  RouteModifierUse checkGuardFunction(const ast::RouteModifier* m, const FunctionModel* fn);
  void declareRouteGroups(ServerModel& server, llvm::ArrayRef<ast::Decl*> items, int parent, Scope& scope);
  void declareRouteGroupBlocks(ServerModel& sm, RouteGroupModel& gm);
  void checkRouteGroupOptions(RouteGroupModel& group);
  void checkRouteGroupItems(ServerModel& server, llvm::ArrayRef<ast::Decl*> items, int group);
  void applyRouteGroups(const ServerModel& server, RouteModel& route);
  // `auth { }`: options by type ("jwt", "api_key") and algorithm (E4955, E4956). check_auth.cpp.
  void checkAuth(ServerModel& server, const ast::AuthDecl* auth);
  // `body: T` of the server's routes, before function bodies are checked: the type of each
  // handler's `req.body` (typed_req_bodies_). check_route_types.cpp.
  void collectRouteBodies(const ServerModel& server);
  const Ty* routeBodyType(const ast::RouteDecl* route);
  // `body: T` on a method without a body (E4952); `-> T` against the handler's result (E4953).
  void checkRouteTypes(RouteModel& rm, const ast::RouteDecl* route, const ast::Node* handler);
  // `req.body` of a handler whose route declares `body: T`: T; else null.
  const Ty* typedRequestBody(const ast::MemberExpr* e) const;
  RouteHandler resolveRouteHandler(RouteModel& rm, const ast::RouteDecl* route);
  void checkRouteDuplicates(ServerModel& server);
  void checkHealth(ServerModel& server, const ast::HealthDecl* health);

  // `respond(status, body, { Name: "literal" })`: a literal header name that is not a token, or a
  // literal value piece with CR, LF or NUL (E4502; the server refuses those at run time).
  void checkHeaderLiterals(const ast::Expr* headers);
  // A literal status of respond/respond_error within [lowest, 599] (E4503).
  // `redirect(url, status)`: a literal status is 301, 302, 303, 307 or 308 (E4954).
  void checkRedirectStatus(const ast::Expr* status);
  void checkResponseStatus(const Builtin* b, const ast::Expr* status, int lowest);
  // Literal regex patterns and flags, date units and parts of the stdlib's calls (E5630-E5633;
  // check_stdlib_literals.cpp).
  void checkStdlibLiterals(const Builtin* b, const std::vector<ArgInfo>& args);

  // --- jobs (check_jobs.cpp) -----------------------------------------------------------------
  void checkBackgroundOptions(const ast::BackgroundFnDecl* fn);
  const Ty* checkSpawnJob(const ast::CallExpr* call, const std::vector<ArgInfo>& args);
  // `spawn_job_in(delay, job, args...)` / `spawn_job_with({ delay, priority }, job, args...)`
  const Ty* checkSpawnJobWith(const ast::CallExpr* call, const Builtin* b, const std::vector<ArgInfo>& args);
  // A String option whose value must be one of `allowed` (when it is a literal): E4407.
  void checkOptionChoice(const ast::ObjectEntry* en, const std::string& what, llvm::ArrayRef<llvm::StringRef> allowed);
  // An Int option with a literal above `max`: E4407.
  void checkOptionMax(const ast::ObjectEntry* en, const std::string& what, int64_t max);

  // --- schedules (check_cron.cpp) --------------------------------------------------------
  void checkSchedule(ServerModel& server, const ast::ScheduleDecl* schedule);
  void checkScheduleOptions(const ast::ScheduleDecl* schedule);
  void checkSharedDatabases();  // check_shared_db.cpp

  // --- events (check_events.cpp) -----------------------------------------------------------
  void checkSubscribe(ServerModel& server, const ast::SubscribeDecl* sub);
  void notePublish(const ast::CallExpr* call, const std::vector<ArgInfo>& args);
  void checkEvents();

  // --- `jobs { }` and `bus { }` (check_backends.cpp) --------------------------------------
  void declareBackend(ServerModel& server, const ast::BackendDecl* decl);
  void checkBackend(ServerModel& server, const ast::BackendDecl* decl);
  // check_http_blocks.cpp: `cors`, `rate_limit`, `cache`, `max_body`, `limits`
  void declareHttpBlock(ServerModel& server, const ast::ConfigDecl* decl);
  void checkHttpBlocks(ServerModel& server);
  void checkCors(ServerModel& server, const ast::CorsDecl* decl);
  void checkCorsList(const ast::ObjectEntry* en, llvm::StringRef key, bool* bare_names);
  void checkRateLimit(ServerModel& server, const ast::RateLimitDecl* decl);
  void checkCacheBlock(const ast::CacheDecl* decl);
  void checkTrustProxy(const ast::ObjectEntry* en, const std::string& what);
  void checkLimits(ServerModel& server);
  void checkOptionMin(const ast::ObjectEntry* en, const std::string& what, int64_t min, const char* unit);
  // `tls { }` and `session { }` (check_tls_session.cpp): one of each per server, their options;
  // `req.session` needs the block (E4860), `set_cookie` options (literal object).
  void declareTlsOrSession(ServerModel& server, const ast::BackendDecl* decl);
  void checkTls(ServerModel& server, const ast::BackendDecl* decl);
  void checkSession(ServerModel& server, const ast::BackendDecl* decl);
  std::string settingText(const ast::Expr* e) const;
  void checkSessionUses();
  void checkCookieOptions(const ast::CallExpr* call, size_t options_arg);
  // `sign_jwt(claims, secret, { expires_in, issuer, audience, subject })` (jsonwebtoken's
  // `expiresIn` too): a literal options object; a literal lifetime must be one (check_auth.cpp).
  void checkJwtSignOptions(const ast::ObjectExpr* options);
  void checkBusAgreement();

  // --- metrics (check_metrics.cpp) -----------------------------------------------------------
  // `metrics { enabled, path, port }`: one per server (E2104), literal options (E4401-E4407), a
  // separate port other than the server's (E5161) and the program's other servers' (E5162); its path
  // taken by no route (E5160).
  void declareMetrics(ServerModel& server, const ast::BackendDecl* decl);
  void checkMetrics(ServerModel& server, const ast::BackendDecl* decl);
  void checkMetricsRoutes(ServerModel& server);
  void checkMetricsPortShared(const ServerModel& server, const ast::Expr* at);  // E5162

  // --- static files and compression (check_static.cpp) -------------------------------------
  // Prefix, directory and fallback of a `static` item (E4830, E4833, E4834), a prefix served
  // twice (E4831); after the routes, a route that takes the prefix's wildcard (E4832).
  void checkStatic(ServerModel& server, const ast::StaticDecl* decl);
  // --- `ws` endpoints (check_ws.cpp) ---
  void checkWs(ServerModel& server, const ast::WsDecl* decl, int group);
  void checkWsOptions(WsModel& ws);
  void checkWsHook(const ast::WsHook* hook);
  // A ws path taken by a GET route, a health or readiness route or another ws: E4203.
  void checkWsPaths(const ServerModel& server);
  void checkStaticRoutes(const ServerModel& server);
  // `compression { }`: one per server (E2104), literal options (E4401-E4407).
  void declareCompression(ServerModel& server, const ast::BackendDecl* decl);
  void checkCompression(ServerModel& server, const ast::BackendDecl* decl);
  // --- `upload { }`, readiness routes, `req.files` / `req.form` (check_upload.cpp) -------------
  void declareUpload(ServerModel& server, const ast::BackendDecl* decl);
  void checkUpload(ServerModel& server, const ast::BackendDecl* decl);
  void checkReadiness(ServerModel& server, const ast::HealthDecl* health);
  std::optional<ReadinessCheckModel> readinessCheck(ServerModel& server, const ast::ObjectEntry* entry);
  // The type of `req.files` / `req.form` (`member`), or null when `e` is not one of them.
  const ast::Param* uploadParam(const ast::MemberExpr* e) const;
  void noteFormField(const ast::MemberExpr* e);
  const Ty* uploadMember(const ast::MemberExpr* e);
  const Ty* uploadedFileType();
  const RecordInfo* uploaded_file_ = nullptr;

  // --- services (check_services.cpp) ------------------------------------------------------
  void declareService(ServerModel& server, const ast::DiscoverDecl* decl, Scope& scope);
  void checkService(ServiceModel& svc);
  const Ty* checkRpcCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const Symbol* svc,
                         const std::vector<ArgInfo>& args);

  // --- openapi blocks (check_openapi.cpp) --------------------------------------------------
  // What one `openapi { }` block sets; an unset key falls back to the program's block, then to
  // the defaults of OpenApiModel.
  struct OpenApiSettings {
    std::optional<std::string> title, version, description;
    std::optional<std::vector<OpenApiServerEntry>> servers;
    std::optional<bool> docs;
  };
  // The program's block (top level or `shared`; a second one is E2104), in the global scope.
  void checkProgramOpenApi(llvm::ArrayRef<ast::Decl*> shared_items);
  // The server's own block over the program's, into ServerModel::openapi.
  void checkServerOpenApi(ServerModel& server);
  OpenApiSettings checkOpenApiBlock(const ast::OpenApiDecl* decl);
  std::optional<OpenApiServerEntry> checkOpenApiServer(const ast::Expr* e);
  // True when `value` is a literal (of any kind: a wrong kind is E4402, reported by
  // checkOptions); otherwise reports E4701 unless another error already covers it.
  bool openApiLiteral(const std::string& what, llvm::StringRef key, const ast::Expr* value, TyKind expected);
  bool checkOpenApiUrl(const ast::StringLit* url);  // E4702

  // --- server-sent events and streamed responses (check_sse.cpp) ----------------------------
  // What a handler parameter is when the runtime binds it to a stream.
  enum class StreamFn : uint8_t { SseSend, StreamSend, Close };
  void declareSseOptions(ServerModel& server, const ast::BackendDecl* decl);
  void checkSseOptions(ServerModel& server, const ast::BackendDecl* decl);
  void checkRealtimeBlock(ServerModel& server, const ast::BackendDecl* decl);  // `realtime { adapter, url }`
  // An `sse` route's handler: a lambda of (send, close) or (req, send, close) (E5100, E5101).
  void checkSseHandler(RouteModel& route, const ast::RouteDecl* decl);
  // A call of a stream's `send`/`close` (arity, an event literal's keys and values).
  void checkStreamFnCall(const ast::CallExpr* call, bool piped, const Symbol* sym, StreamFn fn,
                         const std::vector<ArgInfo>& args);
  // `channel.send/count/subscribe(...)` on an SseChannel (E5105, E5106).
  void checkChannelCall(const ast::CallExpr* call, const ast::MemberExpr* callee, bool piped,
                        const std::vector<ArgInfo>& args);
  void checkSseEventLiteral(const ast::Expr* arg, const std::string& sender);
  // `stream(fn(send, close) { ... })`: the lambda's parameters become the stream's (E5107).
  void prepareStreamCall(const ast::CallExpr* call);
  void markSseUse();

  // --- options blocks shared by discover, db and `background fn ... with` (check_options.cpp)
  // Checks keys, duplicates (either spelling) and value kinds; returns the entries by canonical key.
  llvm::StringMap<const ast::ObjectEntry*> checkOptions(const ast::ObjectExpr* obj, const std::string& what,
                                                      llvm::ArrayRef<OptionSpec> specs);
  // Milliseconds of an Int (as ms) or Duration literal; -1 when not a literal.
  double literalMillis(const ast::Expr* e) const;

  // --- statements and expressions (check_stmt.cpp, check_expr.cpp, check_calls.cpp) --------
  const Ty* checkBlock(const ast::BlockExpr* block, bool new_scope = true);
  void checkStmt(const ast::Stmt* stmt);
  void checkAssign(const ast::AssignStmt* stmt);
  void checkDelete(const ast::AssignStmt* stmt);  // JavaScript's `delete obj.key` (E3001 on a record)
  void hoistBranchBindings(const ast::Stmt* s);
  const Ty* defaultedField(const ast::DestructureField* f, const Ty* field);
  void checkThrow(const ast::ThrowStmt* stmt);
  // --- `guard cond else { ... }` (check_guard.cpp) ---
  void checkGuard(const ast::GuardStmt* stmt);
  // Whether running `n` to its end always leaves the function (or, for break/continue, the loop).
  bool alwaysLeaves(const ast::Node* n) const;
  // `guard x != nil else { ... }`: x (an immutable Option) is its element type for the rest of the
  // scope; with `negated`, the condition of an `if` that leaves (`if x == nil { return }`).
  bool promotableToVar(const Symbol* sym) const;
  // The parameters a function returns as its result (`fn(acc, x) { acc[x] = 1; acc }`, JavaScript's
  // reduce idiom): changed in place on the function's own copy, the change reaches the caller
  // through the result, so they may be (check_inplace.cpp).
  void noteReturnedParams(llvm::ArrayRef<ast::Param*> params, const ast::Expr* body);
  llvm::DenseSet<const ast::Param*> returned_params_;
  void narrowBy(const ast::Expr* cond, bool holds);
  const Ty* checkNarrowed(llvm::ArrayRef<std::pair<const ast::Expr*, bool>> facts, llvm::function_ref<const Ty*()> check);
  void checkCondition(const ast::Expr* cond, const char* what);
  const Ty* checkIf(const ast::IfExpr* ie);
  void narrowAfterEarlyExit(const ast::Stmt* stmt);
  const ast::Expr* nilTested(const ast::Expr* cond, bool& holds_for_nil) const;
  // `a.b.c` (no `?.`) on an immutable local or parameter `a`: `a`'s symbol, `path` = "b.c"; else null.
  const Symbol* memberPath(const ast::Expr* e, std::string& path) const;
  // The type a nil check narrowed the member path `e` to, or `t` (its type as read).
  const Ty* narrowedMember(const ast::MemberExpr* e, const Ty* t) const;
  // A field or index assignment (`x.f = v`, `x[i] += v`): its root must be a `var` (E2201).
  void checkPartAssign(const ast::AssignStmt* stmt);
  void reportImmutable(const ast::Expr* at, const Symbol* sym, bool part);
  // The symbol `name` in the scopes of the current function (blocks up to its Function scope).
  Symbol* lookupInFunction(llvm::StringRef name) const;
  // `cache_control(x, ...)` / `etag(x, ...)` as a statement: the response must land somewhere (E2304).
  void checkResponseHelperStmt(const ast::Expr* e);
  Symbol* declareLocal(const ast::Ident& name, SymbolKind kind, const Ty* type, const ast::Node* decl,
                       bool is_mutable, bool pure_init);
  const Ty* checkExpr(const ast::Expr* e);
  const Ty* checkName(const ast::NameExpr* e, bool as_callee = false);
  // Resolves a name used as a value; reports it when it names nothing. Returns null then.
  const Symbol* resolveValueName(const ast::NameExpr* e);
  const Ty* checkMember(const ast::MemberExpr* e);
  const Ty* fieldType(const ast::MemberExpr* e, const Ty* bt);
  static bool hasNoFields(const Ty* t);
  const Ty* checkBinary(const ast::BinaryExpr* e);
  // --- collections (check_collections.cpp) ---------------------------------------------------
  const Ty* checkComprehension(const ast::ComprehensionExpr* e);
  void declareCompClause(const ast::CompClause& c, const Ty* iterable);
  const Ty* checkSlice(const ast::SliceExpr* e);
  void checkComputedKey(const ast::ObjectEntry* en);
  const Ty* sliceResult(const Ty* base_type, SourceRange base);  // E5543 on what is no list or String
  const Ty* checkCompareChain(const ast::CompareChain* e);
  const Ty* checkRecordExpr(const ast::RecordExpr* e);
  // `expected`: the function type the lambda's context asks for (a built-in's instantiated
  // parameter); an unannotated parameter takes its type from it.
  bool checkImplicitIt(const ast::LambdaExpr* e, const Ty* expected);
  const Ty* checkCalledLambda(const ast::CallExpr* call, const ast::LambdaExpr* lam, const std::vector<ArgInfo>& args);
  const Ty* checkRequestHeaderCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const std::vector<ArgInfo>& args);
  bool checkSentinelCompare(const ast::BinaryExpr* e, const Ty* l, const Ty* r);
  void checkRoundedIntDivision(const ast::CallExpr* call);
  void checkRoundedThenDivided(const ast::BinaryExpr* div);
  std::string roundingCallee(const ast::CallExpr* call);
  const Ty* builtinValue(const ast::NameExpr* e, const Builtin* b);
  const Ty* checkLambda(const ast::LambdaExpr* e, const Ty* expected = nullptr);
  const Ty* checkCall(const ast::CallExpr* call, const ast::Expr* piped, const Ty* piped_type,
                      SourceRange piped_range);
  // A global built-in the callee names (then the call's lambda arguments wait for their expected types).
  const Builtin* globalBuiltinCallee(const ast::Expr* callee) const;
  // A built-in call against its row: lambda arguments (type null in `args`) checked with their
  // expected types, argument types against the instantiated signature, the form's own checks;
  // returns the instantiated result. `self`: the model's record on Model rows.
  void floatAccumulator(const Builtin* b, std::vector<ArgInfo>& args, const Ty* self);
  const Ty* withIndexParam(const Builtin* b, const ast::LambdaExpr* lam, const Ty* expected);
  const Ty* checkBuiltinCall(const ast::CallExpr* call, const Builtin* b, const std::string& shown,
                             std::vector<ArgInfo>& args, bool piped, const Ty* self = nullptr);
  const Ty* checkPipe(const ast::PipeExpr* e);
  // E2301 for a call of `name` with `n` arguments (`piped`: the first came from `|>`).
  void reportCallArity(const ast::CallExpr* call, bool piped, size_t n, const std::string& name,
                       const std::string& expected, SourceRange note_at = {}, const std::string& note = {});
  // Calls by name, one per kind of symbol the name resolves to (checkCall dispatches).
  const Ty* checkFunctionCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee, const Symbol* sym,
                              const std::vector<ArgInfo>& args);
  // check_family_types.cpp: `User(1, "Alice")`, a record from its fields in declaration order.
  const RecordInfo* positionalRecordOf(const ast::Expr* callee);
  // The help line for a JavaScript name the family's guides use (`Promise`, `Object`), or "".
  static std::string familyGlobalHelp(llvm::StringRef name, bool is_type);
  std::string familyTypeHelp(const ast::NamedType* nt);
  std::string familyMethodHelp(const ast::CallExpr* call, const ast::MemberExpr* callee, const Ty* recv);
  const Ty* checkPositionalRecord(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee, const Symbol* sym,
                                  const std::vector<ArgInfo>& args);
  const Ty* checkVariantCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee, const Symbol* sym,
                             const std::vector<ArgInfo>& args);
  const Ty* checkOptionCtorCall(const ast::CallExpr* call, bool piped, const ast::NameExpr* callee,
                                const std::vector<ArgInfo>& args);
  const Ty* checkValueCall(const ast::NameExpr* callee, const Symbol* sym);  // a local of function type
  const Ty* reportNotCallable(const ast::NameExpr* callee, const Symbol* sym);  // E2303
  const Ty* checkMethodCall(const ast::CallExpr* call, const ast::MemberExpr* callee);  // `x.f(...)`, E2305
  std::vector<std::string_view> builtinsAccepting(const Ty* t);
  const Ty* checkBuiltinMethod(const ast::CallExpr* call);  // `s.upper()` as `upper(s)` (check_methods.cpp)
  // `items.push(x)` on a binding the program may change (check_inplace.cpp).
  const Ty* checkCopyingSort(const ast::CallExpr* call, InplaceMethod method);
  const Ty* checkFetchBody(const ast::CallExpr* call, const ast::MemberExpr* m);
  const Ty* checkInplaceMethod(const ast::CallExpr* call);
  const Ty* checkInplaceArgs(const ast::CallExpr* call, const InplaceSpec& spec, const Ty* recv);
  const Ty* checkInplaceSort(const ast::CallExpr* call, const Ty* recv);
  const Ty* checkModelCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const Symbol* model,
                           const std::vector<ArgInfo>& args);
  bool takesTypedValue(const ast::Expr* value, const Ty* vt, const Ty* to) const;
  void checkCallArgs(const ast::CallExpr* call, const ast::Expr* piped, const Builtin* global_builtin,
                     std::vector<ArgInfo>& args);
  void checkSpreadArgs(const ast::CallExpr* call, const Builtin* b);
  bool spreadReported(const ast::CallExpr* call) const;  // a spread argument E2306 reports
  const Builtin* moduleBuiltinCallee(const ast::Expr* callee);
  void unpinOverloadedJson(const Builtin* b, const std::vector<ArgInfo>& args, Instance& in);
  void checkArgsAgainst(const std::vector<ArgInfo>& args, const std::vector<const Ty*>& params,
                        const std::string& callee, const ast::Node* decl_note);
  // E3001 when both types are known and `from` does not fit `to`.
  static bool needsConversionFromJson(const Ty* to);  // dynamic values (docs/language.md)
  static bool convertsFromJson(const Ty* to);         // ... that a typed place converts
  // `e`, a `Json` value, used as a `to` (json_conversions); false when `e` is no Json value or
  // `to` is no type it converts to.
  bool convertJson(const ast::Expr* e, const Ty* from, const Ty* to, JsonConversion::Mode mode);
  void convertJsonOperands(const ast::BinaryExpr* e, const Ty* l, const Ty* r);
  bool isRequestJson(const ast::MemberExpr* e) const;  // `req.body`, `req.query`, `req.params`
  bool reportJsonToTyped(const Ty* to, SourceRange at, const std::string& what);  // E3020
  bool expectType(const Ty* from, const Ty* to, SourceRange at, const std::string& what,
                  SourceRange note_at = {}, const std::string& note = {});
  void checkObjectAgainstRecord(const ast::ObjectExpr* obj, const RecordInfo* rec, const std::string& what,
                                bool filters);
  static bool isPure(const ast::Expr* e);

  // --- values against expected types (check_expected.cpp) -----------------------------------
  // `e` (already checked, of type `from`) where `to` is expected: object literals against
  // records, list literals against typed lists, string literals against enums, the result of a
  // built-in returning nothing (E3010), else expectType. Returns the type `e` now has.
  const Ty* checkValueAgainst(const ast::Expr* e, const Ty* from, const Ty* to, const std::string& what,
                              SourceRange note_at = {}, const std::string& note = {});
  // The fields of a record construction or of an object literal used as record `rec` (null:
  // duplicates only); `missing_at` is where E3005 points, `shown` names the value in E2105.
  void checkRecordFields(llvm::ArrayRef<ast::ObjectEntry*> entries, const RecordInfo* rec, SourceRange missing_at,
                         const std::string& shown);
  // `stored`: the fields of a new row of a model (`id` is the database's).
  void reportMissingFields(llvm::ArrayRef<const ast::ObjectEntry*> given, const RecordInfo* rec, SourceRange at,
                           bool stored = false);
  // `M.create({ ... })`: every field without a default or an Option type is given (E3005).
  void checkCreateFields(const ast::ObjectExpr* obj, const RecordInfo* rec);
  // E3010 when `e` gives no value: a call of a function that returns nothing, or (unless
  // `if_without_else` is false: a handler's last expression) an `if` without `else`, used as
  // `use`; true then.
  bool checkUnitUse(const ast::Expr* e, const std::string& use, bool if_without_else = true);
  std::string unitCallee(const ast::Expr* e) const;  // the callee as written, when `e` is such a call
  // checkExpr of `e` where `expected` is known beforehand: a bare variant name declared by
  // several enums (E2402 otherwise) is the expected enum's.
  const Ty* checkExprExpecting(const ast::Expr* e, const Ty* expected);
  // The defaults of the record and model fields declared in `items` (in the current scope).
  void checkFieldDefaults(llvm::ArrayRef<ast::Decl*> items);
  // A route handler whose response is the result of a built-in returning nothing (E3010).
  void checkHandlerResponse(const ast::Node* handler, const std::string& route);

  // --- list patterns `let [a, _, ...rest] = e` (check_patterns.cpp) ---
  // Reports a pattern that cannot take `init` (of type `t`) apart: E5530-E5532.
  void checkListPattern(const ast::DestructureStmt* ds, const Ty* t);
  // The type field `i` of the list pattern binds, taking `init` (of type `t`) apart.
  const Ty* listElementType(const ast::DestructureStmt* ds, const Ty* t, size_t i);

  // --- match (check_match.cpp) ---------------------------------------------------------------
  const Ty* checkMatch(const ast::MatchExpr* e);
  void bindPattern(const ast::Pattern* p, const Ty* subject);
  const EnumInfo* enumOfVariant(llvm::StringRef qualifier, llvm::StringRef name) const;

  // --- state ---------------------------------------------------------------------------------
  const ast::Program& program_;
  const SourceFile& file_;
  DiagEngine& diags_;
  CheckedProgram& model_;
  TypeTable& types_;

  Scope global_ = makeGlobalScope();
  static Scope makeGlobalScope() {
    Scope s;
    s.kind = Scope::Kind::Global;
    return s;
  }
  std::vector<std::unique_ptr<Scope>> server_scopes_;
  std::vector<std::unique_ptr<Scope>> stack_;  // function and block scopes in use
  Scope* cur_ = &global_;
  int cur_server_ = -1;
  const Ty* cur_return_ = nullptr;   // the annotated return type of the function being checked
  // The lambda checked next is the predicate of a built-in that tests its result for truthiness
  // (filter, find, some, every, ...: stdlib Truthy), so it may give a String, a number, an Option
  // or JSON as JavaScript's `xs.filter(x => x)` does (checkLambda).
  bool truthy_predicate_ = false;
  bool truthyResult(const Ty* t) const;
  void predicateNotBool(const ast::Expr* last, const Ty* t);
  const EnumInfo* variant_hint_ = nullptr;  // the enum a bare variant name is expected from (checkExprExpecting)
  const Ty* block_expected_ = nullptr;      // the type the next checkBlock's result is expected to have
  int loop_depth_ = 0;               // `for`/`while` bodies around the current statement, in this function
  // `outer: for ...` around the current statement: each label with the function scope it is in.
  std::vector<std::pair<llvm::StringRef, const Scope*>> loop_labels_;
  const Scope* functionScope() const;
  llvm::StringRef binding_in_progress_;  // a `let`/local `fn` whose lambda is being checked
  void checkDestructure(const ast::DestructureStmt* ds);
  void bindCollectionPattern(const ast::Pattern* p, const Ty* subject);  // list, object, prefix (check_match.cpp)
  void checkLoopBody(const ast::Ident& label, const ast::BlockExpr* body, const ast::BlockExpr* else_body);
  void checkLoopLabel(const ast::Stmt* stmt, const ast::Ident& label);  // `break outer`: E2603
  // A method call's receiver checked by checkBuiltinMethod that turned out not to name a built-in:
  // checkExpr gives its type once more without checking it again (no repeated diagnostics).
  const ast::Expr* prechecked_expr_ = nullptr;
  const Ty* prechecked_type_ = nullptr;
  const ast::MemberExpr* callee_member_ = nullptr;  // the `x.f` of a method call being checked (checkMethodCall)
  const ast::MemberExpr* named_form_ = nullptr;  // the `req.form` of a `req.form.NAME` being checked
  std::string cur_fn_name_;
  bool in_test_ = false;  // checking a `test` body: the test built-ins are allowed
  std::map<const ast::Node*, StreamFn> stream_params_;  // send/close parameters (check_sse.cpp)
  llvm::StringMap<std::vector<const EnumInfo*>> variants_;  // variant name → enums declaring it
  // The request parameter (`req`) of a handler whose route says `body: T` → T; and each such
  // route's resolved T.
  llvm::DenseMap<const ast::Node*, const Ty*> typed_req_bodies_;
  llvm::DenseMap<const ast::Node*, const Ty*> route_bodies_;
  llvm::DenseMap<const ast::Node*, RecordInfo*> decl_records_;  // record types and model field lists
  llvm::DenseMap<const ast::Node*, EnumInfo*> decl_enums_;
  llvm::DenseMap<const ast::Node*, Symbol*> decl_aliases_;
  llvm::DenseMap<const ast::Node*, bool> alias_busy_;  // cycle guard while resolving an alias
  OpenApiSettings program_openapi_;  // the program's `openapi { }` block, if any
  bool program_openapi_given_ = false;
};

// The source range of the characters [offset, offset+length) inside string literal `lit`
// (quotes included in its range), or the whole literal when escapes make offsets unreliable.
SourceRange rangeInString(const SourceFile& file, const ast::StringLit* lit, size_t offset, size_t length);

}  // namespace lux
