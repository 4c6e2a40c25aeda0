// A hand-written Lux-style server using only <lux/...> headers: the shape of code luxc emits
// (env reads and registration in one Setup function, main calls lux::rt::RunMain). The
// integration tests fork it to check signals, drain, start-up failures and logging.
//   PORT=8080 ./lux_example_server        or        ./lux_example_server --port 8080
#include <lux/lux.h>

#include <cstdio>

namespace {

struct User {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> email;
};

lux::Value ToValue(const User& u) {
  return lux::Value{{"id", lux::ToValue(u.id)}, {"name", lux::ToValue(u.name)}, {"email", lux::ToValue(u.email)}};
}

void FromValue(const lux::Value& v, User& out) {
  lux::FromField(v, "id", out.id);
  lux::FromField(v, "name", out.name);
  lux::FromField(v, "email", out.email);
}

// env GREETING: String = "hello"   env SLOW_DEFAULT_MS: Int = 100
std::string g_greeting;
std::int64_t g_slow_default_ms = 0;

void Setup(lux::App& app) {
  g_greeting = lux::EnvString("GREETING", "hello");
  g_slow_default_ms = lux::EnvInt("SLOW_DEFAULT_MS", 100);

  // middleware fn timing(req, next) { ... next(req) ... }
  app.Use([](lux::Request& req, const lux::Next& next) {
    lux::rt::Locals()["seen_by"] = "timing";
    lux::Response res = next(req);
    res.SetHeader("X-Served-By", "lux-example");
    return res;
  });
  // middleware fn trace(req, res) { res.setHeader("X-Trace-Id", ...) }
  app.UseDecorator([](lux::Request& req, lux::Response& res) { res.SetHeader("X-Trace-Id", req.trace.trace_id.Hex()); });

  app.Get("/hello", [](lux::Request&) { return lux::Respond(200, {{"message", g_greeting}}); });
  app.Get("/users/:id", [](lux::Request& req) {
    User u{lux::rt::ParamInt(req, "id"), "Ada", std::nullopt};
    return lux::Respond(200, ToValue(u));
  });
  app.Post("/users", [](lux::Request& req) {
    User u = lux::rt::BodyAs<User>(req);
    return lux::Respond(201, ToValue(u));
  });
  // Waits in direct style; other requests keep flowing.
  app.Get("/slow", [](lux::Request& req) {
    std::int64_t ms = g_slow_default_ms;
    ms = lux::rt::QueryInt(req, "ms").value_or(ms);
    lux::rt::Sleep(ms);
    return lux::Respond(200, {{"slept_ms", ms}, {"request_id", lux::rt::RequestId()}});
  });
  // `fetch` from a handler: suspends only this request; X-Request-Id and traceparent travel along.
  // (A demo: a real service must not fetch arbitrary client-supplied URLs.)
  app.Get("/proxy", [](lux::Request& req) {
    std::string url = req.Query("url").value_or("");
    lux::FetchOptions opts;
    opts.timeout_ms = lux::rt::QueryInt(req, "timeout_ms").value_or(2000);
    lux::FetchResponse r = lux::Fetch(url, opts);  // FetchError -> 500 unless on_error says otherwise
    return lux::Respond(r.status, {{"upstream_status", r.status}, {"body", r.body}});
  });
  app.Get("/fail", [](lux::Request&) -> lux::Response { throw std::runtime_error("database password is hunter2"); });
  app.OnError([](const lux::Error& err, lux::Request& req, lux::Response& res) {
    std::fprintf(stderr, "[example] error on %s %s: %s\n", req.method.c_str(), req.path.c_str(), err.what());
    return res;  // keep the default 500 body
  });
  app.OnStart([] { std::fprintf(stderr, "[example] on_start\n"); });
  app.OnStop([] { std::fprintf(stderr, "[example] on_stop\n"); });
}

}  // namespace

int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "example", &Setup); }
