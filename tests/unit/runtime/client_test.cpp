// Outgoing HTTP (lux::Fetch): JSON, headers, timeouts, clear errors, connection reuse,
// automatic X-Request-Id/traceparent propagation, and the 1,000-concurrent-waits proof.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/resource.h>

#include <atomic>

#include "test_http.h"

using luxtest::Call;
using luxtest::TestServer;

namespace {

void Downstream(lux::App& app) {
  app.Get("/data", [](lux::Request& req) {
    return lux::Respond(200, {{"ok", true},
                              {"rid", req.Header("x-request-id").value_or("")},
                              {"traceparent", req.Header("traceparent").value_or("")},
                              {"remote", req.remote_addr},
                              {"custom", req.Header("x-custom").value_or("")}});
  });
  app.Post("/echo", [](lux::Request& req) { return lux::Respond(201, {{"got", req.Json()}}); });
  app.Get("/sleep", [](lux::Request& req) {
    lux::rt::Sleep(lux::ParseIntStrict(req.Query("ms").value_or("1000")).value_or(1000));
    return lux::Respond(200, {{"slept", true}});
  });
  app.Get("/notjson", [](lux::Request&) { return lux::Text(200, "{oops"); });
}

std::uint16_t FreePort() {
  // Bind and close: nothing listens there afterwards (loopback only).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("fetch outside a request: JSON both ways, headers, status") {
  TestServer down(Downstream);
  lux::FetchResponse r = lux::Fetch(down.Url("/data"), lux::FetchOptions().Header("X-Custom", "c1"));
  REQUIRE(r.status == 200);
  REQUIRE(r.ok());
  REQUIRE(r.Json()["custom"].AsString() == "c1");
  REQUIRE(r.Json()["rid"].AsString().empty());  // no request being served: nothing to propagate
  lux::FetchOptions post;
  post.method = "POST";
  post.Json({{"n", 5}});
  lux::FetchResponse p = lux::Fetch(down.Url("/echo"), post);
  REQUIRE(p.status == 201);
  REQUIRE(p.Json()["got"]["n"].AsInt() == 5);
  REQUIRE(lux::Fetch(down.Url("/missing")).status == 404);
  REQUIRE_THROWS_AS(lux::Fetch(down.Url("/notjson")).Json(), lux::FetchError);
}

TEST_CASE("fetch reuses keep-alive connections") {
  TestServer down(Downstream);
  std::string first = lux::Fetch(down.Url("/data")).Json()["remote"].AsString();
  std::string second = lux::Fetch(down.Url("/data")).Json()["remote"].AsString();
  REQUIRE(first == second);  // same client port: same TCP connection
}

TEST_CASE("fetch retries once when a pooled connection went stale") {
  std::string url;
  {
    TestServer down(Downstream);
    url = down.Url("/data");
    REQUIRE(lux::Fetch(url).ok());
    down.Stop();
    // Restart on the same port; the pooled socket is now dead.
    lux::App again("again");
    again.options().host = "127.0.0.1";
    again.options().port = down.port();
    again.options().threads = 1;
    again.options().log_level = lux::LogLevel::kOff;
    Downstream(again);
    again.Start();
    REQUIRE(lux::Fetch(url).ok());
    again.Shutdown();
    again.Wait();
  }
}

TEST_CASE("fetch errors are clear: refused, timeout, bad URL") {
  TestServer down(Downstream);
  std::uint16_t dead = FreePort();
  try {
    lux::Fetch("http://127.0.0.1:" + std::to_string(dead) + "/x");
    FAIL("no throw");
  } catch (const lux::FetchError& e) {
    REQUIRE(e.kind() == lux::FetchError::Kind::kConnect);
    REQUIRE(std::string(e.what()) == "fetch GET http://127.0.0.1:" + std::to_string(dead) + "/x: cannot connect to 127.0.0.1:" +
                                         std::to_string(dead) + ": connection refused");
  }
  lux::FetchOptions quick;
  quick.timeout_ms = 100;
  auto t0 = std::chrono::steady_clock::now();
  try {
    lux::Fetch(down.Url("/sleep?ms=500"), quick);
    FAIL("no throw");
  } catch (const lux::FetchError& e) {
    REQUIRE(e.kind() == lux::FetchError::Kind::kTimeout);
    REQUIRE_THAT(e.what(), Catch::EndsWith("timed out after 100 ms"));
  }
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
  REQUIRE_THROWS_WITH(lux::Fetch("ftp://x/y"), Catch::Contains("unsupported scheme `ftp`"));
  REQUIRE_THROWS_WITH(lux::Fetch("not a url"), Catch::Contains("invalid URL"));
}

TEST_CASE("fetch while serving carries X-Request-Id and traceparent of the current request") {
  TestServer down(Downstream);
  std::string down_url = down.Url("/data");
  TestServer up([down_url](lux::App& app) {
    app.Get("/call", [down_url](lux::Request& req) {
      lux::Value got = lux::Fetch(down_url).Json();
      return lux::Respond(200, {{"down", got}, {"span", req.trace.span_id.Hex()}, {"trace", req.trace.trace_id.Hex()}});
    });
  });
  std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto r = Call(up.port(), "GET", "/call", "", "X-Request-Id: chain-42\r\ntraceparent: " + tp + "\r\n");
  REQUIRE(r->status == 200);
  lux::Value b = r->Json();
  REQUIRE(b["down"]["rid"].AsString() == "chain-42");
  REQUIRE(b["down"]["traceparent"].AsString() == "00-0af7651916cd43dd8448eb211c80319c-" + b["span"].AsString() + "-01");
}

TEST_CASE("an unhandled fetch failure in a handler is a 500 that does not leak the URL") {
  std::uint16_t dead = FreePort();
  TestServer up([dead](lux::App& app) {
    app.Get("/call", [dead](lux::Request&) {
      return lux::Respond(200, lux::Fetch("http://127.0.0.1:" + std::to_string(dead) + "/internal").Json());
    });
  });
  auto r = Call(up.port(), "GET", "/call");
  REQUIRE(r->status == 500);
  REQUIRE(r->body.find("internal") == r->body.find("internal server error"));
}

// Concurrency in direct style: handlers wait in direct style on a slow downstream.
TEST_CASE("1,000 concurrent requests to a handler that waits 1 s on a downstream all complete in under 3 s") {
  constexpr int kRequests = 1000;
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 8192 && rl.rlim_max >= 8192) {
    rl.rlim_cur = 8192;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  TestServer down(Downstream);
  std::string slow_url = down.Url("/sleep?ms=1000");
  std::atomic<int> served{0};
  TestServer up([&](lux::App& app) {
    app.Get("/wait", [&](lux::Request&) {
      lux::Value v = lux::Fetch(slow_url).Json();
      ++served;
      return lux::Respond(200, {{"slept", v["slept"]}});
    });
  });

  auto t0 = std::chrono::steady_clock::now();
  std::vector<int> fds;
  std::vector<std::string> bufs(kRequests);
  std::string request = "GET /wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < kRequests; ++i) {
    int fd = luxtest::Connect(up.port());
    REQUIRE(fd >= 0);
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    fds.push_back(fd);
  }
  int open = kRequests;
  std::vector<bool> done(kRequests, false);
  while (open > 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
    std::vector<pollfd> ps;
    std::vector<int> idx;
    for (int i = 0; i < kRequests; ++i)
      if (!done[i]) {
        ps.push_back({fds[i], POLLIN, 0});
        idx.push_back(i);
      }
    ::poll(ps.data(), ps.size(), 100);
    for (std::size_t k = 0; k < ps.size(); ++k) {
      if (!(ps[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::recv(ps[k].fd, buf, sizeof buf, 0);
      if (n > 0) {
        bufs[idx[k]].append(buf, static_cast<std::size_t>(n));
      } else {
        done[idx[k]] = true;
        --open;
      }
    }
  }
  auto elapsed = std::chrono::steady_clock::now() - t0;
  for (int fd : fds) ::close(fd);
  int ok = 0;
  for (const auto& b : bufs)
    if (b.rfind("HTTP/1.1 200", 0) == 0 && b.find("\"slept\":true") != std::string::npos) ++ok;
  INFO("elapsed ms: " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  REQUIRE(ok == kRequests);
  REQUIRE(served.load() == kRequests);
  REQUIRE(elapsed < std::chrono::seconds(3));
  REQUIRE(elapsed >= std::chrono::milliseconds(1000));  // they really waited
}
