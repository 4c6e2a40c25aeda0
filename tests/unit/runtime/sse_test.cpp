// Server-sent events and streamed responses (runtime/src/realtime/sse.cpp, the server's chunked
// writer): the event framing, an SSE route on a real App over loopback (events, channel events
// through the hub, heartbeats, the client leaving, a graceful stop ending open streams), and a
// streamed body with and without compression.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <atomic>
#include <thread>

#include "lux/compression.h"
#include "lux/realtime.h"
#include "realtime/outbox.h"
#include "test_http.h"

using lux::FormatSseEvent;
using lux::Value;

namespace {

// Reads from `c` until `needle` is buffered (true) or `ms` pass.
bool ReadUntil(luxtest::Conn& c, const std::string& needle, int ms = 5000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (c.buffered().find(needle) == std::string::npos) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
    if (left <= 0 || !c.Fill(left)) return c.buffered().find(needle) != std::string::npos;
  }
  return true;
}

// The body of a chunked response (after the head), decoded; false when malformed or unfinished.
bool Dechunk(const std::string& raw, std::string& body) {
  std::size_t at = raw.find("\r\n\r\n");
  if (at == std::string::npos) return false;
  at += 4;
  for (;;) {
    std::size_t nl = raw.find("\r\n", at);
    if (nl == std::string::npos) return false;
    std::size_t size = std::stoul(raw.substr(at, nl - at), nullptr, 16);
    at = nl + 2;
    if (size == 0) return raw.compare(at, 2, "\r\n") == 0;
    if (raw.size() < at + size + 2) return false;
    body += raw.substr(at, size);
    at += size + 2;
  }
}

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  inflate(&zs, Z_SYNC_FLUSH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

}  // namespace

TEST_CASE("sse framing: data, names, ids, retry and multi-line data", "[sse]") {
  CHECK(FormatSseEvent(Value("hello")) == "data: hello\n\n");
  CHECK(FormatSseEvent(Value(42)) == "data: 42\n\n");
  CHECK(FormatSseEvent(Value{{"n", Value(1)}}) == "data: {\"n\":1}\n\n");  // no `data` key: it is the data
  CHECK(FormatSseEvent(Value{{"type", Value("tick")}, {"data", Value("1")}}) == "event: tick\ndata: 1\n\n");
  CHECK(FormatSseEvent(Value{{"event", Value("tick")}, {"data", Value{{"a", Value(true)}}}}) ==
        "event: tick\ndata: {\"a\":true}\n\n");
  CHECK(FormatSseEvent(Value{{"data", Value("x")}, {"id", Value(7)}, {"retry", Value(2500)}}) ==
        "id: 7\nretry: 2500\ndata: x\n\n");
  CHECK(FormatSseEvent(Value("a\nb\r\nc\rd")) == "data: a\ndata: b\ndata: c\ndata: d\n\n");
  CHECK(FormatSseEvent(Value("")) == "data: \n\n");
  CHECK(FormatSseEvent(Value("end\n")) == "data: end\ndata: \n\n");
  // An object with other keys besides `data` is data, not an event.
  CHECK(FormatSseEvent(Value{{"data", Value(1)}, {"user", Value("x")}}) == "data: {\"data\":1,\"user\":\"x\"}\n\n");
}

TEST_CASE("sse framing: a line break in a name or id, or a bad retry, is refused", "[sse]") {
  CHECK_THROWS_WITH(FormatSseEvent(Value{{"type", Value("a\nb")}, {"data", Value(1)}}), Catch::Contains("line break"));
  CHECK_THROWS_WITH(FormatSseEvent(Value{{"id", Value("1\r")}, {"data", Value(1)}}), Catch::Contains("line break"));
  CHECK_THROWS_WITH(FormatSseEvent(Value{{"retry", Value(-1)}, {"data", Value(1)}}), Catch::Contains("retry"));
  CHECK_THROWS_WITH(FormatSseEvent(Value{{"retry", Value("soon")}, {"data", Value(1)}}), Catch::Contains("retry"));
}

