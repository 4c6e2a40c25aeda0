// Request-body validation against the server's own OpenAPI document (computed by luxc, so the
// document and the check cannot disagree): every bad field is reported with its path, what was
// expected and what was found, instead of stopping at the first. Supports the subset luxc
// generates: $ref, type (object/array/string/integer/number/boolean), properties, required,
// items, enum, nullable, allOf and oneOf. Unknown extra fields are allowed (ignored). The same
// check serves `body: T`, a record parameter that is the whole body, and a list, record or
// Option parameter read from a field of the body (its schema given as JSON text).
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

constexpr std::size_t kMaxReportedErrors = 50;  // a huge bad body still gets a bounded answer
constexpr int kMaxSchemaDepth = 64;              // recursive record types on hostile input

struct Validator {
  const Value& doc;
  Array errors;

  const Value* Resolve(const Value& schema, int depth) {
    const Value* s = &schema;
    while (s->IsObject() && s->Find("$ref") && depth < kMaxSchemaDepth) {
      const std::string& ref = (*s)["$ref"].AsString();
      constexpr std::string_view kPrefix = "#/components/schemas/";
      if (ref.rfind(kPrefix, 0) != 0) return nullptr;
      const Value* comps = doc.Find("components");
      const Value* schemas = comps ? comps->Find("schemas") : nullptr;
      s = schemas ? schemas->Find(std::string_view(ref).substr(kPrefix.size())) : nullptr;
      if (!s) return nullptr;
      ++depth;
    }
    return s;
  }

  static std::string Found(const Value& v) {
    // A string quoted as JSON (a NUL or a control byte cannot cut or garble the message).
    std::string text = v.IsString() ? QuoteText(v.AsString()) : ToJson(v);
    if (!v.IsString() && text.size() > 60) text = text.substr(0, 57) + "...";
    const char* kind = v.IsNull() ? "null" : v.IsBool() ? "a Bool" : v.IsInt() ? "an Int" : v.IsFloat() ? "a Float"
                       : v.IsString() ? "a String" : v.IsArray() ? "a list" : "an object";
    return v.IsNull() ? std::string("null") : std::string(kind) + " " + text;
  }

  void Fail(const std::string& path, const std::string& expected, const Value& found) {
    if (errors.size() >= kMaxReportedErrors) return;
    errors.push_back(Value{{"path", Value(path)}, {"expected", Value(expected)}, {"found", Value(Found(found))}});
  }

  // True when v fits; records errors only when `report`.
  bool Check(const Value& v, const Value& schema_in, const std::string& path, bool report, int depth) {
    if (depth > kMaxSchemaDepth) return true;
    const Value* s = Resolve(schema_in, depth);
    if (!s || !s->IsObject()) return true;
    if (v.IsNull()) {
      const Value* nullable = s->Find("nullable");
      if (nullable && nullable->IsBool() && nullable->AsBool()) return true;
    }
    if (const Value* all = s->Find("allOf"); all && all->IsArray()) {
      bool ok = true;
      for (const Value& sub : all->AsArray()) ok &= Check(v, sub, path, report, depth + 1);
      return ok;
    }
    if (const Value* one = s->Find("oneOf"); one && one->IsArray()) {
      for (const Value& sub : one->AsArray())
        if (Check(v, sub, path, false, depth + 1)) return true;
      if (report) Fail(path, "one of the forms the schema allows", v);
      return false;
    }
    const Value* type = s->Find("type");
    std::string t = type && type->IsString() ? type->AsString() : "";
    auto want = [&](bool ok, const char* what) {
      if (!ok && report) Fail(path, what, v);
      return ok;
    };
    // JSON Schema's integer is a number without a fraction: `12.0` (Python's json.dumps of a
    // whole float) is 12, as FromValue reads it.
    if (t == "integer")
      return want(v.IsInt() || (v.IsFloat() && std::trunc(v.AsFloat()) == v.AsFloat() && std::fabs(v.AsFloat()) < 9.2e18),
                  "an Int");
    if (t == "number") return want(v.IsInt() || v.IsFloat(), "a number");
    if (t == "boolean") return want(v.IsBool(), "a Bool");
    if (t == "string") {
      if (!want(v.IsString(), "a String")) return false;
      if (const Value* e = s->Find("enum"); e && e->IsArray()) {
        for (const Value& option : e->AsArray())
          if (option == v) return true;
        std::string names;
        for (const Value& option : e->AsArray()) names += (names.empty() ? "" : ", ") + Str(option);
        return want(false, ("one of " + names).c_str());
      }
      return true;
    }
    if (t == "array") {
      if (!want(v.IsArray(), "a list")) return false;
      bool ok = true;
      const Value* items = s->Find("items");
      if (!items) return true;
      std::size_t i = 0;
      for (const Value& item : v.AsArray()) ok &= Check(item, *items, path + "[" + std::to_string(i++) + "]", report, depth + 1);
      return ok;
    }
    if (t == "object") {
      if (!want(v.IsObject(), "an object")) return false;
      bool ok = true;
      if (const Value* req = s->Find("required"); req && req->IsArray())
        for (const Value& name : req->AsArray())
          if (name.IsString() && !v.Find(name.AsString())) {
            ok = false;
            if (report && errors.size() < kMaxReportedErrors)
              errors.push_back(Value{{"path", Value(path + "." + name.AsString())}, {"expected", Value("a value (required)")},
                                     {"found", Value("nothing")}});
          }
      if (const Value* props = s->Find("properties"); props && props->IsObject())
        for (const auto& [name, sub] : props->AsObject())
          if (const Value* field = v.Find(name)) ok &= Check(*field, sub, path + "." + name, report, depth + 1);
      return ok;
    }
    return true;
  }
};

