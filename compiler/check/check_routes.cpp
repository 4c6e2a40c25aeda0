// Routes: the method (E4201), the path's syntax (E4202, caret inside the literal), duplicate
// method+path (E4203, `:id` and `:name` in the same place collide, across route groups too), the
// handler (E4204), the `with` modifiers (check_route_modifiers.cpp), and how each handler parameter is bound: `req`/`res` → the request and
// response, `:name` → the path, others → the query string (GET, DELETE, HEAD, OPTIONS) or the body
// (POST, PUT, PATCH; a record-typed parameter takes the whole body) — E4205, E4206, E4207.
// Also `health "/path"`. Entry points: Checker::checkRoute, checkRouteDuplicates, checkHealth.
#include <fmt/format.h>

#include <cctype>
#include <map>

#include "check/checker.h"

namespace lux {

namespace {

const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool isPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

struct PathParam {
  std::string name;
  size_t offset;          // of the `:` (or `*`) inside the string
  bool wildcard = false;  // `*name`: the rest of the path; a handler may leave it unread
};

// Validates a route path; reports each problem with the caret on it. Returns its parameters.
std::vector<PathParam> checkPath(DiagEngine& diags, const SourceFile& file, const ast::StringLit* lit) {
  std::vector<PathParam> params;
  std::string_view p(lit->value.data(), lit->value.size());
  auto bad = [&](size_t off, size_t len, const std::string& msg, const std::string& help = {}) {
    auto d = diags.report(DiagId::RoutePathSyntax, rangeInString(file, lit, off, len), msg);
    if (!help.empty()) d.help(help);
  };
  if (p.empty() || p[0] != '/') {
    bad(0, p.empty() ? 0 : 1, p.empty() ? "the path is empty" : "a route path starts with `/`");
    return params;
  }
  size_t i = 1;
  while (i <= p.size()) {
    size_t end = p.find('/', i);
    if (end == std::string_view::npos) end = p.size();
    std::string_view seg = p.substr(i, end - i);
    if (seg.empty()) {
      if (end < p.size()) bad(i - 1, 2, "empty path segment `//`");
    } else if (seg[0] == ':') {
      std::string_view name = seg.substr(1);
      bool ok = !name.empty() && isIdentStart(name[0]);
      for (char ch : name) ok = ok && isIdentChar(ch);
      if (!ok) {
        bad(i, seg.size(), fmt::format("`{}` is not a path parameter: write `:` and a name such as `:id`", seg));
      } else {
        bool dup = false;
        for (const PathParam& q : params) dup |= q.name == name;
        if (dup) bad(i, seg.size(), fmt::format("path parameter `:{}` appears more than once", name));
        else params.push_back({std::string(name), i});
      }
    } else if (seg[0] == '*') {
      if (end != p.size()) {
        bad(i, seg.size(), "a `*` wildcard must be the last segment of the path");
      } else if (std::string_view name = seg.substr(1); !name.empty()) {
        // `*name` holds the rest of the path: a handler parameter `name` takes it.
        bool ok = isIdentStart(name[0]);
        for (char ch : name) ok = ok && isIdentChar(ch);
        bool dup = false;
        for (const PathParam& q : params) dup |= q.name == name;
        if (!ok) bad(i, seg.size(), fmt::format("`{}` is not a wildcard: write `*` alone or `*` and a name such as `*rest`", seg));
        else if (dup) bad(i, seg.size(), fmt::format("path parameter `{}` appears more than once", name));
        else params.push_back({std::string(name), i, true});
      }
    } else {
      for (size_t k = 0; k < seg.size(); ++k) {
        char ch = seg[k];
        if (isPathChar(ch)) continue;
        if (ch == '?' || ch == '#') {
          bad(i + k, p.size() - (i + k), fmt::format("a route path has no {}", ch == '?' ? "query string" : "fragment"),
              "query parameters are the handler's parameters: `fn list(limit: Option<Int>)`");
        } else if (ch == '{') {
          size_t close = seg.find('}', k);
          bad(i + k, close == std::string_view::npos ? 1 : close - k + 1, "unexpected `{` in route path",
              "write path parameters as `:name`");
        } else if (ch == ' ') {
          bad(i + k, 1, "a space in a route path", "percent-encode it as `%20`, or use `-`");
        } else {
          bad(i + k, 1, fmt::format("unexpected character `{}` in route path", ch));
        }
        break;
      }
    }
    i = end + 1;
  }
  return params;
}

std::string normalizedPath(std::string_view p) {
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] == ':' && (i == 0 || p[i - 1] == '/')) {
      out += ':';
      while (i < p.size() && p[i] != '/') ++i;
    } else {
      out += p[i++];
    }
  }
  return out;
}

