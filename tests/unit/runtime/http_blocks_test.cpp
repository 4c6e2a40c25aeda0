// cors { }, rate_limit { }, cache { }, limits { } and RouteRateLimit on a real App over loopback:
// preflights for allowed and refused origins, methods and headers, CORS headers on errors,
// the bucket arithmetic on a stepped clock, the in-memory bound under a flood of keys, 429s
// with their headers, per-route buckets, and the same limits shared through a real Redis.
#include <catch2/catch.hpp>

#include "http/rate_limit.h"
#include "redis_test_util.h"
#include "test_http.h"

using luxtest::Call;
using luxtest::TestServer;

namespace {

void Routes(lux::App& app) {
  app.Get("/hello", [](lux::Request&) { return lux::Respond(200, lux::Value{{"ok", true}}); });
  app.Get("/boom", [](lux::Request&) -> lux::Response { throw lux::HttpError(422, "bad thing"); });
  app.Get("/cached", [](lux::Request&) {
    lux::Response r = lux::Respond(200, lux::Value{{"ok", true}});
    r.SetHeader("Cache-Control", "no-store");
    return r;
  });
  app.Post("/hello", [](lux::Request&) { return lux::Respond(200, lux::Value{{"ok", true}}); });
}

lux::Value Cors() {
  return lux::Value{{"origins", lux::Value(lux::Array{lux::Value("https://app.example.com"), lux::Value("https://*.example.org")})},
                    {"methods", lux::Value(lux::Array{lux::Value("GET"), lux::Value("POST")})},
                    {"headers", lux::Value(lux::Array{lux::Value("Content-Type"), lux::Value("Authorization")})},
                    {"credentials", lux::Value(true)},
                    {"max_age", lux::Value(3600)},
                    {"expose_headers", lux::Value(lux::Array{lux::Value("X-Total")})}};
}

std::string Preflight(const std::string& origin, const std::string& method, const std::string& headers = "") {
  std::string h = "Origin: " + origin + "\r\nAccess-Control-Request-Method: " + method + "\r\n";
  if (!headers.empty()) h += "Access-Control-Request-Headers: " + headers + "\r\n";
  return h;
}

}  // namespace

TEST_CASE("cors: preflight from an allowed origin is 204 with the Access-Control-* headers") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, Cors());
  });
  auto r = Call(s.port(), "OPTIONS", "/hello", "", Preflight("https://app.example.com", "POST", "content-type, authorization"));
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->Header("access-control-allow-origin") == "https://app.example.com");
  CHECK(r->Header("access-control-allow-methods") == "GET, POST");
  CHECK(r->Header("access-control-allow-headers") == "Content-Type, Authorization");
  CHECK(r->Header("access-control-allow-credentials") == "true");
  CHECK(r->Header("access-control-max-age") == "3600");
  CHECK(r->Header("vary").find("Origin") != std::string::npos);
  // A subdomain pattern, and a path with no route (what a browser needs before a 404).
  r = Call(s.port(), "OPTIONS", "/nowhere", "", Preflight("https://eu.example.org", "GET"));
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->Header("access-control-allow-origin") == "https://eu.example.org");
}

TEST_CASE("cors: refused origins, methods and headers get no CORS headers") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, Cors());
  });
  for (const std::string& h : {Preflight("https://evil.example.com", "GET"), Preflight("https://example.org", "GET"),
                               Preflight("https://app.example.com", "DELETE"),
                               Preflight("https://app.example.com", "POST", "x-secret")}) {
    auto r = Call(s.port(), "OPTIONS", "/hello", "", h);
    REQUIRE(r);
    CHECK(r->status == 204);
    CHECK_FALSE(r->Has("access-control-allow-origin"));
    CHECK_FALSE(r->Has("access-control-allow-methods"));
  }
  auto r = Call(s.port(), "GET", "/hello", "", "Origin: https://evil.example.com\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(r->Has("access-control-allow-origin"));
  CHECK(r->Header("vary") == "Origin");
}

TEST_CASE("cors: actual requests and their errors carry the origin, credentials and exposed headers") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, Cors());
  });
  for (const char* path : {"/hello", "/boom", "/missing"}) {
    auto r = Call(s.port(), "GET", path, "", "Origin: https://app.example.com\r\n");
    REQUIRE(r);
    CHECK(r->Header("access-control-allow-origin") == "https://app.example.com");
    CHECK(r->Header("access-control-allow-credentials") == "true");
    CHECK(r->Header("access-control-expose-headers") == "X-Total");
  }
  auto r = Call(s.port(), "GET", "/boom", "", "Origin: https://app.example.com\r\n");
  REQUIRE(r);
  CHECK(r->status == 422);
  CHECK(r->Json()["error"].AsString() == "bad thing");
  // Without Origin nothing changes.
  r = Call(s.port(), "GET", "/hello");
  REQUIRE(r);
  CHECK_FALSE(r->Has("access-control-allow-origin"));
}

