// Request dispatch: global middleware -> router -> route middleware -> handler, plus 404/405/
// OPTIONS answers and error handling (on_error, default 500 that leaks nothing).
#include <boost/context/detail/exception.hpp>

#include "core/fiber.h"
#include "http/conditional.h"
#include "core/ids.h"
#include "core/log.h"
#include "lux/routes.h"
#include "lux/services.h"
#include "server/app_impl.h"
#include "tracing/instrument.h"

namespace lux {
namespace {

struct Chain {
  const std::vector<Middleware>* mws;
  const Handler* terminal;
};

Response RunChain(const Chain* chain, std::size_t i, Request& req) {
  if (i == chain->mws->size()) return (*chain->terminal)(req);
  Next next = [chain, i](Request& r) { return RunChain(chain, i + 1, r); };
  return (*chain->mws)[i](req, next);
}

std::string Join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) {
    if (!out.empty()) out += ", ";
    out += x;
  }
  return out;
}

}  // namespace

Response App::Impl::DefaultError(const Error& e, const Request& req) const {
  Value body = Value::MakeObject();
  int status = 500;
  // A thrown value that names a status (`throw { status: 404, message: "no such user" }`, the
  // family's HTTP errors): answered with it; a 4xx shows its message, as an HttpError does.
  const bool thrown_client = e.is_thrown() && e.status() >= 400 && e.status() <= 499;
  if (e.exposed() || thrown_client) {
    status = e.status() >= 400 && e.status() <= 599 ? e.status() : 500;
    body["error"] = e.what();
    if (!e.data().IsNull()) body["details"] = e.data();
  } else {
    if (e.is_thrown()) status = e.status();  // 500-599
    body["error"] = "internal server error";
  }
  body["request_id"] = req.id;
  return Respond(status, body);
}

// Called outside any catch block: a handler that suspends (fetch, sleep) inside a catch
// block would interleave the thread's caught-exception stack between fibers.
Response App::Impl::HandleException(std::exception_ptr ep, Request& req) {
  std::optional<Error> plain;
  std::optional<HttpError> exposed;
  try {
    std::rethrow_exception(ep);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // a fiber being torn down must unwind to its entry point
  } catch (const Error& e) {
    if (e.exposed()) {
      exposed.emplace(e.status(), e.what(), e.data());
    } else {
      plain.emplace(e);  // a copy keeps what a `throw` raised (Error::thrown)
    }
  } catch (const JsonError& e) {
    exposed.emplace(400, e.what());
  } catch (const TypeError& e) {
    if (e.client()) {
      exposed.emplace(400, e.what());  // a value the client sent (Value::FromClient) was wrong
    } else {
      plain.emplace(e.what());
    }
  } catch (const std::exception& e) {
    plain.emplace(e.what());
  } catch (...) {
    plain.emplace("unknown exception");
  }
  return HandleError(exposed ? static_cast<const Error&>(*exposed) : *plain, req);
}

// What DispatchRoute makes of the error CallService throws for `failed` (a copy as a plain, not
// exposed, lux::Error), for a failed call that came back as a result (lux/services.h).
Response App::Impl::HandleFailed(const CallResult& failed, Request& req) {
  return HandleError(Error(failed.error, failed.status), req);
}

Response App::Impl::HandleError(const Error& e, Request& req) {
  Response def = DefaultError(e, req);
  core::Log(def.status >= 500 ? LogLevel::kError : LogLevel::kWarn, "request failed",
            {{"request_id", req.id}, {"method", req.method}, {"path", req.path}, {"status", def.status},
             {"error", std::string(e.what())}});
  if (!on_error) return def;
  std::string failure;
  try {
    Response answer = on_error(e, req, def);
    std::optional<CallResult> failed = rt::TakeCallFailure();  // a failed call it kept (lux/services.h)
    if (!failed) return answer;
    failure = std::move(failed->error);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;
  } catch (const std::exception& inner) {
    failure = inner.what();
  } catch (...) {
    failure = "unknown exception";
  }
  core::Log(LogLevel::kError, "on_error failed", {{"request_id", req.id}, {"error", failure}});
  return def;
}

namespace {

// The end of the global chain: the route (its own middleware, then the handler), or the
// 404/405/OPTIONS answer.
Response RouteTerminal(const server::RouteEntry* route, const http::Router::Match& match, Request& r) {
  if (route) {
    Response res;
    if (route->middleware.empty()) {
      res = route->handler(r);
    } else {
      Chain inner{&route->middleware, &route->handler};
      res = RunChain(&inner, 0, r);
    }
    if (!res.Failed()) http::ApplyConditional(r, res);  // If-None-Match → 304
    return res;
  }
  if (match.result == http::Router::Result::kMethodNotAllowed) {
    std::string allow = Join(match.allow);
    if (r.method == "OPTIONS") {
      Response res;
      res.status = 204;
      res.SetHeader("Allow", allow);
      return res;
    }
    Value body = Value::MakeObject();
    body["error"] = "method not allowed";
    body["allow"] = ToValue(match.allow);
    body["request_id"] = r.id;
    Response res = Respond(405, body);
    res.SetHeader("Allow", allow);
    return res;
  }
  Value body = Value::MakeObject();
  body["error"] = "not found";
  body["request_id"] = r.id;
  return Respond(404, body);
}

}  // namespace

