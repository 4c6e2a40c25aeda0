// One server → one C++ namespace: its records, env settings, bindings, functions, middleware,
// hooks, route handlers (emit_routes.cpp) and `Register(lux::App&)`, the explicit registration
// function its main passes to lux::stdlib::ServerMain. emitServer reads top-down: the names, the
// header's part, the definitions, Register, the main.
// Jobs and schedules: emit_jobs.cpp; discover and RPC: emit_services.cpp; events:
// emit_events.cpp; db and models: emit_db.cpp; `auth { }` here. Blocks the checker accepts but
// this version does not generate code for (ServerModel::unsupported) are reported as E5001.
#include <fmt/format.h>

#include <functional>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

std::string namespaceName(const std::string& server) {
  if (server.empty()) return "server";
  std::string n;
  for (char c : server) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (std::isdigit(static_cast<unsigned char>(n[0]))) n = "s" + n;
  return safeName(n);
}

// An env setting's default as a C++ value (a literal; "" when none).
std::string envDefault(const ast::Expr* e) {
  if (!e) return "";
  if (auto* i = llvm::dyn_cast<ast::IntLit>(e)) return std::to_string(i->value);
  if (auto* f = llvm::dyn_cast<ast::FloatLit>(e)) return fmt::format("{}", f->value);
  if (auto* b = llvm::dyn_cast<ast::BoolLit>(e)) return b->value ? "true" : "false";
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) {
    if (n->name.name == "true" || n->name.name == "false") return n->name.name.str();
    return "";  // None
  }
  if (auto* s = llvm::dyn_cast<ast::StringLit>(e)) return "std::string(" + cppString(s->value) + ")";
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e)) {
    std::string inner = envDefault(u->operand);
    return inner.empty() ? "" : "-" + inner;
  }
  return "";
}

std::string bindingType(bool shared_var) { return shared_var ? "lux::stdlib::SharedVar" : "lux::Value"; }

}  // namespace

void Emitter::emitServer(size_t index, EmittedServer& result) {
  const ServerModel& sm = prog_.servers[index];
  cur_server_ = static_cast<int>(index);
  std::string ns = serverNamespace(sm);
  result.name = sm.name;
  result.executable = sm.name.empty() ? opts_.stem : opts_.stem + "-" + sm.name;
  result.setup_fn = "lux_program::" + ns + "::Register";
  result.port = std::atoi(sm.default_port.c_str());
  for (const UnsupportedUse& u : sm.unsupported) unsupported(u.at, u.what);
  assignMiddlewareRoles(sm);

  std::vector<const RecordInfo*> records;
  for (const RecordInfo* r : prog_.records)
    if (r->server == static_cast<int>(index)) records.push_back(r);
  declareServer(sm, index, ns, records);

  w_.beginSection(static_cast<int>(index), ns);
  emitServerFunctions(sm, records);
  // The OpenAPI document, computed now (no reflection at run time): served at /openapi.json
  // and the schema request bodies are validated against.
  if (!calls_) calls_ = callsInSourceOrder(prog_);
  result.openapi = openApiDocument(prog_, *calls_, sm, result.executable);
  std::vector<std::string> handlers = emitRoutes(sm);
  emitRegister(sm, index, result, handlers);
  emitTests(static_cast<int>(index));
  w_.endSection();
  headerLine(fmt::format("}}  // namespace {}", ns));

  result.main_cpp = opts_.tests ? testMain(static_cast<int>(index), "lux_program::" + ns, result.executable, result.setup_fn)
                                : serverMain(sm, ns, result);
  cur_server_ = -1;
}

// A server's namespace sits beside the shared code's names and the other servers' namespaces:
// `server "api"` next to a shared `fn api()` or `server "a_b"` next to `server "a-b"` gets a suffix.
std::string Emitter::serverNamespace(const ServerModel& sm) {
  if (namespaces_.empty()) {
    for (const RecordInfo* r : prog_.records)
      if (r->server < 0) namespaces_.insert(safeName(r->name));
    for (const EnumInfo* e : prog_.enums)
      if (e->server < 0) namespaces_.insert(safeName(e->name));
    for (const FunctionModel* fn : prog_.shared_functions) namespaces_.insert(fnName(fn));
    for (const Symbol* b : prog_.shared_bindings) namespaces_.insert(safeName(b->name));
  }
  std::string ns = namespaceName(sm.name);
  if (namespaces_.count(ns)) {
    std::string base = ns + "_server";
    ns = base;
    for (int i = 2; namespaces_.count(ns); ++i) ns = fmt::format("{}{}", base, i);
  }
  namespaces_.insert(ns);
  return ns;
}