TEST_CASE("cors: every origin without credentials answers `*`, with credentials start-up refuses") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, lux::Value::MakeObject());
  });
  auto r = Call(s.port(), "OPTIONS", "/hello", "", Preflight("https://any.example", "PATCH", "X-Custom"));
  REQUIRE(r);
  CHECK(r->Header("access-control-allow-origin") == "*");
  CHECK(r->Header("access-control-allow-methods") == "GET, HEAD, PUT, PATCH, POST, DELETE");
  CHECK(r->Header("access-control-allow-headers") == "X-Custom");
  CHECK(r->Header("access-control-max-age") == "600");
  lux::App app("bad");
  CHECK_THROWS_AS(lux::ConfigureCors(app, lux::Value{{"origins", lux::Value(lux::Array{lux::Value("*")})}, {"credentials", lux::Value(true)}}),
                  lux::StartupError);
}

TEST_CASE("rate_limit: the bucket on a stepped clock") {
  auto b = lux::http::Bucket::Make(3, 60, 0);
  lux::http::MemoryStore store;
  std::int64_t t = 1'000'000'000;
  for (int i = 0; i < 3; ++i) {
    auto d = store.Take(b, "k", t);
    CHECK(d.allowed);
    CHECK(d.limit == 3);
    CHECK(d.remaining == 2 - i);
  }
  auto d = store.Take(b, "k", t);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_s == 20);  // one token every 20 s
  CHECK(d.reset_s == 60);
  d = store.Take(b, "k", t + 19'999'999);
  CHECK_FALSE(d.allowed);
  d = store.Take(b, "k", t + 20'000'000);
  CHECK(d.allowed);
  CHECK(d.remaining == 0);
  // Another key has its own bucket; after a full window the first is full again.
  CHECK(store.Take(b, "other", t).remaining == 2);
  CHECK(store.Take(b, "k", t + 200'000'000).remaining == 2);
  // burst: up to 5 at once, refilled at max/window.
  auto burst = lux::http::Bucket::Make(3, 60, 5);
  for (int i = 0; i < 5; ++i) CHECK(store.Take(burst, "b", t).allowed);
  CHECK_FALSE(store.Take(burst, "b", t).allowed);
}

TEST_CASE("rate_limit: keys that share a prefix or differ in one byte or their length have their own buckets") {
  // The store hashes a key eight bytes at a time: keys of every length around the word size,
  // one a prefix of the next, and keys differing only in their last byte or by a NUL.
  auto b = lux::http::Bucket::Make(1, 3600, 0);
  lux::http::MemoryStore store;
  std::int64_t t = 1'000'000'000;
  std::vector<std::string> keys;
  for (std::size_t n = 0; n <= 20; ++n) keys.push_back(std::string("g:ip:10.0.0.1234567890", 0, n));
  keys.push_back(std::string("g:ip:1", 6) + std::string(1, '\0'));
  keys.push_back("g:ip:7");
  keys.push_back("g:ip:8");
  keys.push_back(std::string(16, 'x'));
  keys.push_back(std::string(16, 'x') + std::string(1, '\0'));
  for (const std::string& k : keys) CHECK(store.Take(b, k, t).allowed);
  for (const std::string& k : keys) CHECK_FALSE(store.Take(b, k, t).allowed);  // each its own, now empty
  CHECK(store.size() == keys.size());
}

TEST_CASE("rate_limit: a flood of distinct keys stays within kRateLimitMaxKeys") {
  auto b = lux::http::Bucket::Make(10, 3600, 0);
  lux::http::MemoryStore store;
  std::int64_t t = 1'000'000'000;
  for (int i = 0; i < 250'000; ++i) store.Take(b, "ip:10.0." + std::to_string(i), t + i);
  CHECK(store.size() <= lux::kRateLimitMaxKeys);
  CHECK(store.size() > lux::kRateLimitMaxKeys / 2);
  // Refilled buckets are dropped first: an hour later the same flood keeps the store bounded.
  for (int i = 0; i < 10'000; ++i) store.Take(b, "late:" + std::to_string(i), t + 4'000'000'000LL);
  CHECK(store.size() <= lux::kRateLimitMaxKeys);
}

TEST_CASE("rate_limit: 429 with Retry-After, RateLimit-* and the JSON error shape") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, Cors());
    lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(3)}, {"window", lux::Value(60)}});
  });
  for (int i = 0; i < 3; ++i) {
    auto r = Call(s.port(), "GET", "/hello");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->Header("ratelimit-limit") == "3");
    CHECK(r->Header("ratelimit-remaining") == std::to_string(2 - i));
  }
  auto r = Call(s.port(), "GET", "/hello", "", "Origin: https://app.example.com\r\n");
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(r->Header("retry-after") == "20");
  CHECK(r->Header("ratelimit-remaining") == "0");
  CHECK(r->Header("access-control-allow-origin") == "https://app.example.com");  // readable by the page
  lux::Value body = r->Json();
  CHECK(body["error"].AsString() == "too many requests");
  CHECK(body["details"]["limit"].AsInt() == 3);
  CHECK(body["request_id"].AsString() == r->Header("x-request-id"));
}

