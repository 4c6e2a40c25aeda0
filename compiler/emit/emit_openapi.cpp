// The OpenAPI 3 document of a server, computed at compile time from its routes: path parameters
// (`:id` → `{id}`), query parameters and JSON bodies bound by name with their declared types,
// return types (shared records → components/schemas, Option → nullable, enums → string enums,
// lists → arrays, Result<T, E> → 200 T and 400), the literal statuses a handler answers with
// `respond(201, ...)` / `respond_error(404, ...)` (with their body's schema when known and the
// headers of a literal third argument, e.g. a redirect's Location), `with auth` (a bearer JWT
// security scheme, 401), `///` doc comments (summary, description) and `openapi { }` (info, servers). The error
// responses (400, 401, 500) are components/responses that operations `$ref`. Deterministic:
// keys in a fixed order. Entry point: openApiDocument (GET /openapi.json, `luxc openapi`).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "emit/emitter.h"
#include "lux_common/http_status.h"

namespace lux::emit {

namespace {

using Json = nlohmann::ordered_json;

struct SchemaBuilder {
  std::map<std::string, Json> components;  // by name: sorted in the output
  std::set<std::string> visiting;

  Json ErrorSchema() {
    if (!components.count("Error"))
      components["Error"] = Json{
          {"type", "object"},
          {"properties",
           Json{{"error", Json{{"type", "string"}}},
                {"request_id", Json{{"type", "string"}}},
                {"details",
                 Json{{"type", "object"},
                      {"description", "more about the error: for a body that does not fit its declared type, every bad "
                                      "field (errors); from respond_error, the details it was given"},
                      {"properties",
                       Json{{"errors", Json{{"type", "array"},
                                            {"items", Json{{"type", "object"},
                                                           {"properties", Json{{"path", Json{{"type", "string"}}},
                                                                               {"expected", Json{{"type", "string"}}},
                                                                               {"found", Json{{"type", "string"}}}}},
                                                           {"required", Json::array({"path", "expected", "found"})}}}}}}}}}}},
          {"required", Json::array({"error", "request_id"})}};
    return Json{{"$ref", "#/components/schemas/Error"}};
  }

  Json Of(const Ty* t) {
    if (!t) return Json::object();
    switch (t->kind) {
      case TyKind::Int: return Json{{"type", "integer"}, {"format", "int64"}};
      case TyKind::Float: return Json{{"type", "number"}, {"format", "double"}};
      case TyKind::Bool: return Json{{"type", "boolean"}};
      case TyKind::String: return Json{{"type", "string"}};
      case TyKind::Duration: return Json{{"type", "integer"}, {"format", "int64"}, {"description", "milliseconds"}};
      case TyKind::Array: return Json{{"type", "array"}, {"items", Of(t->elem)}};
      case TyKind::Option: {
        Json inner = Of(t->elem);
        if (inner.contains("$ref")) return Json{{"allOf", Json::array({inner})}, {"nullable", true}};
        inner["nullable"] = true;
        return inner;
      }
      case TyKind::Result: return Of(t->elem);
      case TyKind::Record: return Record(t->record);
      case TyKind::Enum: return Enum(t->enum_info);
      case TyKind::Object: return Json{{"type", "object"}};
      default: return Json::object();  // Dynamic, Unit, Fn: any value
    }
  }

  // The schema of a response body expression: an object literal field by field, any other
  // expression by its checked type; null when nothing is known (a dynamic value).
  Json Literal(const CheckedProgram& prog, const ast::Expr* e) {
    if (const auto* obj = llvm::dyn_cast<ast::ObjectExpr>(e)) {
      Json props = Json::object();
      Json required = Json::array();
      for (const ast::ObjectEntry* entry : obj->entries) {
        if (entry->form == ast::ObjectEntry::Form::Spread || entry->key_expr) return Json{{"type", "object"}};
        Json field = Literal(prog, entry->value);
        props[entry->key.name.str()] = field.is_null() ? Json::object() : field;
        required.push_back(entry->key.name.str());
      }
      Json schema{{"type", "object"}, {"properties", props}};
      if (!required.empty()) schema["required"] = required;
      return schema;
    }
    auto it = prog.expr_types.find(e);
    if (it == prog.expr_types.end() || !it->second || it->second->isDynamic()) return Json();
    return Of(it->second);
  }

