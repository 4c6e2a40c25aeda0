// The OpenAPI 3 document of a server, computed at compile time from its routes: path parameters
// (`:id` → `{id}`), query parameters and JSON bodies bound by name with their declared types,
// return types (shared records → components/schemas, Option → nullable, enums → string enums,
// lists → arrays, Result<T, E> → 200 T and 400), `with auth` (a bearer JWT security scheme,
// 401), `///` doc comments (summary, description) and `openapi { }` (info, servers). The error
// responses (400, 401, 500) are components/responses that operations `$ref`. Deterministic:
// keys in a fixed order. Entry point: openApiDocument (GET /openapi.json, `luxc openapi`).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "emit/emitter.h"

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
                      {"description", "for a body that does not fit its declared type: every bad field"},
                      {"properties",
                       Json{{"errors", Json{{"type", "array"},
                                            {"items", Json{{"type", "object"},
                                                           {"properties", Json{{"path", Json{{"type", "string"}}},
                                                                               {"expected", Json{{"type", "string"}}},
                                                                               {"found", Json{{"type", "string"}}}}},
                                                           {"required", Json::array({"path", "expected", "found"})}}}}}}}}}}},
          {"required", Json::array({"error"})}};
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

Json ResponseRef(const ErrorResponse& r) { return Json{{"$ref", std::string("#/components/responses/") + r.name}}; }

Json Info(const OpenApiModel& oa, const std::string& default_title) {
  Json info = Json::object();
  info["title"] = oa.title.value_or(default_title);
  if (!oa.description.empty()) info["description"] = oa.description;
  info["version"] = oa.version;
  return info;
}

}  // namespace

std::string openApiDocument(const CheckedProgram& prog, const ServerModel& sm, const std::string& title) {
  SchemaBuilder schemas;
  Json paths = Json::object();
  bool any_auth = false;
  std::map<std::string, Json> by_path;  // keep the routes of one path together, in source order
  std::vector<std::string> path_order;
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
    op["operationId"] = op_id + "_" + Lower(r.method);
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
          bool optional = !t || t->isDynamic() || t->kind == TyKind::Option;
          const Ty* st = t && t->kind == TyKind::Option ? t->elem : t;
          params.push_back(Json{{"name", b.name.str()}, {"in", "query"}, {"required", !optional}, {"schema", schemas.Of(st)}});
          break;
        }
        case ParamSource::Body:
          body_schema = t && t->kind == TyKind::Record ? schemas.Of(t) : Json::object();
          break;
        case ParamSource::BodyOrQuery: {
          bool optional = !t || t->isDynamic() || t->kind == TyKind::Option;
          body_props[b.name.str()] = schemas.Of(t && t->kind == TyKind::Option ? t->elem : t);
          if (!optional) body_required.push_back(b.name.str());
          break;
        }
        case ParamSource::Request:
        case ParamSource::Response: break;
      }
    }
    if (!params.empty()) op["parameters"] = params;
    if (body_schema.is_null() && !body_props.empty()) {
      body_schema = Json{{"type", "object"}, {"properties", body_props}};
      if (!body_required.empty()) body_schema["required"] = body_required;
    }
    if (!body_schema.is_null())
      op["requestBody"] = Json{{"required", true}, {"content", Json{{"application/json", Json{{"schema", body_schema}}}}}};
    Json responses = Json::object();
    const Ty* result = r.handler && r.handler->annotated_result ? r.handler->result : nullptr;
    Json ok = Json{{"description", "OK"}};
    if (result && result->kind != TyKind::Unit) ok["content"] = Json{{"application/json", Json{{"schema", schemas.Of(result)}}}};
    responses["200"] = ok;
    responses["400"] = ResponseRef(kBadRequest);
    if (r.requires_auth) {
      any_auth = true;
      op["security"] = Json::array({Json{{"bearerAuth", Json::array()}}});
      responses["401"] = ResponseRef(kUnauthorized);
    }
    responses["500"] = ResponseRef(kInternalError);
    op["responses"] = responses;
    std::string path = OpenApiPath(r.path);
    if (!by_path.count(path)) path_order.push_back(path);
    by_path[path][Lower(r.method)] = op;
  }
  for (const std::string& p : path_order) paths[p] = by_path[p];
  Json doc = Json::object();
  doc["openapi"] = "3.0.3";
  doc["info"] = Info(sm.openapi, title);
  if (!sm.openapi.servers.empty()) {
    Json servers = Json::array();
    for (const OpenApiServerEntry& s : sm.openapi.servers) {
      Json entry{{"url", s.url}};
      if (!s.description.empty()) entry["description"] = s.description;
      servers.push_back(entry);
    }
    doc["servers"] = servers;
  }
  doc["paths"] = paths;
  Json components = Json::object();
  Json schema_obj = Json::object();
  Json error_content = Json{{"application/json", Json{{"schema", schemas.ErrorSchema()}}}};
  for (auto& [name, s] : schemas.components) schema_obj[name] = s;
  components["schemas"] = schema_obj;
  if (!sm.routes.empty()) {
    Json responses = Json::object();
    for (const ErrorResponse* r : {&kBadRequest, &kUnauthorized, &kInternalError})
      if (r != &kUnauthorized || any_auth) responses[r->name] = Json{{"description", r->description}, {"content", error_content}};
    components["responses"] = responses;
  }
  if (any_auth)
    components["securitySchemes"] = Json{{"bearerAuth", Json{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}};
  doc["components"] = components;
  (void)prog;
  return doc.dump(2) + "\n";
}

}  // namespace lux::emit