TEST_CASE("rate_limit: key header:<name> counts per header value, falling back to the address") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(2)}, {"window", lux::Value(60)}, {"key", lux::Value("header:X-Api-Key")}});
  });
  for (int i = 0; i < 2; ++i) CHECK(Call(s.port(), "GET", "/hello", "", "X-Api-Key: a\r\n")->status == 200);
  CHECK(Call(s.port(), "GET", "/hello", "", "X-Api-Key: a\r\n")->status == 429);
  CHECK(Call(s.port(), "GET", "/hello", "", "X-Api-Key: b\r\n")->status == 200);
  CHECK(Call(s.port(), "GET", "/hello")->status == 200);
  lux::App app("bad");
  CHECK_THROWS_AS(lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(2)}, {"key", lux::Value("cookie")}}), lux::StartupError);
}

TEST_CASE("rate_limit: RouteRateLimit keeps a bucket per route and client") {
  TestServer s([](lux::App& app) {
    app.Route("GET", "/a", [](lux::Request&) { return lux::Respond(200, lux::Value("a")); }, {lux::RouteRateLimit(app, 2, 60)});
    app.Route("GET", "/b", [](lux::Request&) { return lux::Respond(200, lux::Value("b")); }, {lux::RouteRateLimit(app, 1, 60)});
    app.Get("/free", [](lux::Request&) { return lux::Respond(200, lux::Value("free")); });
  });
  CHECK(Call(s.port(), "GET", "/a")->status == 200);
  CHECK(Call(s.port(), "GET", "/a")->status == 200);
  auto r = Call(s.port(), "GET", "/a");
  CHECK(r->status == 429);
  CHECK(r->Header("ratelimit-limit") == "2");
  CHECK(Call(s.port(), "GET", "/b")->status == 200);
  CHECK(Call(s.port(), "GET", "/b")->status == 429);
  for (int i = 0; i < 5; ++i) CHECK(Call(s.port(), "GET", "/free")->status == 200);
  lux::App app("bad");
  CHECK_THROWS_AS(lux::RouteRateLimit(app, 0, 60), lux::StartupError);
}

TEST_CASE("rate_limit: two Apps on one Redis share the limit, Redis down fails open") {
  luxtest::RedisServer redis;
  auto setup = [&](lux::App& app) {
    Routes(app);
    lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(5)}, {"window", lux::Value(60)}, {"store", lux::Value("redis")},
                                            {"url", lux::Value(redis.Url())}});
    app.Route("GET", "/r", [](lux::Request&) { return lux::Respond(200, lux::Value("r")); }, {lux::RouteRateLimit(app, 100, 60)});
  };
  TestServer a(setup), b(setup);
  int ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = Call(i % 2 ? a.port() : b.port(), "GET", "/hello");
    REQUIRE(r);
    (r->status == 200 ? ok : limited)++;
    if (r->status == 429) CHECK(std::stoi(r->Header("retry-after")) >= 1);
  }
  CHECK(ok == 5);
  CHECK(limited == 7);
  redis.Stop();
  auto r = Call(a.port(), "GET", "/hello");
  REQUIRE(r);
  CHECK(r->status == 200);  // fail-open
  CHECK_FALSE(r->Has("ratelimit-limit"));
}

TEST_CASE("cache: default Cache-Control on GET 200s that set none") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCacheDefaults(app, lux::Value{{"max_age", lux::Value(3600)}, {"stale_while_revalidate", lux::Value(60)}});
  });
  auto r = Call(s.port(), "GET", "/hello");
  CHECK(r->Header("cache-control") == "max-age=3600, stale-while-revalidate=60");
  CHECK(Call(s.port(), "GET", "/cached")->Header("cache-control") == "no-store");
  CHECK_FALSE(Call(s.port(), "POST", "/hello", "{}", "Content-Type: application/json\r\n")->Has("cache-control"));
  CHECK_FALSE(Call(s.port(), "GET", "/boom")->Has("cache-control"));
  CHECK_FALSE(Call(s.port(), "GET", "/missing")->Has("cache-control"));
}

