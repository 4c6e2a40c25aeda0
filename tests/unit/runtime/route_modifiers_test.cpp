// Route modifiers and route groups at run time (lux/routes.h, RouteRole in lux/auth.h), through
// App::Handle: the deadline of `timeout` (sleep and the database pool's acquire stop at it, the
// answer is 504 whatever the handler did after it), `cache`, a group's Deprecation/Sunset headers
// (on error answers too), `role` against the roles claim, decorator middleware on a route.
#include <catch2/catch.hpp>
#include <lux/lux.h>

#include <chrono>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "core/deadline.h"
#include "core/fiber.h"
#include "db/pool.h"

namespace {

using Clock = std::chrono::steady_clock;

lux::Request Get(std::string path, std::string method = "GET") {
  lux::Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = path;
  return r;
}

lux::Value Body(const lux::Response& res) { return lux::ParseJson(std::string(res.BodyView())); }

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

}  // namespace

TEST_CASE("timeout: a sleeping handler is cut at the deadline with 504 and the error shape", "[routes]") {
  lux::App app;
  app.Route("GET", "/nap", [](lux::Request&) {
    lux::rt::Sleep(3000);
    return lux::Respond(200, lux::Value{{"slept", true}});
  }, {lux::RouteTimeout(app, 100)});
  app.Route("GET", "/quick", [](lux::Request&) {
    lux::rt::Sleep(5);
    return lux::Respond(200, lux::Value{{"ok", true}});
  }, {lux::RouteTimeout(app, 2000)});
  lux::Request nap = Get("/nap");
  auto t0 = Clock::now();
  lux::Response res = app.Handle(nap);
  CHECK(res.status == 504);
  CHECK(Seconds(t0) < 1.0);
  CHECK(Body(res)["error"].AsString() == "the request exceeded its deadline");
  CHECK(Body(res)["request_id"].AsString() == nap.id);
  lux::Request quick = Get("/quick");
  CHECK(app.Handle(quick).status == 200);
  CHECK_FALSE(lux::core::CurrentDeadline().has_value());  // restored after the request
}

TEST_CASE("timeout: work that returns or throws after the deadline still answers 504", "[routes]") {
  lux::App app;
  auto busy = [](int ms) {
    auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until) std::this_thread::yield();  // CPU work: not interruptible
  };
  app.Route("GET", "/late", [&](lux::Request&) {
    busy(120);
    return lux::Respond(200, lux::Value{{"late", true}});
  }, {lux::RouteTimeout(app, 40)});
  app.Route("GET", "/throws", [&](lux::Request&) -> lux::Response {
    busy(120);
    throw lux::HttpError(400, "too late to matter");
  }, {lux::RouteTimeout(app, 40)});
  app.Route("GET", "/fast-error", [](lux::Request&) -> lux::Response { throw lux::HttpError(409, "conflict"); },
            {lux::RouteTimeout(app, 1000)});
  lux::Request a = Get("/late"), b = Get("/throws"), c = Get("/fast-error");
  CHECK(app.Handle(a).status == 504);
  CHECK(app.Handle(b).status == 504);
  CHECK(app.Handle(c).status == 409);  // an error before the deadline is the handler's own
}

TEST_CASE("timeout: an earlier enclosing deadline wins over a later inner one", "[routes]") {
  lux::App app;
  std::optional<Clock::time_point> seen;
  app.Route("GET", "/n", [&](lux::Request&) {
    seen = lux::core::CurrentDeadline();
    return lux::Respond(200, "ok");
  }, {lux::RouteTimeout(app, 100), lux::RouteTimeout(app, 60000)});
  lux::Request r = Get("/n");
  auto t0 = Clock::now();
  CHECK(app.Handle(r).status == 200);
  REQUIRE(seen.has_value());
  CHECK(*seen - t0 < std::chrono::seconds(1));
}

TEST_CASE("timeout: waiting for a database connection stops at the deadline", "[routes]") {
  lux::db::BasicPool<int> pool([] { return std::make_unique<int>(1); }, 1);
  auto held = pool.Acquire();  // the only connection is busy
  lux::core::Fiber context;
  context.deadline = Clock::now() + std::chrono::milliseconds(80);
  lux::core::Fiber* saved = lux::core::tl_fiber;
  lux::core::tl_fiber = &context;
  auto t0 = Clock::now();
  CHECK_THROWS_AS(pool.Acquire(), lux::DeadlineExceeded);
  lux::core::tl_fiber = saved;
  CHECK(Seconds(t0) < 1.0);
}

