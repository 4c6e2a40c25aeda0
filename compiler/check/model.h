// The checked model of a program: what the checker hands to code generation.
// Servers with their env settings, db, models, functions, jobs, schedules, subscriptions,
// publishes, routes (with how each handler parameter is bound), discovered services (linked to
// the program's own server when they name one), hooks, OpenAPI info; shared types and functions; and side
// tables from AST nodes to what they mean (name resolutions, expression types, whether a plain
// `x = e` declares or assigns). `dumpModel` (model_dump.cpp) prints it.
#pragma once

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/ADT/StringSet.h>

#include <deque>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/builtins.h"
#include "lux_common/cron.h"
#include "check/types.h"

namespace lux {

struct FunctionModel;
struct ModelInfo;
struct ServiceModel;

enum class SymbolKind : uint8_t {
  Local,           // `x = e`, `let x = e`, `var x = e`, destructuring, `for x in`, `catch err`
  Param,           // a parameter of a function, lambda, hook, handler
  PatternBinding,  // a name bound by a `match` arm
  Function,        // `fn` (shared or server)
  BackgroundFn,    // `background fn`
  Middleware,      // `middleware fn`
  Binding,         // a shared or server-level `x = e` / `var x = e`
  Env,             // `env NAME: T`
  Model,           // a model accessor: `User` and `UserModel` for `model User`
  Service,         // `discover "name"`
  Type,            // a record, enum or alias name
  Variant,         // an enum variant used as a value (`Warning`, `Circle(2.0)`)
  Module,          // `Date`, `JSON`, `Process`, `mail`, `db`
  Builtin,         // a global built-in function (`len`, `spawn_job`, ...)
  OptionCtor,      // `Some`, `None`, `Ok`, `Err`
};

const char* symbolKindName(SymbolKind kind);

struct Symbol {
  SymbolKind kind = SymbolKind::Local;
  llvm::StringRef name;
  SourceRange range;               // the declaring name (empty for built-ins)
  const ast::Node* decl = nullptr;  // the declaring node, when there is one
  const Ty* type = nullptr;         // the binding's type (Dynamic when unknown)
  int server = -1;                  // declaring server; -1 shared, top level or built-in
  bool is_mutable = false;
  bool pure_init = false;   // its initializer has no effect (unused-variable warning applies)
  uint32_t reads = 0;
  const FunctionModel* fn = nullptr;
  const ModelInfo* model = nullptr;
  const ServiceModel* service = nullptr;
  const EnumInfo* enum_info = nullptr;
  const VariantInfo* variant = nullptr;
  const RecordInfo* record = nullptr;
  const Builtin* builtin = nullptr;
};

// A symbol that stands for a value (a local, a parameter, a pattern or server/shared binding, an
// env setting): what may come before the `.` of a method call, unlike a type, model or module.
inline bool namesValue(const Symbol* s) {
  return s->kind == SymbolKind::Local || s->kind == SymbolKind::Param || s->kind == SymbolKind::PatternBinding ||
         s->kind == SymbolKind::Binding || s->kind == SymbolKind::Env;
}

// The names an unannotated handler parameter takes to be the request (Express's `req`).
inline bool isRequestName(llvm::StringRef name) { return name == "req" || name == "request"; }

// A symbol that is the request: an unannotated parameter named `req` or `request`.
inline bool isRequestParam(const Symbol* s) {
  if (!s || s->kind != SymbolKind::Param || !isRequestName(s->name)) return false;
  auto* p = llvm::dyn_cast_or_null<ast::Param>(s->decl);
  return p && !p->type;
}

struct ParamModel {
  llvm::StringRef name;
  const Ty* type = nullptr;  // Dynamic when not annotated
  bool annotated = false;
  bool has_default = false;
  const ast::Expr* default_value = nullptr;  // `= expr` as written, when has_default
  SourceRange range;
};

struct FunctionModel {
  const ast::FnDecl* decl = nullptr;
  llvm::StringRef name;
  std::vector<ParamModel> params;
  const Ty* result = nullptr;  // Dynamic when not annotated
  bool annotated_result = false;
  int server = -1;
  SymbolKind kind = SymbolKind::Function;  // Function, BackgroundFn or Middleware
  const ast::ObjectExpr* job_options = nullptr;  // a `background fn`'s `with { retries: 3, ... }`
  int group = -1;  // declared in a route group (index in ServerModel::groups); -1: the server's own
  // A method of an `impl` (docs/language.md, "Methods"): the type it belongs to, and whether its
  // first parameter is the value (`self`). Not a name in any scope; calls reach it through
  // CheckedProgram::method_calls.
  llvm::StringRef owner;
  const Ty* owner_type = nullptr;
  bool receiver = false;
  // Arguments are positional: a call gives every parameter up to the last one without a default
  // (`fn list(page: Int = 1, q: String)` takes 2; the default of `page` serves no call).
  int minArgs() const {
    int n = 0;
    for (size_t i = 0; i < params.size(); ++i)
      if (!params[i].has_default) n = static_cast<int>(i) + 1;
    return n;
  }
  int maxArgs() const { return static_cast<int>(params.size()); }
};

struct EnvModel {
  const ast::EnvDecl* decl = nullptr;
  llvm::StringRef name;
  const Ty* type = nullptr;
  std::string default_text;  // the default as written; empty when required
};

struct DbModel {
  const ast::DbDecl* decl = nullptr;
  std::string adapter = "sqlite";         // "sqlite" or "postgres"
  std::string path;                       // `path:` or `database:` (SQLite)
  const ast::Expr* url = nullptr;         // `url:` (PostgreSQL): a literal or an env String
  std::string literal_url;                // the URL when `url` is a string literal
  const ast::Expr* pool = nullptr;        // `pool:` (PostgreSQL connections)
  const ast::Expr* adapter_value = nullptr;  // `adapter:` as written (a literal or computed)
  bool postgres() const { return adapter == "postgres"; }
};

// `jobs { ... }` / `bus { ... }`: where the server's jobs and schedules, or its events, live.
struct BackendModel {
  const ast::BackendDecl* decl = nullptr;
  std::string adapter = "sqlite";  // the literal adapter; "" when computed at run time
  bool literal_url = false;        // `url:` is a string literal (then in `url`)
  std::string url;
  bool redis() const { return adapter == "redis"; }
};

// `cors { }`, `rate_limit { }`, `cache { }`, `max_body N` and `limits { }` (check_http_blocks.cpp):
// the blocks as written (their options checked), and what the checker decided for them.
struct HttpBlocksModel {
  const ast::CorsDecl* cors = nullptr;
  const ast::RateLimitDecl* rate_limit = nullptr;
  // Where the rate limit's buckets live: "memory", or "redis" when the block says so or, without
  // `store`, when the server's `jobs` or `bus` block uses Redis (then its `url` is theirs).
  std::string rate_limit_store = "memory";
  const ast::Expr* rate_limit_url = nullptr;  // the block's `url`, else the jobs/bus one, else null
  // A `methods` list written with bare names (`[GET, POST]`, as `security { cors }` does).
  bool cors_bare_methods = false;
  const ast::CacheDecl* cache = nullptr;
  std::vector<const ast::LimitsDecl*> limits;  // `max_body N` and `limits { }`, in source order
};

// `static "/prefix" => "dir" [fallback "f"]` (check_static.cpp).
struct StaticModel {
  const ast::StaticDecl* decl = nullptr;
  std::string prefix;    // without a trailing `/` (but "/" itself)
  std::string dir;
  std::string fallback;  // "" without `fallback`
};

// `compression { min_size, level, types, enabled }` (check_static.cpp); every value a literal.
// `sse { heartbeat, retry, max_queue, max_queue_bytes }` and whether the server uses events at
// all (an `sse` route, `sse_channel`, `stream`): then Register sets up the realtime component.
struct SseModel {
  const ast::BackendDecl* decl = nullptr;  // `sse { }`, if given
  long long heartbeat_s = 15;
  long long retry_ms = 0;  // 0: no `retry:` line when a stream opens
  long long max_queue = 256;
  long long max_queue_bytes = 1 << 20;
  bool used = false;
  // `realtime { adapter: "redis", url }`: the hub's link to the other replicas.
  const ast::BackendDecl* realtime = nullptr;
  std::string adapter;                 // "local" or "redis"; empty: none given
  const ast::Expr* url = nullptr;      // a String literal or env setting
};

struct CompressionModel {
  const ast::BackendDecl* decl = nullptr;
  bool enabled = true;
  long long min_size = 1024;
  int level = 0;  // 0: each coding's default
  std::vector<std::string> types;  // empty: the runtime's default list
};

// GET /metrics (check_metrics.cpp): on by default; `metrics { enabled, path, port }` literals.
struct MetricsModel {
  const ast::BackendDecl* decl = nullptr;  // null: no `metrics { }` block, the defaults
  bool enabled = true;
  std::string path = "/metrics";
  int64_t port = 0;                  // 0: the server's own port
  bool program_serves_path = false;  // no block, and a route of the program has the path
};

// `tls { cert, key, min_version }`: the server speaks HTTPS. The paths as written: a literal
// ("./cert.pem") or the env setting that holds one (`env TLS_CERT`).
struct TlsModel {
  const ast::BackendDecl* decl = nullptr;
  std::string cert, key;
  std::string min_version = "1.2";
};

// `session { secret, max_age, cookie_name, store, same_site, secure, url }`.
struct SessionModel {
  const ast::BackendDecl* decl = nullptr;
  std::string store = "cookie";  // "cookie" | "db" | "redis"; "" when computed
  std::string cookie_name = "__sid";
  std::string max_age = "86400";  // seconds, as written (or "(computed)")
  bool max_age_duration = false;  // a Duration (milliseconds at run time), not Int seconds
  std::string same_site = "lax";
  bool secure = false;
  int secrets = 1;  // how many secrets rotate (a list literal), 1 otherwise
};

// `upload { max_size, allowed_types, max_files, dir }`: multipart bodies read as a stream.
struct UploadModel {
  const ast::BackendDecl* decl = nullptr;
  int64_t max_size = 10'000'000;           // bytes per file and per request (the runtime's default)
  std::vector<std::string> allowed_types;  // empty: any type
  int64_t max_files = 100;                 // lux::kDefaultUploadMaxFiles
  std::string dir;                         // empty: the runtime's default
};

// One check of a readiness route: a component's (`check_db` -> "db") or a program function's.
struct ReadinessCheckModel {
  std::string name;                   // its key in the answer
  std::string component;              // "db", "redis", "jobs"; empty for a function
  const FunctionModel* fn = nullptr;  // `fn() -> Bool` of the server
};

// `health "/ready" { check_db, check_redis, warm_cache, timeout: 2.seconds }`.
struct ReadinessModel {
  const ast::HealthDecl* decl = nullptr;
  std::string path;
  double timeout_ms = 0;  // 0: the runtime's default (lux::kDefaultReadinessTimeoutMs)
  std::vector<ReadinessCheckModel> checks;
};

// A relation a model's options declare (`belongs_to: [Company]`, `has_many: [Post]`) and the
// accessor it gives the model (`UserModel.company(id)`, `UserModel.posts(id)`).
struct ModelRelation {
  enum class Kind : uint8_t { BelongsTo, HasMany } kind = Kind::BelongsTo;
  std::string accessor;        // `company` (belongs_to), `posts` (has_many)
  std::string target;          // the other model's name
  std::string foreign_key;     // `company_id` (on this model) or `user_id` (on the other)
};

struct ModelInfo {
  const ast::ModelDecl* decl = nullptr;
  llvm::StringRef name;
  const RecordInfo* record = nullptr;  // fields (from the shared type or the model's own list)
  bool from_type = false;              // `model User` over `type User`
  int server = -1;
  // The model's options (check_model_options.cpp): `table: "app_users"` ("" = the default
  // plural), `timestamps: true` (created_at/updated_at set by create and update), relations.
  std::string table;
  bool timestamps = false;
  std::vector<ModelRelation> relations;
};

struct ScheduleModel {
  const ast::ScheduleDecl* decl = nullptr;
  std::string name;  // the fn name or the "name" string; empty for `schedule "cron" fn() {}`
  std::string cron;  // as written; empty for `every`
  std::optional<cron::CronSpec> spec;
  bool every = false;      // `schedule every <duration>` (else a cron expression)
  double interval_ms = 0;  // `every` form and interval strings
  std::string interval_text;  // `schedule "30s" fn ...`: the interval string as written (trimmed)
};

struct SubscribeModel {
  const ast::SubscribeDecl* decl = nullptr;
  std::string event;
  const Ty* payload = nullptr;
  int server = -1;
  // `with { broadcast: true }`: every replica of the server receives each event (on a shared
  // bus; otherwise one replica of the server does).
  bool broadcast = false;
};

struct PublishSite {
  const ast::CallExpr* call = nullptr;
  std::string event;  // empty when the name is not a literal
  bool literal = false;
  const Ty* payload = nullptr;
  int server = -1;
};

// Stream: `send` or `close` of an `sse` handler, bound by the runtime (check_sse.cpp).
// A `Json` value used where a typed one is (ProgramModel::json_conversions).
struct JsonConversion {
  enum class Mode : uint8_t {
    Place,     // converted to `to` (lux::stdlib::JsonAs): a failure is an error
    Equality,  // compared with a `to`: one that does not convert equals none (JsonAsOrNull)
    Number,    // an operand of arithmetic or an ordering with a number (JsonNumber)
  };
  const Ty* to = nullptr;
  Mode mode = Mode::Place;
  bool client = false;  // the client sent it: a failure answers 400 naming the place
};

enum class ParamSource : uint8_t { Path, Query, Body, BodyOrQuery, Request, Response, Stream };
const char* paramSourceName(ParamSource s);

struct RouteParamBinding {
  llvm::StringRef name;
  const Ty* type = nullptr;
  ParamSource source = ParamSource::Query;
  const ast::Expr* default_value = nullptr;  // the parameter's default: a query or body value may be absent
};

// One modifier after `with` (a row of check/route_modifiers.def) with its checked arguments.
struct RouteModifierUse {
  const ast::RouteModifier* decl = nullptr;
  std::string name;                   // the row's name: `auth`, `role`, `timeout`, ...
  std::string factory;                // the row's runtime factory: `Factory(app, args...)` is a lux::Middleware
  int status = 0;                     // the error status it may answer (OpenAPI), 0: none
  bool variadic = false;              // `String...`: the strings go to the factory as one list
  struct Arg {
    bool is_int = false;
    int64_t int_value = 0;
    std::string text;  // a String argument's value
  };
  std::vector<Arg> args;
  std::vector<std::string> shown;  // the arguments as written (--dump-model)
  // A function of the program named after `with` (`fn auth(req, next)`, or `fn role(r)` called
  // as `with role("admin")` returning one): it runs as route middleware (factory is empty).
  const FunctionModel* guard = nullptr;
};

// `ws "/path" [with ...] { hooks, options }` (check_ws.cpp): the upgrade route and its hooks.
struct WsModel {
  const ast::WsDecl* decl = nullptr;
  std::string path;  // the full path (a group's prefix included); "/ws" when the block has none
  int group = -1;    // the innermost enclosing route group, -1 when none
  std::vector<RouteModifierUse> modifiers;  // its own `with`, in order
  bool requires_auth = false;               // `auth` on it or on one of its groups
  // The literal options, -1 when absent (the runtime's defaults apply): milliseconds for the
  // durations (an Int is seconds), bytes for max_message.
  int64_t max_message = -1;
  int64_t ping_interval_ms = -1;
  int64_t idle_timeout_ms = -1;
  int64_t max_queue = -1;
  std::vector<std::string> protocols;
  std::vector<const ast::WsHook*> hooks;  // the hooks with a known name, in source order
};

// `routes "/prefix" [version: ..., deprecated: ..., sunset: ...] [with ...] { ... }`.
struct RouteGroupModel {
  const ast::RoutesDecl* decl = nullptr;
  int parent = -1;        // the enclosing group, -1 at the server's level
  std::string prefix;     // the full prefix (the enclosing groups' joined with this one's)
  std::string version;    // `version:` as written; empty when absent
  bool deprecated = false;
  // The `Deprecation` header (RFC 9745): `@<Unix seconds>`; empty when not deprecated.
  std::string deprecation_header;
  std::string sunset_header;  // the `Sunset` header (RFC 8594 HTTP-date); empty when absent
  std::vector<RouteModifierUse> modifiers;
  std::vector<const FunctionModel*> middleware;  // declared in the group, in source order
  // The group's own `cors { }`: replaces the server's (and an enclosing group's) for the paths
  // under `prefix`, preflights included; null when the group has none.
  const ast::CorsDecl* cors = nullptr;
};

struct RouteModel {
  const ast::RouteDecl* decl = nullptr;
  std::string method;
  std::string path;     // the full path (a group's prefix included)
  int group = -1;       // the innermost enclosing route group, -1 when none
  std::vector<RouteModifierUse> modifiers;  // the route's own `with`, in order
  // What the route's groups and modifiers add up to (OpenAPI and the dump).
  bool deprecated = false;
  std::vector<std::string> roles;  // per `role(...)` that applies: `"a" | "b"` (each must be met)
  int64_t timeout_ms = 0;          // the innermost `timeout`, 0 when none
  int64_t cache_max_age = -1;      // the innermost `cache`, -1 when none
  std::vector<int> modifier_statuses;  // the error statuses its modifiers (and its groups') may answer
  std::string version;             // the innermost group's `version:`
  std::vector<std::string> path_params;
  bool sse = false;  // `sse "/path" fn(send, close)`: a GET whose answer is an event stream
  const FunctionModel* handler = nullptr;  // null for a lambda handler
  const ast::LambdaExpr* lambda = nullptr;  // the lambda handler, if the route has one
  std::vector<RouteParamBinding> bindings;
  bool requires_auth = false;
  // `body: T`: the request body's type (a record or a list of records), validated before the
  // handler runs and the type of the handler's `req.body`; null without `body:`.
  const Ty* body_type = nullptr;
  // `-> T`: the declared response type (the OpenAPI 200 schema); null without `->`.
  const Ty* response_type = nullptr;
};

struct ServiceModel {
  const ast::DiscoverDecl* decl = nullptr;
  std::string name;
  std::string url;
  std::string health;
  int64_t failure_threshold = 5;
  double timeout_ms = 0;        // 0: the runtime's default
  double reset_timeout_ms = 0;  // 0: the runtime's default
  int64_t half_open_requests = 1;
  double health_interval_ms = 0;
  int target_server = -1;  // the program's server of that name, if any
  int server = -1;
  // No URL given and a server of the program is named so: http://127.0.0.1:<its declared port>
  // (LUX_SERVICE_<NAME>_URL, then LUX_PEER_<NAME>_URL, replace it at start).
  std::string default_url;
};

// One entry of `openapi { servers: [...] }`: a URL string or `{ url, description }`.
struct OpenApiServerEntry {
  std::string url;
  std::string description;  // empty: none
};

// What `openapi { }` blocks set for one server: its own block over the program's (top level or
// `shared`), key by key. Without any block: the defaults below.
struct OpenApiModel {
  std::optional<std::string> title;  // absent: the executable's name
  std::string version = "1.0.0";
  std::string description;                  // empty: none
  std::vector<OpenApiServerEntry> servers;  // empty: no `servers` in the document
  bool docs = true;                         // false: no GET /docs (LUX_DOCS=0 turns it off at run time)
  bool given = false;                       // some `openapi { }` block applies to this server
};

// A construct the checker accepts but code generation does not support (a `return` inside
// `finally`, ...): code generation reports it (E5001) at `at`.
struct UnsupportedUse {
  SourceRange at;
  std::string what;  // e.g. "`cors { }`"
};

struct HookModel {
  const ast::HookDecl* decl = nullptr;
  std::vector<ParamModel> params;
};

// A `test "name" { ... }` (check_tests.cpp): the server it runs against (-1: the program has
// none) and its wall-clock limit. Only `luxc test` generates code for it.
struct TestModel {
  const ast::TestDecl* decl = nullptr;
  std::string name;
  int server = -1;
  std::int64_t timeout_ms = 0;  // 0: the runner's default
};

struct ServerModel {
  const ast::ServerBlock* decl = nullptr;
  std::string name;  // empty for the unnamed server
  std::vector<EnvModel> env;
  std::optional<DbModel> db;
  std::optional<BackendModel> jobs_backend;  // `jobs { }`
  std::optional<BackendModel> bus_backend;   // `bus { }`
  HttpBlocksModel http;                      // `cors`, `rate_limit`, `cache`, `max_body`, `limits`
  std::vector<StaticModel> statics;             // `static` directories, in source order
  std::vector<WsModel> websockets;              // `ws` endpoints, in source order
  std::optional<CompressionModel> compression;  // `compression { }`
  SseModel sse;                                 // `sse { }`, and whether the server streams events
  MetricsModel metrics;                          // GET /metrics (`metrics { }`, or the defaults)
  std::optional<TlsModel> tls;               // `tls { }`
  std::optional<SessionModel> session;       // `session { }`
  const ast::Node* session_use = nullptr;    // the first `req.session` (E4860 without a block)
  bool has_auth = false;
  const ast::AuthDecl* auth = nullptr;     // the first `auth { ... }` block
  // Its literal `type` ("jwt" unless it says "api_key") and, for API keys, where the key is read:
  // the `header` (default X-API-Key) or the `query` parameter (OpenAPI's security scheme).
  std::string auth_type = "jwt";
  std::string api_key_header = "X-API-Key";
  std::string api_key_query;
  const ast::Expr* port = nullptr;         // the first `port N`: its value
  // The port it listens on by default, as written: `env PORT: Int = N`, else a literal `port N`,
  // else 3000.
  std::string default_port = "3000";
  std::vector<UnsupportedUse> unsupported;  // in source order
  std::vector<const ModelInfo*> models;
  std::vector<const FunctionModel*> functions;  // fn, background fn, middleware, in source order
  std::vector<const Symbol*> bindings;
  std::vector<ScheduleModel> schedules;
  std::vector<SubscribeModel> subscriptions;
  std::vector<PublishSite> publishes;
  std::vector<RouteModel> routes;
  std::vector<RouteGroupModel> groups;  // route groups, outer before inner, in source order
  std::vector<const ServiceModel*> services;
  std::vector<HookModel> hooks;
  std::string health_path;
  std::optional<UploadModel> upload;       // `upload { }`
  std::vector<ReadinessModel> readiness;   // `health "/path" { checks }`, in source order
  OpenApiModel openapi;
  // Functions of this server that other servers of the program call through `discover`
  // (exposed as POST /_lux/rpc/<fn>), in the order their first call was checked.
  std::vector<const FunctionModel*> rpc_functions;
  std::string displayName() const { return name.empty() ? "the unnamed server" : "server `" + name + "`"; }
};

// What the language server (compiler/lsp/) needs beyond code generation, recorded only when
// checkProgram is given CheckOptions::editor_tables.
struct EditorTables {
  // An options object (`db { }`, `discover ... with { }`, a schedule's `with { }`, ...) → the
  // keys its table accepts (aliases included), for completion inside it.
  llvm::DenseMap<const ast::ObjectExpr*, std::vector<std::string_view>> option_keys;
};

// What a plain `x = e` does (code generation emits a declaration or an assignment).
enum class AssignKind : uint8_t { Declare, Assign };

// The family's in-place list methods (`items.push(x)`, docs/language.md "Lists changed in place").
enum class InplaceMethod : uint8_t { Push, Append, Extend, Unshift, Insert, Pop, Shift, Remove, Clear, Sort, Reverse, Splice };

struct CheckedProgram {
  CheckedProgram() : builtins(types) {}
  ~CheckedProgram() = default;
  CheckedProgram(const CheckedProgram&) = delete;
  CheckedProgram& operator=(const CheckedProgram&) = delete;

