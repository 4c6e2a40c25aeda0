// A function of the program named after `with` on a route or a route group (`with auth`,
// `with role("admin")` where `fn auth(req, next)` and `fn role(r)` returning `fn(req, next)` are the
// program's): GuardMiddleware runs its value as route middleware. The guard sees the request as a
// value (method, url, path, params, query, headers, body, id, ip and the request's locals such as
// `user`); fields it sets on the request it hands to `next` reach the handler as `req.<field>`.
#include <string_view>

#include "lux/rt.h"
#include "lux/services.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

// The request as the guard sees it: its own fields, then the request's locals (`user`, fields an
// earlier middleware set) for every name the request does not have itself.
Value GuardRequestValue(const Request& req) {
  Value v = req.ToValue();
  const Value& locals = rt::Locals();
  if (locals.IsObject())
    for (const auto& [key, value] : locals.AsObject())
      if (!Request::IsValueField(key)) v[key] = value;
  return v;
}

// What the guard changed on the request value it passed to `next`: kept as the request's locals.
void KeepRequestChanges(const Value& after, const Value& before) {
  if (!after.IsObject()) return;
  for (const auto& [key, value] : after.AsObject()) {
    if (Request::IsValueField(key)) continue;
    const Value* old = before.Find(key);
    if (!old || !(*old == value)) rt::Locals()[key] = value;
  }
}

}  // namespace

Middleware GuardMiddleware(Value guard, int params) {
  return [guard = std::move(guard), params](Request& req, const Next& next) -> Response {
    const Value before = GuardRequestValue(req);
    bool passed = false;
    Value next_fn(Function([&req, &next, &before, &passed](const std::vector<Value>& args) -> Value {
      if (!args.empty()) KeepRequestChanges(args[0], before);
      passed = true;
      return rt::Checked(NextValue(next, req));  // a failed call raises through the guard
    }));
    Value result = Call(guard, {before, next_fn});
    // A guard of the `fn(req)` form that returns no response lets the request go on; one of the
    // `fn(req, next)` form that did not call `next` answers with what it returned (Express: a
    // middleware that does not call next() ends the request).
    if (!passed && !IsResponse(result) && params != 2) return next(req);
    return ToResponse(result);
  };
}

}  // namespace lux::stdlib
