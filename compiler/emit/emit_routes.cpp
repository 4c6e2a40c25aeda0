// Route handlers: per route a `RouteN(lux::Request&)` that binds each handler parameter from
// the path, the query or the body (converted to its declared type; a bad value answers 400
// naming the parameter; a list, record or Option of one is checked against its OpenAPI schema
// first, as a typed body is), calls the handler and turns its value into the response. A lambda
// handler becomes a function of its own (`RouteNBody`). A route's `body: T` is validated and
// converted first (lux::stdlib::TypeRequestBody). Entry point: emitRoutes (emit_server.cpp
// registers the handlers it names).
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

std::vector<std::string> Emitter::emitRoutes(const ServerModel& sm) {
  std::vector<std::string> handlers;
  for (const RouteModel& r : sm.routes) {
    handlers.push_back(fmt::format("Route{}", handlers.size() + 1));
    piece();
    route_defers_ = defersCalls(sm, r);
    emitRoute(r, handlers.back());
    route_defers_ = false;
  }
  return handlers;
}

void Emitter::emitRoute(const RouteModel& r, const std::string& hname) {
  std::string target;
  std::vector<ParamRole> roles;
  if (r.handler) {
    target = fnName(r.handler);
    roles = rolesFor(r.handler);
  } else if (r.lambda) {
    target = lambdaHandler(r, hname, roles);
  } else {
    unsupported(r.decl->range(), "this route handler");
    return;
  }
  lineDirective(r.decl->range());
  if (r.sse) return emitSseRoute(r, hname, target);
  line(fmt::format("// route {} {}", r.method, r.path));
  bool uses_req = route_defers_ && route_answers_;
  for (const RouteParamBinding& b : r.bindings) uses_req |= b.source != ParamSource::Response;
  uses_req |= r.body_type != nullptr;
  headerLine(fmt::format("lux::Response {}(lux::Request& req);  // route {} {}", hname, r.method, r.path));
  line(fmt::format("lux::Response {}(lux::Request&{}) {{", hname, uses_req ? " req" : ""));
  w_.indent();
  if (const Ty* bt = r.body_type) {
    // `body: T` / `body: [T]`: validated and converted before anything reads it.
    bool list = bt->kind == TyKind::Array;
    const RecordInfo* rec = list ? bt->elem->record : bt->record;
    line(fmt::format("lux::stdlib::TypeRequestBody<{}>(req, kOpenApi, {}, {});", safeName(rec->name),
                     cppString(rec->name), list ? "true" : "false"));
  }
  bool takes_res = false;
  std::vector<std::string> args;
  for (const RouteParamBinding& b : r.bindings) {
    takes_res |= b.source == ParamSource::Response;
    args.push_back(bindRouteParam(b));
  }
  if (takes_res) line("lux::Response res;");
  std::string call = "(" + target + ")(";  // no argument-dependent lookup (lux::ToJson & co.)
  for (size_t i = 0; i < args.size(); ++i) call += (i ? ", " : "") + args[i];
  call += ")";
  if (route_defers_) {  // a failed call the handler returned (emit_rpc.cpp)
    line(fmt::format("lux::Value handler_value_ = {};", call));
    // Without middleware of its own the route answers it; else it hands it back through them.
    line(route_answers_ ? "if (lux::rt::CallFailed()) return lux::rt::AnswerFailedCall(req);"
                        : "if (lux::rt::CallFailed()) return lux::rt::FailedResponse();");
    call = "std::move(handler_value_)";
  }
  if (takes_res) line(fmt::format("return lux::stdlib::ToResponse({}, std::move(res));", call));
  else line(fmt::format("return lux::stdlib::ToResponse({});", call));
  w_.dedent();
  line("}");
  line("");
}

