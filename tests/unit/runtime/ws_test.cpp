// WebSocket endpoints over loopback with Beast's synchronous client: the upgrade route's refusals,
// echo of text and binary messages through the connection's outbox and writer, rooms and
// broadcasts from a thread that is no connection, ws.close, close 1001 when the App stops, and the
// UTF-8 rule that decides text or binary frames.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "lux/http.h"
#include "lux/rt.h"
#include "lux/ws.h"
#include "ws/utf8.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

struct Client {
  asio::io_context ioc;
  bws::stream<tcp::socket> ws{ioc};
  explicit Client(std::uint16_t port, const std::string& path = "/echo") {
    tcp::resolver r(ioc);
    asio::connect(ws.next_layer(), r.resolve("127.0.0.1", std::to_string(port)));
    ws.handshake("127.0.0.1", path);
  }
  std::string Read(bool* binary = nullptr) {
    beast::flat_buffer b;
    ws.read(b);
    if (binary) *binary = ws.got_binary();
    return beast::buffers_to_string(b.data());
  }
};

lux::Value Send(lux::Value& ws, const lux::Value& msg, const char* how = "send") {
  return ws[how].AsFunction()({msg});
}

struct Server {
  lux::App app{"ws-test"};
  std::atomic<int> closes{0};
  std::atomic<std::int64_t> last_code{0};
  std::atomic<bool> client_got_first{false};  // set by the test once it read "before" (/order)
  Server() {
    app.options().host = "127.0.0.1";
    app.options().port = 0;
    app.options().threads = 1;
    app.options().handle_signals = false;
    app.options().access_log = false;
    lux::WsHooks echo;
    echo.on_message = [](lux::Value& ws, const lux::Value& m, bool binary) {
      if (m.AsString() == "close") {
        ws["close"].AsFunction()({lux::Value(4001), lux::Value("asked")});
      } else if (m.AsString().rfind("join:", 0) == 0) {
        lux::ws::Join(ws, m.AsString().substr(5));
        Send(ws, lux::Value("joined"));
      } else {
        Send(ws, m, binary ? "send_binary" : "send");
      }
    };
    echo.on_close = [this](lux::Value&, std::int64_t code, const std::string&) {
      last_code = code;
      ++closes;
    };
    lux::RegisterWebSocket(app, "/echo", echo, lux::Value{{"max_message", 1024}});
    // The order of what a hook sends: its own sends (framed straight into the connection's output
    // buffer) around a broadcast (through the outbox), and a send before the hook suspends.
    lux::WsHooks order;
    order.on_message = [this](lux::Value& ws, const lux::Value& m, bool) {
      if (m.AsString() == "mix") {
        Send(ws, lux::Value("a"));
        lux::ws::Broadcast(lux::Value("b"), lux::Value());
        Send(ws, lux::Value("c"));
        Send(ws, lux::Value("d"));
      } else if (m.AsString() == "wait") {
        Send(ws, lux::Value("before"));
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!client_got_first && std::chrono::steady_clock::now() < until) lux::rt::Sleep(5);
        Send(ws, lux::Value(client_got_first ? "after" : "held until the hook returned"));
      }
    };
    lux::RegisterWebSocket(app, "/order", order, lux::Value());
    app.Start();
  }
  ~Server() {
    app.Shutdown();
    app.Wait();
  }
};

}  // namespace