Response App::Impl::Dispatch(Request& req, std::string_view raw_path, int* route_index) {
  if (!tracing::Enabled()) return DispatchRoute(req, raw_path, route_index);  // tracing off: one test
  tracing::Span span = tracing::ServerSpan(req);
  int matched = -1;
  Response res = DispatchRoute(req, raw_path, &matched);
  if (matched >= 0 && route_index) *route_index = matched;
  const std::string* route_pattern = matched >= 0 ? &routes[static_cast<std::size_t>(matched)].pattern : nullptr;
  tracing::FinishServerSpan(span, req, route_pattern, res.status);
  return res;
}

Response App::Impl::DispatchRoute(Request& req, std::string_view raw_path, int* route_index) {
  std::exception_ptr ep;
  try {
    http::Router::Match match = router.Find(req.method, raw_path);
    const server::RouteEntry* route = nullptr;
    if (match.result == http::Router::Result::kFound) {
      route = &routes[static_cast<std::size_t>(match.route)];
      if (route_index) *route_index = match.route;
      req.params = std::move(match.params);
      req.probe = route->probe;
    }
    // Without global middleware the terminal is called directly (no std::function to build).
    Response res;
    if (middleware.empty()) {
      res = RouteTerminal(route, match, req);
    } else {
      Handler terminal = [route, &match](Request& r) { return RouteTerminal(route, match, r); };
      Chain chain{&middleware, &terminal};
      res = RunChain(&chain, 0, req);
    }
    if (res.Failed()) return HandleFailed(*res.failed_call, req);  // handed back through the middleware
    return res;
  } catch (const boost::context::detail::forced_unwind&) {
    throw;
  } catch (...) {
    ep = std::current_exception();
  }
  return HandleException(ep, req);
}

// ---- App API that only touches Impl state ----

App::App(std::string name) : impl_(new Impl(std::move(name))) {}
App::~App() {
  if (impl_ && impl_->started && !impl_->waited) {
    Shutdown();
    Wait();
  }
  delete impl_;
}

App::Impl& AppImpl(App& app) { return *app.impl_; }

void App::Impl::AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                         std::vector<Middleware> route_middleware) {
  if (!handler) throw std::invalid_argument("route " + std::string(method) + " " + std::string(pattern) + " has no handler");
  router.Add(method, pattern);
  routes.push_back({std::string(method), std::string(pattern), std::move(handler), std::move(route_middleware)});
}

void App::Route(std::string_view method, std::string_view pattern, Handler handler,
                std::vector<Middleware> route_middleware) {
  impl_->AddRoute(method, pattern, std::move(handler), std::move(route_middleware));
}

void App::Use(Middleware m) { impl_->middleware.push_back(std::move(m)); }

void App::UseDecorator(Decorator d) {
  impl_->middleware.push_back(DecoratorMiddleware(std::move(d)));
}

void App::OnError(ErrorHandler h) { impl_->on_error = std::move(h); }
void App::OnStart(Hook h) { impl_->lifecycle.on_start.push_back(std::move(h)); }
void App::OnStop(Hook h) { impl_->lifecycle.on_stop.push_back(std::move(h)); }
ServerOptions& App::options() { return impl_->opts; }
const std::string& App::name() const { return impl_->name; }

Response App::Handle(Request& req) {
  if (req.target.empty()) req.target = req.query_string.empty() ? req.path : req.path + "?" + req.query_string;
  if (req.id.empty()) {
    auto incoming = req.headers.Get("x-request-id");
    req.id = incoming && core::IsValidRequestId(*incoming) ? std::string(*incoming) : core::NewRequestId();
  }
  if (req.trace.trace_id.empty()) req.trace = core::MakeTraceContext(req.headers.Get("traceparent"));
  std::string raw = req.target.substr(0, req.target.find('?'));
  // Make the request current (rt::RequestId, Locals, Fetch propagation) for the call.
  core::Fiber context{nullptr, nullptr, &req};
  core::Fiber* saved = core::tl_fiber;
  if (!saved) core::tl_fiber = &context;
  Response res = impl_->Dispatch(req, raw);
  core::tl_fiber = saved;
  if (!res.headers.Has("X-Request-Id")) res.headers.Add("X-Request-Id", req.id);
  return res;
}

}  // namespace lux
