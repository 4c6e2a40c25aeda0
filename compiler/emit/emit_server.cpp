// One server → one C++ namespace: its records, env settings, bindings, functions, middleware,
// hooks, one handler per route (parameters bound from path/query/body and converted to their
// declared types; a bad value answers 400 naming the parameter) and `Register(lux::App&)`,
// the explicit registration function its main passes to lux::stdlib::ServerMain.
// Jobs and schedules: emit_jobs.cpp; discover and RPC: emit_services.cpp; events:
// emit_events.cpp; db and models: emit_db.cpp; `auth { }` and `with auth` here. Blocks this
// version does not generate code for (cors, rate_limit) are reported as E5001 at their declaration.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

std::string scalarKind(const Ty* t);

namespace {

std::string namespaceName(const std::string& server) {
  if (server.empty()) return "server";
  std::string n;
  for (char c : server) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (std::isdigit(static_cast<unsigned char>(n[0]))) n = "s" + n;
  return safeName(n);
}

std::string envDefault(Emitter& em, const ast::Expr* e) {
  if (!e) return "";
  if (auto* i = llvm::dyn_cast<ast::IntLit>(e)) return std::to_string(i->value);
  if (auto* f = llvm::dyn_cast<ast::FloatLit>(e)) return fmt::format("{}", f->value);
  if (auto* b = llvm::dyn_cast<ast::BoolLit>(e)) return b->value ? "true" : "false";
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) {
    if (n->name.name == "true" || n->name.name == "false") return n->name.name.str();
    return "";  // None
  }
  if (auto* s = llvm::dyn_cast<ast::StringLit>(e)) return "std::string(" + em.cppString(s->value) + ")";
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e)) {
    std::string inner = envDefault(em, u->operand);
    return inner.empty() ? "" : "-" + inner;
  }
  return "";
}

}  // namespace

bool Emitter::checkSupported(const ServerModel& sm) {
  bool ok = true;
  auto refuse = [&](SourceRange r, const std::string& what) {
    unsupported(r, what);
    ok = false;
  };
  for (const ast::Decl* d : sm.decl->items) {
    if (auto* c = llvm::dyn_cast<ast::CorsDecl>(d)) refuse(c->keyword_range, "`cors { }`");
    else if (auto* rl = llvm::dyn_cast<ast::RateLimitDecl>(d)) refuse(rl->keyword_range, "`rate_limit { }`");
  }
  return ok;
}

