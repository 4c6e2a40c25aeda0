// Request handling without sockets (App::Handle): middleware order, decorators, on_error,
// default error bodies, 404/405/OPTIONS, request accessors.
#include <catch2/catch.hpp>
#include <lux/lux.h>

namespace {

lux::Request MakeReq(std::string method, std::string path, std::string body = "",
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  lux::Request r;
  r.method = std::move(method);
  std::size_t q = path.find('?');
  r.target = path;
  r.path = path.substr(0, q);
  if (q != std::string::npos) r.query_string = path.substr(q + 1);
  r.body = std::move(body);
  for (auto& [k, v] : headers) r.headers.Add(k, v);
  return r;
}

}  // namespace

TEST_CASE("middleware runs in order around the handler, decorators add headers or short-circuit") {
  lux::App app;
  std::vector<std::string> trail;
  app.Use([&](lux::Request& req, const lux::Next& next) {
    trail.push_back("outer-before");
    lux::Response res = next(req);
    trail.push_back("outer-after");
    res.SetHeader("X-Outer", "1");
    return res;
  });
  app.UseDecorator([&](lux::Request& req, lux::Response& res) {
    trail.push_back("decorate");
    res.SetHeader("X-Decorated", "yes");
    if (req.Header("authorization") == std::nullopt && req.path == "/private")
      res.Status(401).Json({{"error", "unauthorized"}});
  });
  app.Route("GET", "/private", [&](lux::Request&) {
    trail.push_back("handler");
    return lux::Respond(200, {{"secret", 1}});
  });
  app.Route("GET", "/r", [&](lux::Request&) {
    trail.push_back("handler");
    return lux::Respond(200, "ok");
  }, {[&](lux::Request& req, const lux::Next& next) {
        trail.push_back("route-mw");
        return next(req);
      }});

  auto r1 = MakeReq("GET", "/r");
  lux::Response res = app.Handle(r1);
  REQUIRE(trail == std::vector<std::string>{"outer-before", "decorate", "route-mw", "handler", "outer-after"});
  REQUIRE(res.headers.Get("X-Decorated") == "yes");
  REQUIRE(res.headers.Get("x-outer") == "1");
  REQUIRE(res.body == "\"ok\"");

  trail.clear();
  auto r2 = MakeReq("GET", "/private");
  res = app.Handle(r2);
  REQUIRE(res.status == 401);
  REQUIRE(trail == std::vector<std::string>{"outer-before", "decorate", "outer-after"});

  trail.clear();
  auto r3 = MakeReq("GET", "/private", "", {{"Authorization", "Bearer x"}});
  REQUIRE(app.Handle(r3).status == 200);
}

TEST_CASE("default error response leaks nothing and carries the request id") {
  lux::App app;
  app.Route("GET", "/boom", [](lux::Request&) -> lux::Response { throw std::runtime_error("secret=hunter2"); });
  app.Route("GET", "/gone", [](lux::Request&) -> lux::Response { throw lux::HttpError(410, "it is gone"); });
  app.Route("GET", "/type", [](lux::Request&) -> lux::Response { return lux::Respond(200, lux::Value("x").AsInt()); });
  auto r = MakeReq("GET", "/boom");
  lux::Response res = app.Handle(r);
  REQUIRE(res.status == 500);
  REQUIRE(res.body.find("hunter2") == std::string::npos);
  lux::Value body = lux::ParseJson(res.body);
  REQUIRE(body["error"].AsString() == "internal server error");
  REQUIRE(body["request_id"].AsString() == r.id);
  REQUIRE(res.headers.Get("X-Request-Id") == r.id);

  auto g = MakeReq("GET", "/gone");
  res = app.Handle(g);
  REQUIRE(res.status == 410);
  REQUIRE(lux::ParseJson(res.body)["error"].AsString() == "it is gone");

  auto t = MakeReq("GET", "/type");
  REQUIRE(app.Handle(t).status == 500);
}

