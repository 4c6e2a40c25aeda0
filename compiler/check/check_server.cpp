// A server block: declaring its names (env, models, functions, bindings, services), then checking
// its parts in a fixed order. Also env settings (E4301/E4302), the `db { }` block (E4602; with
// adapter "postgres": E4706 without `url`, E4707 for an option of the other adapter),
// `model Name` over a missing type (E2501), lifecycle hooks and function bodies; its `openapi { }`
// block is check_openapi.cpp's.
// Entry points: Checker::declareServer, checkServer, checkFunctionBody.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {
// The runtime's kMaxPostgresPool (lux/db.h): each connection is a PostgreSQL server process.
constexpr int64_t kMaxDbPool = 1000;

const char* hookName(ast::HookDecl::Hook h) {
  switch (h) {
    case ast::HookDecl::Hook::Start: return "on_start";
    case ast::HookDecl::Hook::Stop: return "on_stop";
    case ast::HookDecl::Hook::Error: return "on_error";
  }
  return "on_start";
}

// The port a server listens on by default, as written.
std::string defaultPort(const ServerModel& sm) {
  for (const EnvModel& env : sm.env)
    if (env.name == "PORT" && !env.default_text.empty()) return env.default_text;
  if (auto* i = llvm::dyn_cast_or_null<ast::IntLit>(sm.port)) return std::to_string(i->value);
  return "3000";
}

}  // namespace

void Checker::declareServer(int index) {
  cur_server_ = index;
  Scope& scope = *server_scopes_[index];
  cur_ = &scope;
  ServerModel& sm = model_.servers[index];
  const ast::ServerBlock* sb = sm.decl;
  declareValues(sb->items, scope, index);
  declareRouteGroups(sm, sb->items, -1, scope);
  const ast::Decl* first_db = nullptr;
  const ast::Decl* first_auth = nullptr;
  const ast::PortDecl* first_port = nullptr;
  const ast::HookDecl* first_hook[3] = {nullptr, nullptr, nullptr};
  for (const ast::Decl* d : sb->items) {
    if (auto* env = llvm::dyn_cast<ast::EnvDecl>(d)) {
      EnvModel em;
      em.decl = env;
      em.name = env->name.name;
      em.type = resolveType(env->type);
      if (env->default_value) em.default_text = std::string(file_.slice(env->default_value->range()));
      // `= nil`, `= null`, `= undefined`: no default, shown as `None` (--help, the model).
      if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(env->default_value); n && ast::isNoneSpelling(n->name.name))
        em.default_text = "None";
      Symbol* sym = newSymbol(SymbolKind::Env, env->name.name, env->name.range, env, em.type);
      declare(scope, sym, sm.displayName());
      sm.env.push_back(std::move(em));
    } else if (auto* md = llvm::dyn_cast<ast::ModelDecl>(d)) {
      if (!md->has_body) declareModel(sm, md, scope);
    } else if (auto* db = llvm::dyn_cast<ast::DbDecl>(d)) {
      if (first_db) {
        diags_.report(DiagId::DuplicateDeclaration, db->keyword_range, "db", sm.displayName())
            .note(llvm::cast<ast::DbDecl>(first_db)->keyword_range, "the first `db` block is here");
      } else {
        first_db = db;
        sm.db.emplace();
        sm.db->decl = db;
      }
    } else if (auto* auth = llvm::dyn_cast<ast::AuthDecl>(d)) {
      if (first_auth) {
        diags_.report(DiagId::DuplicateDeclaration, auth->keyword_range, "auth", sm.displayName())
            .note(llvm::cast<ast::AuthDecl>(first_auth)->keyword_range, "the first `auth` block is here");
      } else {
        first_auth = auth;
        sm.auth = auth;
      }
      sm.has_auth = true;
    } else if (auto* disc = llvm::dyn_cast<ast::DiscoverDecl>(d)) {
      declareService(sm, disc, scope);
    } else if (auto* backend = llvm::dyn_cast<ast::BackendDecl>(d)) {
      if (backend->which == ast::BackendDecl::Kind::Compression) declareCompression(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Sse || backend->which == ast::BackendDecl::Kind::Realtime)
        declareSseOptions(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Upload) declareUpload(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Metrics) declareMetrics(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Tls || backend->which == ast::BackendDecl::Kind::Session)
        declareTlsOrSession(sm, backend);
      else declareBackend(sm, backend);
    } else if (auto* hook = llvm::dyn_cast<ast::HookDecl>(d)) {
      int k = static_cast<int>(hook->hook);
      SourceRange kw{hook->range().begin, hook->range().begin + static_cast<uint32_t>(strlen(hookName(hook->hook)))};
      if (first_hook[k]) {
        diags_.report(DiagId::DuplicateDeclaration, kw, hookName(hook->hook), sm.displayName())
            .note(SourceRange{first_hook[k]->range().begin, first_hook[k]->range().begin + static_cast<uint32_t>(strlen(hookName(hook->hook)))},
                  "the first one is here");
      } else {
        first_hook[k] = hook;
      }
    } else if (auto* port = llvm::dyn_cast<ast::PortDecl>(d)) {
      SourceRange kw{port->range().begin, port->range().begin + 4};  // `port`
      if (first_port) {
        diags_.report(DiagId::DuplicateDeclaration, kw, "port", sm.displayName())
            .note(SourceRange{first_port->range().begin, first_port->range().begin + 4}, "the first `port` is here");
      } else {
        first_port = port;
        sm.port = port->value;
      }
    } else if (llvm::isa<ast::CorsDecl>(d) || llvm::isa<ast::RateLimitDecl>(d) || llvm::isa<ast::CacheDecl>(d) ||
               llvm::isa<ast::LimitsDecl>(d)) {
      declareHttpBlock(sm, llvm::cast<ast::ConfigDecl>(d));
    }
  }
  sm.default_port = defaultPort(sm);
  std::stable_sort(sm.models.begin(), sm.models.end(),  // source order (models with fields came first)
                   [](const ModelInfo* a, const ModelInfo* b) { return a->decl->range().begin < b->decl->range().begin; });
}

