// The real server over loopback with a raw-socket client: keep-alive, pipelining, routing,
// HEAD/OPTIONS, bodies, cookies, request ids, traceparent, limits and bad input.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <random>
#include <regex>

#include "core/log.h"
#include "test_http.h"

using luxtest::Call;
using luxtest::Conn;
using luxtest::Req;
using luxtest::TestServer;

namespace {

void BasicRoutes(lux::App& app) {
  app.Get("/hello", [](lux::Request&) { return lux::Respond(200, {{"message", "hello"}}); });
  app.Get("/users/:id", [](lux::Request& req) { return lux::Respond(200, {{"id", *req.Param("id")}}); });
  app.Get("/files/*path", [](lux::Request& req) { return lux::Text(200, *req.Param("path")); });
  app.Post("/echo", [](lux::Request& req) {
    return lux::Respond(200, {{"body", req.Body()}, {"q", req.QueryValue()}, {"ct", req.Header("content-type").value_or("")}});
  });
  app.Get("/whoami", [](lux::Request& req) {
    return lux::Respond(200, {{"id", lux::rt::RequestId()},
                              {"req_id", req.id},
                              {"trace_id", req.trace.trace_id.Hex()},
                              {"parent_id", req.trace.parent_id.Hex()},
                              {"cookie", req.Cookie("sid").value_or("")},
                              {"agent", req.Header("USER-AGENT").value_or("")}});
  });
  app.Get("/page", [](lux::Request&) {
    lux::Response r = lux::Html(200, "<h1>hi</h1>");
    r.SetCookie("sid", "xyz");
    return r;
  });
  app.Get("/old", [](lux::Request&) { return lux::Redirect("/hello", 301); });
  app.Get("/nobody", [](lux::Request&) { return lux::Response().Status(204); });
  app.Get("/locals", [](lux::Request& req) {
    lux::Value& l = lux::rt::Locals();
    bool fresh = l["count"].IsNull();
    l["count"] = 1;
    lux::rt::Sleep(20);  // another request runs meanwhile on this thread
    return lux::Respond(200, {{"fresh", fresh}, {"same", &l == &lux::rt::Locals()}, {"id", lux::rt::RequestId() == req.id}});
  });
}

}  // namespace

TEST_CASE("GET JSON with Date, Content-Type, and a generated request id") {
  TestServer s(BasicRoutes);
  auto r = Call(s.port(), "GET", "/hello");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(r->Header("content-type") == "application/json; charset=utf-8");
  REQUIRE(r->Json()["message"].AsString() == "hello");
  REQUIRE(std::regex_match(r->Header("date"), std::regex(R"(^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$)")));
  REQUIRE(std::regex_match(r->Header("x-request-id"), std::regex("^[0-9a-f-]{36}$")));
}

TEST_CASE("keep-alive serves several requests on one connection, pipelined ones in order") {
  TestServer s(BasicRoutes);
  Conn c(s.port());
  REQUIRE(c.Send(Req("GET", "/users/1")));
  auto a = c.Read();
  REQUIRE(a);
  REQUIRE(a->Json()["id"].AsString() == "1");
  REQUIRE(c.Send(Req("GET", "/users/2") + Req("GET", "/users/3") + Req("POST", "/echo", "{\"x\":1}", "Content-Type: application/json\r\n") + Req("GET", "/users/4")));
  for (const char* want : {"2", "3"}) {
    auto r = c.Read();
    REQUIRE(r);
    REQUIRE(r->Json()["id"].AsString() == want);
  }
  auto e = c.Read();
  REQUIRE(e);
  REQUIRE(e->Json()["body"]["x"].AsInt() == 1);
  auto last = c.Read();
  REQUIRE(last);
  REQUIRE(last->Json()["id"].AsString() == "4");
  // HTTP/1.0 without keep-alive and Connection: close both end the connection.
  REQUIRE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto closing = c.Read();
  REQUIRE(closing);
  REQUIRE(closing->Header("connection") == "close");
  REQUIRE(c.WaitClosed(2000));
}