// A middleware takes the request, then `next` (it wraps the handler) or the response (it
// decorates the answer), or the request alone (it runs before the handler, which it can answer
// instead by returning a response), or Express's three: the request, the response, `next`.
bool Emitter::takesNext(const FunctionModel* fn) { return nextParam(fn) >= 0; }

int Emitter::nextParam(const FunctionModel* fn) {
  if (fn->kind != SymbolKind::Middleware) return -1;
  if (fn->params.size() == 3) return 2;
  return fn->params.size() == 2 && fn->params[1].name == "next" ? 1 : -1;
}

void Emitter::assignMiddlewareRoles(const ServerModel& sm) {
  for (const FunctionModel* fn : sm.functions) {
    if (fn->kind != SymbolKind::Middleware) continue;
    std::vector<ParamRole> roles(fn->params.size(), ParamRole::Value);
    if (!roles.empty()) roles[0] = ParamRole::Request;
    if (roles.size() > 1) roles[1] = ParamRole::Response;
    if (int next = nextParam(fn); next >= 0) roles[next] = ParamRole::Next;
    fn_roles_[fn] = roles;
  }
}

// The header: this server's namespace with its records, env settings, bindings and the
// prototypes of everything its units define.
void Emitter::declareServer(const ServerModel& sm, size_t index, const std::string& ns,
                            const std::vector<const RecordInfo*>& records) {
  w_.intoHeader([&] {
    line("");
    line(sm.name.empty() ? "// --- server { }" : fmt::format("// --- server \"{}\"", sm.name));
    line(fmt::format("namespace {} {{", ns));
    line("");
    for (const EnumInfo* e : prog_.enums)
      if (e->server == static_cast<int>(index)) emitEnum(e);
    for (const RecordInfo* r : records) emitRecord(r);
    if (!sm.env.empty()) line("// env settings (read by Register)");
    for (const EnvModel& env : sm.env)
      line(fmt::format("extern lux::Value {};  // env {}: {}", safeName(env.name), env.name.str(), typeName(env.type)));
    if (!sm.bindings.empty()) line("// server bindings (initialised by Register, in source order)");
    for (const Symbol* b : sm.bindings) line(fmt::format("extern {} {};", bindingType(isSharedVar(b)), safeName(b->name)));
    line("extern const char* const kOpenApi;  // this server's OpenAPI 3 document");
    line("void Register(lux::App& app);");
    line("");
    for (const FunctionModel* fn : sm.functions)
      if (!fn->name.empty()) emitFunctionDecl(fn, false);
  });
}

// The records' conversions, the functions, hooks, scheduled tasks and event handlers.
void Emitter::emitServerFunctions(const ServerModel& sm, const std::vector<const RecordInfo*>& records) {
  emitConversions(cur_server_, records);
  for (const FunctionModel* fn : sm.functions) {
    if (fn->name.empty()) continue;
    piece();
    emitFunctionDecl(fn, true);
  }
  for (const HookModel& h : sm.hooks) emitHook(h);
  emitSchedules(sm);
  emitSubscriptions(sm);
  emitWsHooks(sm);
}