void Checker::declareModel(ServerModel& sm, const ast::ModelDecl* md, Scope& scope) {
  ModelInfo& mi = model_.model_store.emplace_back();
  mi.decl = md;
  mi.name = md->name.name;
  mi.server = cur_server_;
  mi.from_type = true;
  Symbol* type_sym = lookup(md->name.name);
  if (type_sym && type_sym->kind == SymbolKind::Type && type_sym->record) {
    mi.record = type_sym->record;
    const_cast<RecordInfo*>(type_sym->record)->is_model = true;
    type_sym->reads++;
  } else {
    auto d = diags_.report(DiagId::ModelWithoutType, md->name.range, md->name.name.str(), md->name.name.str());
    if (type_sym) d.note(type_sym->range, fmt::format("`{}` is {}, not a record type", md->name.name.str(), symbolKindName(type_sym->kind)));
    d.help(fmt::format("declare `type {} {{ ... }}` in `shared {{ }}`, or list the model's fields: `model {} {{ name: String }}`",
                       md->name.name.str(), md->name.name.str()));
  }
  const Ty* self = mi.record ? types_.record(mi.record) : types_.dynamic();
  std::string alt = md->name.name.str() + "Model";
  Symbol* alt_sym = newSymbol(SymbolKind::Model, model_.made_names.insert(alt).first->getKey(), md->name.range, md, self);
  alt_sym->model = &mi;
  alt_sym->record = mi.record;
  declare(scope, alt_sym, sm.displayName());
  if (!scope.names.count(md->name.name)) {
    Symbol* sym = newSymbol(SymbolKind::Model, md->name.name, md->name.range, md, self);
    sym->model = &mi;
    sym->record = mi.record;
    scope.names.try_emplace(sym->name, sym);
  }
  sm.models.push_back(&mi);
}

