// What route modifiers and route groups run as (compiler/check/route_modifiers.def names the
// factories): `with timeout(ms)`, `with cache(seconds)`, a group's Deprecation/Sunset headers,
// a group's `middleware fn(req, res)`. `with auth` and `with role(...)` are in lux/auth.h. Each
// factory returns the lux::Middleware that App::Route runs for the route, in the listed order.
#pragma once

#include <cstdint>
#include <string>

#include "lux/error.h"
#include "lux/http.h"

namespace lux {

// A request past its `timeout`: 504 with the server's error shape.
class DeadlineExceeded : public HttpError {
 public:
  DeadlineExceeded() : HttpError(504, "the request exceeded its deadline") {}
};

// The longest `timeout(ms)` honoured (one day); longer ones are cut to it.
inline constexpr std::int64_t kMaxRouteTimeoutMs = 24LL * 3600 * 1000;

// The handler's deadline: `ms` from now (or the enclosing deadline if that is earlier). Waits of
// the handler end there (core/deadline.h), and the answer is 504 when the deadline passed before
// the handler returned, whatever it returned or threw.
Middleware RouteTimeout(App& app, std::int64_t ms);
// `Cache-Control: max-age=<seconds>` on 200 answers to GET and HEAD that set no Cache-Control.
Middleware RouteCache(App& app, std::int64_t max_age_s);
// `Deprecation` (RFC 9745, e.g. "@1767225600") and `Sunset` (RFC 8594 HTTP-date) on every
// answer of the route, errors included; an empty value is not sent. Headers already set (by an
// inner group) are kept.
Middleware RouteDeprecation(App& app, std::string deprecation, std::string sunset);
// A decorator (`middleware fn(req, res)`) as route middleware: it runs before the rest of the
// chain; an answer it sends ends the request, else its headers join the answer.
Middleware DecoratorMiddleware(Decorator d);

}  // namespace lux