// An `sse` route: the response is the event stream, whose producer calls the handler with the
// stream's `send` and `close` (lux::rt::SseResponse); `req` outlives the stream.
void Emitter::emitSseRoute(const RouteModel& r, const std::string& hname, const std::string& target) {
  line(fmt::format("// sse {}", r.path));
  headerLine(fmt::format("lux::Response {}(lux::Request& req);  // sse {}", hname, r.path));
  line(fmt::format("lux::Response {}(lux::Request& req) {{", hname));
  w_.indent();
  std::string args;
  bool takes_req = false;
  for (const RouteParamBinding& b : r.bindings) {
    takes_req |= b.source == ParamSource::Request;
    args += std::string(args.empty() ? "" : ", ") + (b.source == ParamSource::Request ? "req" : safeName(b.name));
  }
  std::string send = r.bindings.size() >= 1 ? safeName(r.bindings[takes_req ? 1 : 0].name) : "send";
  std::string close = r.bindings.size() >= (takes_req ? 3u : 2u) ? safeName(r.bindings.back().name) : "";
  if (send == "req" || close == "req") {  // named `req` without being the request: renamed in C++
    unsupported(r.lambda->range(), "an `sse` handler whose `send` or `close` is named `req`");
  }
  line(fmt::format("return lux::rt::SseResponse(req, [{}](const lux::Value& {}, const lux::Value&{}) {{", takes_req ? "&req" : "",
                   send, close.empty() ? "" : " " + close));
  w_.indent();
  std::string call = fmt::format("({})({})", target, args);
  // A failed call it returns is taken by the stream (lux::rt::SseResponse).
  line(call + ";");
  w_.dedent();
  line("});");
  w_.dedent();
  line("}");
  line("");
}

// A lambda handler as a function of its own; returns its name and fills the parameters' roles.
std::string Emitter::lambdaHandler(const RouteModel& r, const std::string& hname, std::vector<ParamRole>& roles) {
  const ast::LambdaExpr* lam = r.lambda;
  std::string target = hname + "Body";
  for (const RouteParamBinding& b : r.bindings)
    roles.push_back(b.source == ParamSource::Request    ? ParamRole::Request
                    : b.source == ParamSource::Response ? ParamRole::Response
                                                        : ParamRole::Value);
  std::vector<const ast::Param*> params(lam->params.begin(), lam->params.end());
  lineDirective(lam->range());
  std::string sig = "lux::Value " + target + "(";
  for (size_t i = 0; i < params.size(); ++i) {
    ParamRole role = i < roles.size() ? roles[i] : ParamRole::Value;
    std::string pn = safeName(params[i]->name.name);
    sig += (i ? ", " : "") + std::string(role == ParamRole::Request    ? "lux::Request& "
                                         : role == ParamRole::Response ? "lux::Response& "
                                                                       : "const lux::Value& ") + pn;
  }
  headerLine(sig + ");");
  line(sig + ") {");
  FnContext ctx;
  fn_ = &ctx;
  if (route_defers_) ctx.call_exits.push_back(CallExit::Returning());
  w_.indent();
  if (auto* b = llvm::dyn_cast<ast::BlockExpr>(lam->body)) {
    emitFunctionBody(params, roles, b, Target::ret());
  } else {
    prepareFunction(params, roles, lam->body);
    exprInto(lam->body, Target::ret());
  }
  w_.dedent();
  fn_ = nullptr;
  line("}");
  line("");
  return target;
}

// Declares one handler parameter from the request (as its declared type) and returns the
// argument to pass: its name, or `req` / `res` for the request and response themselves.
namespace {

// A plain enum (no variant carries a payload): read as a String, then checked against the
// variants by lux::stdlib::EnumParam. Null when `t` is no such enum.
const EnumInfo* plainEnumOf(const Ty* t) {
  if (!t || t->kind != TyKind::Enum || !t->enum_info) return nullptr;
  for (const VariantInfo& v : t->enum_info->variants)
    if (!v.payload.empty()) return nullptr;
  return t->enum_info;
}

// The C++ list of an enum's variant names: {"Asc", "Desc"}.
std::string variantList(const EnumInfo* e) {
  std::string out = "{";
  for (size_t i = 0; i < e->variants.size(); ++i) out += (i ? ", " : "") + cppString(e->variants[i].name);
  return out + "}";
}

// A body parameter that is no scalar nor a plain enum (nor an Option of one): a list, a record, an
// enum with payloads, an Option of one of these. Read from the JSON body, checked against its
// schema and converted to its type (lux::stdlib::BodyFieldAs, BodyAs).
bool structuredParam(const Ty* t) {
  if (!t || t->isDynamic()) return false;
  const Ty* st = t->kind == TyKind::Option ? t->elem : t;
  if (!st) return false;
  if (st->kind == TyKind::Array || st->kind == TyKind::Record) return true;
  return st->kind == TyKind::Enum && !plainEnumOf(st);
}

// The kind a parameter's text is parsed as: an enum's is its variant's name.
std::string paramKind(const Ty* t) { return plainEnumOf(t) ? "lux::stdlib::Kind::kString" : scalarKind(t); }

// `read` (a parameter's value), checked against the variants when `t` is a plain enum.
std::string enumChecked(const Ty* t, const std::string& read, const char* where, const std::string& name) {
  const EnumInfo* e = plainEnumOf(t);
  if (!e) return read;
  return fmt::format("lux::stdlib::EnumParam({}, \"{}\", {}, {})", read, where, name, variantList(e));
}

}  // namespace