  TypeTable types;
  Builtins builtins;
  std::deque<Symbol> symbols;
  std::deque<FunctionModel> function_store;
  std::deque<ModelInfo> model_store;
  std::deque<ServiceModel> service_store;

  std::vector<const RecordInfo*> records;  // shared first, then per server, in source order
  std::vector<const EnumInfo*> enums;
  std::vector<const FunctionModel*> shared_functions;
  std::vector<const Symbol*> shared_bindings;
  std::vector<ServerModel> servers;
  std::vector<PublishSite> shared_publishes;  // publishes in shared functions
  std::vector<TestModel> tests;  // in source order (inside servers and at top level)

  // NameExpr (and route handler) → the symbol it names.
  llvm::DenseMap<const ast::Node*, const Symbol*> resolved;
  // Expression → its type, where the checker knows it (absent means Dynamic).
  llvm::DenseMap<const ast::Node*, const Ty*> expr_types;
  llvm::DenseMap<const ast::Node*, AssignKind> assigns;
  // `s.upper()`, `xs.map(f)`: a method call on a String, list, Option, Result, number, Bool or
  // Duration that names a global built-in taking that value first: the call is `f(x, ...)`.
  llvm::DenseMap<const ast::Node*, const Builtin*> method_builtins;
  // A global built-in named as a value (`words.map(upper)`): the emitter wraps a call of it.
  llvm::DenseMap<const ast::Node*, const Builtin*> builtin_values;
  // Those of them on a value of unknown type: a function field of that name wins when it runs.
  llvm::DenseSet<const ast::Node*> dynamic_methods;
  // `p.norm()`, `Point.origin()`: a call of a method of an `impl`. `receiver_arg`: the value
  // before the `.` is the method's `self` (else the arguments are all there is).
  struct MethodCall {
    const FunctionModel* fn = nullptr;
    bool receiver_arg = false;
  };
  llvm::DenseMap<const ast::Node*, MethodCall> method_calls;
  // The Fetch API's `await response.json()` (false) / `response.text()` (true) on a JSON document
  // (`fetch`'s answer): its `body`, as text for `text()`.
  llvm::DenseMap<const ast::Node*, bool> fetch_bodies;
  // `if c { g = 1 } else { g = 2 }` then `g`: the variables an `if` with `else` (or a try and its
  // catch) binds in every branch, declared before that statement (Checker::hoistBranchBindings).
  llvm::DenseMap<const ast::Node*, std::vector<const Symbol*>> hoisted_locals;
  // `el.render()` on a value of unknown type where methods of the program have that name and
  // arity: each candidate in declaration order, tried on the value's shape when it runs (then the
  // built-in of the name, if the call also names one: method_builtins).
  llvm::DenseMap<const ast::Node*, std::vector<const FunctionModel*>> method_dispatch;
  // `Math.max(...xs)`: a spread argument that passes the list itself (Checker::checkSpreadArgs).
  llvm::DenseSet<const ast::Node*> spread_lists;
  // `a || b` that gives `a` when it is truthy, else `b` (a Json or Option left side).
  llvm::DenseSet<const ast::Node*> value_ors;
  // JavaScript's `Math.PI`, `Math.E`, ... (Floats) and `Number.EPSILON`, `Number.MAX_SAFE_INTEGER`, ...:
  // the C++ literal of the number.
  llvm::DenseMap<const ast::Node*, const char*> math_constants;
  // An argument reading `it` that the AST builder made a callback (`fn(it) argument`) but that is
  // the argument itself: a variable `it` is in scope and the place takes a value, not a function
  // (`fn(acc, it) acc + to_int(it.qty)`). Its body is the value (Checker::checkImplicitIt).
  llvm::DenseSet<const ast::Node*> implicit_it_values;
  // `Json` values where a value of a declared type is used (docs/language.md, "Dynamic values"):
  // an argument, a field, a typed binding or result, the receiver of a String built-in
  // (`req.body.title.trim()`), an operand compared with or computed with a typed one. The emitter
  // converts each where it is used; a failed conversion of a value the client sent answers 400
  // naming the place.
  llvm::DenseMap<const ast::Node*, JsonConversion> json_conversions;
  // `items.push(x)`: a list method that changes the binding's list in place (check_inplace.cpp).
  llvm::DenseMap<const ast::Node*, InplaceMethod> inplace_calls;
  // The names of a destructuring without `let`/`var` that assign a `var` in scope (`a, b = b, a`).
  llvm::DenseSet<const ast::Node*> destructure_assigns;
  // `User(1, "Alice")`: a call of a record type, its arguments the fields in declaration order.
  llvm::DenseMap<const ast::Node*, const RecordInfo*> positional_records;
  // Names the checker makes (`UserModel`, a service's name): symbols point into it, so it lives
  // as long as the model.
  llvm::StringSet<> made_names;
  std::unique_ptr<EditorTables> editor;  // null unless CheckOptions::editor_tables

  // A handler's multipart body as it reads it (`req.files`, `req.form.NAME`), by its request
  // parameter: the OpenAPI document's `multipart/form-data` request body.
  struct UploadUse {
    bool files = false;                    // `req.files`: parts that are files
    std::vector<std::string> form_fields;  // `req.form.NAME` (text fields), in first-use order
    bool whole_form = false;               // `req.form` read as a whole
  };
  std::map<const ast::Param*, UploadUse> upload_uses;
  // `UserModel.company(id)` / `UserModel.posts(id)`: a relation accessor call → its relation.
  llvm::DenseMap<const ast::Node*, const ModelRelation*> relation_calls;
};

}  // namespace lux
