// ReadAvailable (src/server/socket_read.h) on loopback sockets, and the server's reads through
// it: after a read that drained the socket the next one waits for epoll without a `recv` that
// finds nothing; bytes that arrive while the fiber is busy elsewhere are still read; a full
// buffer, end of stream, cancel, close, and an io_context destroyed under a pending read.
// The test executable defines `recv` (forwarding to the system call) to count the calls per
// descriptor: the runtime is linked statically, so its calls come here too.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/socket_read.h"
#include "test_http.h"

namespace {

std::atomic<int> g_counted_fd{-1};  // -1: count every descriptor except g_skipped_fd
std::atomic<int> g_skipped_fd{-1};
std::atomic<long> g_calls{0};
std::atomic<long> g_empty{0};  // calls that found nothing (EAGAIN)

void Count(int fd, bool empty) {
  int counted = g_counted_fd.load();
  if (counted >= 0 ? fd != counted : fd == g_skipped_fd.load()) return;
  g_calls.fetch_add(1);
  if (empty) g_empty.fetch_add(1);
}

void ResetCounts(int counted, int skipped) {
  g_counted_fd = counted;
  g_skipped_fd = skipped;
  g_calls = 0;
  g_empty = 0;
}

}  // namespace

extern "C" ssize_t recv(int fd, void* buf, size_t n, int flags) {
  long r = ::syscall(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
  int saved = errno;
  Count(fd, r < 0 && (saved == EAGAIN || saved == EWOULDBLOCK));
  errno = saved;
  return static_cast<ssize_t>(r);
}

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using lux::server::ReadAvailable;
using lux::server::Socket;

// A connected loopback pair: the server end a non-blocking Asio socket on `ioc`, the client
// end a plain blocking descriptor.
struct Pair {
  asio::io_context ioc{1};
  Socket server{ioc};
  int client = -1;
  Pair() {
    asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::address_v4::loopback(), 0});
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(acceptor.local_endpoint().port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    acceptor.accept(server);
    server.non_blocking(true);
  }
  // The client sends `first`; the server's recv calls are counted from here.
  explicit Pair(const std::string& first) : Pair() {
    Send(first);
    ResetCounts(server.native_handle(), -1);
  }
  ~Pair() { ::close(client); }
  void Send(const std::string& s) { REQUIRE(::send(client, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size())); }
  // `fn` at `after` from now, on the io_context's thread (while the fiber waits).
  void At(std::chrono::milliseconds after, std::function<void()> fn) {
    auto t = std::make_shared<asio::steady_timer>(ioc, after);
    t->async_wait([t, fn = std::move(fn)](boost::system::error_code) { fn(); });
  }
  // Runs `body` on a fiber until it returns; a read still pending after 5 s is cut off (the
  // socket is closed: the read ends with operation_aborted and the checks below fail).
  void Run(std::function<void(asio::yield_context&)> body) {
    asio::steady_timer watchdog(ioc, 5s);
    watchdog.async_wait([this](boost::system::error_code ec) {
      if (!ec) server.close();
    });
    asio::spawn(
        ioc,
        [&](asio::yield_context yield) {
          body(yield);
          watchdog.cancel();
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    ioc.run();
    ioc.restart();
  }
};

// One read: the bytes as a string, the error in `ec`.
std::string Read(Pair& p, asio::yield_context& yield, boost::system::error_code& ec, std::size_t size = 64) {
  char buf[256];
  std::size_t n = ReadAvailable(p.server, buf, size, yield, ec);
  return std::string(buf, ec ? 0 : n);
}

}  // namespace

TEST_CASE("ReadAvailable: after a read that drained the socket, the next waits for epoll without trying recv") {
  Pair p("a");
  std::string got;
  boost::system::error_code ec;
  p.Run([&](asio::yield_context& yield) {
    // The reactor takes the readiness "a" raised first (else that edge, taken after the read
    // below, would make the next read try once more: a stale edge costs one attempt).
    asio::steady_timer pause(p.ioc, 20ms);
    pause.async_wait(yield);
    got = Read(p, yield, ec);  // there already: the first attempt finds it
    for (int i = 0; i < 5 && !ec; ++i) {
      p.At(5ms, [&p, i] { p.Send(std::to_string(i)); });
      got += Read(p, yield, ec);
    }
  });
  CHECK(!ec);
  CHECK(got == "a01234");
  CHECK(g_calls == 6);  // one recv per arrival
  CHECK(g_empty == 0);
}

TEST_CASE("ReadAvailable: Asio's own read tries recv before every wait (what ReadAvailable saves)") {
  Pair p("a");
  std::string got;
  boost::system::error_code ec;
  p.Run([&](asio::yield_context& yield) {
    char buf[64];
    std::size_t n = p.server.async_read_some(asio::buffer(buf), yield[ec]);
    got.assign(buf, n);
    for (int i = 0; i < 5 && !ec; ++i) {
      p.At(5ms, [&p, i] { p.Send(std::to_string(i)); });
      n = p.server.async_read_some(asio::buffer(buf), yield[ec]);
      got.append(buf, ec ? 0 : n);
    }
  });
  CHECK(got == "a01234");
  CHECK(g_empty == 5);
  CHECK(g_calls == 11);
}

TEST_CASE("ReadAvailable: bytes that arrive while the fiber is elsewhere are read at once") {
  Pair p("a");
  std::string first, second;
  boost::system::error_code ec;
  bool waited_for_edge = false;
  p.Run([&](asio::yield_context& yield) {
    first = Read(p, yield, ec);  // drains the socket
    p.Send("b");
    // The reactor takes the socket's readiness while no read is queued for it.
    asio::steady_timer pause(p.ioc, 20ms);
    pause.async_wait(yield);
    auto t0 = std::chrono::steady_clock::now();
    second = Read(p, yield, ec);
    waited_for_edge = std::chrono::steady_clock::now() - t0 > 1s;
  });
  CHECK(!ec);
  CHECK(first == "a");
  CHECK(second == "b");
  CHECK_FALSE(waited_for_edge);
  CHECK(g_calls == 2);
  CHECK(g_empty == 0);
}

TEST_CASE("ReadAvailable: a read that fills its buffer leaves the next one trying at once") {
  Pair p("0123456789");
  std::string a, b, c, d;
  boost::system::error_code ec;
  p.Run([&](asio::yield_context& yield) {
    a = Read(p, yield, ec, 4);
    b = Read(p, yield, ec, 4);
    c = Read(p, yield, ec, 4);  // 2 of 4: drained
    p.At(5ms, [&p] { p.Send("x"); });
    d = Read(p, yield, ec, 4);
  });
  CHECK(!ec);
  CHECK(a + "|" + b + "|" + c + "|" + d == "0123|4567|89|x");
  CHECK(g_calls == 4);
  CHECK(g_empty == 0);
}

TEST_CASE("ReadAvailable: cancel and close end a pending read with operation_aborted, the peer's close with eof") {
  Pair p;
  boost::system::error_code cancelled, after, eof, closed;
  std::string got;
  p.Run([&](asio::yield_context& yield) {
    p.At(5ms, [&p] { p.server.cancel(); });
    Read(p, yield, cancelled);
    p.At(5ms, [&p] { p.Send("z"); });
    got = Read(p, yield, after);  // the socket still serves reads
    p.At(5ms, [&p] { ::shutdown(p.client, SHUT_WR); });
    Read(p, yield, eof);
    p.At(5ms, [&p] { p.server.close(); });
    Read(p, yield, closed);
  });
  CHECK(cancelled == asio::error::operation_aborted);
  CHECK(!after);
  CHECK(got == "z");
  CHECK(eof == asio::error::eof);
  CHECK((closed == asio::error::operation_aborted || closed == asio::error::bad_descriptor));
}

TEST_CASE("ReadAvailable: an io_context destroyed under a pending read unwinds the fiber") {
  bool unwound = false;
  bool returned = false;
  {
    Pair p;
    struct Guard {
      bool& flag;
      ~Guard() { flag = true; }
    };
    asio::spawn(p.ioc, [&](asio::yield_context yield) {
      Guard g{unwound};
      boost::system::error_code ec;
      Read(p, yield, ec);
      returned = true;
    }, [](std::exception_ptr) {});
    p.ioc.run_for(20ms);
    CHECK_FALSE(unwound);
  }
  CHECK(unwound);
  CHECK_FALSE(returned);
}

TEST_CASE("ReadAvailable: a keep-alive request costs the server one recv, none that finds nothing") {
  luxtest::TestServer server([](lux::App& app) {
    app.Get("/hello", [](lux::Request&) { return lux::Respond(200, {{"message", "hello"}}); });
  }, 1);
  luxtest::Conn c(server.port());
  REQUIRE(c.ok());
  REQUIRE(c.Send(luxtest::Req("GET", "/hello")));
  REQUIRE(c.Read());
  ResetCounts(-1, c.fd());
  constexpr int kRequests = 50;
  for (int i = 0; i < kRequests; ++i) {
    REQUIRE(c.Send(luxtest::Req("GET", "/hello")));
    auto r = c.Read();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(g_calls == kRequests);
  CHECK(g_empty == 0);
  // Pipelined requests come from the buffer: one read for all three.
  ResetCounts(-1, c.fd());
  REQUIRE(c.Send(luxtest::Req("GET", "/hello") + luxtest::Req("GET", "/hello") + luxtest::Req("GET", "/hello")));
  for (int i = 0; i < 3; ++i) REQUIRE(c.Read());
  CHECK(g_calls == 1);
  ResetCounts(-1, -1);
}
