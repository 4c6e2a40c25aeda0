// Routes: the method (E4201), the path's syntax (E4202, caret inside the literal), duplicate
// method+path (E4203, `:id` and `:name` in the same place collide), the handler (E4204), `with`
// guards (E4208, E4209), and how each handler parameter is bound: `req`/`res` → the request and
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
  size_t offset;  // of the `:` inside the string
};

// Validates a route path; reports each problem with the caret on it. Returns its parameters.
std::vector<PathParam> checkPath(Checker& c, const ast::StringLit* lit) {
  std::vector<PathParam> params;
  std::string_view p(lit->value.data(), lit->value.size());
  auto bad = [&](size_t off, size_t len, const std::string& msg, const std::string& help = {}) {
    auto d = c.diags_.report(DiagId::RoutePathSyntax, rangeInString(c.file_, lit, off, len), msg);
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
      if (end != p.size()) bad(i, seg.size(), "a `*` wildcard must be the last segment of the path");
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

bool queryBindable(const Ty* t) {
  if (t->isDynamic() || t->isScalar()) return true;
  if (t->kind == TyKind::Option || t->kind == TyKind::Array) return t->elem->isDynamic() || t->elem->isScalar();
  return false;
}

}  // namespace

void Checker::checkHealth(ServerModel& sm, const ast::HealthDecl* health) {
  if (!health->path) return;
  checkPath(*this, health->path);
  sm.health_path = health->path->value.str();
}

void Checker::checkRoute(ServerModel& sm, const ast::RouteDecl* route) {
  RouteModel rm;
  rm.decl = route;
  rm.method = route->method.name.str();
  bool method_ok = false;
  for (const char* m : kMethods) method_ok |= rm.method == m;
  if (!method_ok) {
    std::string up = rm.method;
    for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::vector<std::string_view> names(std::begin(kMethods), std::end(kMethods));
    auto d = diags_.report(DiagId::RouteMethod, route->method.range, rm.method);
    bool upper_ok = false;
    for (const char* m : kMethods) upper_ok |= up == m;
    if (upper_ok) d.help(fmt::format("HTTP methods are written in upper case: `{}`", up));
    else d.didYouMean(closestMatch(up, names));
  }
  std::vector<PathParam> path_params;
  if (route->path) {
    rm.path = route->path->value.str();
    path_params = checkPath(*this, route->path);
  }
  for (const PathParam& pp : path_params) rm.path_params.push_back(pp.name);
  for (const ast::Ident& g : route->guards) {
    if (g.name == "auth") {
      rm.requires_auth = true;
      if (!sm.has_auth)
        diags_.report(DiagId::RouteAuthWithoutAuth, g.range, sm.displayName())
            .help("add `auth { type: \"jwt\", secret: SECRET }` to the server");
    } else {
      std::vector<std::string_view> guards{"auth"};
      diags_.report(DiagId::RouteUnknownGuard, g.range, g.name.str()).didYouMean(closestMatch(g.name, guards));
    }
  }

  // The handler and its parameters.
  std::vector<ParamModel> params;
  std::string handler_name = "this lambda";
  SourceRange handler_at = route->handler ? route->handler->range() : route->range();
  const ast::Node* handler_decl = nullptr;
  bool have_params = false;
  if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(route->handler)) {
    handler_name = n->name.name.str();
    Symbol* sym = lookup(n->name.name);
    if (!sym) {
      reportUnresolved(n->name, false);
    } else {
      sym->reads++;
      model_.resolved[n] = sym;
      model_.resolved[route] = sym;
      if (sym->kind == SymbolKind::Function && sym->fn) {
        rm.handler = sym->fn;
        params = sym->fn->params;
        handler_decl = sym->fn->decl;
        have_params = true;
      } else {
        auto d = diags_.report(DiagId::RouteHandlerNotFunction, n->range(), handler_name, symbolKindName(sym->kind));
        if (sym->range.size() > 0) d.note(sym->range, fmt::format("`{}` is declared here", handler_name));
        if (sym->kind == SymbolKind::BackgroundFn)
          d.help("a `background fn` runs as a job; call `spawn_job` from a plain `fn` handler");
      }
    }
  } else if (auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(route->handler)) {
    checkExpr(lam);
    params = makeParams(lam->params, "this lambda");
    handler_decl = lam;
    have_params = true;
    rm.lambda = lam;
  } else if (route->handler) {
    checkExpr(route->handler);
  }

  if (have_params) {
    bool body_method = rm.method == "POST" || rm.method == "PUT" || rm.method == "PATCH";
    bool takes_request = false;
    const ParamModel* body_param = nullptr;
    for (const ParamModel& p : params) {
      RouteParamBinding b;
      b.name = p.name;
      b.type = p.type;
      bool in_path = false;
      for (const PathParam& pp : path_params) in_path |= pp.name == p.name;
      if (!p.annotated && (p.name == "req" || p.name == "request")) {
        b.source = ParamSource::Request;
        takes_request = true;
      } else if (!p.annotated && (p.name == "res" || p.name == "response")) {
        b.source = ParamSource::Response;
      } else if (in_path) {
        b.source = ParamSource::Path;
        if (!p.type->isDynamic() && !p.type->isScalar())
          diags_.report(DiagId::RouteParamNotBindable, p.range, p.name.str(), typeName(p.type), "the path")
              .help("path parameters are `Int`, `Float`, `Bool` or `String`");
      } else if (!body_method) {
        b.source = ParamSource::Query;
        if (!queryBindable(p.type))
          diags_.report(DiagId::RouteParamNotBindable, p.range, p.name.str(), typeName(p.type),
                        fmt::format("the query string of a `{}` request", rm.method))
              .help("query parameters are scalars, `Option`s or lists of scalars; send records in the body of a POST, PUT or PATCH");
      } else if (p.type->kind == TyKind::Record || p.type->kind == TyKind::Object ||
                 (p.type->kind == TyKind::Array && !p.type->elem->isScalar() && !p.type->elem->isDynamic())) {
        b.source = ParamSource::Body;
        if (body_param) {
          diags_.report(DiagId::RouteTwoBodies, p.range, handler_name, body_param->name.str(), p.name.str())
              .note(body_param->range, "the first one is here");
        } else {
          body_param = &p;
        }
      } else {
        b.source = ParamSource::BodyOrQuery;
      }
      rm.bindings.push_back(b);
    }
    for (const PathParam& pp : path_params) {
      bool bound = false;
      for (const ParamModel& p : params) bound |= p.name == pp.name;
      if (bound || takes_request) continue;
      auto d = diags_.report(DiagId::RoutePathParamUnbound, rangeInString(file_, route->path, pp.offset, pp.name.size() + 1),
                             pp.name, handler_name);
      if (auto* fn = llvm::dyn_cast_or_null<ast::FnDecl>(handler_decl))
        d.note(fn->name.range, fmt::format("`{}` is declared here", handler_name));
      d.help(fmt::format("add a parameter `{}` to the handler, or take `req` and read `req.params.{}`", pp.name, pp.name));
    }
  }
  (void)handler_at;
  sm.routes.push_back(std::move(rm));
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
