// Discovered services: `discover "svc" at "url" with { ... }` and `svc.fn(args)` RPC calls behind
// a circuit breaker, with health checks and round-robin over the healthy instances; and the
// server side of RPC (`ExposeRpc`: POST /_lux/rpc/<fn>). Implementation in src/services/.
// Users' view: docs/runtime.md#services.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/error.h"
#include "lux/http.h"
#include "lux/value.h"

namespace lux {

// `discover ... with { threshold, timeout, reset_timeout, half_open_requests, health, health_interval }`
struct ServiceOptions {
  std::vector<std::string> urls;           // one or more base URLs (round-robin over the healthy)
  std::int64_t timeout_ms = 5'000;         // per call
  int failure_threshold = 5;               // consecutive failures that open the breaker
  std::int64_t reset_timeout_ms = 30'000;  // open → half-open after this
  int half_open_requests = 1;              // trial calls let through while half-open
  std::string health;                      // a path such as "/health"; empty: no health checks
  std::int64_t health_interval_ms = 10'000;
  // A server of the same program discovered without a URL (`urls` holds its declared port on
  // 127.0.0.1): LUX_PEER_<NAME>_URL, the variable its events use, also replaces the URLs.
  bool program_server = false;
};

// A call rejected without a network request because the service's breaker is open (503).
class CircuitOpenError : public Error {
 public:
  explicit CircuitOpenError(const std::string& message) : Error(message, 503) {}
};

// What a call of a discovered service came to, without an exception: the result, or the
// error a throwing call raises (rt::TryCallService).
struct CallResult {
  Value value;            // the peer's result (when ok())
  int status = 0;         // 0: answered; else the status of the error (503 rejected, 502 failed, 500 no such service)
  bool rejected = false;  // refused by the open breaker: no request was made
  std::string error;      // `call of svc.fn ...` (when !ok())
  bool ok() const { return status == 0; }
};

// Registration, before Start/Run. The URLs can be replaced at start by the environment:
// LUX_SERVICE_<NAME>_URL (NAME upper-cased, `-` → `_`; several URLs separated by commas), else,
// for a `program_server`, LUX_PEER_<NAME>_URL.
void RegisterService(App& app, std::string name, ServiceOptions options);
// The server side: `fn` answers POST /_lux/rpc/<fn> with body {"args": [...]} and replies
// {"result": ...}. A thrown HttpError keeps its status; other errors answer 500. A failed call
// the handler kept (rt::DeferCallFailure) is answered as the error it stands for would be.
void ExposeRpc(App& app, std::string fn, std::function<Value(const Value& args)> handler);

namespace rt {
// The server side of a typed parameter: the `index`-th argument of an RPC call to `fn`, checked
// against the parameter's declared type before the function runs. `expected` is "Int", "Float"
// (an Int fits too), "Bool" or "String". A missing argument or one of another type throws
// HttpError 400 `argument `param` of fn: expected T, found ...` with details {parameter,
// expected}: the caller's mistake, which the caller's breaker does not count.
const Value& RpcArg(const Value& args, int index, const char* fn, const char* param, const char* expected);
[[noreturn]] void ThrowRpcArgError(const char* fn, const char* param, const char* expected, const std::string& found);
// The same for a record parameter: its conversion must succeed (the TypeError names the field).
template <typename T>
const Value& RpcRecordArg(const Value& args, int index, const char* fn, const char* param, const char* type) {
  const Value& v = RpcArg(args, index, fn, param, "");
  T record{};
  try {
    FromValue(v, record);  // ADL finds the record's FromValue
  } catch (const TypeError& e) {
    ThrowRpcArgError(fn, param, type, e.what());
  }
  return v;
}

// `svc.fn(args...)`: `args` is an array. Throws CircuitOpenError when the breaker is open, and
// lux::Error (status 502) naming the service, function and cause when the call fails.
Value CallService(std::string_view service, std::string_view fn, Value args);
// The same call with every outcome returned: a call the open breaker refuses costs a registry
// lookup, the breaker's check and a counter, no exception (CallService throws from this result).
CallResult TryCallService(std::string_view service, std::string_view fn, Value args);

// A failed call carried to the route's answer without an exception. Generated code uses these
// wherever a call can leave through the normal result path (docs/language.md, "Calling
// services"): in a function,
//   CallResult c = TryCallService(...); if (!c.ok()) return DeferCallFailure(std::move(c));
// in its caller, right after the call returned:
//   Value v = f(...); if (CallFailed()) return Value();   (the failure stays kept)
// and in the route function, right after the handler returned:
//   if (CallFailed()) return AnswerFailedCall(req);
// Nothing runs between a return and its check (no suspension), so the failure is kept per
// thread. The answer is the one the thrown error gets: `request failed` logged,
// on_error, else the default 500 answer. With middleware around the routes (the server's
// blocks: cors, compression, session, rate_limit, limits; its middleware functions) the route
// returns FailedResponse instead, which the middleware hands back as it is (an error unwinds
// through it likewise) and the dispatcher answers.
Value DeferCallFailure(CallResult failed);
bool CallFailed();
Response AnswerFailedCall(Request& req);
// The kept failure taken into a response that stands for it (Response::failed_call): what a
// route with middleware of its own, or a middleware function, returns for a failed call.
// KeepFailureIn does the same to a response a (req, res) middleware function was given.
Response FailedResponse();
void KeepFailureIn(Response& res);
// Where a failure cannot travel further as a result (a lambda held as a value, code outside
// functions): the kept failure thrown as CallService throws it.
[[noreturn]] void RaiseFailedCall();
// The side of the runtime's callers of generated code (the job runners, the event bus, the
// scheduler, the lifecycle hooks, on_error, WebSocket hooks, readiness checks, an `sse` stream):
// the failure the called function kept, taken right after it returned (it failed like one that
// threw).
std::optional<CallResult> TakeCallFailure();
inline Value Checked(Value v) {
  if (CallFailed()) RaiseFailedCall();
  return v;
}
// The error value a `catch` binds for a failed call, as for the error CallService throws:
// of `failed`, or of the kept failure (taken).
Value CaughtCall(CallResult failed);
Value CaughtFailedCall();
// While a `finally` body runs on the way out with a kept failure: the failure set aside (the
// body may suspend this fiber, and other requests run on the thread), kept again after it
// unless the body raised an error or kept a failure of its own (which replaces it; while a
// thrown error unwinds, the body's own failure is dropped).
class FailureAside {
 public:
  FailureAside();
  ~FailureAside();
  FailureAside(const FailureAside&) = delete;
  FailureAside& operator=(const FailureAside&) = delete;

 private:
  std::optional<CallResult> kept_;
  int unwinding_;
};
}  // namespace rt

}  // namespace lux