// The `:name` segments of a group prefix (already checked where the group is declared).
std::vector<std::string> prefixParams(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = p.find("/:", i)) != std::string_view::npos) {
    size_t end = p.find('/', i + 1);
    out.emplace_back(p.substr(i + 2, end == std::string_view::npos ? std::string_view::npos : end - i - 2));
    i += 2;
  }
  return out;
}

// An enum whose variants carry no payload: a route parameter names one of them by its text
// (`?sort=Desc`), checked when the request arrives (400 listing the variants).
bool plainEnumTy(const Ty* t) {
  if (t->kind != TyKind::Enum || !t->enum_info) return false;
  for (const VariantInfo& v : t->enum_info->variants)
    if (!v.payload.empty()) return false;
  return true;
}

// What one path segment or one query value can carry: a scalar or a plain enum.
bool paramScalar(const Ty* t) { return t->isDynamic() || t->isScalar() || plainEnumTy(t); }

bool queryBindable(const Ty* t) {
  if (paramScalar(t)) return true;
  if (t->kind == TyKind::Option || t->kind == TyKind::Array) return paramScalar(t->elem);
  return false;
}

void checkRouteMethod(DiagEngine& diags, const RouteModel& rm, const ast::RouteDecl* route) {
  bool method_ok = false;
  for (const char* m : kMethods) method_ok |= rm.method == m;
  if (method_ok) return;
  std::string up = rm.method;
  for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::vector<std::string_view> names(std::begin(kMethods), std::end(kMethods));
  auto d = diags.report(DiagId::RouteMethod, route->method.range, rm.method);
  bool upper_ok = false;
  for (const char* m : kMethods) upper_ok |= up == m;
  std::string path = route->path ? route->path->value.str() : "/ws";
  if (upper_ok)
    d.help(fmt::format("HTTP methods are written in upper case: `{}`", up));
  else if (up == "WS" || up == "WEBSOCKET")
    d.help(fmt::format("a WebSocket endpoint is a block of hooks: `ws \"{}\" {{ on_open fn(ws) {{ ... }} on_message fn(ws, message) {{ ... }} on_close fn(ws, code, reason) {{ ... }} }}`; "
                       "`broadcast(data)` and `broadcast(data, ws)` reach its clients (`join`/`broadcast_to` for rooms)", path));
  else if (up == "SSE")
    d.help(fmt::format("an event stream is `sse \"{}\" fn(send, close) {{ ... }}`", path));
  else d.didYouMean(closestMatch(up, names));
}