void Emitter::emitHook(const HookModel& h) {
  const ast::HookDecl* d = h.decl;
  std::vector<const ast::Param*> params(d->params.begin(), d->params.end());
  std::vector<ParamRole> roles;
  std::string sig;
  piece();
  lineDirective(d->range());
  switch (d->hook) {
    case ast::HookDecl::Hook::Start:
      sig = "lux::Value OnStart()";
      line("// on_start: after the port is bound, before the first request");
      break;
    case ast::HookDecl::Hook::Stop:
      sig = "lux::Value OnStop()";
      line("// on_stop: after in-flight requests drained");
      break;
    case ast::HookDecl::Hook::Error: {
      line("// on_error: an error a handler did not catch");
      roles = {ParamRole::Value, ParamRole::Request, ParamRole::Response};
      sig = "lux::Value OnError(";
      const char* types[] = {"const lux::Value& ", "lux::Request& ", "lux::Response& "};
      for (size_t i = 0; i < params.size() && i < 3; ++i) sig += (i ? ", " : "") + std::string(types[i]) + safeName(params[i]->name.name);
      sig += ")";
      break;
    }
  }
  headerLine(sig + ";");
  line(sig + " {");
  FnContext ctx;
  fn_ = &ctx;
  // A failed call returns from it; the server takes it (lux::rt::TakeCallFailure, emit_rpc.cpp).
  if (hasCallSites(d->body)) ctx.call_exits.push_back(CallExit::Returning());
  w_.indent();
  emitFunctionBody(params, roles, d->body, Target::ret());
  w_.dedent();
  fn_ = nullptr;
  line("}");
  line("");
}

// Registration (a unit of its own), with the definitions of the server's env settings,
// bindings and document. Parts register in a fixed order: settings, auth, data, services,
// events, the port, bindings, middleware, hooks, jobs, the documents, the routes.
//
// With one definition per unit (`luxc dev`, EmitOptions::pieces_per_unit 1) the registration is
// split further, so that an edit recompiles only the part it affects: the globals get a unit of
// their own, the OpenAPI document (which changes with every type a route or event uses) one that
// includes nothing (EmittedUnit::standalone: compiled without parsing the program header), and
// each part below that wrote something becomes a function `RegisterPartN(app)` in a
// unit of its own, which Register calls where the part's statements would stand. The program
// does the same things in the same order either way.
void Emitter::emitRegister(const ServerModel& sm, size_t index, const EmittedServer& server,
                           const std::vector<std::string>& handlers) {
  piece(/*alone=*/true);
  emitServerGlobals(sm, server.openapi);
  const std::vector<std::function<void()>> steps = {
      [&] { registerEnv(sm); },
      [&] { registerAuth(sm); },
      [&] { registerHttpBlocks(sm); },
      [&] { emitDbRegistrations(sm); },
      [&] { emitServiceRegistrations(sm); },
      [&] { emitEventRegistrations(sm, index); },
      [&] { registerPort(sm); },
      [&] { registerBindings(sm); },
      [&] { registerMiddleware(sm); },
      [&] { registerHooks(sm); },
      [&] { emitJobRegistrations(sm); },
      [&] { registerTlsAndSession(sm); },
      [&] { registerOpenApi(sm, server.executable); },
      [&] { registerUpload(sm); },
      [&] { registerSse(sm); },
      [&] { registerRoutes(sm, handlers); },
      [&] { registerWs(sm); },
      [&] { registerStaticAndCompression(sm); },
      [&] { registerMetrics(sm); },
  };
  if (opts_.pieces_per_unit != 1) {
    lineDirective(sm.decl->range());
    line("void Register(lux::App& app) {");
    w_.indent();
    for (const auto& step : steps) step();
    w_.dedent();
    line("}");
    return;
  }
  // Split: each step's statements at the indent of a function body, without Register's.
  struct Part {
    std::string name;
    std::string text;
  };
  std::vector<Part> parts;
  for (const auto& step : steps) {
    w_.forgetLine();
    std::string text = w_.capture(step);
    if (!text.empty()) parts.push_back({fmt::format("RegisterPart{}", parts.size() + 1), std::move(text)});
  }
  piece(/*alone=*/true);
  for (const Part& p : parts) line(fmt::format("void {}(lux::App& app);", p.name));
  lineDirective(sm.decl->range());
  line("void Register(lux::App& app) {");
  for (const Part& p : parts) line(fmt::format("  {}(app);", p.name));
  line("}");
  for (const Part& p : parts) {
    piece(/*alone=*/true);
    lineDirective(sm.decl->range());
    line(fmt::format("void {}(lux::App& app) {{", p.name));
    w_.append(p.text);
    w_.forgetLine();
    line("}");
  }
}

