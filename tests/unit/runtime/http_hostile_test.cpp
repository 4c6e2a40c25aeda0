// Hostile input against the real server over loopback (raw sockets from test_http.h): request
// framing (Transfer-Encoding, Host, obsolete folding, the head limit however the bytes
// arrive), header injection through headers a handler sets, lingering close after an early
// error, the connection limit, 415 for bodies that are not JSON, and bodies of 204/304.
#include <catch2/catch.hpp>

#include "test_http.h"

using luxtest::Call;
using luxtest::Conn;
using luxtest::Req;
using luxtest::TestServer;

namespace {

void Routes(lux::App& app) {
  app.Get("/ping", [](lux::Request&) { return lux::Respond(200, {{"ok", true}}); });
  app.Post("/echo", [](lux::Request& req) { return lux::Respond(200, {{"n", static_cast<long long>(req.body.size())}}); });
  app.Post("/json", [](lux::Request& req) { return lux::Respond(200, req.Json()); });
  app.Get("/go", [](lux::Request& req) { return lux::Redirect(req.Query("next").value_or("/"), 302); });
  app.Get("/named", [](lux::Request& req) {
    lux::Response r = lux::Text(200, "x");
    r.SetHeader(req.Query("name").value_or("X-Ok"), "1");
    return r;
  });
  app.Get("/none", [](lux::Request&) { return lux::Text(204, "ignored"); });
  app.Get("/none-close", [](lux::Request&) {
    lux::Response r = lux::Text(204, "ignored");
    r.SetHeader("Connection", "close");  // takes the Beast path (FillMessage)
    return r;
  });
  app.Get("/tagged", [](lux::Request&) {
    lux::Response r = lux::Text(200, "tagged body");
    r.SetHeader("ETag", "\"v1\"");
    return r;
  });
  app.Get("/static", [](lux::Request&) {
    static const char kBytes[] = "bytes that live as long as the program";
    lux::Response r;
    r.StaticBody(std::string_view(kBytes, sizeof kBytes - 1));
    r.SetHeader("Content-Type", "text/plain");
    return r;
  });
  app.Get("/slow", [](lux::Request&) {
    lux::rt::Sleep(1500);
    return lux::Respond(200, {{"slow", true}});
  });
}

std::string Raw(const std::string& head_without_blank_line, const std::string& body = "") {
  return head_without_blank_line + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("a Transfer-Encoding whose last coding is not chunked is refused, its body never parsed as a request") {
  TestServer s(Routes);
  // The body is a complete second request: were it parsed, a second response would follow.
  const std::string smuggled = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string te : {"gzip", "chunked, gzip", "identity"}) {
    INFO(te);
    Conn c(s.port());
    c.Send(Raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te, smuggled));
    auto r = c.Read(3000);
    REQUIRE(r);
    REQUIRE(r->status == 400);
    REQUIRE(r->Json()["error"].AsString() == "the last transfer coding must be chunked");
    REQUIRE(r->Header("connection") == "close");
    REQUIRE(c.WaitClosed(4000));
    REQUIRE(c.buffered().empty());  // nothing after the 400
  }
  // chunked after a coding the server does not implement: 501, also closed.
  Conn g(s.port());
  g.Send(Raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked", "0\r\n\r\n"));
  auto r = g.Read(3000);
  REQUIRE(r->status == 501);
  REQUIRE(g.WaitClosed(4000));
  // Two Transfer-Encoding lines, even when the last says chunked.
  Conn two(s.port());
  two.Send(Raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked", "0\r\n\r\n"));
  REQUIRE(two.Read(3000)->status == 400);
  // HTTP/1.0 with Transfer-Encoding: faulty framing (RFC 9112 6.1).
  Conn old(s.port());
  old.Send(Raw("POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked", "3\r\nabc\r\n0\r\n\r\n"));
  auto o = old.Read(3000);
  REQUIRE(o->status == 400);
  REQUIRE(o->Json()["error"].AsString() == "Transfer-Encoding in an HTTP/1.0 request");
  REQUIRE(old.WaitClosed(4000));
  // chunked alone still works, and keeps the connection.
  Conn ok(s.port());
  ok.Send(Raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "3\r\nabc\r\n0\r\n\r\n") + Req("GET", "/ping"));
  REQUIRE(ok.Read()->Json()["n"].AsInt() == 3);
  REQUIRE(ok.Read()->status == 200);
}

TEST_CASE("Host: HTTP/1.1 needs exactly one valid Host, HTTP/1.0 may omit it") {
  TestServer s(Routes);
  auto send = [&](const std::string& raw) {
    Conn c(s.port());
    c.Send(raw);
    auto r = c.Read(3000);
    REQUIRE(r);
    return *r;
  };
  auto missing = send(Raw("GET /ping HTTP/1.1"));
  REQUIRE(missing.status == 400);
  REQUIRE(missing.Json()["error"].AsString() == "an HTTP/1.1 request needs a Host header");
  REQUIRE(send(Raw("GET /ping HTTP/1.1\r\nHost: a\r\nHost: b")).status == 400);
  REQUIRE(send(Raw("GET /ping HTTP/1.1\r\nHost: a/b")).status == 400);
  REQUIRE(send(Raw("GET /ping HTTP/1.1\r\nHost: a@b")).status == 400);
  REQUIRE(send(Raw("GET /ping HTTP/1.1\r\nHost: [::1]:8080")).status == 200);
  REQUIRE(send(Raw("GET /ping HTTP/1.1\r\nHost: api.example.com:80")).status == 200);
  REQUIRE(send(Raw("GET /ping HTTP/1.0")).status == 200);
  REQUIRE(send(Raw("GET /ping HTTP/1.0\r\nHost: a\r\nHost: a")).status == 400);
}

TEST_CASE("obsolete line folding in a header is refused with 400") {
  TestServer s(Routes);
  for (std::string fold : {"\r\n continued", "\r\n\tcontinued"}) {
    Conn c(s.port());
    c.Send(Raw("GET /ping HTTP/1.1\r\nHost: x\r\nX-A: first" + fold + "\r\nX-B: 2"));
    auto r = c.Read(3000);
    REQUIRE(r);
    REQUIRE(r->status == 400);
    REQUIRE(r->Json()["error"].AsString() == "obsolete line folding in a header field");
    REQUIRE(c.WaitClosed(4000));
  }
  // The fold split across two reads is caught too.
  Conn c(s.port());
  c.Send("GET /ping HTTP/1.1\r\nHost: x\r\nX-A: first\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  c.Send(" more\r\n\r\n");
  REQUIRE(c.Read(3000)->status == 400);
}

TEST_CASE("the head limit counts the request line and holds however the head is split") {
  TestServer s([](lux::App& app) {
    app.options().max_header_bytes = 2048;
    Routes(app);
  });
  // A head of exactly the limit: request line + fields + blank line.
  auto head_of = [](std::size_t total) {
    std::string start = "GET /ping?q=", rest = " HTTP/1.1\r\nHost: x\r\n\r\n";
    return start + std::string(total - start.size() - rest.size(), 'q') + rest;
  };
  REQUIRE(head_of(2048).size() == 2048);
  Conn at(s.port());
  at.Send(head_of(2048));
  REQUIRE(at.Read()->status == 200);
  Conn over(s.port());
  over.Send(head_of(2049));
  REQUIRE(over.Read()->status == 431);
  // 100 header lines of 40 bytes (4 KiB) sent one line per write: each piece is small, the
  // whole is not.
  Conn trickle(s.port());
  trickle.Send("GET /ping HTTP/1.1\r\nHost: x\r\n");
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "X-Field-%03d: %026d\r\n", i, i);
    if (!trickle.Send(line)) refused = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    pollfd p{trickle.fd(), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) refused = true;
  }
  auto r = trickle.Read(3000);
  REQUIRE(r);
  REQUIRE(r->status == 431);
}