// Where each handler parameter comes from: the request itself, the path, the query string or the
// body (by name and type, and by the method: GET and DELETE have no body).
void bindRouteParams(DiagEngine& diags, const Checker::RouteHandler& h, llvm::ArrayRef<PathParam> path_params,
                     RouteModel& rm) {
  bool body_method = rm.method == "POST" || rm.method == "PUT" || rm.method == "PATCH";
  const ParamModel* body_param = nullptr;
  for (const ParamModel& p : h.params) {
    RouteParamBinding b;
    b.name = p.name;
    b.type = p.type;
    b.default_value = p.default_value;
    bool in_path = false;
    for (const PathParam& pp : path_params) in_path |= pp.name == p.name;
    if (!p.annotated && isRequestName(p.name)) {
      b.source = ParamSource::Request;
    } else if (!p.annotated && (p.name == "res" || p.name == "response")) {
      b.source = ParamSource::Response;
    } else if (in_path) {
      b.source = ParamSource::Path;
      if (!paramScalar(p.type))
        diags.report(DiagId::RouteParamNotBindable, p.range, p.name.str(), typeName(p.type), "the path")
            .help("path parameters are `Int`, `Float`, `Bool`, `String` or an enum without payloads");
    } else if (!body_method) {
      b.source = ParamSource::Query;
      if (!queryBindable(p.type))
        diags.report(DiagId::RouteParamNotBindable, p.range, p.name.str(), typeName(p.type),
                     fmt::format("the query string of a `{}` request", rm.method))
            .help("query parameters are scalars and enums without payloads, an `Option` of one, or a list of them (`[String]`, an absent one is `[]`: no `Option` around a list); send records in the body of a POST, PUT or PATCH");
    } else if (p.type->kind == TyKind::Record || p.type->kind == TyKind::Object ||
               (p.type->kind == TyKind::Array && !paramScalar(p.type->elem))) {
      b.source = ParamSource::Body;
      if (body_param) {
        diags.report(DiagId::RouteTwoBodies, p.range, h.name, body_param->name.str(), p.name.str())
            .note(body_param->range, "the first one is here");
      } else {
        body_param = &p;
      }
    } else {
      b.source = ParamSource::BodyOrQuery;
    }
    rm.bindings.push_back(b);
  }
  // A record (or list) parameter is the whole body only when it is the one parameter read from
  // the body; beside others (`fn(customer: String, lines: [Line])`) it is the body's field of its
  // name, as they are.
  bool fields = false;
  for (const RouteParamBinding& b : rm.bindings) fields |= b.source == ParamSource::BodyOrQuery;
  for (RouteParamBinding& b : rm.bindings)
    if (fields && b.source == ParamSource::Body) b.source = ParamSource::BodyOrQuery;
}

// A path parameter no handler parameter takes (E4205), unless the handler reads the request.
void reportUnboundPathParams(DiagEngine& diags, const SourceFile& file, const ast::RouteDecl* route,
                             const Checker::RouteHandler& h, llvm::ArrayRef<PathParam> path_params) {
  bool takes_request = false;
  for (const ParamModel& p : h.params)
    takes_request |= !p.annotated && isRequestName(p.name);
  for (const PathParam& pp : path_params) {
    if (pp.wildcard) continue;
    bool bound = false;
    for (const ParamModel& p : h.params) bound |= p.name == pp.name;
    if (bound || takes_request) continue;
    auto d = diags.report(DiagId::RoutePathParamUnbound, rangeInString(file, route->path, pp.offset, pp.name.size() + 1),
                          pp.name, h.name);
    if (auto* fn = llvm::dyn_cast_or_null<ast::FnDecl>(h.decl))
      d.note(fn->name.range, fmt::format("`{}` is declared here", h.name));
    d.help(fmt::format("add a parameter `{}` to the handler, or take `req` and read `req.params.{}`", pp.name, pp.name));
  }
}

}  // namespace

void Checker::checkHealth(ServerModel& sm, const ast::HealthDecl* health) {
  if (!health->path) return;
  checkPath(diags_, file_, health->path);
  if (health->checks) return checkReadiness(sm, health);
  sm.health_path = health->path->value.str();
}

