// respond(), the conversion of a handler's value to a response (Ok/Err, respond values,
// middleware results), `res.*` for (req, res) middleware and on_error, `req.<field>`, and the
// route-parameter conversions that answer 400 naming the parameter.
#include <cmath>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include "lux/cookies.h"
#include "lux/realtime.h"
#include "lux/services.h"
#include "lux/session.h"
#include "lux/stdlib.h"
#include "lux_common/http_status.h"

namespace lux::stdlib {

Value Stream(const Value& producer) { return rt::StreamValue(producer); }

Value SseChannel(const Value& name) {
  if (!name.IsString()) throw Error("sse_channel: the name must be a String");
  return rt::SseChannel(name.AsString());
}

Value Respond(const Value& status, const Value& body, const Value& headers) {
  Value r{{"$status", status}, {"$body", body}};
  if (!headers.IsNull()) r["$headers"] = headers;
  return r;
}

Value ErrorBody(const Value& message, const Value& details) {
  Value body{{"error", message}};
  if (!details.IsNull()) body["details"] = details;
  body["request_id"] = Value(rt::RequestId());
  return body;
}

Value RespondError(const Value& status, const Value& message, const Value& details) {
  const long long code = status.AsInt();
  if (code < 400 || code > 599)
    throw Error("respond_error: status " + std::to_string(code) + " is not an error status (400-599)");
  return Respond(status, ErrorBody(message, details), Value());
}

Value Redirect(const Value& url, const Value& status) {
  const long long code = status.IsNull() ? 302 : status.AsInt();
  if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308)
    throw Error("redirect: status " + std::to_string(code) + " is not a redirect status (301, 302, 303, 307 or 308)");
  const std::string& to = url.AsString();
  if (to.empty()) throw Error("redirect: the URL is empty");
  if (to.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    throw Error("redirect: the URL holds a line break or a NUL byte");
  Object headers;
  headers.Set("Location", Value(to));
  return Value{{"$status", Value(static_cast<std::int64_t>(code))}, {"$raw", Value(std::string())}, {"$headers", Value(std::move(headers))}};
}

namespace {

// html()/text(): the body as text with its Content-Type (the caller's own header wins).
Value TypedText(const char* fn, const char* content_type, const Value& body, const Value& status, const Value& headers) {
  const long long code = status.IsNull() ? 200 : status.AsInt();
  if (code < 100 || code > 599) throw Error(std::string(fn) + ": status " + std::to_string(code) + " is not an HTTP status (100-599)");
  if (!headers.IsNull() && !headers.IsObject()) throw Error(std::string(fn) + ": the headers must be an object");
  Object all;
  bool typed = false;
  if (headers.IsObject())
    for (const auto& [k, v] : headers.AsObject()) typed |= IEquals(k, "content-type");
  if (!typed) all.Set("Content-Type", Value(content_type));
  if (headers.IsObject())
    for (const auto& [k, v] : headers.AsObject()) all.Set(k, v);
  return Value{{"$status", Value(static_cast<std::int64_t>(code))}, {"$raw", Value(Str(body))}, {"$headers", Value(std::move(all))}};
}

}  // namespace

Value Html(const Value& body, const Value& status, const Value& headers) {
  return TypedText("html", "text/html; charset=utf-8", body, status, headers);
}

Value TextResponse(const Value& body, const Value& status, const Value& headers) {
  return TypedText("text", "text/plain; charset=utf-8", body, status, headers);
}

bool IsResponse(const Value& v) { return v.IsObject() && v.Find("$status") != nullptr; }

Value CacheControl(Value response, const Value& max_age, const Value& options) {
  std::string cc;
  if (options.IsObject()) {
    if (options["private"].Truthy()) cc += "private, ";
    if (options["public"].Truthy()) cc += "public, ";
    if (options["no_cache"].Truthy()) cc += "no-cache, ";
    if (options["no_store"].Truthy()) cc += "no-store, ";
  }
  cc += "max-age=" + std::to_string(max_age.AsInt());
  if (!IsResponse(response)) throw Error("cache_control: the first argument is not a response (from respond())");
  response["$headers"]["Cache-Control"] = Value(cc);
  return response;
}

Value Etag(Value response, const Value& tag) {
  if (!IsResponse(response)) throw Error("etag: the first argument is not a response (from respond())");
  response["$headers"]["ETag"] = Value("\"" + Str(tag) + "\"");
  return response;
}

Value WithHeaders(Value response, const Value& headers) {
  if (!IsResponse(response)) response = Respond(Value(200), response, Value());
  if (!headers.IsObject()) return response;
  Value& into = response["$headers"];
  if (!into.IsObject()) into = Value::MakeObject();
  for (const auto& [k, v] : headers.AsObject()) into[k] = v;
  return response;
}

namespace {

const Value* CookieOption(const Value& options, const char* snake, const char* camel) {
  if (!options.IsObject()) return nullptr;
  if (const Value* v = options.Find(snake); v && !v->IsNull()) return v;
  if (const Value* v = options.Find(camel); v && !v->IsNull()) return v;
  return nullptr;
}

CookieOptions CookieOptionsOf(const Value& options) {
  CookieOptions c;
  if (!options.IsNull() && !options.IsObject()) throw Error("set_cookie: the options must be an object");
  if (const Value* v = CookieOption(options, "http_only", "httpOnly")) c.http_only = v->Truthy();
  if (const Value* v = CookieOption(options, "max_age", "maxAge")) c.max_age = v->AsInt();
  if (const Value* v = CookieOption(options, "same_site", "sameSite")) c.same_site = Str(*v);
  if (const Value* v = CookieOption(options, "secure", "secure")) c.secure = v->Truthy();
  if (const Value* v = CookieOption(options, "path", "path")) c.path = Str(*v);
  if (const Value* v = CookieOption(options, "domain", "domain")) c.domain = Str(*v);
  return c;
}

}  // namespace

Value SetCookie(const Value& name, const Value& value, const Value& options) {
  return Value(FormatSetCookie(Str(name), Str(value), CookieOptionsOf(options)));
}

Value ClearCookie(const Value& name, const Value& options) {
  CookieOptions c = CookieOptionsOf(options);
  c.max_age = 0;
  return Value(FormatSetCookie(Str(name), "", c));
}

Value SessionDestroy(const Value& req) {
  (void)req;
  if (Request* r = rt::CurrentRequest()) DestroySession(*r);
  else rt::Locals()["session"] = Value::MakeObject();
  return Value();
}

namespace {

// Names and values are sent as given; the server refuses (500, logged) a value with CR, LF or
// NUL or a name that is not a token when it writes the response (src/server/server.cpp).
void ApplyHeaders(const Value& headers, Response& res) {
  if (!headers.IsObject()) return;
  for (const auto& [k, v] : headers.AsObject()) {
    if (!v.IsArray()) {
      res.SetHeader(k, Str(v));
      continue;
    }
    res.headers.Remove(k);
    for (const Value& each : v.AsArray()) res.headers.Add(k, Str(each));
  }
}

// The response a `$held` value names, taken out of the request being served (a value answered
// twice has its body once); null when the request does not hold it.
std::shared_ptr<Response> TakeHeldResponse(const Value& v) {
  const Value* held = v.Find("$held");
  Request* req = held && held->IsInt() ? rt::CurrentRequest() : nullptr;
  if (!req) return nullptr;
  auto& all = req->held_responses;
  for (auto it = all.begin(); it != all.end(); ++it) {
    if (static_cast<std::int64_t>(it->first) != held->AsInt()) continue;
    std::shared_ptr<Response> res = std::move(it->second);
    all.erase(it);
    return res;
  }
  return nullptr;
}

Response FromRespondValue(const Value& v) {
  int status = static_cast<int>(v["$status"].AsInt());
  Response res;
  if (std::shared_ptr<Response> held = TakeHeldResponse(v)) {  // its body as it was; status and headers the value's
    res = std::move(*held);
    res.status = status;
    res.headers.Clear();
  } else if (v.Find("$stream")) {
    res = rt::StreamResponse(v);
  } else if (const Value* raw = v.Find("$raw")) {
    res.status = status;
    res.body = raw->AsString();
  } else {
    const Value& body = v["$body"];
    if (body.IsString()) res = Text(status, body.AsString());
    else res = lux::Respond(status, body);
  }
  ApplyHeaders(v["$headers"], res);
  return res;
}

}  // namespace

Response ToResponse(const Value& v) {
  if (IsResponse(v)) return FromRespondValue(v);
  if (IsOk(v)) return lux::Respond(200, OkValue(v));
  if (IsErr(v)) {
    const Value& e = ErrValue(v);
    if (e.IsObject()) {
      const Value* st = e.Find("status");
      int status = st && st->IsInt() ? static_cast<int>(st->AsInt()) : 400;
      if (e.Find("request_id")) return lux::Respond(status, e);
      Value body = e;
      body["request_id"] = Value(rt::RequestId());
      return lux::Respond(status, body);
    }
    return lux::Respond(400, ErrorBody(e, Value()));
  }
  return lux::Respond(200, v);
}

namespace {
// The family's plain answer object `{ status: 500, body: "..." [, headers: {...}] }` (an on_error
// hook's result): a String body is text, any other JSON. Anything else is no answer.
std::optional<Value> StatusBodyAnswer(const Value& v) {
  if (!v.IsObject() || v.size() < 2 || v.size() > 3) return std::nullopt;
  const Value* status = v.Find("status");
  const Value* body = v.Find("body");
  const Value* headers = v.Find("headers");
  if (!status || !body || !status->IsInt() || status->AsInt() < 100 || status->AsInt() > 599) return std::nullopt;
  if (v.size() == 3 && (!headers || !headers->IsObject())) return std::nullopt;
  const Value no_headers;
  const Value& h = headers ? *headers : no_headers;
  return body->IsString() ? TextResponse(*body, *status, h) : Respond(*status, *body, h);
}
}  // namespace

Response ToResponse(const Value& v, Response res) {
  if (IsResponse(v) || IsOk(v) || IsErr(v)) return ToResponse(v);
  if (std::optional<Value> answer = StatusBodyAnswer(v)) return ToResponse(*answer);
  // `fn(req, res) { res.status(201); return { id } }`: a value returned while nothing was sent
  // through `res` is the JSON body, with the status and headers set on `res`.
  if (!res.sent() && !v.IsNull()) {
    const int status = res.status;
    res.Json(v);
    res.status = status;
  }
  return res;
}

void DecoratorAnswer(const Value& v, Response& res) {
  if (rt::CallFailed()) return rt::KeepFailureIn(res);  // a failed call it returned (lux/services.h)
  if (v.IsNull() || res.sent()) return;
  if (IsResponse(v) || IsOk(v) || IsErr(v) || StatusBodyAnswer(v)) {
    res = ToResponse(v, res);
    if (!res.sent()) {  // an answer without a body still ends the chain
      const int status = res.status;
      res.Text("");
      res.status = status;
    }
    return;
  }
  const int status = res.status;
  res.Json(v);
  res.status = status;
}

namespace {
// What `next()` gives a (req, res, next) middleware function: the answer's status and headers
// (Express's next() returns nothing; the body stays with the stage), or the failed call it stands for.
Response NextStandIn(const Response& answer) {
  Response r;
  r.status = answer.status;
  r.headers = answer.headers;
  r.failed_call = answer.failed_call;
  return r;
}

// `res`'s headers and status on the chain's answer: those set before `next()` where the answer
// has none of its own (as a (req, res) middleware's), those set or changed after it replace the
// answer's (as a (req, next) middleware's changes to what `next(req)` returned).
void ApplyOwnHeaders(const Response& own, const Response& at_next, Response& answer) {
  for (const auto& [k, v] : own.headers) {
    std::optional<std::string_view> before = at_next.headers.Get(k);
    if (before && *before == v) {
      if (!answer.headers.Has(k)) answer.headers.Add(k, v);
    } else {
      answer.headers.Set(k, v);
    }
  }
  if (own.status != at_next.status) answer.status = own.status;
}
}  // namespace

Response ExpressMiddleware(Request& req, const Next& next, Value (*fn)(Request&, Response&, const Next&),
                           std::string_view name) {
  Response own;
  std::optional<Response> at_next;  // `res` when `next()` was called
  std::optional<Response> answer;   // the rest of the chain's
  const Next run_rest = [&](Request& r) -> Response {
    if (at_next) return NextStandIn(answer ? *answer : own);  // a second next(): the chain ran once
    at_next = own;
    if (own.sent() || own.Failed()) return NextStandIn(own);  // it answered already: the chain does not run
    answer = next(r);
    return NextStandIn(*answer);
  };
  Value v = fn(req, own, run_rest);
  if (!answer) {  // it answered (res.json, a returned response or value), or did not go on
    DecoratorAnswer(v, own);
    if (own.Failed() || own.sent()) return own;
    throw Error("middleware `" + std::string(name) + "` returned without calling next() or answering");
  }
  if (rt::CallFailed()) return rt::FailedResponse();  // a failed call of its own after next()
  if (answer->Failed()) return std::move(*answer);
  if (own.sent() && !at_next->sent())
    rt::Log(LogLevel::kError, "middleware `" + std::string(name) + "` answered after next(): ignored (the chain's answer stands)",
            Value());
  ApplyOwnHeaders(own, *at_next, *answer);
  return std::move(*answer);
}

Value NextValue(const Next& next, Request& req) {
  Response res = next(req);
  if (!res.Failed()) return FromResponse(std::move(res));
  rt::DeferCallFailure(*res.failed_call);
  return Value();
}

Value FromResponse(Response res) {
  Object headers;
  for (const auto& [k, v] : res.headers) {
    Value* seen = headers.Find(k);
    if (!seen) {
      headers.Set(k, Value(v));
    } else {  // a repeated field (Set-Cookie): all of them, in order
      if (!seen->IsArray()) *seen = Value(Array{std::move(*seen)});
      seen->AsArray().push_back(Value(v));
    }
  }
  Value out{{"$status", Value(res.status)}, {"$raw", Value(std::string(res.BodyView()))}, {"$headers", Value(std::move(headers))}};
  Request* req = res.HasStreamBody() || res.HasFileBody() ? rt::CurrentRequest() : nullptr;
  if (req) {  // a body no Value holds: the response itself is kept, the value names it
    static std::atomic<std::uint64_t> next_id{1};
    std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
    req->held_responses.emplace_back(id, std::make_shared<Response>(std::move(res)));
    out["$held"] = Value(static_cast<std::int64_t>(id));
  }
  return out;
}


namespace {
// Express's rule: the first `res.json`/`send`/... answers; a later one (a handler that forgot
// `return` after `res.status(400).json(...)`) changes nothing and is logged, as Express logs
// "Cannot set headers after they are sent". True when `res` already has its answer.
bool AlreadySent(const Response& res, const char* method) {
  if (!res.sent()) return false;
  rt::Log(LogLevel::kError, std::string("res.") + method + " after the response was sent: ignored (the first answer stands)",
          Value());
  return true;
}
}  // namespace

Value ResStatus(Response& res, const Value& status) {
  if (AlreadySent(res, "status")) return Value();
  res.Status(static_cast<int>(status.AsInt()));
  return Value();
}

Value ResJson(Response& res, const Value& body) {
  if (AlreadySent(res, "json")) return Value();
  int status = res.status;
  res.Json(body);
  res.status = status;
  return Value();
}

Value ResSetHeader(Response& res, const Value& name, const Value& value) {
  res.SetHeader(Str(name), Str(value));
  return Value();
}

Value ResText(Response& res, const Value& text) {
  if (AlreadySent(res, "send")) return Value();
  int status = res.status;
  res.Text(Str(text));
  res.status = status;
  return Value();
}

Value ResSend(Response& res, const Value& v) {
  if (AlreadySent(res, "send")) return Value();
  if (v.IsObject() || v.IsArray()) return ResJson(res, v);
  const int status = res.status;
  const std::optional<std::string_view> set = res.headers.Get("Content-Type");
  const std::string type = set ? std::string(*set) : std::string();
  res.Html(Str(v));
  if (set) res.SetHeader("Content-Type", type);
  res.status = status;
  return Value();
}

Value ResSendStatus(Response& res, const Value& status) {
  if (AlreadySent(res, "sendStatus")) return Value();
  ResStatus(res, status);
  const int code = res.status;
  const char* reason = lux_common::ReasonPhrase(code);  // Express sends the status's text
  res.Text(reason ? std::string(reason) : std::to_string(code));
  res.status = code;
  return Value();
}

Value ResRedirect(Response& res, const Value& url, const Value& status) {
  if (AlreadySent(res, "redirect")) return Value();
  Value r = Redirect(url, status);  // the same checks as redirect()
  res.status = static_cast<int>(r["$status"].AsInt());
  res.SetHeader("Location", url.AsString());
  return Value();
}

Value RequestHeader(const Request& req, const Value& name) {
  auto value = req.headers.Get(Str(name));
  return value ? Value(std::string(*value)) : Value();
}

namespace {

// A field a middleware (or a function given the request) set on the request
// (`req.received_at = Date.now()`): it lives in the request's locals; null when absent.
Value LocalField(std::string_view name) {
  const Value& locals = rt::Locals();
  const Value* set = locals.IsObject() ? locals.Find(name) : nullptr;
  return set ? *set : Value();
}

}  // namespace

Value RequestField(const Request& req, std::string_view name) {
  if (name == "user" || name == "session") return rt::Locals()[name];
  // An EventSource that reconnects sends the id of the last event it received.
  if (name == "last_event_id") {
    auto id = req.headers.Get("last-event-id");
    return id ? Value(std::string(*id)) : Value();
  }
  if (!Request::IsValueField(name)) return LocalField(name);  // no whole request value to build
  Value all = req.ToValue();
  const Value* own = all.Find(name);
  return own ? *own : Value();
}

namespace {

// True when `req` is the value of the request being answered (its id is that request's).
bool IsCurrentRequest(const Value& req) {
  const Request* current = rt::CurrentRequest();
  const Value* id = current && req.IsObject() ? req.Find("id") : nullptr;
  return id && id->IsString() && id->AsString() == current->id;
}

}  // namespace

Value RequestValueField(const Value& req, std::string_view name) {
  if (Request::IsValueField(name) || !IsCurrentRequest(req)) return Field(req, name);
  return LocalField(name);
}

Value& RequestValueFieldRef(Value& req, std::string_view name) {
  if (Request::IsValueField(name) || !IsCurrentRequest(req)) return FieldRef(req, name);
  return FieldRef(rt::Locals(), name);
}

// ---- parameters ----

namespace {
const char* KindName(Kind k) {
  switch (k) {
    case Kind::kInt: return "Int";
    case Kind::kFloat: return "Float";
    case Kind::kBool: return "Bool";
    case Kind::kString: return "String";
    default: return "a value";
  }
}
}  // namespace

Value FromRequest(Value (*convert)(const Value&), const Value& v, std::string_view place) {
  std::string message;
  try {
    return convert(v);
  } catch (const HttpError& e) {
    if (e.status() != 400) throw;
    message = e.what();  // the conversion's own 400 (a value the client sent, lux/error.h ClientOrError)
  } catch (const Error& e) {
    message = e.what();
  } catch (const TypeError& e) {
    message = e.what();
  }
  Object details;
  details.Set("field", Value(std::string(place)));
  throw HttpError(400, "`" + std::string(place) + "`: " + message, Value(std::move(details)));
}

namespace {
Value ParamValue(const char* name, const std::string& text, Kind kind, const char* where) {
  auto bad = [&]() -> Value {
    throw HttpError(400, std::string(where) + " `" + name + "`: expected " + KindName(kind) + ", got " + QuoteText(text));
  };
  // Numbers in their one canonical sign: `-5`, never `+5` (ParseIntStrict takes `+` for env values).
  bool plus = !text.empty() && text[0] == '+';
  switch (kind) {
    case Kind::kInt:
      if (auto i = ParseIntStrict(text); i && !plus) return Value(static_cast<long long>(*i));
      if (!plus && ParseFloatStrict(text) && text.find_first_not_of("-0123456789") == std::string::npos)
        throw HttpError(400, std::string(where) + " `" + name + "`: " + QuoteText(text) +
                                 " is outside the Int range [-9223372036854775808, 9223372036854775807]");
      return bad();
    case Kind::kFloat:
      if (auto f = ParseFloatStrict(text); f && !plus) return Value(*f);
      return bad();
    case Kind::kBool:
      if (auto b = ParseBoolStrict(text)) return Value(*b);
      return bad();
    default: return Value(text);
  }
}
}  // namespace

Value ParamFromString(const char* name, const std::string& text, Kind kind, const char* where) {
  Value v = ParamValue(name, text, kind, where);
  v.MarkFromClient();  // a typed parameter is still what the client sent (Value::FromClient)
  return v;
}

Value PathParam(const Request& req, const char* name, Kind kind) {
  auto v = req.Param(name);
  if (!v) throw HttpError(400, std::string("missing path parameter `") + name + "`");
  return ParamFromString(name, *v, kind, "path parameter");
}

Value QueryParam(const Request& req, const char* name, Kind kind, bool optional) {
  // One rule with JSON bodies (a repeated key is a 400): a scalar given twice is ambiguous.
  std::vector<std::string> all = req.QueryAll(name);
  if (all.size() > 1)
    throw HttpError(400, std::string("query parameter `") + name + "` is given " + std::to_string(all.size()) +
                             " times; it takes one value (a `[T]` parameter takes several)");
  std::optional<std::string> v;
  if (!all.empty()) v = std::move(all[0]);
  if (!v || (optional && v->empty())) {
    if (optional) return Value();
    throw HttpError(400, std::string("missing query parameter `") + name + "`");
  }
  return ParamFromString(name, *v, kind, "query parameter");
}

Value QueryList(const Request& req, const char* name, Kind kind) {
  Array out;
  for (const std::string& s : req.QueryAll(name)) out.push_back(ParamFromString(name, s, kind, "query parameter"));
  return Value(std::move(out));
}

Value EnumParam(Value v, const char* where, const char* name, std::initializer_list<std::string_view> variants) {
  auto check = [&](const Value& one) {
    if (one.IsNull()) return;
    if (one.IsString())
      for (std::string_view variant : variants)
        if (one.AsString() == variant) return;
    std::string expected;
    for (std::string_view variant : variants) expected += std::string(expected.empty() ? "" : ", ") + "`" + std::string(variant) + "`";
    std::string got = one.IsString() ? QuoteText(one.AsString()) : std::string(one.KindName());
    Object details;
    Array allowed;
    for (std::string_view variant : variants) allowed.push_back(Value(std::string(variant)));
    details.Set("field", Value(std::string(name)));
    details.Set("allowed", Value(std::move(allowed)));
    throw HttpError(400, std::string(where) + " `" + name + "`: expected one of " + expected + ", got " + got,
                    Value(std::move(details)));
  };
  if (v.IsArray()) {
    for (const Value& one : v.AsArray()) check(one);
  } else {
    check(v);
  }
  return v;
}

Value CheckKind(const Value& v, Kind kind, const char* what) {
  // A whole Float for an Int (`12.0`, as Python's json.dumps writes a whole float) is that Int.
  if (kind == Kind::kInt && v.IsFloat() && std::trunc(v.AsFloat()) == v.AsFloat() && std::fabs(v.AsFloat()) < 9.2e18) {
    Value i(static_cast<long long>(v.AsFloat()));
    i.MarkFromClient();
    return i;
  }
  bool ok = kind == Kind::kAny || (kind == Kind::kInt && v.IsInt()) || (kind == Kind::kFloat && v.IsNumber()) ||
            (kind == Kind::kBool && v.IsBool()) || (kind == Kind::kString && v.IsString());
  if (!ok) throw HttpError(400, std::string("body field `") + what + "`: expected " + KindName(kind) + ", got " + v.KindName());
  if (kind == Kind::kFloat) {
    Value f(v.AsFloat());
    f.MarkFromClient();  // the body's number, still the client's
    return f;
  }
  return v;
}

Value BodyOrQueryParam(const Request& req, const char* name, Kind kind, bool optional) {
  if (!req.body.empty() && req.HasFormBody()) {  // an HTML form: its fields are strings, like the query's
    Value form = req.Form();
    if (const Value* f = form.Find(name)) {
      if (optional && f->AsString().empty()) return Value();
      return ParamFromString(name, f->AsString(), kind, "body field");
    }
  } else if (!req.body.empty()) {
    const Value& body = req.Json();
    if (const Value* f = body.IsObject() ? body.Find(name) : nullptr; f && !f->IsNull()) return CheckKind(*f, kind, name);
  }
  // Not in the body: the query string may carry it; a POST/PUT/PATCH expects it in the body, so
  // that is where a missing one is reported.
  if (!req.QueryAll(name).empty()) return QueryParam(req, name, kind, optional);
  if (optional) return Value();
  throw HttpError(400, std::string("missing body field `") + name + "`");
}

Response OpenApiResponse(const char* document) {
  const char* off = std::getenv("LUX_OPENAPI");
  if (off && (std::string_view(off) == "0" || std::string_view(off) == "false"))
    return lux::Respond(404, ErrorBody(Value("not found"), Value()));
  Response res;
  res.status = 200;
  res.StaticBody(document);  // the program's constant: no copy per response
  res.SetHeader("Content-Type", "application/json; charset=utf-8");
  return res;
}

namespace {

std::string OptionText(const Value& config, const char* key, std::string fallback = {}) {
  const Value* v = config.Find(key);
  if (!v || v->IsNull()) return fallback;
  if (!v->IsString()) throw StartupError(std::string("auth option `") + key + "` expects a String, found " + Str(*v));
  return v->AsString();
}

// A String or a list of Strings; a single String is split at commas (an env setting holding
// `key1,key2`), entries trimmed and empty ones dropped.
std::vector<std::string> OptionList(const Value& config, const char* key) {
  std::vector<std::string> out;
  const Value* v = config.Find(key);
  if (!v || v->IsNull()) return out;
  auto add = [&](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (!text.empty()) out.emplace_back(text);
  };
  if (v->IsString()) {
    std::string_view all = v->AsString();
    for (std::size_t at = 0; at <= all.size();) {
      std::size_t comma = all.find(',', at);
      if (comma == std::string_view::npos) comma = all.size();
      add(all.substr(at, comma - at));
      at = comma + 1;
    }
    return out;
  }
  if (!v->IsArray()) throw StartupError(std::string("auth option `") + key + "` expects a String or a list of Strings, found " + Str(*v));
  for (const Value& e : v->AsArray()) {
    if (!e.IsString()) throw StartupError(std::string("auth option `") + key + "` holds " + Str(e) + ", not a String");
    add(e.AsString());
  }
  return out;
}

}  // namespace

// `auth { type: "jwt", algorithm, secret | public_key, issuer, audience, leeway, require_exp, roles_claim }`:
// literal values were checked by the compiler; computed ones (env settings) are checked here.
JwtOptions JwtOptionsFrom(const Value& config) {
  JwtOptions o;
  std::string type = OptionText(config, "type", "jwt");
  if (type != "jwt") throw StartupError("auth: unsupported type \"" + type + "\" (\"jwt\" or \"api_key\")");
  o.algorithm = OptionText(config, "algorithm", "HS256");
  o.secret = OptionText(config, "secret");
  o.public_key = OptionText(config, "public_key");
  o.issuer = OptionText(config, "issuer");
  o.audiences = OptionList(config, "audience");
  o.roles_claim = OptionText(config, "roles_claim");
  if (const Value* v = config.Find("require_exp")) {
    if (!v->IsBool()) throw StartupError("auth option `require_exp` expects a Bool, found " + Str(*v));
    o.require_exp = v->AsBool();
  }
  if (const Value* v = config.Find("leeway")) {
    if (!v->IsInt() || v->AsInt() < 0 || v->AsInt() > 86400)
      throw StartupError("auth option `leeway` expects seconds from 0 to 86400, found " + Str(*v));
    o.leeway_s = v->AsInt();
  }
  return o;
}

ApiKeyOptions ApiKeyOptionsFrom(const Value& config) {
  ApiKeyOptions o;
  o.keys = OptionList(config, "keys");
  o.header = OptionText(config, "header", "X-API-Key");
  o.query = OptionText(config, "query");
  return o;
}

void RegisterAuth(App& app, const Value& config) {
  if (OptionText(config, "type", "jwt") == "api_key") RegisterApiKeyAuth(app, ApiKeyOptionsFrom(config));
  else RegisterJwtAuth(app, JwtOptionsFrom(config));
}

}  // namespace lux::stdlib