TEST_CASE("cache: max-age on 200 answers to GET and HEAD only, never over the handler's own", "[routes]") {
  lux::App app;
  auto cache = [&] { return std::vector<lux::Middleware>{lux::RouteCache(app, 60)}; };
  app.Route("GET", "/ok", [](lux::Request&) { return lux::Respond(200, "x"); }, cache());
  app.Route("POST", "/ok", [](lux::Request&) { return lux::Respond(200, "x"); }, cache());
  app.Route("GET", "/gone", [](lux::Request&) { return lux::Respond(404, lux::Value{{"error", "gone"}}); }, cache());
  app.Route("GET", "/own", [](lux::Request&) { return lux::Respond(200, "x").SetHeader("Cache-Control", "no-store"); },
            cache());
  lux::Request get = Get("/ok"), post = Get("/ok", "POST"), gone = Get("/gone"), own = Get("/own");
  CHECK(app.Handle(get).headers.Get("Cache-Control") == "max-age=60");
  CHECK_FALSE(app.Handle(post).headers.Has("Cache-Control"));
  CHECK_FALSE(app.Handle(gone).headers.Has("Cache-Control"));
  CHECK(app.Handle(own).headers.Get("Cache-Control") == "no-store");
}

TEST_CASE("deprecation: Deprecation and Sunset on every answer of the group, errors included", "[routes]") {
  lux::App app;
  const std::string sunset = "Mon, 01 Jun 2026 00:00:00 GMT";
  app.Route("GET", "/v1/ok", [](lux::Request&) { return lux::Respond(200, "x"); },
            {lux::RouteDeprecation(app, "@1767225600", sunset)});
  app.Route("GET", "/v1/fails", [](lux::Request&) -> lux::Response { throw lux::HttpError(404, "no such item"); },
            {lux::RouteDeprecation(app, "@1767225600", sunset)});
  app.Route("GET", "/v1/inner", [](lux::Request&) { return lux::Respond(200, "x"); },
            {lux::RouteDeprecation(app, "@1", ""), lux::RouteDeprecation(app, "@2", "")});
  lux::Request ok = Get("/v1/ok"), fails = Get("/v1/fails"), inner = Get("/v1/inner");
  lux::Response a = app.Handle(ok);
  CHECK(a.headers.Get("Deprecation") == "@1767225600");
  CHECK(a.headers.Get("Sunset") == sunset);
  lux::Response b = app.Handle(fails);
  CHECK(b.status == 404);
  CHECK(Body(b)["error"].AsString() == "no such item");
  CHECK(b.headers.Get("Sunset") == sunset);
  lux::Response c = app.Handle(inner);
  CHECK(c.headers.Get("Deprecation") == "@2");  // the inner group's
  CHECK_FALSE(c.headers.Has("Sunset"));
}

TEST_CASE("role: the roles claim, a String or a list, any listed role passes, else 403", "[routes]") {
  CHECK(lux::ClaimRoles(lux::ParseJson(R"({"role":"admin"})"), "") == std::vector<std::string>{"admin"});
  CHECK(lux::ClaimRoles(lux::ParseJson(R"({"roles":["a","b",3]})"), "") == std::vector<std::string>{"a", "b"});
  CHECK(lux::ClaimRoles(lux::ParseJson(R"({"role":"x","roles":["y"]})"), "") == std::vector<std::string>{"x"});
  CHECK(lux::ClaimRoles(lux::ParseJson(R"({"groups":["ops"],"role":"admin"})"), "groups") ==
        std::vector<std::string>{"ops"});
  CHECK(lux::ClaimRoles(lux::ParseJson(R"({"role":7})"), "").empty());

  lux::App app;
  lux::JwtOptions o;
  o.secret = "a-test-secret-of-at-least-32-bytes!!";
  lux::RegisterJwtAuth(app, o);
  // What RequireAuth leaves for RouteRole: the token's claims as the request's user.
  auto user = [](const char* claims) {
    std::string c = claims;
    return [c](lux::Request& req, const lux::Next& next) {
      lux::rt::Locals()["user"] = lux::ParseJson(c);
      return next(req);
    };
  };
  auto ok = [](lux::Request&) { return lux::Respond(200, "ok"); };
  app.Route("GET", "/a", ok, {user(R"({"roles":["ops"]})"), lux::RouteRole(app, {"admin", "ops"})});
  app.Route("GET", "/b", ok, {user(R"({"role":"user"})"), lux::RouteRole(app, {"admin"})});
  app.Route("GET", "/c", ok, {user(R"({"role":"Admin"})"), lux::RouteRole(app, {"admin"})});
  lux::Request a = Get("/a"), b = Get("/b"), c = Get("/c");
  CHECK(app.Handle(a).status == 200);
  lux::Response denied = app.Handle(b);
  CHECK(denied.status == 403);
  CHECK(Body(denied)["details"]["required_roles"][0].AsString() == "admin");
  CHECK(Body(denied)["request_id"].AsString() == b.id);
  CHECK(app.Handle(c).status == 403);  // roles compare exactly
}