TEST_CASE("a keep-alive connection's next request sees nothing of the one before (one Request, cleared)") {
  TestServer server([](lux::App& app) {
    auto echo = [](lux::Request& req) {
      bool had_locals = !req.locals.IsNull();
      req.locals = lux::Value::MakeObject();
      return lux::Respond(200, {{"path", req.path},
                                {"query", req.query_string},
                                {"body", req.Body()},
                                {"id", req.id},
                                {"params", req.ParamsValue()},
                                {"headers", static_cast<long long>(req.headers.size())},
                                {"had_locals", had_locals},
                                {"trace", req.trace.trace_id.Hex()}});
    };
    app.Post("/items/:id", echo);
    app.Get("/plain", echo);
  });
  Conn c(server.port());
  REQUIRE(c.ok());
  std::string long_value(3000, 'v');  // beyond what Clear keeps of a string
  REQUIRE(c.Send(Req("POST", "/items/7?full=1", "{\"a\":1}",
                     "Content-Type: application/json\r\nX-Request-Id: first-request\r\nX-Long: " + long_value +
                         "\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n")));
  auto first = c.Read();
  REQUIRE(first);
  REQUIRE(first->status == 200);
  auto a = first->Json();
  CHECK(a["query"].AsString() == "full=1");
  CHECK(a["body"]["a"].AsInt() == 1);
  CHECK(a["id"].AsString() == "first-request");
  CHECK(a["params"]["id"].AsString() == "7");
  CHECK(a["trace"].AsString() == "0af7651916cd43dd8448eb211c80319c");
  REQUIRE(c.Send(Req("GET", "/plain")));
  auto second = c.Read();
  REQUIRE(second);
  REQUIRE(second->status == 200);
  auto b = second->Json();
  CHECK(b["path"].AsString() == "/plain");
  CHECK(b["query"].AsString() == "");
  CHECK(b["body"].IsNull());
  CHECK(b["id"].AsString() != "first-request");
  CHECK(b["id"].AsString().size() == 36);
  CHECK(b["params"].size() == 0);
  CHECK(b["headers"].AsInt() == 1);  // Host
  CHECK(b["had_locals"].AsBool() == false);
  CHECK(b["trace"].AsString() != "0af7651916cd43dd8448eb211c80319c");
}

TEST_CASE("routing over HTTP: params, wildcard, 404, 405 Allow, HEAD, OPTIONS") {
  TestServer s(BasicRoutes);
  REQUIRE(Call(s.port(), "GET", "/files/a/b%20c.txt")->body == "a/b c.txt");
  auto nf = Call(s.port(), "GET", "/missing");
  REQUIRE(nf->status == 404);
  REQUIRE(nf->Json()["error"].AsString() == "not found");
  REQUIRE(nf->Json()["request_id"].AsString() == nf->Header("x-request-id"));
  auto na = Call(s.port(), "PUT", "/hello");
  REQUIRE(na->status == 405);
  REQUIRE(na->Header("allow") == "GET, HEAD, OPTIONS");
  auto head = Call(s.port(), "HEAD", "/hello");
  REQUIRE(head->status == 200);
  REQUIRE(head->Header("content-length") == "19");
  REQUIRE(head->body.empty());
  auto opt = Call(s.port(), "OPTIONS", "/users/9");
  REQUIRE(opt->status == 204);
  REQUIRE(opt->Header("allow") == "GET, HEAD, OPTIONS");
  // After a HEAD the connection stays usable (no stray body bytes).
  Conn c(s.port());
  c.Send(Req("HEAD", "/hello") + Req("GET", "/users/5"));
  REQUIRE(c.Read(5000, true)->status == 200);
  REQUIRE(c.Read()->Json()["id"].AsString() == "5");
}

TEST_CASE("bodies, query, headers, cookies, text/html/redirect/204 responses") {
  TestServer s(BasicRoutes);
  auto form = Call(s.port(), "POST", "/echo?k=v%21", "a=1&b=x+y", "Content-Type: application/x-www-form-urlencoded\r\n");
  REQUIRE(form->Json()["body"]["b"].AsString() == "x y");
  REQUIRE(form->Json()["q"]["k"].AsString() == "v!");
  auto text = Call(s.port(), "POST", "/echo", "plain", "Content-Type: text/plain\r\n");
  REQUIRE(text->Json()["body"].AsString() == "plain");
  auto who = Call(s.port(), "GET", "/whoami", "", "Cookie: a=1; sid=s3\r\nuser-agent: tester\r\n");
  REQUIRE(who->Json()["cookie"].AsString() == "s3");
  REQUIRE(who->Json()["agent"].AsString() == "tester");
  auto page = Call(s.port(), "GET", "/page");
  REQUIRE(page->Header("content-type") == "text/html; charset=utf-8");
  REQUIRE(page->Header("set-cookie").rfind("sid=xyz; Path=/; HttpOnly", 0) == 0);
  auto old = Call(s.port(), "GET", "/old");
  REQUIRE(old->status == 301);
  REQUIRE(old->Header("location") == "/hello");
  auto nob = Call(s.port(), "GET", "/nobody");
  REQUIRE(nob->status == 204);
  REQUIRE(nob->body.empty());
}