TEST_CASE("on_error sees the error and request and chooses the response") {
  lux::App app;
  std::string seen;
  app.Route("GET", "/boom", [](lux::Request&) -> lux::Response { throw lux::Error("db down", 503); });
  app.OnError([&](const lux::Error& err, lux::Request& req, lux::Response& res) {
    seen = err.message() + " on " + req.path;
    REQUIRE(res.status == 500);  // arrives as the default response
    res.Status(503).Json({{"error", "try later"}, {"request_id", req.id}});
    return res;
  });
  auto r = MakeReq("GET", "/boom");
  lux::Response res = app.Handle(r);
  REQUIRE(seen == "db down on /boom");
  REQUIRE(res.status == 503);
  REQUIRE(lux::ParseJson(res.body)["error"].AsString() == "try later");
}

TEST_CASE("an on_error that throws falls back to the default 500") {
  lux::App app;
  app.Route("GET", "/boom", [](lux::Request&) -> lux::Response { throw std::logic_error("x"); });
  app.OnError([](const lux::Error&, lux::Request&, lux::Response&) -> lux::Response { throw std::runtime_error("y"); });
  auto r = MakeReq("GET", "/boom");
  lux::Response res = app.Handle(r);
  REQUIRE(res.status == 500);
  REQUIRE(lux::ParseJson(res.body)["error"].AsString() == "internal server error");
}

TEST_CASE("404, 405 with Allow, and automatic OPTIONS") {
  lux::App app;
  app.Get("/items", [](lux::Request&) { return lux::Respond(200, lux::Value::MakeArray()); });
  app.Post("/items", [](lux::Request&) { return lux::Respond(201, lux::Value::MakeObject()); });
  auto nf = MakeReq("GET", "/nothing");
  lux::Response res = app.Handle(nf);
  REQUIRE(res.status == 404);
  REQUIRE(lux::ParseJson(res.body)["error"].AsString() == "not found");
  auto del = MakeReq("DELETE", "/items");
  res = app.Handle(del);
  REQUIRE(res.status == 405);
  REQUIRE(res.headers.Get("Allow") == "GET, HEAD, OPTIONS, POST");
  REQUIRE(lux::ParseJson(res.body)["allow"].size() == 4);
  auto opt = MakeReq("OPTIONS", "/items");
  res = app.Handle(opt);
  REQUIRE(res.status == 204);
  REQUIRE(res.headers.Get("allow") == "GET, HEAD, OPTIONS, POST");
}

TEST_CASE("request accessors: query, headers, cookies, form and JSON bodies") {
  auto r = MakeReq("POST", "/x?a=1&b=two+words&a=3&e=%C3%A9", "name=Ada+L&age=36",
                   {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"X-Custom", "v"},
                    {"Cookie", "sid=abc; theme=\"dark\""}});
  REQUIRE(r.Query("a") == "1");
  REQUIRE(r.QueryAll("a") == std::vector<std::string>{"1", "3"});
  REQUIRE(r.Query("b") == "two words");
  REQUIRE(r.Query("e") == "\xc3\xa9");
  REQUIRE_FALSE(r.Query("zz"));
  REQUIRE(r.Header("x-custom") == "v");
  REQUIRE(r.Header("X-CUSTOM") == "v");
  REQUIRE(r.Cookie("sid") == "abc");
  REQUIRE(r.Cookie("theme") == "dark");
  REQUIRE_FALSE(r.Cookie("none"));
  lux::Value body = r.Body();
  REQUIRE(body["name"].AsString() == "Ada L");
  REQUIRE(body["age"].AsString() == "36");
  REQUIRE(r.ToValue()["query"]["b"].AsString() == "two words");

  auto j = MakeReq("POST", "/j", "{\"a\": [1, 2]}", {{"content-type", "application/json; charset=utf-8"}});
  REQUIRE(j.Body()["a"][1].AsInt() == 2);
  auto bad = MakeReq("POST", "/j", "{\"a\": [1, 2}", {{"content-type", "application/json"}});
  try {
    bad.Json();
    FAIL("no throw");
  } catch (const lux::HttpError& e) {
    REQUIRE(e.status() == 400);
    REQUIRE(e.data()["column"].AsInt() == 12);
  }
}

