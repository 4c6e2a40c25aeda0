// RPC between servers and the services' public face: RegisterService (env URL override, the
// "services" runtime component: program secret and shared breakers at Open, the health thread
// between Start and Stop; GET /_lux/services behind LUX_ADMIN_TOKEN),
// ExposeRpc (POST /_lux/rpc/<fn>, only for calls signed with the program secret; rt::RpcArg
// checks each typed parameter: 400 naming it), and
// rt::TryCallService (every outcome as a CallResult, no exception) and rt::CallService (its
// throwing form for generated code): breaker, a test's mock (services::SetRpcMock), round-robin, timeout, the call signed by core/internal_auth; the
// request id and traceparent travel with the call because lux::Fetch adds them).
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>

#include "core/bearer.h"
#include "core/internal_auth.h"
#include "core/log.h"
#include "lux/client.h"
#include "lux/services.h"
#include "lux_common/env_names.h"
#include "services/registry.h"
#include "server/app_impl.h"
#include "server/component.h"
#include "services/shared_breakers.h"
#include "tracing/instrument.h"
#include "metrics/instrument.h"

namespace lux {

namespace {

Value ServicesValue() {
  Array list;
  for (services::Service* s : services::Registry::Get().All()) {
    services::Breaker::Stats st = s->breaker->stats();
    Array instances;
    for (auto& in : s->instances)
      instances.push_back(Value{{"url", Value(in->url)}, {"healthy", Value(in->healthy.load())},
                                {"failed_checks", Value(static_cast<long long>(in->checks_failed.load()))}});
    list.push_back(Value{{"name", Value(s->name)},
                         {"state", Value(services::Breaker::StateName(st.state))},
                         {"successes", Value(static_cast<long long>(st.successes))},
                         {"failures", Value(static_cast<long long>(st.failures))},
                         {"rejected", Value(static_cast<long long>(st.rejected))},
                         {"consecutive_failures", Value(st.consecutive_failures)},
                         {"times_opened", Value(static_cast<long long>(st.times_opened))},
                         {"instances", Value(std::move(instances))}});
  }
  return Value{{"services", Value(std::move(list))}};
}

std::unique_ptr<services::SharedBreakers>& SharedBreakersSlot() {
  static std::unique_ptr<services::SharedBreakers> slot;
  return slot;
}

// LUX_BREAKER_URL=redis://...: the breakers of this process follow those of the other replicas
// (LUX_BREAKER_PREFIX, default `lux`, must match between them).
void StartSharedBreakers() {
  const char* url = std::getenv("LUX_BREAKER_URL");
  if (!url || !*url) return;
  const char* prefix = std::getenv("LUX_BREAKER_PREFIX");
  std::vector<std::pair<std::string, services::Breaker*>> list;
  for (services::Service* s : services::Registry::Get().All()) list.emplace_back(s->name, s->breaker.get());
  try {
    SharedBreakersSlot() = std::make_unique<services::SharedBreakers>(url, prefix && *prefix ? prefix : "lux", list);
  } catch (const Error& e) {
    throw StartupError(std::string("env LUX_BREAKER_URL: ") + e.what());
  }
}

// The App's side of RPC: servers it calls (health checks, shared breakers) and functions it
// exposes. Both need the program secret, checked at Open so a misconfigured server never binds.
class ServicesComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kServices;
  ServicesComponent() : Component(kOrder, "services") {}

  void Open(server::Host& host) override {
    if (exposes) core::RequireProgramSecret(host.AppName(), "exposes RPC functions (POST /_lux/rpc/...)");
    if (!calls) return;
    core::RequireProgramSecret(host.AppName(), "calls RPC functions of other servers");
    StartSharedBreakers();
    if (host.Mode() == server::RunMode::kServe) breaker_gauge_ = WatchBreakers();
  }
  void Start(server::Host&) override {
    if (calls) services::Registry::Get().StartHealth();
  }
  void Stop(server::Deadline) override {
    if (calls) services::Registry::Get().StopHealth();
  }
  void Close() override {
    breaker_gauge_.reset();
    SharedBreakersSlot().reset();
  }

  bool calls = false;    // RegisterService
  bool exposes = false;  // ExposeRpc

 private:
  // lux_breaker_state{service}: 0 closed, 1 half-open, 2 open, read at each scrape.
  static std::shared_ptr<void> WatchBreakers() {
    return metrics::WatchGauge("lux_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.", "service", [] {
      std::vector<std::pair<std::string, double>> out;
      for (services::Service* s : services::Registry::Get().All()) {
        services::Breaker::State st = s->breaker->state();
        out.emplace_back(s->name, st == services::Breaker::State::kClosed ? 0 : st == services::Breaker::State::kHalfOpen ? 1 : 2);
      }
      return out;
    });
  }
  std::shared_ptr<void> breaker_gauge_;
};

// The App whose routes call the services (the registry is the process's, as the App is).
App* g_calling_app = nullptr;

// One component and one admin route per App, however many services it discovers.
void InstallOnce(App& app) {
  g_calling_app = &app;
  ServicesComponent& c = server::Ensure<ServicesComponent>(app);
  if (c.calls) return;
  c.calls = true;
  const char* token = std::getenv("LUX_ADMIN_TOKEN");
  if (!token || !*token) return;
  std::string want = token;
  app.Get("/_lux/services", [want](Request& req) {
    if (!core::HasBearer(req, want)) {
      Response r = Respond(401, Value{{"error", "a valid admin token is required (Authorization: Bearer <LUX_ADMIN_TOKEN>)"}});
      r.SetHeader("WWW-Authenticate", "Bearer");
      return r;
    }
    return Respond(200, ServicesValue());
  });
}

}  // namespace