TEST_CASE("ValidUtf8 decides text or binary frames", "[ws]") {
  using lux::ws::ValidUtf8;
  CHECK(ValidUtf8(""));
  CHECK(ValidUtf8("plain ascii"));
  CHECK(ValidUtf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // κόσμε
  CHECK(ValidUtf8("\xf0\x9d\x84\x9e"));                               // U+1D11E
  CHECK(ValidUtf8("\xf4\x8f\xbf\xbf"));                               // U+10FFFF
  CHECK_FALSE(ValidUtf8("\xc0\xaf"));                                 // overlong
  CHECK_FALSE(ValidUtf8("\xe0\x80\xaf"));                             // overlong
  CHECK_FALSE(ValidUtf8("\xed\xa0\x80"));                             // surrogate
  CHECK_FALSE(ValidUtf8("\xf4\x90\x80\x80"));                         // past U+10FFFF
  CHECK_FALSE(ValidUtf8("abc\xce"));                                  // cut short
  CHECK_FALSE(ValidUtf8("\xff"));
}

TEST_CASE("a WebSocket endpoint echoes, refuses non-upgrades and enforces max_message", "[ws]") {
  Server s;
  std::uint16_t port = s.app.port();
  {
    asio::io_context ioc;
    tcp::socket sock(ioc);
    tcp::resolver r(ioc);
    asio::connect(sock, r.resolve("127.0.0.1", std::to_string(port)));
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/echo", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(sock, req);
    beast::flat_buffer b;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(sock, b, res);
    CHECK(res.result_int() == 426);
    CHECK(res[beast::http::field::upgrade] == "websocket");
    CHECK(res.body().find("\"request_id\"") != std::string::npos);
  }
  Client c(port);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string("hello")));
  bool binary = true;
  CHECK(c.Read(&binary) == "hello");
  CHECK_FALSE(binary);
  c.ws.binary(true);
  std::string bytes("\x00\xff\x01", 3);
  c.ws.write(asio::buffer(bytes));
  CHECK(c.Read(&binary) == bytes);
  CHECK(binary);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string(1025, 'x')));
  beast::flat_buffer b;
  boost::system::error_code ec;
  c.ws.read(b, ec);
  CHECK(ec == bws::error::closed);
  CHECK(c.ws.reason().code == bws::close_code::too_big);
}

TEST_CASE("rooms and broadcasts reach connections from any thread, ws.close, and 1001 when the App stops", "[ws]") {
  auto s = std::make_unique<Server>();
  std::uint16_t port = s->app.port();
  Client a(port), b(port);
  a.ws.write(asio::buffer(std::string("join:r")));
  CHECK(a.Read() == "joined");
  std::thread([] {
    lux::ws::BroadcastTo("r", lux::Value("to r"), lux::Value());
    lux::ws::Broadcast(lux::Value{{"n", 1}}, lux::Value());
  }).join();
  CHECK(a.Read() == "to r");
  CHECK(a.Read() == "{\"n\":1}");
  CHECK(b.Read() == "{\"n\":1}");  // b is in no room: only the broadcast
  CHECK(lux::ws::OpenConnections() == 2);
  b.ws.write(asio::buffer(std::string("close")));
  beast::flat_buffer buf;
  boost::system::error_code ec;
  b.ws.read(buf, ec);
  CHECK(ec == bws::error::closed);
  CHECK(b.ws.reason().code == 4001);
  CHECK(std::string(b.ws.reason().reason.c_str()) == "asked");
  s->app.Shutdown();
  a.ws.read(buf, ec);
  CHECK(ec == bws::error::closed);
  CHECK(a.ws.reason().code == bws::close_code::going_away);
  s->app.Wait();
  CHECK(s->closes == 2);
  CHECK(lux::ws::OpenConnections() == 0);
}

TEST_CASE("a hook's sends keep their order around a broadcast and go out while the hook is suspended", "[ws]") {
  Server s;
  Client c(s.app.port(), "/order");
  c.ws.text(true);
  for (int round = 0; round < 3; ++round) {  // the first send of a batch and the ones after it
    c.ws.write(asio::buffer(std::string("mix")));
    CHECK(c.Read() == "a");
    CHECK(c.Read() == "b");
    CHECK(c.Read() == "c");
    CHECK(c.Read() == "d");
  }
  // "before" must reach the client while the hook sleeps, not once it returned.
  c.ws.write(asio::buffer(std::string("wait")));
  CHECK(c.Read() == "before");
  s.client_got_first = true;
  CHECK(c.Read() == "after");
}