void Emitter::registerMetrics(const ServerModel& sm) {
  const MetricsModel& m = sm.metrics;
  if (m.decl) lineDirective(m.decl->range());
  std::string fields;
  if (!m.enabled) fields += ".enabled = false, ";
  if (m.path != "/metrics") fields += ".path = " + cppString(m.path) + ", ";
  if (m.port) fields += fmt::format(".port = {}, ", m.port);
  fields += ".program = " + cppString(opts_.stem);
  if (m.program_serves_path) fields += ", .program_serves_path = true";
  if (!sm.name.empty()) fields += ", .server = " + cppString(sm.name);  // service.name, lux_build_info{server}
  line(fmt::format("lux::ServeMetrics(app, {{{}}});", fields));
}

// `tls { }` and `session { }`: their option objects, read by the runtime at start.
void Emitter::registerTlsAndSession(const ServerModel& sm) {
  for (auto [decl, fn] : {std::pair{sm.tls ? sm.tls->decl : nullptr, "ConfigureTls"},
                          std::pair{sm.session ? sm.session->decl : nullptr, "ConfigureSession"}}) {
    if (!decl || !decl->config) continue;
    lineDirective(decl->range());
    FnContext ctx;
    fn_ = &ctx;
    bool ms = sm.session && decl == sm.session->decl && sm.session->max_age_duration;
    line(fmt::format("lux::stdlib::{}(app, {}{});", fn, expr(decl->config), ms ? ", /*max_age_is_duration=*/true" : ""));
    fn_ = nullptr;
  }
}

void Emitter::emitServerGlobals(const ServerModel& sm, const std::string& openapi) {
  if (!sm.env.empty()) line("// env settings (read by Register)");
  for (const EnvModel& env : sm.env) {
    lineDirective(env.decl->range());
    line(fmt::format("lux::Value {};  // env {}: {}", safeName(env.name), env.name.str(), typeName(env.type)));
  }
  if (!sm.bindings.empty()) line("// server bindings (initialised by Register, in source order)");
  for (const Symbol* b : sm.bindings) {
    lineDirective(b->range);
    line(fmt::format("{} {};", bindingType(isSharedVar(b)), safeName(b->name)));
  }
  if (opts_.pieces_per_unit == 1) {
    // A unit of its own that includes nothing (EmittedUnit::standalone): the header's declaration
    // repeated, which gives the constant external linkage.
    piece(/*alone=*/true, /*standalone=*/true);
    line("extern const char* const kOpenApi;");
  }
  line("// The OpenAPI 3 document of this server, computed by luxc.");
  if (openapi.find(")luxopenapi\"") == std::string::npos)
    line("const char* const kOpenApi = R\"luxopenapi(" + openapi + ")luxopenapi\";");
  else
    line("const char* const kOpenApi = " + cppString(openapi) + ";");
  line("");
}

// Each env setting read from the environment (or its default); PORT and HOST set the listener.
void Emitter::registerEnv(const ServerModel& sm) {
  for (const EnvModel& env : sm.env) {
    std::string n = env.name.str();
    std::string def = envDefault(env.decl->default_value);
    const Ty* t = env.type;
    bool opt = t && t->kind == TyKind::Option;
    const Ty* st = opt ? t->elem : t;
    const char* fnk = !st ? "String"
                      : st->kind == TyKind::Int ? "Int"
                      : st->kind == TyKind::Float ? "Float"
                      : st->kind == TyKind::Bool ? "Bool"
                                                 : "String";
    if (opt) line(fmt::format("{} = lux::ToValue(lux::EnvOpt{}({}));", safeName(env.name), fnk, cppString(n)));
    else if (def.empty()) line(fmt::format("{} = lux::ToValue(lux::Env{}({}));", safeName(env.name), fnk, cppString(n)));
    else line(fmt::format("{} = lux::ToValue(lux::Env{}({}, {}));", safeName(env.name), fnk, cppString(n), def));
    if ((n == "PORT" && std::string(fnk) == "Int") && !opt)
      line(fmt::format("app.options().port = static_cast<int>({}.AsInt());", safeName(env.name)));
    if (n == "HOST" && std::string(fnk) == "String" && !opt) line(fmt::format("app.options().host = {}.AsString();", safeName(env.name)));
  }
}

void Emitter::registerAuth(const ServerModel& sm) {
  if (!sm.auth || !sm.auth->config) return;
  FnContext ctx;
  fn_ = &ctx;
  lineDirective(sm.auth->range());
  line(fmt::format("lux::stdlib::RegisterAuth(app, {});", expr(sm.auth->config)));
  fn_ = nullptr;
}