void Checker::checkRoute(ServerModel& sm, const ast::RouteDecl* route, int group) {
  RouteModel rm;
  rm.decl = route;
  rm.method = route->method.name.str();
  rm.group = group;
  checkRouteMethod(diags_, rm, route);
  std::vector<PathParam> path_params;  // the route's own (carets point into its literal)
  std::vector<PathParam> all_params;   // the enclosing groups' prefixes' too
  std::string prefix = group >= 0 ? sm.groups[group].prefix : "";
  if (prefix == "/") prefix.clear();
  if (route->path) {
    path_params = checkPath(diags_, file_, route->path);
    for (const std::string& name : prefixParams(prefix))
      for (const PathParam& pp : path_params)
        if (pp.name == name)
          diags_.report(DiagId::RoutePathSyntax, rangeInString(file_, route->path, pp.offset, name.size() + 1),
                        fmt::format("path parameter `:{}` appears more than once", name))
              .note(sm.groups[group].decl->prefix->range(), "the route group's path has it already");
    rm.path = prefix.empty() ? route->path->value.str()
              : route->path->value == "/" ? prefix
                                          : prefix + route->path->value.str();
  }
  for (const std::string& name : prefixParams(prefix)) all_params.push_back({name, std::string::npos});
  all_params.insert(all_params.end(), path_params.begin(), path_params.end());
  for (const PathParam& pp : all_params) rm.path_params.push_back(pp.name);
  bool auth_before = false;
  for (int g = group; g >= 0; g = sm.groups[g].parent)
    for (const RouteModifierUse& u : sm.groups[g].modifiers) auth_before |= (u.name == "auth" && !u.guard);
  rm.modifiers = checkRouteModifiers(sm, route->modifiers, auth_before);
  applyRouteGroups(sm, rm);
  if (route->sse) {
    checkSseHandler(rm, route);
    sm.routes.push_back(std::move(rm));
    return;
  }
  RouteHandler handler = resolveRouteHandler(rm, route);
  checkRouteTypes(rm, route, handler.decl);
  checkHandlerResponse(handler.decl, fmt::format("route `{} {}`", rm.method, rm.path));
  if (handler.has_params) {
    bindRouteParams(diags_, handler, all_params, rm);
    reportUnboundPathParams(diags_, file_, route, handler, path_params);
  }
  sm.routes.push_back(std::move(rm));
}

std::vector<std::string> Checker::checkRoutePrefix(const ast::StringLit* prefix) {
  std::vector<std::string> names;
  for (const PathParam& pp : checkPath(diags_, file_, prefix)) names.push_back(pp.name);
  // The group's routes continue its path, so a wildcard (the rest of the path) cannot be in it.
  llvm::StringRef p = prefix->value;
  for (size_t at = p.find("/*"); at != llvm::StringRef::npos; at = p.find("/*", at + 1)) {
    size_t end = p.find('/', at + 1);
    diags_.report(DiagId::RoutePathSyntax, rangeInString(file_, prefix, at + 1, (end == llvm::StringRef::npos ? p.size() : end) - at - 1),
                  "a route group's path cannot hold a `*` wildcard: its routes continue the path")
        .help("put the wildcard on a route inside the group: `route GET \"/*rest\" => ...`");
    break;
  }
  return names;
}

// The handler (a function by name, or a lambda) and its parameters.
Checker::RouteHandler Checker::resolveRouteHandler(RouteModel& rm, const ast::RouteDecl* route) {
  RouteHandler h;
  if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(route->handler)) {
    h.name = n->name.name.str();
    Symbol* sym = lookup(n->name.name);
    if (!sym) {
      reportUnresolved(n->name, false);
    } else {
      sym->reads++;
      model_.resolved[n] = sym;
      model_.resolved[route] = sym;
      if (sym->kind == SymbolKind::Function && sym->fn) {
        rm.handler = sym->fn;
        h.params = sym->fn->params;
        h.decl = sym->fn->decl;
        h.has_params = true;
      } else {
        auto d = diags_.report(DiagId::RouteHandlerNotFunction, n->range(), h.name, symbolKindName(sym->kind));
        if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here", h.name));
        if (sym->kind == SymbolKind::BackgroundFn)
          d.help("a `background fn` runs as a job; call `spawn_job` from a plain `fn` handler");
      }
    }
  } else if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(route->handler)) {
    checkExpr(lam);
    h.params = makeParams(lam->params, "this lambda");
    h.decl = lam;
    h.has_params = true;
    rm.lambda = lam;
  } else if (route->handler) {
    checkExpr(route->handler);
  }
  return h;
}