void Emitter::emitServer(size_t index, EmittedServer& result) {
  const ServerModel& sm = prog_.servers[index];
  cur_server_ = static_cast<int>(index);
  // A server's namespace sits beside the shared code's names and the other servers' namespaces:
  // `server "api"` next to a shared `fn api()` or `server "a_b"` next to `server "a-b"` gets a suffix.
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
  result.name = sm.name;
  result.executable = sm.name.empty() ? opts_.stem : opts_.stem + "-" + sm.name;
  result.setup_fn = "lux_program::" + ns + "::Register";
  result.port = std::atoi(defaultPort(sm).c_str());
  checkSupported(sm);

  // The header: this server's namespace with its records, env settings, bindings and the
  // prototypes of everything its units define.
  std::vector<const RecordInfo*> records;
  for (const RecordInfo* r : prog_.records)
    if (r->server == static_cast<int>(index)) records.push_back(r);
  for (const FunctionModel* fn : sm.functions) {
    if (fn->kind == SymbolKind::Middleware) {
      std::vector<ParamRole> roles(fn->params.size(), ParamRole::Value);
      if (!roles.empty()) roles[0] = ParamRole::Request;
      if (roles.size() > 1) roles[1] = fn->params[1].name == "next" ? ParamRole::Next : ParamRole::Response;
      fn_roles_[fn] = roles;
    }
  }
  intoHeader([&] {
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
    for (const Symbol* b : sm.bindings)
      line(fmt::format("extern {} {};", isSharedVar(b) ? "lux::stdlib::SharedVar" : "lux::Value", safeName(b->name)));
    line("extern const char* const kOpenApi;  // this server's OpenAPI 3 document");
    line("void Register(lux::App& app);");
    line("");
    for (const FunctionModel* fn : sm.functions)
      if (!fn->name.empty()) emitFunctionDecl(fn, false);
  });

  beginSection(static_cast<int>(index), ns);
  if (!records.empty()) {
    piece();
    line("// --- records' JSON conversions");
    for (const RecordInfo* r : records) emitRecordConversions(r);
  }
  for (const FunctionModel* fn : sm.functions) {
    if (fn->name.empty()) continue;
    piece();
    emitFunctionDecl(fn, true);
  }

  // Hooks and scheduled tasks.
  for (const HookModel& h : sm.hooks) emitHook(h);
  emitSchedules(sm);
  emitSubscriptions(sm);

  // The OpenAPI document, computed now (no reflection at run time): served at /openapi.json
  // and the schema request bodies are validated against.
  result.openapi = openApiDocument(prog_, sm, result.executable);
  bool own_openapi = false;
  for (const RouteModel& r : sm.routes) own_openapi |= r.path == "/openapi.json";

  // Route handlers.
  int route_no = 0;
  std::vector<std::string> handlers;
  for (const RouteModel& r : sm.routes) {
    std::string hname = fmt::format("Route{}", ++route_no);
    handlers.push_back(hname);
    piece();
    std::string target;
    std::vector<ParamRole> roles;
    std::vector<const ast::Param*> lambda_params;
    const auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(r.decl->handler);
    if (r.handler) {
      target = fnName(r.handler);
      roles = rolesFor(r.handler);
    } else if (lam) {
      // A lambda handler becomes a function of its own.
      target = hname + "Body";
      for (const RouteParamBinding& b : r.bindings)
        roles.push_back(b.source == ParamSource::Request    ? ParamRole::Request
                        : b.source == ParamSource::Response ? ParamRole::Response
                                                            : ParamRole::Value);
      lambda_params.assign(lam->params.begin(), lam->params.end());
      lineDirective(lam->range());
      std::string sig = "lux::Value " + target + "(";
      for (size_t i = 0; i < lambda_params.size(); ++i) {
        ParamRole role = i < roles.size() ? roles[i] : ParamRole::Value;
        std::string pn = safeName(lambda_params[i]->name.name);
        sig += (i ? ", " : "") + std::string(role == ParamRole::Request    ? "lux::Request& "
                                             : role == ParamRole::Response ? "lux::Response& "
                                                                           : "const lux::Value& ") + pn;
      }
      headerLine(sig + ");");
      line(sig + ") {");
      FnContext ctx;
      fn_ = &ctx;
      ++indent_;
      if (auto* b = llvm::dyn_cast<ast::BlockExpr>(lam->body)) {
        emitFunctionBody(lambda_params, roles, b, Target::ret());
      } else {
        prepareFunction(lambda_params, roles, lam->body);
        exprInto(lam->body, Target::ret());
      }
      --indent_;
      fn_ = nullptr;
      line("}");
      line("");
    } else {
      unsupported(r.decl->range(), "this route handler");
      continue;
    }
    lineDirective(r.decl->range());
    line(fmt::format("// route {} {}", r.method, r.path));
    bool uses_req = false;
    for (const RouteParamBinding& b : r.bindings) uses_req |= b.source != ParamSource::Response;
    headerLine(fmt::format("lux::Response {}(lux::Request& req);  // route {} {}", hname, r.method, r.path));
    line(fmt::format("lux::Response {}(lux::Request&{}) {{", hname, uses_req ? " req" : ""));
    ++indent_;
    bool takes_res = false;
    std::vector<std::string> args;
    for (const RouteParamBinding& b : r.bindings) {
      const Ty* t = b.type ? b.type : prog_.types.dynamic();
      std::string name = cppString(b.name);
      std::string pn = safeName(b.name);
      if (pn == "req" || pn == "res") pn += "_";
      switch (b.source) {
        case ParamSource::Request: args.push_back("req"); continue;
        case ParamSource::Response:
          takes_res = true;
          args.push_back("res");
          continue;
        case ParamSource::Path:
          line(fmt::format("const lux::Value {} = lux::stdlib::PathParam(req, {}, {});", pn, name, scalarKind(t)));
          break;
        case ParamSource::Query:
          if (t->kind == TyKind::Array)
            line(fmt::format("const lux::Value {} = lux::stdlib::QueryList(req, {}, {});", pn, name, scalarKind(t->elem)));
          else if (t->kind == TyKind::Option)
            line(fmt::format("const lux::Value {} = lux::stdlib::QueryParam(req, {}, {}, true);", pn, name, scalarKind(t->elem)));
          else
            line(fmt::format("const lux::Value {} = lux::stdlib::QueryParam(req, {}, {}, {});", pn, name, scalarKind(t),
                             t->isDynamic() ? "true" : "false"));
          break;
        case ParamSource::Body:
          if (t->kind == TyKind::Record && t->record) {
            // Every bad field at once (against the OpenAPI schema), then the typed conversion.
            line(fmt::format("lux::stdlib::ValidateBody(req, kOpenApi, {}, {});", cppString(t->record->name), name));
            line(fmt::format("const lux::Value {} = lux::stdlib::BodyRecord<{}>(req, {});", pn, safeName(t->record->name), name));
          } else {
            line(fmt::format("const lux::Value& {} = req.Json();", pn));  // the parsed body, not a copy
          }
          break;
        case ParamSource::BodyOrQuery: {
          bool optional = t->isDynamic() || t->kind == TyKind::Option;
          const Ty* st = t->kind == TyKind::Option ? t->elem : t;
          line(fmt::format("const lux::Value {} = lux::stdlib::BodyOrQueryParam(req, {}, {}, {});", pn, name, scalarKind(st),
                           optional ? "true" : "false"));
          break;
        }
      }
      args.push_back(pn);
    }
    if (takes_res) line("lux::Response res;");
    std::string call = "(" + target + ")(";  // no argument-dependent lookup (lux::ToJson & co.)
    for (size_t i = 0; i < args.size(); ++i) call += (i ? ", " : "") + args[i];
    call += ")";
    if (takes_res) line(fmt::format("return lux::stdlib::ToResponse({}, std::move(res));", call));
    else line(fmt::format("return lux::stdlib::ToResponse({});", call));
    --indent_;
    line("}");
    line("");
  }


  // Registration, with the definitions of the server's env settings, bindings and document.
  piece(/*alone=*/true);
  if (!sm.env.empty()) line("// env settings (read by Register)");
  for (const EnvModel& env : sm.env) {
    lineDirective(env.decl->range());
    line(fmt::format("lux::Value {};  // env {}: {}", safeName(env.name), env.name.str(), typeName(env.type)));
  }
  if (!sm.bindings.empty()) line("// server bindings (initialised by Register, in source order)");
  for (const Symbol* b : sm.bindings) {
    lineDirective(b->range);
    line(fmt::format("{} {};", isSharedVar(b) ? "lux::stdlib::SharedVar" : "lux::Value", safeName(b->name)));
  }
  line("// The OpenAPI 3 document of this server, computed by luxc.");
  if (result.openapi.find(")luxopenapi\"") == std::string::npos)
    line("const char* const kOpenApi = R\"luxopenapi(" + result.openapi + ")luxopenapi\";");
  else
    line("const char* const kOpenApi = " + cppString(result.openapi) + ";");
  line("");
  lineDirective(sm.decl->range());
  line("void Register(lux::App& app) {");
  ++indent_;
  for (const EnvModel& env : sm.env) {
    std::string n = env.name.str();
    std::string def = envDefault(*this, env.decl->default_value);
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
  for (const ast::Decl* d : sm.decl->items) {
    if (auto* a = llvm::dyn_cast<ast::AuthDecl>(d); a && a->config) {
      FnContext ctx;
      fn_ = &ctx;
      lineDirective(a->range());
      line(fmt::format("lux::RegisterJwtAuth(app, lux::stdlib::JwtOptionsFrom({}));", expr(a->config)));
      fn_ = nullptr;
    }
  }
  emitDbRegistrations(sm);
  emitServiceRegistrations(sm);
  emitEventRegistrations(sm, index);
  for (const ast::Decl* d : sm.decl->items) {
    if (auto* pd = llvm::dyn_cast<ast::PortDecl>(d)) {
      bool env_port = false;
      for (const EnvModel& env : sm.env) env_port |= env.name == "PORT";
      if (!env_port) line(fmt::format("app.options().port = static_cast<int>({}.AsInt());", expr(pd->value)));
    }
  }
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
  for (const FunctionModel* fn : sm.functions) {
    if (fn->kind != SymbolKind::Middleware || fn->name.empty()) continue;
    std::vector<ParamRole> roles = rolesFor(fn);
    lineDirective(fn->decl->range());
    if (roles.size() > 1 && roles[1] == ParamRole::Next) {
      line(fmt::format("app.Use([](lux::Request& req, const lux::Next& next) {{ return lux::stdlib::ToResponse({}(req, next)); }});",
                       fnName(fn)));
    } else if (roles.size() > 1) {
      line(fmt::format("app.UseDecorator([](lux::Request& req, lux::Response& res) {{ {}(req, res); }});", fnName(fn)));
    } else {
      line(fmt::format("app.UseDecorator([](lux::Request& req, lux::Response&) {{ {}(req); }});", fnName(fn)));
    }
  }
  for (const HookModel& h : sm.hooks) {
    lineDirective(h.decl->range());
    switch (h.decl->hook) {
      case ast::HookDecl::Hook::Start: line("app.OnStart([] { OnStart(); });"); break;
      case ast::HookDecl::Hook::Stop: line("app.OnStop([] { OnStop(); });"); break;
      case ast::HookDecl::Hook::Error: {
        std::string args = "error.ToValue()";
        if (h.params.size() > 1) args += ", req";
        if (h.params.size() > 2) args += ", res";
        line("app.OnError([](const lux::Error& error, lux::Request& req, lux::Response& res) {");
        line("  if (error.exposed()) return res;  // a client error (bad parameter, 404): answered as is");
        line(fmt::format("  return lux::stdlib::ToResponse(OnError({}), res);", args));
        line("});");
        break;
      }
    }
  }
  emitJobRegistrations(sm);
  if (!own_openapi) {
    line("app.Get(\"/openapi.json\", [](lux::Request&) { return lux::stdlib::OpenApiResponse(kOpenApi); });");
    bool own_docs = false;
    for (const RouteModel& r : sm.routes) own_docs |= r.path == "/docs" || r.path.rfind("/docs/", 0) == 0;
    if (!own_docs && sm.openapi.docs)
      line(fmt::format("lux::ServeDocs(app, {});", cppString(sm.openapi.title.value_or(result.executable))));
  }
  if (!sm.health_path.empty())
    line(fmt::format("app.Get({}, [](lux::Request&) {{ return lux::Respond(200, lux::Value{{{{\"status\", \"ok\"}}}}); }});",
                     cppString(sm.health_path)));
  route_no = 0;
  for (const RouteModel& r : sm.routes) {
    lineDirective(r.decl->range());
    line(fmt::format("app.Route({}, {}, &{}{});", cppString(r.method), cppString(r.path), handlers[route_no++],
                     r.requires_auth ? ", {lux::RequireAuth(app)}" : ""));
  }
  --indent_;
  line("}");
  endSection();
  headerLine(fmt::format("}}  // namespace {}", ns));

  // The server's main translation unit.
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
  m += fmt::format("  return lux::stdlib::ServerMain(argc, argv, {}, &{}, {}, {});\n", cppString(result.executable),
                   result.setup_fn, env_specs.empty() ? "nullptr" : "kEnv", env_specs.empty() ? "0" : "sizeof kEnv / sizeof kEnv[0]");
  m += "}\n";
  result.main_cpp = std::move(m);
  cur_server_ = -1;
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
  ++indent_;
  emitFunctionBody(params, roles, d->body, Target::ret());
  --indent_;
  fn_ = nullptr;
  line("}");
  line("");
}

}  // namespace lux::emit