// `port N` (an `env PORT` setting, read by registerEnv, takes precedence).
void Emitter::registerPort(const ServerModel& sm) {
  if (!sm.port) return;
  for (const EnvModel& env : sm.env)
    if (env.name == "PORT") return;
  line(fmt::format("app.options().port = static_cast<int>({}.AsInt());", expr(sm.port)));
}

// The server's bindings, initialised in source order.
void Emitter::registerBindings(const ServerModel& sm) {
  for (const Symbol* b : sm.bindings) {
    const auto* vd = llvm::dyn_cast_or_null<ast::VarDecl>(b->decl);
    if (!vd || !vd->init) continue;
    FnContext ctx;
    fn_ = &ctx;
    lineDirective(vd->range());
    bool shared = isSharedVar(b);
    if (llvm::isa<ast::IfExpr, ast::MatchExpr, ast::BlockExpr>(vd->init)) {
      if (shared) {
        std::string t = temp();
        line(fmt::format("lux::Value {};", t));
        exprInto(vd->init, Target::assign(t));
        line(fmt::format("{}.Store({});", safeName(b->name), t));
      } else {
        exprInto(vd->init, Target::assign(safeName(b->name)));
      }
    } else if (shared) {
      line(fmt::format("{}.Store({});", safeName(b->name), expr(vd->init)));
    } else {
      line(fmt::format("{} = {};", safeName(b->name), expr(vd->init)));
    }
    fn_ = nullptr;
  }
}

void Emitter::registerMiddleware(const ServerModel& sm) {
  for (const FunctionModel* fn : sm.functions) {
    if (fn->kind != SymbolKind::Middleware || fn->name.empty() || fn->group >= 0) continue;  // a group's: its routes'
    lineDirective(fn->decl->range());
    std::vector<ParamRole> roles = rolesFor(fn);
    if (roles.size() == 2 && roles[1] == ParamRole::Response)
      line(fmt::format("app.UseDecorator({});", decoratorStage(fn)));
    else
      line(fmt::format("app.Use({});", middlewareStage(fn)));
  }
}

void Emitter::registerHooks(const ServerModel& sm) {
  for (const HookModel& h : sm.hooks) {
    lineDirective(h.decl->range());
    switch (h.decl->hook) {
      case ast::HookDecl::Hook::Start: line("app.OnStart([] { OnStart(); });"); break;
      case ast::HookDecl::Hook::Stop: line("app.OnStop([] { OnStop(); });"); break;
      case ast::HookDecl::Hook::Error: {
        // A hook that takes `res` gets one of its own, with the default answer's status and no
        // body: what it sends (`res.status(503).json(...)`) is the answer; else what it returns,
        // with that status.
        const bool own = h.params.size() > 2;
        std::string args = "error.ToValue()";
        if (h.params.size() > 1) args += ", req";
        if (own) args += ", own";
        line("app.OnError([](const lux::Error& error, lux::Request& req, lux::Response& res) {");
        line("  if (error.exposed()) return res;  // a client error (bad parameter, 404): answered as is");
        if (own) {
          line("  lux::Response own;");
          line("  own.status = res.status;");
        }
        line(fmt::format("  lux::Value answer = OnError({});", args));
        if (hasCallSites(h.decl->body))  // its failed call: the default answer (HandleError takes it)
          line("  if (lux::rt::CallFailed()) return res;");
        if (own) {
          line("  if (own.sent()) return own;");
          line("  if (answer.IsNull()) { res.status = own.status; return res; }  // the default body");
        } else {
          line("  if (answer.IsNull()) return res;  // the default answer");
        }
        line(fmt::format("  return lux::stdlib::ToResponse(answer, lux::Respond({}, answer));  // a plain value: the body",
                         own ? "own.status" : "res.status"));
        line("});");
        break;
      }
    }
  }
}