TEST_CASE("a header value with CR, LF or NUL, or a bad header name, is a 500 and never reaches the wire") {
  TestServer s(Routes);
  // The classic: a redirect target from the query string.
  Conn c(s.port());
  c.Send(Req("GET", "/go?next=/x%0d%0aSet-Cookie:%20admin=1"));
  auto r = c.Read();
  REQUIRE(r);
  REQUIRE(r->status == 500);
  REQUIRE_FALSE(r->Has("set-cookie"));
  REQUIRE_FALSE(r->Has("location"));
  REQUIRE(r->Json()["error"].AsString() == "internal server error");
  // A forged second response in the value.
  auto forged = Call(s.port(), "GET", "/go?next=/%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK%0d%0a");
  REQUIRE(forged->status == 500);
  REQUIRE(Call(s.port(), "GET", "/go?next=/a%00b")->status == 500);
  REQUIRE(Call(s.port(), "GET", "/go?next=/a%0ab")->status == 500);
  REQUIRE(Call(s.port(), "GET", "/named?name=X-A%3Ab")->status == 500);
  REQUIRE(Call(s.port(), "GET", "/named?name=X%20A")->status == 500);
  REQUIRE(Call(s.port(), "GET", "/named?name=")->status == 500);
  // Names are checked eight bytes at a time: a bad byte in any word or in the tail, and the
  // bytes next to the ranges a word passes at once (letters, digits, '-').
  for (const char* bad : {"X-Custom-Header-Long%40x", "Abcdefgh%5B", "a%60b%7B", "a%7Bb", "Caf%C3%A9", "%0D",
                          "X-Long-Name-With-A%2Fslash", "x%3A", "x%2C", "%2F0123456", "Abcdefg%7F"})
    CHECK(Call(s.port(), "GET", std::string("/named?name=") + bad)->status == 500);
  // Other token characters take the byte-by-byte path and are sent.
  for (const char* good : {"X-Under_score.v1", "Access-Control-Allow-Credentials", "a!b%23c%24d%25e%26f%27g*h%2Bi%5Ej%60k%7Cl~m",
                           "ZZZZZZZZzzzzzzzz00000000999", "--------"}) {
    auto ok = Call(s.port(), "GET", std::string("/named?name=") + good);
    CHECK(ok->status == 200);
  }
  // Tabs and non-ASCII bytes are fine; the connection stays usable after a refused header.
  auto fine = Call(s.port(), "GET", "/go?next=/caf%C3%A9%09x");
  REQUIRE(fine->status == 302);
  REQUIRE(fine->Header("location") == "/caf\xC3\xA9\tx");
  c.Send(Req("GET", "/ping"));
  REQUIRE(c.Read()->status == 200);
}