void Checker::checkServer(int index) {
  cur_server_ = index;
  cur_ = server_scopes_[index].get();
  ServerModel& sm = model_.servers[index];
  for (EnvModel& env : sm.env) checkEnv(env);
  checkModelOptions(sm);
  for (const ast::Decl* d : sm.decl->items) {
    if (auto* db = llvm::dyn_cast<ast::DbDecl>(d)) checkDb(sm, db);
    if (auto* backend = llvm::dyn_cast<ast::BackendDecl>(d)) {
      if (backend->which == ast::BackendDecl::Kind::Compression) checkCompression(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Sse) checkSseOptions(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Realtime) checkRealtimeBlock(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Upload) checkUpload(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Metrics) checkMetrics(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Tls) checkTls(sm, backend);
      else if (backend->which == ast::BackendDecl::Kind::Session) checkSession(sm, backend);
      else checkBackend(sm, backend);
    }
    if (auto* st = llvm::dyn_cast<ast::StaticDecl>(d)) checkStatic(sm, st);
    if (auto* auth = llvm::dyn_cast<ast::AuthDecl>(d); auth && auth->config) checkAuth(sm, auth);
  }
  checkHttpBlocks(sm);
  for (const ServiceModel* svc : sm.services) checkService(const_cast<ServiceModel&>(*svc));
  checkFieldDefaults(sm.decl->items);
  for (const Symbol* b : sm.bindings) checkBindingInit(const_cast<Symbol*>(b), llvm::cast<ast::VarDecl>(b->decl));
  collectRouteBodies(sm);
  for (const FunctionModel* fn : sm.functions) checkFunctionBody(fn);
  for (const ast::Decl* d : sm.decl->items) {
    if (auto* hook = llvm::dyn_cast<ast::HookDecl>(d)) checkHook(sm, hook);
    else if (auto* sched = llvm::dyn_cast<ast::ScheduleDecl>(d)) checkSchedule(sm, sched);
    else if (auto* sub = llvm::dyn_cast<ast::SubscribeDecl>(d)) checkSubscribe(sm, sub);
    else if (auto* route = llvm::dyn_cast<ast::RouteDecl>(d)) checkRoute(sm, route);
    else if (auto* ws = llvm::dyn_cast<ast::WsDecl>(d)) checkWs(sm, ws, -1);
    else if (llvm::isa<ast::RoutesDecl>(d)) {
      ast::Decl* group = const_cast<ast::Decl*>(d);
      checkRouteGroupItems(sm, llvm::ArrayRef<ast::Decl*>(group), -1);
    }
    else if (auto* health = llvm::dyn_cast<ast::HealthDecl>(d)) checkHealth(sm, health);
    else if (auto* port = llvm::dyn_cast<ast::PortDecl>(d)) expectType(checkExpr(port->value), types_.get(TyKind::Int), port->value->range(), "`port`");
  }
  checkRouteDuplicates(sm);
  checkWsPaths(sm);
  checkStaticRoutes(sm);
  checkMetricsRoutes(sm);
  checkServerOpenApi(sm);
}

void Checker::checkEnv(EnvModel& env) {
  const ast::EnvDecl* d = env.decl;
  const Ty* t = env.type;
  const Ty* inner = t->kind == TyKind::Option ? t->elem : t;
  if (!d->type) return;  // the parser reported the missing type
  if (!t->isDynamic() && !inner->isScalar() && !inner->isDynamic()) {
    diags_.report(DiagId::EnvType, d->type->range(), d->name.name.str(), typeName(t))
        .help("read structured settings as a `String` and parse them, e.g. with `JSON.parse`");
  }
  if (t->kind == TyKind::Dynamic && d->type) {
    // `Any`: not an env type either.
    if (auto* nt = llvm::dyn_cast<ast::NamedType>(d->type); nt && nt->name.name == "Any")
      diags_.report(DiagId::EnvType, d->type->range(), d->name.name.str(), "Any");
  }
  if (!d->default_value) return;
  const ast::Expr* v = d->default_value;
  bool literal = llvm::isa<ast::IntLit>(v) || llvm::isa<ast::FloatLit>(v) || llvm::isa<ast::BoolLit>(v) ||
                 llvm::isa<ast::StringLit>(v);
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(v))
    literal = u->op == ast::UnaryOp::Neg && (llvm::isa<ast::IntLit>(u->operand) || llvm::isa<ast::FloatLit>(u->operand));
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(v)) literal = n->name.name == "None" || ast::isNoneSpelling(n->name.name);
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(v)) {
    auto* callee = llvm::dyn_cast<ast::NameExpr>(c->callee);
    literal = callee && callee->name.name == "Some" && c->args.size() == 1 &&
              (llvm::isa<ast::IntLit>(c->args[0]) || llvm::isa<ast::FloatLit>(c->args[0]) ||
               llvm::isa<ast::BoolLit>(c->args[0]) || llvm::isa<ast::StringLit>(c->args[0]));
  }
  if (!literal) {
    diags_.report(DiagId::EnvDefaultNotLiteral, v->range(), d->name.name.str())
        .help("the default is written into the executable's `--help`; compute derived values in `on_start`");
    return;
  }
  const Ty* vt = checkExpr(v);
  expectType(vt, t, v->range(), fmt::format("the default of env `{}`", d->name.name.str()), d->type->range(),
             "the type is declared here");
}