void Checker::checkRouteDuplicates(ServerModel& sm) {
  std::map<std::string, const RouteModel*> seen;
  for (const RouteModel& r : sm.routes) {
    if (!r.decl->path) continue;
    std::string key = r.method + " " + normalizedPath(r.path);
    auto [it, inserted] = seen.emplace(key, &r);
    if (inserted) continue;
    auto d = diags_.report(DiagId::RouteDuplicate, r.decl->path->range(), r.method, r.path);
    if (it->second->path == r.path) d.note(it->second->decl->path->range(), "first declared here");
    else d.note(it->second->decl->path->range(), fmt::format("`{}` matches the same requests; first declared here", it->second->path));
  }
  // Readiness routes are GET routes too (the plain `health` path among them).
  std::map<std::string, const ast::StringLit*> gets;
  for (const ReadinessModel& rd : sm.readiness) {
    std::string key = "GET " + normalizedPath(rd.path);
    const ast::StringLit* first = nullptr;
    if (auto r = seen.find(key); r != seen.end()) first = r->second->decl->path;
    else if (auto g = gets.find(key); g != gets.end()) first = g->second;
    else if (!sm.health_path.empty() && normalizedPath(sm.health_path) == normalizedPath(rd.path)) first = rd.decl->path;
    if (!first) {
      gets.emplace(key, rd.decl->path);
      continue;
    }
    auto d = diags_.report(DiagId::RouteDuplicate, rd.decl->path->range(), "GET", rd.path);
    if (first != rd.decl->path) d.note(first->range(), "first declared here");
    else d.help("the plain `health` route already answers this path: give the readiness route its own, e.g. \"/ready\"");
  }
}


// ---- header literals ----

namespace {

bool IsTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return llvm::StringRef("!#$%&'*+-.^_`|~").contains(static_cast<char>(c));
}

// A readable name for the first byte a header cannot carry, or empty.
std::string ForbiddenValueByte(llvm::StringRef text) {
  for (char c : text) {
    if (c == '\r') return "a carriage return (\\r)";
    if (c == '\n') return "a line feed (\\n)";
    if (c == '\0') return "a NUL byte";
  }
  return "";
}

}  // namespace

void Checker::checkResponseStatus(const Builtin* b, const ast::Expr* status, int lowest) {
  auto* lit = llvm::dyn_cast_or_null<ast::IntLit>(status);
  if (!lit || (lit->value >= static_cast<uint64_t>(lowest) && lit->value <= 599)) return;
  const bool error_only = lowest >= 400;
  diags_.report(DiagId::ResponseStatus, lit->range(), fmt::format("`{}`", b->name), lit->value,
                error_only ? "an error status (400-599)" : "an HTTP status (100-599)")
      .help(error_only ? "answer success with `respond(status, body)`; `respond_error` is for 4xx and 5xx"
                       : "HTTP statuses are three digits, 100 to 599");
}

void Checker::checkHeaderLiterals(const ast::Expr* headers) {
  auto* obj = llvm::dyn_cast_or_null<ast::ObjectExpr>(headers);
  if (!obj) return;
  for (const ast::ObjectEntry* en : obj->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread) continue;
    llvm::StringRef name = en->key.name;
    bool token = !name.empty();
    for (char c : name) token = token && IsTokenChar(static_cast<unsigned char>(c));
    if (!token) {
      diags_.report(DiagId::HeaderLiteralInvalid, en->range(), fmt::format("name \"{}\"", name.str()),
                    "characters other than letters, digits and !#$%&'*+-.^_`|~");
      continue;
    }
    std::vector<const ast::StringLit*> pieces;
    if (auto* lit = llvm::dyn_cast<ast::StringLit>(en->value)) pieces.push_back(lit);
    if (auto* interp = llvm::dyn_cast<ast::InterpolatedString>(en->value))
      for (const ast::Expr* part : interp->parts)
        if (auto* lit = llvm::dyn_cast<ast::StringLit>(part)) pieces.push_back(lit);
    for (const ast::StringLit* lit : pieces) {
      std::string bad = ForbiddenValueByte(lit->value);
      if (bad.empty()) continue;
      diags_.report(DiagId::HeaderLiteralInvalid, lit->range(), fmt::format("`{}` value", name.str()), bad)
          .help("a header value is one line: CR and LF would end it early and start another header");
      break;
    }
  }
}

}  // namespace lux