TEST_CASE("sse route: events as the handler sends them, then the end after close()", "[sse]") {
  luxtest::TestServer server([](lux::App& app) {
    lux::ConfigureSse(app, Value::MakeObject());
    app.Get("/events", [](lux::Request& req) {
      return lux::rt::SseResponse(req, [](const Value& send, const Value& close) {
        send.Call({Value{{"type", Value("hello")}, {"data", Value("first")}, {"id", Value(1)}}});
        lux::rt::Sleep(50);
        send.Call({Value{{"data", Value{{"n", Value(2)}}}}});
        close.Call({});
      });
    });
  });
  luxtest::Conn c(server.port());
  c.Send(luxtest::Req("GET", "/events"));
  REQUIRE(ReadUntil(c, "0\r\n\r\n"));
  const std::string& raw = c.buffered();
  CHECK(raw.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(raw.find("Cache-Control: no-cache") != std::string::npos);
  CHECK(raw.find("Transfer-Encoding: chunked") != std::string::npos);
  std::string body;
  REQUIRE(Dechunk(raw, body));
  CHECK(body == "event: hello\nid: 1\ndata: first\n\ndata: {\"n\":2}\n\n");
  // The connection stays usable after a closed stream.
  c.Send(luxtest::Req("GET", "/nothing"));
  CHECK(ReadUntil(c, "HTTP/1.1 404"));
}

TEST_CASE("sse route: channel events reach a subscribed stream, heartbeats keep it alive, the client leaving ends it",
          "[sse]") {
  std::atomic<int> handlers_done{0};
  Value channel;
  luxtest::TestServer server([&](lux::App& app) {
    lux::ConfigureSse(app, Value{{"heartbeat_ms", Value(100)}});
    channel = lux::rt::SseChannel("news");
    app.Get("/feed", [&](lux::Request& req) {
      return lux::rt::SseResponse(req, [&](const Value& send, const Value&) {
        channel["subscribe"].Call({send});
        send.Call({Value("subscribed")});
        handlers_done++;
      });
    });
  });
  luxtest::Conn c(server.port());
  c.Send(luxtest::Req("GET", "/feed"));
  REQUIRE(ReadUntil(c, "data: subscribed"));
  CHECK(channel["count"].Call({}).AsInt() == 1);
  channel["send"].Call({Value{{"type", Value("story")}, {"data", Value("one")}}});
  REQUIRE(ReadUntil(c, "event: story\ndata: one\n\n"));
  REQUIRE(ReadUntil(c, ": keep-alive\n\n", 2000));
  ::shutdown(c.fd(), SHUT_RDWR);  // the client goes away
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (channel["count"].Call({}).AsInt() != 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(channel["count"].Call({}).AsInt() == 0);
  CHECK(handlers_done == 1);
}

TEST_CASE("sse route: a handler that loops with sleep ends at its next send once the client left", "[sse]") {
  std::atomic<int> sends{0};
  std::atomic<bool> ended{false};
  luxtest::TestServer server([&](lux::App& app) {
    lux::ConfigureSse(app, Value::MakeObject());
    app.Get("/loop", [&](lux::Request& req) {
      return lux::rt::SseResponse(req, [&](const Value& send, const Value&) {
        struct Flag {
          std::atomic<bool>& f;
          ~Flag() { f = true; }
        } flag{ended};
        for (;;) {
          send.Call({Value("tick")});
          sends++;
          lux::rt::Sleep(20);
        }
      });
    });
  });
  {
    luxtest::Conn c(server.port());
    c.Send(luxtest::Req("GET", "/loop"));
    REQUIRE(ReadUntil(c, "data: tick"));
  }
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ended && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(ended);
}

TEST_CASE("sse route: a graceful stop ends open streams without waiting for the drain deadline", "[sse]") {
  auto server = std::make_unique<luxtest::TestServer>([](lux::App& app) {
    app.options().drain_timeout_ms = 20000;
    lux::ConfigureSse(app, Value{{"heartbeat", Value(30)}});
    (void)lux::rt::SseChannel("idle");
    app.Get("/idle", [](lux::Request& req) {
      return lux::rt::SseResponse(req, [](const Value& send, const Value&) { send.Call({Value("open")}); });
    });
  });
  luxtest::Conn c(server->port());
  c.Send(luxtest::Req("GET", "/idle"));
  REQUIRE(ReadUntil(c, "data: open"));
  auto t0 = std::chrono::steady_clock::now();
  server->Stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(c.WaitClosed(2000));
  std::string body;
  CHECK(Dechunk(c.buffered(), body));  // ended properly: the last chunk was sent
}

TEST_CASE("stream(): each send is a chunk as it is produced, and with compression each is flushed through gzip", "[sse]") {
  auto producer = Value(lux::Function([](const std::vector<Value>& args) {
    args[0].Call({Value("part one\n")});
    lux::rt::Sleep(200);
    args[0].Call({Value{{"n", Value(2)}}});
    args[1].Call({});
    return Value();
  }));
  luxtest::TestServer server([&](lux::App& app) {
    lux::CompressionOptions o;
    o.min_size = 1000000;  // streamed bodies are compressed whatever their size
    lux::EnableCompression(app, o);
    app.Get("/s", [&](lux::Request&) { return lux::rt::StreamResponse(lux::rt::StreamValue(producer)); });
  });
  SECTION("plain") {
    luxtest::Conn c(server.port());
    c.Send(luxtest::Req("GET", "/s"));
    // The first chunk arrives while the producer still sleeps.
    REQUIRE(ReadUntil(c, "part one\n\r\n", 150));
    REQUIRE(ReadUntil(c, "0\r\n\r\n"));
    std::string body;
    REQUIRE(Dechunk(c.buffered(), body));
    CHECK(body == "part one\n{\"n\":2}");
    CHECK(c.buffered().find("Content-Encoding") == std::string::npos);
  }
  SECTION("gzip") {
    luxtest::Conn c(server.port());
    c.Send(luxtest::Req("GET", "/s", "", "Accept-Encoding: gzip\r\n"));
    REQUIRE(ReadUntil(c, "Content-Encoding: gzip"));
    // Flushed: the first part decodes before the producer writes the second.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    while (c.Fill(20)) {
    }
    std::string first;
    {
      std::string raw = c.buffered() + "0\r\n\r\n";  // what arrived so far, closed for Dechunk
      REQUIRE(Dechunk(raw, first));
    }
    CHECK(Gunzip(first) == "part one\n");
    REQUIRE(ReadUntil(c, "\r\n0\r\n\r\n"));
    std::string body;
    REQUIRE(Dechunk(c.buffered(), body));
    CHECK(Gunzip(body) == "part one\n{\"n\":2}");
  }
}

TEST_CASE("stream(): HTTP/1.0 gets the body unframed and the close", "[sse]") {
  luxtest::TestServer server([](lux::App& app) {
    app.Get("/s", [](lux::Request&) {
      return lux::rt::StreamResponse(lux::rt::StreamValue(Value(lux::Function([](const std::vector<Value>& args) {
        args[0].Call({Value("a")});
        args[0].Call({Value("b")});
        return Value();
      }))));
    });
  });
  luxtest::Conn c(server.port());
  c.Send("GET /s HTTP/1.0\r\n\r\n");
  REQUIRE(c.WaitClosed(5000));
  CHECK(c.buffered().find("Transfer-Encoding") == std::string::npos);
  CHECK(c.buffered().substr(c.buffered().size() - 6) == "\r\n\r\nab");
}