void Checker::checkDb(ServerModel& sm, const ast::DbDecl* db) {
  if (!sm.db || sm.db->decl != db || !db->config) return;
  static const OptionSpec kDbOptions[] = {
      {"path", "", OptionSpec::Kind::String},
      {"database", "path", OptionSpec::Kind::String},
      {"adapter", "", OptionSpec::Kind::String},
      {"driver", "adapter", OptionSpec::Kind::String},
      {"url", "", OptionSpec::Kind::String},
      {"pool", "", OptionSpec::Kind::Int},
  };
  auto entries = checkOptions(db->config, "`db`", kDbOptions);
  const ast::ObjectEntry* adapter = entries.lookup("adapter");
  if (adapter) sm.db->adapter_value = adapter->value;
  if (adapter) {
    if (auto* s = llvm::dyn_cast<ast::StringLit>(adapter->value)) {
      if (s->value != "sqlite" && s->value != "postgres")
        diags_.report(DiagId::DbAdapter, s->range(), s->value.str())
            .didYouMean(closestMatch(s->value, {std::string_view("sqlite"), std::string_view("postgres")}));
      sm.db->adapter = s->value.str();
    } else {
      sm.db->adapter = "";  // computed: the runtime checks it at start
    }
  }
  if (const ast::ObjectEntry* p = entries.lookup("path"))
    if (auto* s = llvm::dyn_cast<ast::StringLit>(p->value)) sm.db->path = s->value.str();
  const ast::ObjectEntry* url = entries.lookup("url");
  const ast::ObjectEntry* pool = entries.lookup("pool");
  if (url) sm.db->url = url->value;
  if (pool) sm.db->pool = pool->value;
  if (url && !adapter && selectDbByUrl(sm, url, pool)) return;
  if (auto* lit = url ? llvm::dyn_cast<ast::StringLit>(url->value) : nullptr) {
    sm.db->literal_url = lit->value.str();
    llvm::StringRef u = lit->value;
    if (!u.startswith("postgres://") && !u.startswith("postgresql://") && !u.contains('='))
      diags_.report(DiagId::OptionValue, lit->range(), "`db`", "url",
                    "a `postgres://` or `postgresql://` URL, or libpq `key=value` pairs", "\"" + u.str() + "\"")
          .help("e.g. \"postgres://app@127.0.0.1:5432/app\" or \"host=127.0.0.1 dbname=app user=app\"");
  }
  checkOptionMax(pool, "`db`", kMaxDbPool);
  if (sm.db->postgres()) {
    if (!url)
      diags_.report(DiagId::DbMissingUrl, adapter->value->range())
          .help("read it from the environment: `env DATABASE_URL: String` and `url: DATABASE_URL` (LUX_DB_URL also "
                "sets it when the server starts)");
    if (const ast::ObjectEntry* p = entries.lookup("path"))
      diags_.report(DiagId::DbOptionAdapter, p->key.range, p->key.name.str(), "postgres",
                    "the tables live in the database that `url` names, not in a file")
          .help("remove it, or name the database in the URL (postgres://user@host:5432/DBNAME)");
  } else if (sm.db->adapter == "sqlite") {
    for (const ast::ObjectEntry* en : {url, pool})
      if (en)
        diags_.report(DiagId::DbOptionAdapter, en->key.range, en->key.name.str(), "sqlite",
                      "an embedded database is a file (`path`)")
            .help(adapter ? "write `adapter: \"postgres\"` to use a PostgreSQL server"
                          : "add `adapter: \"postgres\"` to use a PostgreSQL server");
  }
}

// `db { url: ... }` without `adapter`/`driver`: the URL names the database. A literal decides
// here — `postgres://` / `postgresql://` (or libpq `key=value` pairs) is PostgreSQL, `sqlite:PATH`
// or a plain path is an SQLite file —; any other value decides when the server starts, by the
// same rule (lux::DbAdapterForUrl). Returns true when nothing is left to check.
bool Checker::selectDbByUrl(ServerModel& sm, const ast::ObjectEntry* url, const ast::ObjectEntry* pool) {
  auto* lit = llvm::dyn_cast<ast::StringLit>(url->value);
  if (!lit) {
    sm.db->adapter = "";  // decided at start from the URL's value
    return true;
  }
  llvm::StringRef u = lit->value;
  if (u.startswith("postgres://") || u.startswith("postgresql://") || u.contains('=')) {
    sm.db->adapter = "postgres";
    sm.db->literal_url = u.str();
    return false;  // the PostgreSQL checks apply
  }
  if (u.consume_front("sqlite://") || u.consume_front("sqlite:")) {}
  if (u.empty()) {
    diags_.report(DiagId::OptionValue, lit->range(), "`db`", "url",
                  "a `postgres://` URL, `sqlite:PATH` or a file path", "\"" + lit->value.str() + "\"")
        .help("e.g. \"sqlite:./data.db\" or \"postgres://app@127.0.0.1:5432/app\"");
    return true;
  }
  sm.db->adapter = "sqlite";
  sm.db->path = u.str();
  sm.db->url = nullptr;
  if (pool)
    diags_.report(DiagId::DbOptionAdapter, pool->key.range, "pool", "sqlite", "an embedded database is a file (`path`)")
        .help("the url names an SQLite file; remove `pool`, or give a `postgres://` URL");
  return true;
}