const Value& ParsedDocument(const char* document) {
  static std::mutex mu;
  static std::unordered_map<const char*, Value> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(document);
  if (it == cache.end()) it = cache.emplace(document, ParseJson(document)).first;
  return it->second;
}

}  // namespace

Value BodyField(const Request& req, const char* name, bool optional) {
  if (!req.body.empty() && !req.HasFormBody()) {
    const Value& body = req.Json();  // malformed JSON: 400 with the position
    if (const Value* f = body.IsObject() ? body.Find(name) : nullptr; f && !f->IsNull()) return *f;
  }
  if (optional) return Value();
  throw HttpError(400, std::string("missing body field `") + name + "`", Value{{"field", Value(name)}});
}

void ValidateBodyValue(const Value& value, const char* document, const char* schema, const char* name, bool field) {
  Validator v{ParsedDocument(document), {}};
  std::string root = field ? name : "body";
  if (v.Check(value, ParsedDocument(schema), root, true, 0)) return;
  std::size_t n = v.errors.size();
  const Value& first = v.errors[0];
  std::string more = n > 1 ? " (and " + std::to_string(n - 1) + " more)" : std::string();
  std::string what = "expected " + Str(first["expected"]) + ", found " + Str(first["found"]);
  if (!field)
    throw HttpError(400, std::string("invalid body parameter `") + name + "`: " + Str(first["path"]) + ": " + what + more,
                    Value{{"errors", Value(std::move(v.errors))}});
  throw HttpError(400, "body field `" + Str(first["path"]) + "`: " + what + more,
                  Value{{"field", Value(name)}, {"errors", Value(std::move(v.errors))}});
}

void ValidateBody(const Request& req, const char* document, const char* schema, const char* name) {
  const Value& body = req.Json();  // malformed JSON: 400 with the position
  Validator v{ParsedDocument(document), {}};
  Value ref{{"$ref", Value(std::string("#/components/schemas/") + schema)}};
  if (v.Check(body, ref, "body", true, 0)) return;
  std::size_t n = v.errors.size();
  std::string first = Str(v.errors[0]["path"]) + ": expected " + Str(v.errors[0]["expected"]) + ", found " +
                      Str(v.errors[0]["found"]);
  throw HttpError(400,
                  std::string("invalid body parameter `") + name + "`: " + first +
                      (n > 1 ? " (and " + std::to_string(n - 1) + " more)" : std::string()),
                  Value{{"errors", Value(std::move(v.errors))}});
}

void ValidateRequestBody(const Request& req, const char* document, const char* schema, bool list) {
  const Value& body = req.Json();  // malformed JSON: 400 with the position; not JSON: 415
  Validator v{ParsedDocument(document), {}};
  Value ref{{"$ref", Value(std::string("#/components/schemas/") + schema)}};
  Value want = list ? Value{{"type", Value("array")}, {"items", ref}} : ref;
  if (v.Check(body, want, "body", true, 0)) return;
  std::size_t n = v.errors.size();
  std::string first = Str(v.errors[0]["path"]) + ": expected " + Str(v.errors[0]["expected"]) + ", found " +
                      Str(v.errors[0]["found"]);
  throw HttpError(400, "invalid request body: " + first + (n > 1 ? " (and " + std::to_string(n - 1) + " more)" : std::string()),
                  Value{{"errors", Value(std::move(v.errors))}});
}

}  // namespace lux::stdlib