TEST_CASE("response helpers") {
  lux::Response t = lux::Text(200, "hi");
  REQUIRE(t.headers.Get("content-type") == "text/plain; charset=utf-8");
  lux::Response h = lux::Html(201, "<b>x</b>");
  REQUIRE(h.status == 201);
  REQUIRE(h.headers.Get("Content-Type") == "text/html; charset=utf-8");
  lux::Response r = lux::Redirect("/there", 301);
  REQUIRE(r.status == 301);
  REQUIRE(r.headers.Get("location") == "/there");
  lux::Response c;
  c.SetCookie("sid", "1").SetCookie("b", "2", "Max-Age=60");
  REQUIRE(c.headers.size() == 2);
}

namespace shapes {
struct Box {
  std::int64_t w = 0;
  std::string label;
};
void FromValue(const lux::Value& v, Box& b) {
  lux::FromField(v, "w", b.w);
  lux::FromField(v, "label", b.label);
}
}  // namespace shapes

TEST_CASE("typed inputs: a wrong type from the client is a 400 naming the input") {
  lux::App app;
  app.Route("GET", "/items/:id", [](lux::Request& req) {
    auto limit = lux::rt::QueryInt(req, "limit");
    return lux::Respond(200, {{"id", lux::rt::ParamInt(req, "id")}, {"limit", lux::ToValue(limit)},
                              {"all", lux::ToValue(lux::rt::QueryBool(req, "all"))}});
  });
  app.Route("POST", "/boxes", [](lux::Request& req) {
    shapes::Box b = lux::rt::BodyAs<shapes::Box>(req);
    return lux::Respond(201, {{"w", static_cast<long long>(b.w)}, {"label", b.label}});
  });
  auto ok = MakeReq("GET", "/items/7?limit=3&all=true");
  lux::Value v = lux::ParseJson(app.Handle(ok).body);
  REQUIRE(v["id"].AsInt() == 7);
  REQUIRE(v["limit"].AsInt() == 3);
  REQUIRE(v["all"].AsBool());
  auto none = MakeReq("GET", "/items/7");
  REQUIRE(lux::ParseJson(app.Handle(none).body)["limit"].IsNull());

  auto bad_param = MakeReq("GET", "/items/seven");
  lux::Response r = app.Handle(bad_param);
  REQUIRE(r.status == 400);
  REQUIRE(lux::ParseJson(r.body)["error"].AsString() == "path parameter `id` must be an Int, got \"seven\"");
  auto bad_query = MakeReq("GET", "/items/7?limit=many");
  REQUIRE(app.Handle(bad_query).status == 400);

  auto good_body = MakeReq("POST", "/boxes", R"({"w":2,"label":"a"})", {{"Content-Type", "application/json"}});
  REQUIRE(app.Handle(good_body).status == 201);
  auto bad_body = MakeReq("POST", "/boxes", R"({"w":"2","label":"a"})", {{"Content-Type", "application/json"}});
  r = app.Handle(bad_body);
  REQUIRE(r.status == 400);
  REQUIRE(lux::ParseJson(r.body)["error"].AsString() == "invalid request body: field `w`: expected Int, got String");
}

TEST_CASE("App::Handle makes the request current for rt helpers") {
  lux::App app;
  app.Get("/id", [](lux::Request& req) {
    lux::rt::Locals()["k"] = 1;
    lux::rt::Sleep(1);  // no fiber here: blocks briefly, must not crash
    return lux::Respond(200, {{"same", lux::rt::RequestId() == req.id}, {"fiber", lux::rt::InFiber()},
                              {"locals", req.locals["k"]}});
  });
  auto r = MakeReq("GET", "/id", "", {{"X-Request-Id", "handle-1"}});
  lux::Value v = lux::ParseJson(app.Handle(r).body);
  REQUIRE(r.id == "handle-1");
  REQUIRE(v["same"].AsBool());
  REQUIRE_FALSE(v["fiber"].AsBool());
  REQUIRE(v["locals"].AsInt() == 1);
  REQUIRE(lux::rt::RequestId().empty());  // restored afterwards
}