TEST_CASE("decorator middleware on a route: headers join the answer, a sent answer ends it", "[routes]") {
  lux::App app;
  bool ran = false;
  app.Route("GET", "/d", [&](lux::Request&) {
    ran = true;
    return lux::Respond(200, "x");
  }, {lux::DecoratorMiddleware([](lux::Request& req, lux::Response& res) {
    res.SetHeader("X-Group", "1");
    if (req.Header("x-stop")) res.Status(418).Json(lux::Value{{"error", "stopped"}});
  })});
  lux::Request go = Get("/d");
  lux::Response res = app.Handle(go);
  CHECK((ran && res.status == 200 && res.headers.Get("X-Group") == "1"));
  ran = false;
  lux::Request stop = Get("/d");
  stop.headers.Add("X-Stop", "1");
  CHECK(app.Handle(stop).status == 418);
  CHECK_FALSE(ran);
}

// A failed call a handler returned without an exception (lux/services.h) under middleware: the
// stages hand the failed response back untouched (a deprecated group answers it, so that its
// answer carries the group's headers, as for a thrown error), a decorator's pre-answer headers do
// not join it, and the answer is the raised error's: the same status, body and headers, through
// on_error once; nothing stays kept on the thread.
TEST_CASE("a failed call returned under middleware is answered as the raised error", "[routes][services]") {
  lux::CallResult refused;
  refused.status = 503;
  refused.rejected = true;
  refused.error = "call of dead.echo rejected: the circuit breaker of `dead` is open";
  lux::App app;
  int on_error = 0;
  app.OnError([&](const lux::Error& e, lux::Request&, lux::Response& res) {
    ++on_error;
    res.SetHeader("X-Error", e.what());
    return res;
  });
  int before = 0;
  app.UseDecorator([&](lux::Request&, lux::Response& res) {
    ++before;
    res.SetHeader("X-Pre", "1");
  });
  auto chain = [&] {
    return std::vector<lux::Middleware>{lux::RouteDeprecation(app, "@1", "Mon, 01 Jun 2026 00:00:00 GMT"),
                                        lux::RouteTimeout(app, 5000), lux::RouteCache(app, 60),
                                        lux::DecoratorMiddleware([](lux::Request&, lux::Response& res) {
                                          res.SetHeader("X-Group", "1");
                                        })};
  };
  app.Route("GET", "/refused", [&](lux::Request& req) {
    lux::rt::DeferCallFailure(refused);
    return lux::rt::AnswerFailedCall(req);
  }, chain());
  app.Route("GET", "/thrown", [&](lux::Request&) -> lux::Response { throw lux::CircuitOpenError(refused.error); }, chain());
  app.Route("GET", "/plain", [&](lux::Request& req) -> lux::Response {
    lux::rt::DeferCallFailure(refused);
    return lux::rt::AnswerFailedCall(req);
  });
  auto answer = [&](const std::string& path) {
    lux::Request req = Get(path);
    lux::Response res = app.Handle(req);
    CHECK_FALSE(res.Failed());
    CHECK_FALSE(lux::rt::CallFailed());
    res.headers.Remove("X-Request-Id");
    lux::Value body = Body(res);
    body.AsObject().Erase("request_id");
    return std::make_tuple(res.status, lux::ToJson(body), res.headers);
  };
  auto refused_answer = answer("/refused");
  auto thrown_answer = answer("/thrown");
  CHECK(std::get<0>(refused_answer) == 500);  // not exposed: the default answer
  CHECK(std::get<1>(refused_answer) == std::get<1>(thrown_answer));
  CHECK(std::get<1>(refused_answer) == lux::ToJson(lux::Value{{"error", "internal server error"}}));
  const lux::Headers& h = std::get<2>(refused_answer);
  CHECK(h.Get("Deprecation") == "@1");
  CHECK(h.Get("X-Error") == refused.error);
  CHECK_FALSE(h.Has("X-Group"));
  CHECK_FALSE(h.Has("Cache-Control"));
  auto pairs = [](const lux::Headers& hs) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : hs) out.emplace_back(k, v);
    return out;
  };
  CHECK(pairs(h) == pairs(std::get<2>(thrown_answer)));
  // Without middleware of its own, under the server's: answered by the dispatcher.
  auto plain = answer("/plain");
  CHECK(std::get<0>(plain) == 500);
  CHECK(std::get<1>(plain) == std::get<1>(thrown_answer));
  CHECK(std::get<2>(plain).Get("X-Error") == refused.error);
  CHECK_FALSE(std::get<2>(plain).Has("Deprecation"));
  CHECK(on_error == 3);
  CHECK(before == 3);
}