TEST_CASE("request ids: valid incoming echoed, invalid replaced, visible to code") {
  TestServer s(BasicRoutes);
  auto ok = Call(s.port(), "GET", "/whoami", "", "X-Request-Id: abc-123.x_y:z\r\n");
  REQUIRE(ok->Header("x-request-id") == "abc-123.x_y:z");
  REQUIRE(ok->Json()["id"].AsString() == "abc-123.x_y:z");
  REQUIRE(ok->Json()["req_id"].AsString() == "abc-123.x_y:z");
  std::string longest(lux::kMaxRequestIdLength, 'a');
  REQUIRE(Call(s.port(), "GET", "/whoami", "", "X-Request-Id: " + longest + "\r\n")->Header("x-request-id") == longest);
  for (std::string bad : {std::string(lux::kMaxRequestIdLength + 1, 'a'), std::string("has space"), std::string("semi;colon")}) {
    auto r = Call(s.port(), "GET", "/whoami", "", "X-Request-Id: " + bad + "\r\n");
    REQUIRE(r->Header("x-request-id") != bad);
    REQUIRE(r->Header("x-request-id").size() == 36);
    REQUIRE(r->Json()["id"].AsString() == r->Header("x-request-id"));
  }
}

TEST_CASE("traceparent: a valid one continues the trace, an invalid one starts a new trace") {
  TestServer s(BasicRoutes);
  std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto r = Call(s.port(), "GET", "/whoami", "", "traceparent: " + tp + "\r\n");
  REQUIRE(r->Json()["trace_id"].AsString() == "0af7651916cd43dd8448eb211c80319c");
  REQUIRE(r->Json()["parent_id"].AsString() == "b7ad6b7169203331");
  auto bad = Call(s.port(), "GET", "/whoami", "", "traceparent: 00-XYZ-b7ad6b7169203331-01\r\n");
  REQUIRE(bad->Json()["trace_id"].AsString().size() == 32);
  REQUIRE(bad->Json()["trace_id"].AsString() != "0af7651916cd43dd8448eb211c80319c");
  REQUIRE(bad->Json()["parent_id"].AsString().empty());
}

TEST_CASE("request locals are per request even when requests interleave on one thread") {
  TestServer s(BasicRoutes, 1);
  Conn a(s.port()), b(s.port());
  a.Send(Req("GET", "/locals"));
  b.Send(Req("GET", "/locals"));
  auto ra = a.Read(), rb = b.Read();
  REQUIRE(ra->Json()["fresh"].AsBool());
  REQUIRE(rb->Json()["fresh"].AsBool());
  REQUIRE(ra->Json()["same"].AsBool());
  REQUIRE(ra->Json()["id"].AsBool());
  REQUIRE(rb->Json()["id"].AsBool());
}

TEST_CASE("limits: body at the limit passes, above it 413, big headers 431") {
  TestServer s([](lux::App& app) {
    app.options().max_body_bytes = 1000;
    app.Post("/size", [](lux::Request& req) { return lux::Respond(200, {{"n", static_cast<long long>(req.body.size())}}); });
  });
  REQUIRE(Call(s.port(), "POST", "/size", std::string(1000, 'x'))->Json()["n"].AsInt() == 1000);
  Conn c(s.port());
  c.Send(Req("POST", "/size", std::string(1001, 'x')));
  auto big = c.Read();
  REQUIRE(big->status == 413);
  REQUIRE(big->Json()["error"].AsString() == "request body too large");
  REQUIRE(c.WaitClosed(2000));
  // Chunked bodies are counted too.
  Conn ch(s.port());
  ch.Send("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + std::string(1000, 'y') +
          "\r\n1\r\nz\r\n0\r\n\r\n");
  REQUIRE(ch.Read()->status == 413);

  auto hdr = Call(s.port(), "GET", "/size", "", "X-Big: " + std::string(lux::kMaxHeaderBytes, 'h') + "\r\n");
  REQUIRE(hdr->status == 431);
}

