// The middleware of route modifiers and route groups (lux/routes.h): the request deadline of
// `timeout(ms)` (kept on the request's core::Fiber, consulted by every wait: core/deadline.h),
// `cache(seconds)`, a group's Deprecation/Sunset headers and decorator-form group middleware.
#include <boost/context/detail/exception.hpp>

#include <algorithm>

#include "core/deadline.h"
#include "core/fiber.h"
#include "core/log.h"
#include "lux/routes.h"
#include "server/app_impl.h"

namespace lux {

Middleware RouteTimeout(App&, std::int64_t ms) {
  const auto budget = std::chrono::milliseconds(std::clamp<std::int64_t>(ms, 1, kMaxRouteTimeoutMs));
  return [budget](Request& req, const Next& next) -> Response {
    core::Fiber* f = core::tl_fiber;  // the request's context: the server's fiber, or App::Handle's
    if (!f) return next(req);
    const std::optional<core::Clock::time_point> outer = f->deadline;
    const core::Clock::time_point deadline = core::Clock::now() + budget;
    if (!outer || deadline < *outer) f->deadline = deadline;
    const core::Clock::time_point effective = *f->deadline;
    std::exception_ptr error;
    Response res;
    try {
      res = next(req);
    } catch (const boost::context::detail::forced_unwind&) {
      f->deadline = outer;
      throw;
    } catch (...) {
      error = std::current_exception();
    }
    f->deadline = outer;
    if (core::Clock::now() >= effective) {
      // Whatever the handler answered or threw, it came too late: what it waited for was
      // abandoned at the deadline (the peer of an RPC call sees its connection closed).
      core::Log(LogLevel::kWarn, "request deadline exceeded",
                {{"request_id", req.id}, {"timeout_ms", static_cast<int>(budget.count())}});
      throw DeadlineExceeded();
    }
    if (error) std::rethrow_exception(error);
    return res;
  };
}

Middleware RouteCache(App&, std::int64_t max_age_s) {
  const std::string value = "max-age=" + std::to_string(std::max<std::int64_t>(max_age_s, 0));
  return [value](Request& req, const Next& next) -> Response {
    Response res = next(req);
    if (res.Failed()) return res;  // a failed call: handed back, as an error unwinds
    if ((req.method == "GET" || req.method == "HEAD") && res.status == 200 && !res.headers.Has("Cache-Control"))
      res.SetHeader("Cache-Control", value);
    return res;
  };
}

Middleware RouteDeprecation(App& app, std::string deprecation, std::string sunset) {
  App::Impl* impl = &AppImpl(app);
  return [impl, deprecation = std::move(deprecation), sunset = std::move(sunset)](Request& req,
                                                                                  const Next& next) -> Response {
    std::exception_ptr error;
    Response res;
    try {
      res = next(req);
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (...) {
      error = std::current_exception();
    }
    // An error inside the group is answered here, so that its answer carries the headers too.
    if (error) res = impl->HandleException(error, req);
    if (res.Failed()) res = impl->HandleFailed(*res.failed_call, req);  // likewise
    if (!deprecation.empty() && !res.headers.Has("Deprecation")) res.SetHeader("Deprecation", deprecation);
    if (!sunset.empty() && !res.headers.Has("Sunset")) res.SetHeader("Sunset", sunset);
    return res;
  };
}

Middleware DecoratorMiddleware(Decorator d) {
  return [d = std::move(d)](Request& req, const Next& next) -> Response {
    Response pre;
    d(req, pre);
    if (pre.Failed() || pre.sent()) return pre;  // a failed call it returned (lux/services.h), or its answer
    Response out = next(req);
    if (out.Failed()) return out;
    for (const auto& [k, v] : pre.headers)
      if (!out.headers.Has(k)) out.headers.Add(k, v);
    return out;
  };
}

}  // namespace lux