void RegisterService(App& app, std::string name, ServiceOptions options) {
  if (name.empty()) throw std::invalid_argument("a discovered service needs a name");
  if (const char* env = std::getenv(services::UrlEnvName(name).c_str()); env && *env) {
    options.urls = {env};
  } else if (options.program_server) {
    std::string peer = core::EnvVarName("LUX_PEER_", name, "_URL");
    if (const char* p = std::getenv(peer.c_str()); p && *p) options.urls = {p};
  }
  services::Service& s = services::Registry::Get().Add(name, std::move(options));
  if (s.instances.empty())
    throw StartupError("service `" + s.name + "` has no URL (set " + services::UrlEnvName(s.name) + ")");
  InstallOnce(app);
}

void ExposeRpc(App& app, std::string fn, std::function<Value(const Value& args)> handler) {
  server::Ensure<ServicesComponent>(app).exposes = true;
  app.Post("/_lux/rpc/" + fn, [handler = std::move(handler)](Request& req) {
    if (auto why = core::VerifyInternalCall(req)) return core::InternalUnauthorized(req, *why);
    const Value& body = req.Json();  // 400 with the position on malformed JSON
    const Value* args = body.IsObject() ? body.Find("args") : nullptr;
    if (!args || !args->IsArray()) throw HttpError(400, "an RPC body is {\"args\": [...]}");
    Value result = handler(*args);
    if (rt::CallFailed()) return rt::AnswerFailedCall(req);  // a failed call the function kept
    return Respond(200, Value{{"result", std::move(result)}});
  });
}