TEST_CASE("default body limit is kMaxBodyBytes") {
  TestServer s([](lux::App& app) {
    app.Post("/size", [](lux::Request& req) { return lux::Respond(200, {{"n", static_cast<long long>(req.body.size())}}); });
  });
  REQUIRE(Call(s.port(), "POST", "/size", std::string(lux::kMaxBodyBytes, 'x'))->status == 200);
  Conn c(s.port());
  // Content-Length alone is enough to refuse: no need to send the body.
  c.Send("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(lux::kMaxBodyBytes + 1) + "\r\n\r\n");
  REQUIRE(c.Read()->status == 413);
}

TEST_CASE("malformed HTTP gets 400 and the connection is closed, the server keeps serving") {
  TestServer s(BasicRoutes);
  for (std::string bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET /hello HTTP/9.9\r\n\r\n"),
                          std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"),
                          std::string("POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                          std::string("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                          std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}) {
    INFO(bad);
    Conn c(s.port());
    c.Send(bad);
    auto r = c.Read(3000);
    REQUIRE(r);
    REQUIRE(r->status == 400);
    REQUIRE(c.WaitClosed(2000));
  }
  REQUIRE(Call(s.port(), "GET", "/hello")->status == 200);
}

TEST_CASE("invalid JSON body gets 400 with the position") {
  TestServer s([](lux::App& app) {
    app.Post("/j", [](lux::Request& req) { return lux::Respond(200, req.Json()); });
  });
  auto r = Call(s.port(), "POST", "/j", "{\"a\":\n  [1,,2]}", "Content-Type: application/json\r\n");
  REQUIRE(r->status == 400);
  lux::Value b = r->Json();
  REQUIRE(b["error"].AsString().find("line 2 column 6") != std::string::npos);
  REQUIRE(b["details"]["line"].AsInt() == 2);
  REQUIRE(b["request_id"].AsString() == r->Header("x-request-id"));
}

TEST_CASE("a client trickling its request is cut off at the read timeout, idle keep-alive too") {
  TestServer s([](lux::App& app) {
    app.options().read_timeout_ms = 300;
    app.options().keep_alive_timeout_ms = 300;
    BasicRoutes(app);
  });
  Conn c(s.port());
  auto t0 = std::chrono::steady_clock::now();
  c.Send("GET /hel");
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // one byte every 50 ms for up to 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!c.Send("l")) closed = true;
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) closed = true;
  }
  REQUIRE(closed);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(elapsed < std::chrono::milliseconds(1500));  // 300 ms timeout + 100 ms tick + slack
  auto r = c.Read(500);
  if (r) REQUIRE(r->status == 408);
  REQUIRE(c.WaitClosed(1000));

  Conn idle(s.port());
  REQUIRE(idle.WaitClosed(1500));
}