  Json Record(const RecordInfo* r) {
    if (!r) return Json{{"type", "object"}};
    std::string name = r->name.str();
    Json ref{{"$ref", "#/components/schemas/" + name}};
    if (components.count(name) || visiting.count(name)) return ref;
    visiting.insert(name);
    Json props = Json::object();
    Json required = Json::array();
    bool has_id = false;
    for (const FieldInfo& f : r->fields) {
      props[f.name.str()] = Of(f.type);
      has_id |= f.name == "id";
      if (!f.has_default && !(f.type && f.type->kind == TyKind::Option)) required.push_back(f.name.str());
    }
    if (r->is_model && !has_id) props["id"] = Json{{"type", "integer"}, {"format", "int64"}, {"readOnly", true}};
    Json schema{{"type", "object"}, {"properties", props}};
    if (!required.empty()) schema["required"] = required;
    components[name] = schema;
    visiting.erase(name);
    return ref;
  }

  Json Enum(const EnumInfo* e) {
    if (!e) return Json{{"type", "string"}};
    std::string name = e->name.str();
    Json ref{{"$ref", "#/components/schemas/" + name}};
    if (components.count(name)) return ref;
    Json names = Json::array();
    bool payloads = false;
    for (const VariantInfo& v : e->variants) {
      names.push_back(v.name.str());
      payloads |= !v.payload.empty();
    }
    // Variants without payload are strings; with payloads, {tag, values} objects (docs/stdlib.md).
    if (!payloads) {
      components[name] = Json{{"type", "string"}, {"enum", names}};
    } else {
      components[name] = Json{{"oneOf", Json::array({Json{{"type", "string"}, {"enum", names}},
                                                     Json{{"type", "object"},
                                                          {"properties", Json{{"tag", Json{{"type", "string"}, {"enum", names}}},
                                                                              {"values", Json{{"type", "array"}, {"items", Json::object()}}}}},
                                                          {"required", Json::array({"tag"})}}})}};
    }
    return ref;
  }
};

std::string OpenApiPath(const std::string& lux_path) {
  std::string out;
  std::size_t i = 0;
  while (i < lux_path.size()) {
    if (lux_path[i] == ':' || lux_path[i] == '*') {
      bool star = lux_path[i] == '*';
      std::size_t j = i + 1;
      while (j < lux_path.size() && lux_path[j] != '/') ++j;
      std::string name = lux_path.substr(i + 1, j - i - 1);
      out += "{" + (name.empty() && star ? std::string("path") : name) + "}";
      i = j;
    } else {
      out += lux_path[i++];
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The error responses every operation shares, by their name under components/responses.
struct ErrorResponse {
  const char* name;
  const char* description;
};
constexpr ErrorResponse kBadRequest{"BadRequest", "a parameter or the body does not have its declared type, or the handler returned Err"};
constexpr ErrorResponse kUnauthorized{"Unauthorized", "missing, malformed, expired or wrongly signed token"};
constexpr ErrorResponse kInternalError{"InternalError", "internal error (no details)"};
constexpr ErrorResponse kTooManyRequests{"TooManyRequests", "the client's rate limit is spent (`rate_limit { }`): retry after Retry-After seconds"};
constexpr ErrorResponse kPayloadTooLarge{"PayloadTooLarge", "the body is larger than the server's `max_body`, or an uploaded file larger than `upload { max_size }`"};
constexpr ErrorResponse kUnsupportedMediaType{"UnsupportedMediaType", "an uploaded file's type is not in `upload { allowed_types }`, or its first bytes contradict it"};

// The shared error responses of an operation beyond 400 and 500.
struct SharedErrors {
  bool rate_limited = false;  // 429: the server has a `rate_limit` block
  bool takes_body = false;    // 413: the operation reads a body (POST, PUT, PATCH, or a declared body)
  bool upload = false;        // 415 as well: the server has an `upload` block
};

Json ResponseRef(const ErrorResponse& r) { return Json{{"$ref", std::string("#/components/responses/") + r.name}}; }

// A `respond(...)` or `respond_error(...)` call with a literal status inside a handler.
struct LiteralAnswer {
  int status;
  const ast::CallExpr* call;
  bool error_shape;  // respond_error: the body is the Error schema
  bool redirect = false;  // redirect(url, status?): no body, a Location header
  const char* media = nullptr;  // html()/text(): a string body of this media type
};

// How deep the answers of called functions are followed: a handler calling `not_found()` that
// calls `respond(404, ...)` is depth 2. Deeper helpers are rare, and the bound keeps the search
// linear in the program for chains and recursion alike.
constexpr int kMaxAnswerCallDepth = 4;

// The literal-status answers written inside `within` (a handler's declaration or lambda), and in
// the functions of the program it calls (directly or through calls, to kMaxAnswerCallDepth
// levels), in source order. The checker typed every call (expr_types) and resolved every callee
// (resolved), so the calls are found there without walking the tree; a program is one source
// file, so the offsets place them: `calls` (callsInSourceOrder) is searched for those starting
// inside `within`, so each handler costs its own calls, not the program's.
void CollectAnswers(const CheckedProgram& prog, const std::vector<const ast::CallExpr*>& calls, SourceRange within,
                    int depth, std::set<const ast::Node*>& seen, std::vector<LiteralAnswer>& out) {
  auto first = std::lower_bound(calls.begin(), calls.end(), within.begin,
                                [](const ast::CallExpr* c, uint32_t at) { return c->range().begin < at; });
  for (auto at = first; at != calls.end() && (*at)->range().begin < within.end; ++at) {
    const ast::CallExpr* call = *at;
    if (call->range().end > within.end) continue;
    auto it = prog.resolved.find(call->callee);
    if (it == prog.resolved.end()) continue;
    if (it->second->kind == SymbolKind::Function && it->second->fn && it->second->fn->decl) {
      const ast::FnDecl* callee = it->second->fn->decl;
      if (depth < kMaxAnswerCallDepth && seen.insert(callee).second)
        CollectAnswers(prog, calls, callee->range(), depth + 1, seen, out);
      continue;
    }
    if (call->args.empty() || it->second->kind != SymbolKind::Builtin || !it->second->builtin) continue;
    std::string_view name = it->second->builtin->name;
    if (name == "redirect") {
      const auto* code = call->args.size() > 1 ? llvm::dyn_cast<ast::IntLit>(call->args[1]) : nullptr;
      if (call->args.size() > 1 && !code) continue;  // computed: not known here
      out.push_back({code ? static_cast<int>(code->value) : 302, call, false, true});
      continue;
    }
    if (name == "html" || name == "text") {  // html(body, status?, headers?): 200 unless given
      const auto* code = call->args.size() > 1 ? llvm::dyn_cast<ast::IntLit>(call->args[1]) : nullptr;
      if (call->args.size() > 1 && (!code || code->value < 100 || code->value > 599)) continue;
      if (seen.insert(call).second)
        out.push_back({code ? static_cast<int>(code->value) : 200, call, false, false, name == "html" ? "text/html" : "text/plain"});
      continue;
    }
    if (name != "respond" && name != "respond_error") continue;
    const auto* code = llvm::dyn_cast<ast::IntLit>(call->args[0]);
    if (!code || code->value < 100 || code->value > 599) continue;
    if (seen.insert(call).second) out.push_back({static_cast<int>(code->value), call, name == "respond_error"});
  }
}

std::vector<LiteralAnswer> LiteralAnswers(const CheckedProgram& prog, const std::vector<const ast::CallExpr*>& calls,
                                          SourceRange within) {
  std::vector<LiteralAnswer> out;
  std::set<const ast::Node*> seen;
  CollectAnswers(prog, calls, within, 1, seen, out);
  std::sort(out.begin(), out.end(),
            [](const LiteralAnswer& a, const LiteralAnswer& b) { return a.call->range().begin < b.call->range().begin; });
  return out;
}

const char* ReasonPhrase(int status) {
  if (const char* known = lux_common::ReasonPhrase(status)) return known;
  return status < 300 ? "Success" : status < 400 ? "Redirect" : status < 500 ? "Client error" : "Server error";
}

// What a route modifier's error status means, for the operation's responses.
std::string ModifierAnswer(int status) {
  switch (status) {
    case 403: return "the caller's token has none of the required roles";
    case 429: return "too many requests: the route's rate limit is exceeded";
    case 504: return "the handler did not finish within the route's timeout";
    default: return ReasonPhrase(status);
  }
}


// A route whose handler reads a multipart body (`req.files`, `req.form.NAME`) on a server with
// `upload { }`: `multipart/form-data` beside (or instead of) JSON, with the text fields the handler
// names and, when it reads `req.files`, any other part as a file (`format: binary`).
void MultipartBody(const CheckedProgram& prog, const RouteModel& r, Json& op) {
  llvm::ArrayRef<ast::Param*> params = r.lambda ? r.lambda->params
                                       : r.handler && r.handler->decl ? r.handler->decl->params
                                                                      : llvm::ArrayRef<ast::Param*>();
  const CheckedProgram::UploadUse* use = nullptr;
  for (const ast::Param* p : params)
    if (auto it = prog.upload_uses.find(p); it != prog.upload_uses.end()) use = &it->second;
  if (!use) return;
  Json props = Json::object();
  for (const std::string& f : use->form_fields) props[f] = Json{{"type", "string"}};
  Json schema{{"type", "object"}, {"properties", props}};
  if (use->files) schema["additionalProperties"] = Json{{"type", "string"}, {"format", "binary"}};
  else if (use->whole_form) schema["additionalProperties"] = Json{{"type", "string"}};
  if (!op.contains("requestBody")) op["requestBody"] = Json{{"required", true}, {"content", Json::object()}};
  op["requestBody"]["content"]["multipart/form-data"] = Json{{"schema", schema}};
}

// An operation's responses, by status: the handler's value (200) or its literal success
// statuses, its other literal statuses, and the shared 400, 401 (with auth), 413 (with a body),
// 415 (with a body on a server with `upload`), 429 (with a rate_limit block) and 500.
Json OperationResponses(SchemaBuilder& schemas, const CheckedProgram& prog, const std::vector<const ast::CallExpr*>& calls,
                        const RouteModel& r, const SharedErrors& shared) {
  SourceRange handler_range = r.handler && r.handler->decl ? r.handler->decl->range()
                              : r.lambda                   ? r.lambda->range()
                                                           : SourceRange{};
  std::vector<LiteralAnswer> answers = LiteralAnswers(prog, calls, handler_range);
  // A handler that answers success with a literal status (`respond(201, link)`) answers it
  // that way; otherwise its value is the 200.
  bool literal_success = false;
  for (const LiteralAnswer& a : answers) literal_success |= a.status < 400;
  const Ty* result = r.response_type                              ? r.response_type
                     : r.handler && r.handler->annotated_result ? r.handler->result
                                                                : nullptr;
  std::map<int, Json> by_status;  // sorted by status in the output
  if (r.sse) {
    // An event stream: text/event-stream, each event `event:`/`id:`/`retry:`/`data:` lines.
    by_status[200] = Json{{"description", "a stream of server-sent events"},
                          {"content", Json{{"text/event-stream", Json{{"schema", Json{{"type", "string"}}}}}}}};
  } else if (!literal_success) {
    Json ok = Json{{"description", "OK"}};
    if (result && result->kind != TyKind::Unit) ok["content"] = Json{{"application/json", Json{{"schema", schemas.Of(result)}}}};
    by_status[200] = ok;
  }
  for (const LiteralAnswer& a : answers) {
    if (a.status == 400 || a.status == 401 || a.status == 500) continue;  // the shared Error-shaped responses
    Json& resp = by_status[a.status];
    if (resp.is_null()) resp = Json{{"description", ReasonPhrase(a.status)}};
    if (a.redirect) {
      resp["headers"]["Location"] = Json{{"description", "where the client is redirected"}, {"schema", Json{{"type", "string"}}}};
      continue;
    }
    if (a.media) {
      if (!resp.contains("content")) resp["content"] = Json{{a.media, Json{{"schema", Json{{"type", "string"}}}}}};
      const auto* extra = a.call->args.size() > 2 ? llvm::dyn_cast<ast::ObjectExpr>(a.call->args[2]) : nullptr;
      for (const ast::ObjectEntry* h : extra ? extra->entries : llvm::ArrayRef<ast::ObjectEntry*>{})
        if (h->form != ast::ObjectEntry::Form::Spread && Lower(h->key.name.str()) != "content-type")
          resp["headers"][h->key.name.str()] = Json{{"schema", Json{{"type", "string"}}}};
      continue;
    }
    const ast::Expr* body_expr = a.call->args.size() > 1 ? a.call->args[1] : nullptr;
    const auto* text = body_expr ? llvm::dyn_cast<ast::StringLit>(body_expr) : nullptr;
    bool no_body = !body_expr || a.status == 204 || a.status == 304 || (text && text->value.empty());
    if (!resp.contains("content") && !no_body) {
      Json body = a.error_shape ? schemas.ErrorSchema() : schemas.Literal(prog, body_expr);
      // A String body is sent as text/plain (ToResponse), anything else as JSON.
      bool plain = body.is_object() && body.value("type", "") == "string";
      if (!body.is_null()) resp["content"] = Json{{plain ? "text/plain" : "application/json", Json{{"schema", body}}}};
    }
    const auto* headers = a.call->args.size() > 2 && !a.error_shape ? llvm::dyn_cast<ast::ObjectExpr>(a.call->args[2]) : nullptr;
    for (const ast::ObjectEntry* h : headers ? headers->entries : llvm::ArrayRef<ast::ObjectEntry*>{}) {
      if (h->form == ast::ObjectEntry::Form::Spread) continue;
      std::string name = h->key.name.str();
      if (Lower(name) == "location") name = "Location";
      resp["headers"][name] = Json{{"schema", Json{{"type", "string"}}}};
    }
  }
  by_status[400] = ResponseRef(kBadRequest);
  if (r.requires_auth) by_status[401] = ResponseRef(kUnauthorized);
  for (int status : r.modifier_statuses) {  // what the route's modifiers answer (route_modifiers.def)
    if (status == 401 || !by_status[status].is_null()) continue;
    Json content = Json{{"application/json", Json{{"schema", schemas.ErrorSchema()}}}};
    by_status[status] = Json{{"description", ModifierAnswer(status)}, {"content", content}};
  }
  if (r.cache_max_age >= 0 && r.method == "GET") {
    Json& ok = by_status[200];
    if (ok.is_null()) ok = Json{{"description", ReasonPhrase(200)}};
    ok["headers"]["Cache-Control"] = Json{{"schema", Json{{"type", "string"}}},
                                          {"description", fmt::format("max-age={}", r.cache_max_age)}};
  }
  if (shared.takes_body && by_status[413].is_null()) by_status[413] = ResponseRef(kPayloadTooLarge);
  if (shared.takes_body && shared.upload && by_status[415].is_null()) by_status[415] = ResponseRef(kUnsupportedMediaType);
  if (shared.rate_limited) by_status[429] = ResponseRef(kTooManyRequests);
  by_status[500] = ResponseRef(kInternalError);
  Json responses = Json::object();
  for (auto& [status, resp] : by_status) responses[std::to_string(status)] = resp;
  return responses;
}

Json Info(const OpenApiModel& oa, const std::string& default_title) {
  Json info = Json::object();
  info["title"] = oa.title.value_or(default_title);
  if (!oa.description.empty()) info["description"] = oa.description;
  info["version"] = oa.version;
  return info;
}

// `openapi { servers: [...] }`: the document's `servers`.
Json Servers(const OpenApiModel& oa) {
  Json servers = Json::array();
  for (const OpenApiServerEntry& s : oa.servers) {
    Json entry{{"url", s.url}};
    if (!s.description.empty()) entry["description"] = s.description;
    servers.push_back(entry);
  }
  return servers;
}

}  // namespace

// `health "/ready" { checks }`: GET answering 200 or 503 with one entry per check.
// WebSocket endpoints: the upgrade as a GET (OpenAPI 3 describes no WebSocket messages), with
// the hooks and subprotocols in an `x-websocket` extension.
void wsPaths(const ServerModel& sm, std::map<std::string, Json>& by_path, std::vector<std::string>& path_order) {
for (const WsModel& w : sm.websockets) {
  Json hooks = Json::array();
  for (const ast::WsHook* h : w.hooks) hooks.push_back(h->name.name.str());
  Json ext = Json{{"hooks", hooks}};
  if (!w.protocols.empty()) ext["protocols"] = w.protocols;
  Json responses = Json::object();
  responses["101"] = Json{{"description", "Switching Protocols: the connection is a WebSocket from here on"}};
  if (w.requires_auth) responses["401"] = Json{{"description", "missing or invalid token (Authorization, `Sec-WebSocket-Protocol: bearer, <token>` or `?token=`)"}};
  responses["403"] = Json{{"description", "the Origin is not one the `cors` block allows"}};
  responses["426"] = Json{{"description", "not a WebSocket upgrade (a GET with `Upgrade: websocket`, version 13)"}};
  Json op = Json{{"summary", "WebSocket endpoint"},
                 {"description", "Open a WebSocket connection here; messages are text (JSON) or binary."},
                 {"operationId", "websocket_" + std::to_string(&w - sm.websockets.data() + 1)},
                 {"x-websocket", ext},
                 {"responses", responses}};
  std::string path = OpenApiPath(w.path);
  if (!by_path.count(path)) path_order.push_back(path);
  by_path[path]["get"] = op;
}
}

void readinessPaths(const ServerModel& sm, std::map<std::string, Json>& by_path, std::vector<std::string>& path_order) {
  int n = 0;
  for (const ReadinessModel& rd : sm.readiness) {
    Json check{{"type", "object"},
               {"properties", Json{{"ok", Json{{"type", "boolean"}}}, {"latency_ms", Json{{"type", "number"}}},
                                   {"error", Json{{"type", "string"}}}}},
               {"required", Json::array({"ok", "latency_ms"})}};
    Json checks{{"type", "object"}, {"properties", Json::object()}};
    std::string names;
    for (const ReadinessCheckModel& c : rd.checks) {
      checks["properties"][c.name] = check;
      names += (names.empty() ? "" : ", ") + c.name;
    }
    Json body{{"type", "object"},
              {"properties", Json{{"status", Json{{"type", "string"}, {"enum", Json::array({"ok", "unavailable"})}}},
                                  {"checks", checks},
                                  {"error", Json{{"type", "string"}}},
                                  {"request_id", Json{{"type", "string"}}}}},
              {"required", Json::array({"status", "checks"})}};
    Json content{{"application/json", Json{{"schema", body}}}};
    Json op{{"summary", "readiness: " + (names.empty() ? std::string("no checks") : names)},
            {"operationId", ++n == 1 ? std::string("readiness_get") : fmt::format("readiness{}_get", n)},
            {"responses", Json{{"200", Json{{"description", "every check passed"}, {"content", content}}},
                               {"503", Json{{"description", "a check failed or timed out"}, {"content", content}}}}}};
    std::string path = OpenApiPath(rd.path);
    if (!by_path.count(path)) path_order.push_back(path);
    by_path[path]["get"] = op;
  }
}

std::vector<const ast::CallExpr*> callsInSourceOrder(const CheckedProgram& prog) {
  std::vector<const ast::CallExpr*> calls;
  for (const auto& entry : prog.expr_types) {
    if (const auto* call = llvm::dyn_cast<ast::CallExpr>(entry.first)) calls.push_back(call);
  }
  // By start, then outermost first; the same range twice (rare) keeps one deterministic order.
  std::sort(calls.begin(), calls.end(), [](const ast::CallExpr* a, const ast::CallExpr* b) {
    if (a->range().begin != b->range().begin) return a->range().begin < b->range().begin;
    if (a->range().end != b->range().end) return a->range().end > b->range().end;
    return a->args.size() < b->args.size();
  });
  return calls;
}

std::string openApiSchemaText(const Ty* t) {
  SchemaBuilder schemas;
  return schemas.Of(t).dump();
}

std::string openApiDocument(const CheckedProgram& prog, const std::vector<const ast::CallExpr*>& calls,
                            const ServerModel& sm, const std::string& title) {
  SchemaBuilder schemas;
  Json paths = Json::object();
  bool any_auth = false, any_body = false;  // any_body: an operation reads a body (413, 415 shared)
  std::map<std::string, Json> by_path;  // keep the routes of one path together, in source order
  std::vector<std::string> path_order;
  std::set<std::string> op_ids;  // operationId is unique in a document (OpenAPI 3): a handler serving
                                 // several routes of one method gets `_2`, `_3`, ... after the first
  int n = 0;
  for (const RouteModel& r : sm.routes) {
    ++n;
    Json op = Json::object();
    std::string op_id = r.handler ? r.handler->name.str() : fmt::format("route{}", n);
    llvm::StringRef doc = r.handler && r.handler->decl && !r.handler->decl->doc.empty() ? r.handler->decl->doc : r.decl->doc;
    if (!doc.empty()) {
      std::string d = doc.str();
      std::size_t nl = d.find('\n');
      op["summary"] = d.substr(0, nl);
      if (nl != std::string::npos) op["description"] = d.substr(nl + 1);
    }
    std::string unique_id = op_id + "_" + Lower(r.method);
    for (int k = 2; !op_ids.insert(unique_id).second; ++k) unique_id = fmt::format("{}_{}_{}", op_id, Lower(r.method), k);
    op["operationId"] = unique_id;
    Json params = Json::array();
    Json body_props = Json::object();
    Json body_required = Json::array();
    Json body_schema;
    for (const RouteParamBinding& b : r.bindings) {
      const Ty* t = b.type;
      switch (b.source) {
        case ParamSource::Path:
          params.push_back(Json{{"name", b.name.str()}, {"in", "path"}, {"required", true}, {"schema", schemas.Of(t)}});
          break;
        case ParamSource::Query: {
          bool optional = !t || t->isDynamic() || t->kind == TyKind::Option || b.default_value;
          const Ty* st = t && t->kind == TyKind::Option ? t->elem : t;
          params.push_back(Json{{"name", b.name.str()}, {"in", "query"}, {"required", !optional}, {"schema", schemas.Of(st)}});
          break;
        }
        case ParamSource::Body:
          body_schema = t ? schemas.Of(t) : Json::object();  // a record or a list: the whole body
          break;
        case ParamSource::BodyOrQuery: {
          bool optional = !t || t->isDynamic() || t->kind == TyKind::Option || b.default_value;
          body_props[b.name.str()] = schemas.Of(t && t->kind == TyKind::Option ? t->elem : t);
          if (!optional) body_required.push_back(b.name.str());
          break;
        }
        case ParamSource::Request:
        case ParamSource::Response:
        case ParamSource::Stream: break;
      }
    }
    if (r.body_type) body_schema = schemas.Of(r.body_type);  // `body: T` is the whole body
    if (!params.empty()) op["parameters"] = params;
    if (body_schema.is_null() && !body_props.empty()) {
      body_schema = Json{{"type", "object"}, {"properties", body_props}};
      if (!body_required.empty()) body_schema["required"] = body_required;
    }
    if (!body_schema.is_null())
      op["requestBody"] = Json{{"required", true}, {"content", Json{{"application/json", Json{{"schema", body_schema}}}}}};
    if (sm.upload) MultipartBody(prog, r, op);
    if (r.requires_auth) {
      any_auth = true;
      op["security"] = Json::array({Json{{sm.auth_type == "api_key" ? "apiKeyAuth" : "bearerAuth", Json::array()}}});
    }
    if (r.deprecated) op["deprecated"] = true;
    if (!r.version.empty()) op["x-api-version"] = r.version;
    SharedErrors shared;
    shared.rate_limited = sm.http.rate_limit != nullptr;
    shared.takes_body = r.method == "POST" || r.method == "PUT" || r.method == "PATCH" || op.contains("requestBody");
    shared.upload = sm.upload.has_value();
    any_body |= shared.takes_body;
    op["responses"] = OperationResponses(schemas, prog, calls, r, shared);
    std::string path = OpenApiPath(r.path);
    if (!by_path.count(path)) path_order.push_back(path);
    by_path[path][Lower(r.method)] = op;
  }
  readinessPaths(sm, by_path, path_order);
  wsPaths(sm, by_path, path_order);
  for (const std::string& p : path_order) paths[p] = by_path[p];
  Json doc = Json::object();
  doc["openapi"] = "3.0.3";
  doc["info"] = Info(sm.openapi, title);
  if (!sm.openapi.servers.empty()) doc["servers"] = Servers(sm.openapi);
  doc["paths"] = paths;
  Json components = Json::object();
  Json schema_obj = Json::object();
  Json error_content = Json{{"application/json", Json{{"schema", schemas.ErrorSchema()}}}};
  for (auto& [name, s] : schemas.components) schema_obj[name] = s;
  components["schemas"] = schema_obj;
  if (!sm.routes.empty()) {
    Json responses = Json::object();
    for (const ErrorResponse* r :
         {&kBadRequest, &kUnauthorized, &kInternalError, &kTooManyRequests, &kPayloadTooLarge, &kUnsupportedMediaType})
      if ((r != &kUnauthorized || any_auth) && (r != &kTooManyRequests || sm.http.rate_limit) &&
          (r != &kPayloadTooLarge || any_body) && (r != &kUnsupportedMediaType || (any_body && sm.upload)))
        responses[r->name] = Json{{"description", r == &kUnauthorized && sm.auth_type == "api_key" ? "missing or unknown API key"
                                                                                                   : r->description},
                                  {"content", error_content}};
    components["responses"] = responses;
  }
  if (any_auth && sm.auth_type == "api_key")
    components["securitySchemes"] =
        Json{{"apiKeyAuth", Json{{"type", "apiKey"},
                                 {"in", sm.api_key_query.empty() ? "header" : "query"},
                                 {"name", sm.api_key_query.empty() ? sm.api_key_header : sm.api_key_query}}}};
  else if (any_auth)
    components["securitySchemes"] = Json{{"bearerAuth", Json{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}};
  // `session { }`: the session cookie, as an apiKey in a cookie (its name when written literally).
  if (sm.session && sm.session->cookie_name != "(computed)") {
    if (!components.contains("securitySchemes")) components["securitySchemes"] = Json::object();
    components["securitySchemes"]["sessionCookie"] =
        Json{{"type", "apiKey"}, {"in", "cookie"}, {"name", sm.session->cookie_name},
             {"description", "the session cookie, set by the server when the session changes"}};
  }
  doc["components"] = components;
  return doc.dump(2) + "\n";
}

}  // namespace lux::emit