TEST_CASE("204 and 304 carry no Content-Length, HEAD keeps the length, static bodies are sent as is") {
  TestServer s(Routes);
  Conn c(s.port());
  c.Send(Req("GET", "/none"));
  auto none = c.Read();
  REQUIRE(none->status == 204);
  REQUIRE_FALSE(none->Has("content-length"));
  {
    Conn b(s.port());
    b.Send(Req("GET", "/none-close"));
    auto r = b.Read();
    REQUIRE(r->status == 204);
    REQUIRE_FALSE(r->Has("content-length"));
  }
  c.Send(Req("GET", "/tagged", "", "If-None-Match: \"v1\"\r\n"));
  auto nm = c.Read();
  REQUIRE(nm->status == 304);
  REQUIRE_FALSE(nm->Has("content-length"));
  c.Send(Req("GET", "/static") + Req("HEAD", "/static") + Req("GET", "/ping"));
  auto st = c.Read();
  REQUIRE(st->body == "bytes that live as long as the program");
  auto head = c.Read(5000, true);
  REQUIRE(head->Header("content-length") == std::to_string(st->body.size()));
  REQUIRE(head->body.empty());
  REQUIRE(c.Read()->status == 200);  // the connection stays in sync
}

TEST_CASE("a JSON body is read only when declared as JSON: 415 otherwise") {
  TestServer s(Routes);
  auto plain = Call(s.port(), "POST", "/json", "{\"a\":1}", "Content-Type: text/plain\r\n");
  REQUIRE(plain->status == 415);
  REQUIRE(plain->Json()["error"].AsString() == "unsupported Content-Type `text/plain`: the body must be application/json");
  REQUIRE(Call(s.port(), "POST", "/json", "{\"a\":1}")->status == 415);  // none at all
  REQUIRE(Call(s.port(), "POST", "/json", "a=1", "Content-Type: application/x-www-form-urlencoded\r\n")->status == 415);
  REQUIRE(Call(s.port(), "POST", "/json", "{\"a\":1}", "Content-Type: application/json; charset=utf-8\r\n")->Json()["a"].AsInt() == 1);
  REQUIRE(Call(s.port(), "POST", "/json", "{\"a\":2}", "Content-Type: application/merge-patch+json\r\n")->Json()["a"].AsInt() == 2);
  REQUIRE(Call(s.port(), "POST", "/json", "{\"a\":3}", "Content-Type: text/x+json\r\n")->status == 415);
  // An empty body is null whatever the type.
  REQUIRE(Call(s.port(), "POST", "/json", "", "Content-Type: text/plain\r\n")->body == "null");
}

TEST_CASE("413 after the client wrote its whole body first: the response is read, not a reset") {
  TestServer s(Routes);  // default 1 MiB limit
  const std::size_t size = 3 << 20;
  Conn c(s.port());
  std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                     std::to_string(size) + "\r\n\r\n";
  REQUIRE(c.Send(head));
  std::string chunk(64 << 10, 'b');
  bool all = true;
  for (std::size_t sent = 0; sent < size; sent += chunk.size()) all = all && c.Send(chunk);
  REQUIRE(all);  // the server kept reading (and discarding) instead of resetting
  auto r = c.Read(5000);
  REQUIRE(r);
  REQUIRE(r->status == 413);
  REQUIRE(c.WaitClosed(5000));
}

TEST_CASE("connection limit: the longest-idle connection makes room, with none idle a 503") {
  TestServer s([](lux::App& app) {
    app.options().max_connections = 4;
    Routes(app);
  }, 1);
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Conn>(s.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // distinct idle times
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto r = Call(s.port(), "GET", "/ping");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(idle[0]->WaitClosed(2000));  // the oldest went
  REQUIRE_FALSE(idle[3]->WaitClosed(200));
  idle.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // Four connections busy in a handler: a fifth is refused with 503, the four complete.
  std::vector<std::unique_ptr<Conn>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<Conn>(s.port()));
    busy.back()->Send(Req("GET", "/slow"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto refused = Call(s.port(), "GET", "/ping");
  REQUIRE(refused);
  REQUIRE(refused->status == 503);
  for (auto& b : busy) REQUIRE(b->Read(5000)->status == 200);
}