// GET /openapi.json and GET /docs, unless the program serves those paths itself; the health route.
void Emitter::registerOpenApi(const ServerModel& sm, const std::string& title) {
  bool own_openapi = false;
  for (const RouteModel& r : sm.routes) own_openapi |= r.path == "/openapi.json";
  if (!own_openapi) {
    line("app.Get(\"/openapi.json\", [](lux::Request&) { return lux::stdlib::OpenApiResponse(kOpenApi); });");
    bool own_docs = false;
    for (const RouteModel& r : sm.routes) own_docs |= r.path == "/docs" || r.path.rfind("/docs/", 0) == 0;
    if (!own_docs && sm.openapi.docs) line(fmt::format("lux::ServeDocs(app, {});", cppString(sm.openapi.title.value_or(title))));
  }
  if (!sm.health_path.empty())
    line(fmt::format("lux::ServeLiveness(app, {});", cppString(sm.health_path)));
}

void Emitter::registerRoutes(const ServerModel& sm, const std::vector<std::string>& handlers) {
  size_t route_no = 0;
  for (const RouteModel& r : sm.routes) {
    lineDirective(r.decl->range());
    std::vector<std::string> chain = routeMiddleware(sm, r);
    std::string list;
    for (size_t k = 0; k < chain.size(); ++k) list += (k ? ", " : "") + chain[k];
    line(fmt::format("app.Route({}, {}, &{}{});", cppString(r.method), cppString(r.path), handlers[route_no++],
                     chain.empty() ? "" : ", {" + list + "}"));
  }
}

// A route's own middleware, in the order it runs: per enclosing group from the outermost, its
// Deprecation/Sunset headers, its modifiers and its middleware; then the route's modifiers.
std::vector<std::string> Emitter::routeMiddleware(const ServerModel& sm, const RouteModel& r) {
  std::vector<int> groups;
  for (int g = r.group; g >= 0; g = sm.groups[g].parent) groups.insert(groups.begin(), g);
  std::vector<std::string> chain;
  for (int g : groups) {
    const RouteGroupModel& gm = sm.groups[g];
    if (!gm.deprecation_header.empty() || !gm.sunset_header.empty())
      chain.push_back(fmt::format("lux::RouteDeprecation(app, {}, {})", cppString(gm.deprecation_header),
                                  cppString(gm.sunset_header)));
    for (const RouteModifierUse& u : gm.modifiers) chain.push_back(modifierCall(u));
    for (const FunctionModel* fn : gm.middleware) {
      if (!fn->name.empty()) chain.push_back(middlewareStage(fn));
    }
  }
  for (const RouteModifierUse& u : r.modifiers) chain.push_back(modifierCall(u));
  return chain;
}

// `factory(app, args...)` of a modifier's row (check/route_modifiers.def).
std::string Emitter::modifierCall(const RouteModifierUse& u) {
  if (u.guard) return guardCall(u);
  std::string args;
  std::string strings;
  for (const RouteModifierUse::Arg& a : u.args) {
    if (u.variadic) strings += (strings.empty() ? "" : ", ") + cppString(a.text);
    else args += ", " + (a.is_int ? fmt::format("INT64_C({})", a.int_value) : cppString(a.text));
  }
  if (u.variadic) args += ", std::vector<std::string>{" + strings + "}";
  return fmt::format("{}(app{})", u.factory, args);
}

// A function of the program after `with`: `with auth` runs `auth(req, next)` (or `auth(req)`)
// as the middleware; `with role("admin")` calls `role("admin")` once, at registration, and runs the
// function it returns (lux::stdlib::GuardMiddleware, stdlib/src/guards.cpp).
std::string Emitter::guardCall(const RouteModifierUse& u) {
  const FunctionModel* fn = u.guard;
  if (!u.decl->parens && u.decl->args.empty()) {
    std::string args;
    for (size_t i = 0; i < fn->params.size(); ++i) args += fmt::format("{}lux::stdlib::Arg(a, {})", i ? ", " : "", i);
    return fmt::format("lux::stdlib::GuardMiddleware(lux::Value(lux::Function([](const std::vector<lux::Value>& a) "
                       "-> lux::Value {{ return {}({}); }})), {})",
                       fnName(fn), args, fn->params.size());
  }
  std::string args;
  for (size_t i = 0; i < u.decl->args.size(); ++i) args += (i ? ", " : "") + expr(u.decl->args[i]);
  // The guard is what the function returns: its parameter count when its result's type shows it
  // (declared, or the type of the lambda its body ends with).
  const Ty* result = fn->result;
  if ((!result || result->kind != TyKind::Fn) && fn->decl && fn->decl->body)
    if (const ast::Expr* last = fn->decl->body->resultExpr()) result = typeOf(last);
  int params = result && result->kind == TyKind::Fn ? static_cast<int>(result->params.size()) : -1;
  return fmt::format("lux::stdlib::GuardMiddleware({}({}), {})", fnName(fn), args, params);
}

