// uuid, Date.now, Process.uptime, JSON.stringify/parse, sleep, fetch, request_id, __getLocals,
// log.debug/info/warn/error.
#include <chrono>
#include <cstdio>
#include <random>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {
const auto kProcessStart = std::chrono::steady_clock::now();
}  // namespace

Value Uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return Value(buf);
}

Value DateNow() { return Value(static_cast<long long>(rt::NowMs())); }

Value ProcessUptime() {
  return Value(std::chrono::duration<double>(std::chrono::steady_clock::now() - kProcessStart).count());
}

Value JsonStringify(const Value& v, const Value& indent, const Value& space) {
  if ((!indent.IsNull() && indent.Truthy()) || (!space.IsNull() && space.Truthy())) return Value(ToJsonPretty(v));
  return Value(ToJson(v));
}

Value ErrorOf(const Value& message) {
  Object error;
  error.Set("name", Value("Error"));
  error.Set("message", message);
  return Value(std::move(error));
}

Value JsTypeOf(const Value& v) {
  if (v.IsNull()) return Value("undefined");
  if (v.IsString()) return Value("string");
  if (v.IsNumber()) return Value("number");
  if (v.IsBool()) return Value("boolean");
  if (v.IsFunction()) return Value("function");
  return Value("object");
}

Value JsonParse(const Value& text) {
  Value out;
  try {
    out = ParseJson(text.AsString());
  } catch (const JsonError& e) {
    ClientOrError(text, std::string("JSON.parse: ") + e.what());
  }
  if (text.FromClient()) out.MarkFromClient();  // the client's text: its parts are the client's
  return out;
}

Value Sleep(const Value& ms) {
  rt::Sleep(ms.IsFloat() ? static_cast<std::int64_t>(ms.AsFloat()) : ms.AsInt());
  return Value();
}

// fetch(url, {method, headers, body, timeout}) → {status, ok, headers, body} where body is the
// parsed JSON when the response says so, else the text. Network failures raise an error
// (`catch err` → err.message names the method, URL and cause).
Value Fetch(const Value& url, const Value& options) {
  FetchOptions fo;
  if (options.IsObject()) {
    if (const Value* m = options.Find("method")) fo.method = Str(*m);
    if (const Value* t = options.Find("timeout"); t && t->IsNumber())
      fo.timeout_ms = t->IsInt() ? t->AsInt() : static_cast<std::int64_t>(t->AsFloat());
    if (const Value* h = options.Find("headers"); h && h->IsObject())
      for (const auto& [k, v] : h->AsObject()) fo.Header(k, Str(v));
    if (const Value* b = options.Find("body"); b && !b->IsNull()) {
      if (b->IsString()) fo.body = b->AsString();
      else fo.Json(*b);
    }
  }
  FetchResponse r = lux::Fetch(Str(url), fo);
  Object headers;
  for (const auto& [k, v] : r.headers) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers.Set(lower, Value(v));
  }
  Value body(r.body);
  auto ct = r.headers.Get("content-type");
  if (ct && ct->find("json") != std::string_view::npos && !r.body.empty()) {
    try {
      body = ParseJson(r.body);
    } catch (const JsonError&) {
    }
  }
  return Value{{"status", Value(r.status)}, {"ok", Value(r.ok())}, {"headers", Value(std::move(headers))},
               {"body", std::move(body)}};
}

Value RequestId() { return Value(rt::RequestId()); }

namespace {
// The arguments joined as print joins them; a last argument that is an object (and not the
// only one) gives the line's fields instead.
Value LogAt(LogLevel level, std::initializer_list<Value> args) {
  const Value* end = args.end();
  const Value* fields = nullptr;
  if (args.size() > 1 && (end - 1)->IsObject()) fields = --end;
  std::string msg;
  for (const Value* v = args.begin(); v != end; ++v) {
    if (v != args.begin()) msg += ' ';
    AppendStr(msg, *v);
  }
  rt::Log(level, msg, fields ? *fields : Value());
  return Value();
}
}  // namespace

Value LogDebug(std::initializer_list<Value> args) { return LogAt(LogLevel::kDebug, args); }
Value LogInfo(std::initializer_list<Value> args) { return LogAt(LogLevel::kInfo, args); }
Value LogWarn(std::initializer_list<Value> args) { return LogAt(LogLevel::kWarn, args); }
Value LogError(std::initializer_list<Value> args) { return LogAt(LogLevel::kError, args); }
Value Locals() { return rt::Locals(); }

}  // namespace lux::stdlib