void Checker::checkHandlerParamCount(SourceRange at, const std::string& what, size_t found, size_t min, size_t max) {
  if (found >= min && found <= max) return;
  std::string expected = min == max       ? fmt::format("{}", min)
                         : max == min + 1 ? fmt::format("{} or {}", min, max)
                                          : fmt::format("{} to {}", min, max);
  diags_.report(DiagId::HandlerParamCount, at, what, expected, found);
}

void Checker::checkHook(ServerModel& sm, const ast::HookDecl* hook) {
  HookModel hm;
  hm.decl = hook;
  hm.params = makeParams(hook->params, fmt::format("`{}`", hookName(hook->hook)));
  SourceRange kw{hook->range().begin, hook->range().begin + static_cast<uint32_t>(strlen(hookName(hook->hook)))};
  if (hook->hook == ast::HookDecl::Hook::Error) {
    if (hook->fn_form) checkHandlerParamCount(kw, "`on_error`", hook->params.size(), 2, 3);
  } else {
    checkHandlerParamCount(kw, fmt::format("`{}`", hookName(hook->hook)), hook->params.size(), 0, 0);
  }
  pushScope(Scope::Kind::Function);
  for (size_t i = 0; i < hm.params.size(); ++i) {
    Symbol* p = declareLocal(hook->params[i]->name, SymbolKind::Param, hm.params[i].type, hook->params[i], false, false);
    (void)p;
  }
  const Ty* saved = cur_return_;
  cur_return_ = nullptr;
  cur_fn_name_ = hookName(hook->hook);
  if (hook->body) checkBlock(hook->body);
  cur_return_ = saved;
  popScope();
  sm.hooks.push_back(std::move(hm));
}

void Checker::checkFunctionBody(const FunctionModel* fn) {
  const ast::FnDecl* d = fn->decl;
  if (auto* bg = llvm::dyn_cast<ast::BackgroundFnDecl>(d)) checkBackgroundOptions(bg);
  if (fn->kind == SymbolKind::Middleware) {
    checkHandlerParamCount(d->name.empty() ? SourceRange{d->range().begin, d->range().begin + 10} : d->name.range,
                           d->name.empty() ? std::string("`middleware fn`") : fmt::format("`middleware fn {}`", d->name.name.str()),
                           d->params.size(), 1, 3);
  }
  pushScope(Scope::Kind::Function);
  noteReturnedParams(d->params, d->body);
  for (size_t i = 0; i < fn->params.size(); ++i) {
    const ast::Param* p = d->params[i];
    if (p->default_value) checkValueAgainst(p->default_value, checkExpr(p->default_value), fn->params[i].type,
                                            fmt::format("the default of parameter `{}`", p->name.name.str()));
    declareLocal(p->name, SymbolKind::Param, fn->params[i].type, p, false, false);
  }
  const Ty* saved = cur_return_;
  std::string saved_name = cur_fn_name_;
  const Ty* saved_self = self_type_;
  self_type_ = fn->owner_type;  // `Self` in a method's body
  cur_return_ = fn->annotated_result ? fn->result : nullptr;
  cur_fn_name_ = fn->owner.empty() ? fn->name.str() : fmt::format("{}.{}", fn->owner.str(), fn->name.str());
  if (d->body) {
    block_expected_ = cur_return_;
    const Ty* t = checkBlock(d->body);
    const ast::Expr* last = d->body->resultExpr();
    if (cur_return_ && last)
      model_.expr_types[d->body] = checkValueAgainst(last, t, cur_return_, fmt::format("the result of `{}`", fn->name.str()),
                                                     d->return_type->range(), "the return type is declared here");
  }
  cur_return_ = saved;
  cur_fn_name_ = saved_name;
  self_type_ = saved_self;
  popScope();
}

}  // namespace lux