TEST_CASE("access log: one line per request with method, path, status, duration, request id (text and JSON)") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  auto read_all = [&] {
    std::string out;
    char buf[4096];
    for (int i = 0; i < 40; ++i) {
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        if (out.find("path=/hello") != std::string::npos || out.find("\"path\":\"/hello\"") != std::string::npos) break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
    return out;
  };
  {
    TestServer s([](lux::App& app) {
      BasicRoutes(app);
      app.options().log_level = lux::LogLevel::kInfo;
    });
    lux::core::LogConfig().fd = fds[1];
    Call(s.port(), "GET", "/hello", "", "X-Request-Id: log-me-1\r\n");
    std::string text = read_all();
    REQUIRE_THAT(text, Catch::Contains("level=info msg=request method=GET path=/hello status=200 duration_ms="));
    REQUIRE_THAT(text, Catch::Contains("request_id=log-me-1"));
    s.Stop();
  }
  {
    TestServer s([](lux::App& app) {
      BasicRoutes(app);
      app.options().log_level = lux::LogLevel::kInfo;
      app.options().log_format = lux::LogFormat::kJson;
    });
    lux::core::LogConfig().fd = fds[1];
    Call(s.port(), "GET", "/hello", "", "X-Request-Id: log-me-2\r\n");
    std::string text = read_all();
    std::size_t at = text.find("\"msg\":\"request\"");
    REQUIRE(at != std::string::npos);
    std::size_t start = text.rfind('{', at), end = text.find('\n', at);
    lux::Value line = lux::ParseJson(text.substr(start, end - start));
    REQUIRE(line["level"].AsString() == "info");
    REQUIRE(line["method"].AsString() == "GET");
    REQUIRE(line["path"].AsString() == "/hello");
    REQUIRE(line["status"].AsInt() == 200);
    REQUIRE(line["duration_ms"].IsNumber());
    REQUIRE(line["request_id"].AsString() == "log-me-2");
    s.Stop();
  }
  {
    // Errors are logged with their request id; warn level hides access lines.
    TestServer s([](lux::App& app) {
      app.Get("/boom", [](lux::Request&) -> lux::Response { throw std::runtime_error("kaput"); });
      BasicRoutes(app);
      app.options().log_level = lux::LogLevel::kWarn;
    });
    lux::core::LogConfig().fd = fds[1];
    Call(s.port(), "GET", "/hello");
    Call(s.port(), "GET", "/boom", "", "X-Request-Id: err-7\r\n");
    s.Stop();
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    REQUIRE_THAT(text, Catch::Contains("level=error msg=\"request failed\" request_id=err-7"));
    REQUIRE_THAT(text, Catch::Contains("error=kaput"));
    REQUIRE(text.find("msg=request ") == std::string::npos);
  }
  lux::core::LogConfig().fd = 2;
  lux::core::LogConfig().format = lux::LogFormat::kText;
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent") {
  TestServer s(BasicRoutes);
  Conn c(s.port());
  c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.Read(2000);
  REQUIRE(interim);
  REQUIRE(interim->status == 100);
  c.Send("{\"a\":1}");
  auto r = c.Read();
  REQUIRE(r->status == 200);
  REQUIRE(r->Json()["body"]["a"].AsInt() == 1);
}

TEST_CASE("random bytes from many clients never take the server down") {
  TestServer s(BasicRoutes);
  std::mt19937 rng(12345);  // fixed seed: failures reproduce
  const std::string valid = Req("POST", "/echo", "{\"k\":[1,2,3]}", "Content-Type: application/json\r\n");
  for (int i = 0; i < 300; ++i) {
    Conn c(s.port());
    REQUIRE(c.ok());
    std::string payload;
    switch (i % 3) {
      case 0:  // pure noise
        for (int n = static_cast<int>(rng() % 2048); n > 0; --n) payload.push_back(static_cast<char>(rng()));
        break;
      case 1:  // a valid request with a few bytes flipped
        payload = valid;
        for (int k = 0; k < 3; ++k) payload[rng() % payload.size()] = static_cast<char>(rng());
        break;
      default:  // a valid request cut short
        payload = valid.substr(0, rng() % valid.size());
    }
    c.Send(payload);
    if (i % 10 == 0) c.Read(200);  // sometimes wait for the answer, mostly hang up early
  }
  auto r = Call(s.port(), "GET", "/hello");
  REQUIRE(r);
  REQUIRE(r->status == 200);
}

TEST_CASE("header limit: a head of exactly max_header_bytes passes, one byte more is 431") {
  TestServer s([](lux::App& app) {
    app.options().max_header_bytes = 2048;
    app.Get("/h", [](lux::Request&) { return lux::Respond(200, nullptr); });
  });
  // The whole head counts: request line, header fields, the blank line.
  auto request_with_fields = [](std::size_t total) {
    std::string line = "GET /h HTTP/1.1\r\n", head = "Host: x\r\nX-Pad: ", tail = "\r\n\r\n";
    return line + head + std::string(total - line.size() - head.size() - tail.size(), 'p') + tail;
  };
  Conn ok(s.port());
  ok.Send(request_with_fields(2048));
  REQUIRE(ok.Read()->status == 200);
  Conn big(s.port());
  big.Send(request_with_fields(2049));
  REQUIRE(big.Read()->status == 431);
  // A huge request target is bounded too.
  auto long_url = Call(s.port(), "GET", "/h?q=" + std::string(8192, 'u'));
  REQUIRE(long_url);
  REQUIRE(long_url->status >= 400);
}