namespace rt {

// How much of a wrongly typed argument a 400 answer quotes: enough to recognise it, never the
// whole of a large value sent back.
constexpr std::size_t kMaxFoundChars = 80;

void ThrowRpcArgError(const char* fn, const char* param, const char* expected, const std::string& found) {
  throw HttpError(400, std::string("argument `") + param + "` of " + fn + ": expected " + expected + ", found " + found,
                  Value{{"parameter", Value(param)}, {"expected", Value(expected)}});
}

const Value& RpcArg(const Value& args, int index, const char* fn, const char* param, const char* expected) {
  static const Value kNull;
  const Array* list = args.IsArray() ? &args.AsArray() : nullptr;
  if (!list || index < 0 || static_cast<std::size_t>(index) >= list->size()) {
    if (!*expected) return kNull;  // a record parameter: its conversion says what is missing
    ThrowRpcArgError(fn, param, expected, "nothing (the argument is missing)");
  }
  const Value& v = (*list)[static_cast<std::size_t>(index)];
  std::string_view want = expected;
  bool ok = want.empty() || (want == "Int" && v.IsInt()) || (want == "Float" && (v.IsFloat() || v.IsInt())) ||
            (want == "Bool" && v.IsBool()) || (want == "String" && v.IsString()) ||
            (want != "Int" && want != "Float" && want != "Bool" && want != "String");
  if (!ok) {
    std::string found = ToJson(v);
    if (found.size() > kMaxFoundChars) found = found.substr(0, kMaxFoundChars) + "...";
    ThrowRpcArgError(fn, param, expected, found);
  }
  return v;
}

namespace {
CallResult Failed(int status, std::string error) {
  CallResult r;
  r.status = status;
  r.error = std::move(error);
  return r;
}
std::string What(std::string_view service, std::string_view fn) {
  std::string what;
  what.reserve(service.size() + fn.size() + 1);
  what.append(service).append(1, '.').append(fn);
  return what;
}
}  // namespace

CallResult TryCallService(std::string_view service, std::string_view fn, Value args) {
  services::Service* s = services::Registry::Get().Find(service);
  if (!s) return Failed(500, "call of " + What(service, fn) + ": no service `" + std::string(service) + "` is discovered");
  metrics::Clock::time_point started = metrics::Clock::now();
  if (!s->breaker->Allow()) {
    metrics::RpcCall(s->name, metrics::RpcOutcome::kRejected, started);
    CallResult r = Failed(503, "call of " + What(service, fn) + " rejected: the circuit breaker of `" + s->name + "` is open");
    r.rejected = true;
    return r;
  }
  std::string what = What(service, fn);
  // A test's mock_service answers in place of the peer; a mock that throws is a failing peer.
  if (services::RpcMock mock = services::CurrentRpcMock()) {
    std::optional<Value> mocked;
    try {
      mocked = mock(service, fn, args);
    } catch (const std::exception& e) {
      s->breaker->OnFailure();
      metrics::RpcCall(s->name, metrics::RpcOutcome::kError, started);
      return Failed(502, "call of " + what + " failed: " + e.what());
    }
    if (mocked) {
      s->breaker->OnSuccess();
      metrics::RpcCall(s->name, metrics::RpcOutcome::kOk, started);
      CallResult r;
      r.value = std::move(*mocked);
      return r;
    }
  }
  services::Instance* in = s->Pick();
  FetchOptions o;
  o.method = "POST";
  o.timeout_ms = s->options.timeout_ms;
  o.Json(Value{{"args", std::move(args)}});
  std::string endpoint = "/_lux/rpc/" + std::string(fn);
  core::SignInternalCall(o, endpoint);
  tracing::Span span = tracing::RpcSpan(service, fn, in->url);  // the peer's server span is its child
  if (span.Recording()) o.Header("traceparent", span.Traceparent());
  FetchResponse resp;
  try {
    resp = Fetch(in->url + endpoint, o);
  } catch (const FetchError& e) {
    s->breaker->OnFailure();
    metrics::RpcCall(s->name, metrics::RpcOutcome::kError, started);
    return Failed(502, "call of " + what + " failed: " + e.what());
  }
  tracing::FinishClientSpan(span, resp.status);
  if (services::Breaker::IsFailureStatus(resp.status)) {
    s->breaker->OnFailure();
    metrics::RpcCall(s->name, metrics::RpcOutcome::kError, started);
    return Failed(502, "call of " + what + " failed: " + in->url + " answered " + std::to_string(resp.status));
  }
  s->breaker->OnSuccess();  // the peer answered: a 4xx is this caller's mistake, not an outage
  metrics::RpcCall(s->name, resp.status >= 400 ? metrics::RpcOutcome::kRefused : metrics::RpcOutcome::kOk, started);
  Value body;
  try {
    body = resp.Json();
  } catch (const std::exception& e) {
    return Failed(502, "call of " + what + ": the answer is not JSON (" + e.what() + ")");
  }
  if (resp.status >= 400) {
    const Value* err = body.IsObject() ? body.Find("error") : nullptr;
    return Failed(502, "call of " + what + " refused (" + std::to_string(resp.status) +
                           "): " + (err && err->IsString() ? err->AsString() : std::string("no reason given")));
  }
  CallResult r;
  if (const Value* result = body.IsObject() ? body.Find("result") : nullptr) r.value = *result;
  return r;
}

Value CallService(std::string_view service, std::string_view fn, Value args) {
  CallResult r = TryCallService(service, fn, std::move(args));
  if (r.ok()) return std::move(r.value);
  if (r.rejected) throw CircuitOpenError(r.error);
  throw Error(r.error, r.status);
}

namespace {
// The failed call a route handler returned through DeferCallFailure, until its route answers.
thread_local std::optional<CallResult> tl_failed_call;
}  // namespace

Value DeferCallFailure(CallResult failed) {
  tl_failed_call.emplace(std::move(failed));
  return Value();
}

bool CallFailed() { return tl_failed_call.has_value(); }

namespace {
CallResult TakeFailedCall() {
  CallResult r = std::move(*tl_failed_call);
  tl_failed_call.reset();
  return r;
}
}  // namespace

void RaiseFailedCall() {
  CallResult r = TakeFailedCall();
  if (r.rejected) throw CircuitOpenError(r.error);
  throw Error(r.error, r.status);
}

std::optional<CallResult> TakeCallFailure() {
  if (!tl_failed_call) return std::nullopt;
  return TakeFailedCall();
}

Value CaughtCall(CallResult failed) { return Error(failed.error, failed.status).ToValue(); }

Value CaughtFailedCall() { return CaughtCall(TakeFailedCall()); }

FailureAside::FailureAside() : unwinding_(std::uncaught_exceptions()) {
  if (tl_failed_call) kept_.emplace(TakeFailedCall());
}

// A `finally` body whose failed calls return (emit_rpc.cpp) may end with a failure of its own:
// it replaces the one set aside, as an error the body raised would. While a thrown error unwinds
// (the body runs under lux::stdlib::Finally, which drops an error the body raises then) its own
// failure is dropped too. An error the body raised drops the failure set aside.
FailureAside::~FailureAside() {
  if (std::uncaught_exceptions() > unwinding_) return;
  if (unwinding_ > 0) tl_failed_call.reset();
  if (kept_ && !tl_failed_call) tl_failed_call = std::move(kept_);
}

Response AnswerFailedCall(Request& req) {
  App::Impl* impl = g_calling_app ? &AppImpl(*g_calling_app) : nullptr;
  if (!impl || !impl->middleware.empty()) return FailedResponse();  // handed back through them
  return impl->HandleFailed(TakeFailedCall(), req);
}

void KeepFailureIn(Response& res) { res.failed_call = std::make_shared<const CallResult>(TakeFailedCall()); }

Response FailedResponse() {
  Response res;
  res.status = 500;  // never sent: the dispatcher answers the failure
  KeepFailureIn(res);
  return res;
}

}  // namespace rt

}  // namespace lux