TEST_CASE("limits: max_body, max_header_bytes and timeouts set the server's options") {
  lux::App app("limits");
  app.options().max_connections = 0;
  lux::ConfigureLimits(app, lux::Value{{"max_body", lux::Value(10)}, {"max_header_bytes", lux::Value(2048)},
                                       {"header_timeout", lux::Value(2000)}, {"idle_timeout", lux::Value(5000)},
                                       {"max_connections", lux::Value(50)}});
  CHECK(app.options().max_body_bytes == 10);
  CHECK(app.options().max_header_bytes == 2048);
  CHECK(app.options().read_timeout_ms == 2000);
  CHECK(app.options().keep_alive_timeout_ms == 5000);
  CHECK(app.options().max_connections == 50);
  CHECK_THROWS_AS(lux::ConfigureLimits(app, lux::Value{{"max_body", lux::Value(0)}}), lux::StartupError);
  TestServer s([](lux::App& a) {
    a.Post("/echo", [](lux::Request& req) { return lux::Respond(200, lux::Value(req.body)); });
    lux::ConfigureLimits(a, lux::Value{{"max_body", lux::Value(10)}, {"max_header_bytes", lux::Value(1024)}});
  });
  CHECK(Call(s.port(), "POST", "/echo", "0123456789", "Content-Type: text/plain\r\n")->status == 200);
  CHECK(Call(s.port(), "POST", "/echo", "0123456789a", "Content-Type: text/plain\r\n")->status == 413);
  CHECK(Call(s.port(), "GET", "/echo", "", "X-Big: " + std::string(2000, 'x') + "\r\n")->status == 431);
}

TEST_CASE("cors: the connection layer's 413 carries the headers of an allowed origin only") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ConfigureCors(app, Cors());
    app.options().max_body_bytes = 16;
  });
  std::string body(100, 'x');
  auto r = Call(s.port(), "POST", "/hello", body, "Origin: https://app.example.com\r\nContent-Type: text/plain\r\n");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(r->Header("access-control-allow-origin") == "https://app.example.com");
  CHECK(r->Header("access-control-allow-credentials") == "true");
  CHECK(r->Header("vary") == "Origin");
  r = Call(s.port(), "POST", "/hello", body, "Origin: https://other.example.com\r\nContent-Type: text/plain\r\n");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(r->Header("access-control-allow-origin").empty());
}

TEST_CASE("cors: a route group's policy replaces the server's under its prefix, the longest prefix first") {
  TestServer s([](lux::App& app) {
    app.Get("/api/x", [](lux::Request&) { return lux::Respond(200, lux::Value{{"ok", true}}); });
    app.Get("/api/open/x", [](lux::Request&) { return lux::Respond(200, lux::Value{{"ok", true}}); });
    app.Get("/apix", [](lux::Request&) { return lux::Respond(200, lux::Value{{"ok", true}}); });
    lux::ConfigureCors(app, Cors());
    lux::ConfigureGroupCors(app, "/api/open", lux::Value{{"origins", lux::Value(lux::Array{lux::Value("*")})}});
    lux::ConfigureGroupCors(app, "/api", lux::Value{{"origins", lux::Value(lux::Array{lux::Value("https://api.example.net")})}});
  });
  auto origin_of = [&](const std::string& path, const std::string& origin) {
    auto r = Call(s.port(), "GET", path, "", "Origin: " + origin + "\r\n");
    return r ? r->Header("access-control-allow-origin") : std::string("no answer");
  };
  CHECK(origin_of("/api/x", "https://api.example.net") == "https://api.example.net");
  CHECK(origin_of("/api/x", "https://app.example.com").empty());  // the server's origin, not the group's
  CHECK(origin_of("/api/open/x", "https://anyone.example") == "*");
  CHECK(origin_of("/apix", "https://app.example.com") == "https://app.example.com");  // not under /api
  auto r = Call(s.port(), "OPTIONS", "/api/open/x", "", Preflight("https://anyone.example", "GET"));
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->Header("access-control-allow-origin") == "*");
}

TEST_CASE("rate_limit: probes are not counted by the server's limit") {
  TestServer s([](lux::App& app) {
    Routes(app);
    lux::ServeLiveness(app, "/health");
    lux::ConfigureRateLimit(app, lux::Value{{"max", lux::Value(2)}, {"window", lux::Value(60)}});
  });
  for (int i = 0; i < 5; ++i) {
    auto r = Call(s.port(), "GET", "/health");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->Header("ratelimit-limit").empty());
  }
  auto a = Call(s.port(), "GET", "/hello");
  auto b = Call(s.port(), "GET", "/hello");
  auto c = Call(s.port(), "GET", "/hello");
  REQUIRE((a && b && c));
  CHECK(a->status == 200);
  CHECK(b->status == 200);
  CHECK(c->status == 429);
}