// `read`, or the parameter's default when the client sent no value (`fn list(page: Int = 1)`).
std::string Emitter::withDefault(const RouteParamBinding& b, const std::string& read) {
  if (!b.default_value) return read;
  return fmt::format("lux::stdlib::OrDefault({}, {})", read, expr(b.default_value));
}

std::string Emitter::bindRouteParam(const RouteParamBinding& b) {
  const Ty* t = b.type ? b.type : prog_.types.dynamic();
  std::string name = cppString(b.name);
  std::string pn = safeName(b.name);
  if (pn == "req" || pn == "res") pn += "_";
  switch (b.source) {
    case ParamSource::Request: return "req";
    case ParamSource::Response: return "res";
    case ParamSource::Stream: return pn;  // bound by the runtime (emitSseRoute)
    case ParamSource::Path:
      line(fmt::format("const lux::Value {} = {};", pn,
                       enumChecked(t, fmt::format("lux::stdlib::PathParam(req, {}, {})", name, paramKind(t)),
                                   "path parameter", name)));
      break;
    case ParamSource::Query: {
      std::string read;
      const Ty* st = t->kind == TyKind::Array || t->kind == TyKind::Option ? t->elem : t;
      if (t->kind == TyKind::Array)
        read = fmt::format("lux::stdlib::QueryList(req, {}, {})", name, paramKind(st));
      else if (t->kind == TyKind::Option)
        read = fmt::format("lux::stdlib::QueryParam(req, {}, {}, true)", name, paramKind(st));
      else
        read = fmt::format("lux::stdlib::QueryParam(req, {}, {}, {})", name, paramKind(st),
                           t->isDynamic() || b.default_value ? "true" : "false");
      line(fmt::format("const lux::Value {} = {};", pn, withDefault(b, enumChecked(st, read, "query parameter", name))));
      break;
    }
    case ParamSource::Body:
      if (t->kind == TyKind::Record && t->record) {
        // Every bad field at once (against the OpenAPI schema), then the typed conversion.
        line(fmt::format("lux::stdlib::ValidateBody(req, kOpenApi, {}, {});", cppString(t->record->name), name));
        line(fmt::format("const lux::Value {} = lux::stdlib::BodyRecord<{}>(req, {});", pn, safeName(t->record->name), name));
      } else if (structuredParam(t)) {  // a list of records: checked and converted the same way
        line(fmt::format("const lux::Value {} = lux::stdlib::BodyAs<{}>(req, kOpenApi, {}, {});", pn, cppType(t),
                         cppString(openApiSchemaText(t)), name));
      } else {
        line(fmt::format("const lux::Value& {} = req.Json();", pn));  // the parsed body, not a copy
      }
      break;
    case ParamSource::BodyOrQuery: {
      bool optional = t->isDynamic() || t->kind == TyKind::Option || b.default_value;
      if (structuredParam(t)) {  // the body's field `name`, checked and converted to its type
        line(fmt::format("const lux::Value {} = {};", pn,
                         withDefault(b, fmt::format("lux::stdlib::BodyFieldAs<{}>(req, kOpenApi, {}, {}, {})", cppType(t),
                                                    cppString(openApiSchemaText(t)), name, optional ? "true" : "false"))));
        break;
      }
      const Ty* st = t->kind == TyKind::Option ? t->elem : t;
      line(fmt::format("const lux::Value {} = {};", pn,
                       withDefault(b, enumChecked(st, fmt::format("lux::stdlib::BodyOrQueryParam(req, {}, {}, {})", name,
                                                                  paramKind(st), optional ? "true" : "false"),
                                                  "body field", name))));
      break;
    }
  }
  return pn;
}

}  // namespace lux::emit