// A server with event streams, channels or `stream(...)`: the stream options and the realtime
// hub, linked through Redis when the server's bus is (its literal URL; LUX_BUS_URL at run time).
void Emitter::registerSse(const ServerModel& sm) {
  if (!sm.sse.used && !sm.sse.decl) return;
  if (sm.sse.decl) lineDirective(sm.sse.decl->range());
  std::string redis;
  if (sm.sse.realtime && !sm.sse.adapter.empty()) {
    FnContext ctx;  // the url may read an env setting
    fn_ = &ctx;
    redis = fmt::format(", {{\"adapter\", lux::Value({})}}", cppString(sm.sse.adapter));
    if (sm.sse.url) redis += fmt::format(", {{\"url\", lux::Value({})}}", expr(sm.sse.url));
    fn_ = nullptr;
  } else if (sm.bus_backend && sm.bus_backend->redis() && sm.bus_backend->literal_url) {
    redis = fmt::format(", {{\"adapter\", lux::Value(\"redis\")}}, {{\"url\", lux::Value({})}}", cppString(sm.bus_backend->url));
  }
  line(fmt::format("lux::ConfigureSse(app, lux::Value{{{{\"heartbeat\", lux::Value(INT64_C({}))}}, {{\"retry\", lux::Value(INT64_C({}))}}, "
                   "{{\"max_queue\", lux::Value(INT64_C({}))}}, {{\"max_queue_bytes\", lux::Value(INT64_C({}))}}{}}});",
                   sm.sse.heartbeat_s, sm.sse.retry_ms, sm.sse.max_queue, sm.sse.max_queue_bytes, redis));
}

void Emitter::registerStaticAndCompression(const ServerModel& sm) {
  for (const StaticModel& st : sm.statics) {
    lineDirective(st.decl->range());
    line(fmt::format("lux::ServeStatic(app, {{{}, {}, {}}});", cppString(st.prefix), cppString(st.dir),
                     cppString(st.fallback)));
  }
  if (!sm.compression || !sm.compression->enabled) return;
  const CompressionModel& c = *sm.compression;
  std::string types;
  for (const std::string& t : c.types) types += (types.empty() ? "" : ", ") + cppString(t);
  lineDirective(c.decl->range());
  line(fmt::format("lux::EnableCompression(app, {{{}, {}, {{{}}}}});", c.min_size, c.level, types));
}

// The server's main translation unit: its env settings (for --help) and a call to ServerMain.
std::string Emitter::serverMain(const ServerModel& sm, const std::string& ns, const EmittedServer& server) const {
  std::string env_specs;
  for (const EnvModel& env : sm.env)
    env_specs += fmt::format("    {{{}, {}, {}}},\n", cppString(env.name), cppString(typeName(env.type)), cppString(env.default_text));
  std::string base = opts_.source_name;
  size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string m = fmt::format("// Generated by luxc from {} — do not edit. The main of {}.\n", base, sm.displayName());
  m += "#include <lux/stdlib_main.h>\n\n";
  m += fmt::format("namespace lux_program::{} {{\nvoid Register(lux::App& app);\n}}  // namespace lux_program::{}\n\n", ns, ns);
  if (!env_specs.empty()) m += "static const lux::stdlib::EnvSpec kEnv[] = {\n" + env_specs + "};\n\n";
  m += "int main(int argc, char** argv) {\n";
  m += fmt::format("  return lux::stdlib::ServerMain(argc, argv, {}, &{}, {}, {});\n", cppString(server.executable),
                   server.setup_fn, env_specs.empty() ? "nullptr" : "kEnv", env_specs.empty() ? "0" : "sizeof kEnv / sizeof kEnv[0]");
  m += "}\n";
  return m;
}

}  // namespace lux::emit
