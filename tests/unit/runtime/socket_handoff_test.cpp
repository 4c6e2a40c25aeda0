// Socket activation and readiness (what `luxc dev` swaps processes with): a server adopts the
// listening socket named by LUX_LISTEN_FD instead of binding, reports readiness on
// LUX_READY_FD, and a connection made after it stopped accepting is not refused but waits in
// the shared socket's backlog for the next server.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "test_http.h"

using luxtest::Call;
using luxtest::Conn;

namespace {

int ListeningSocket(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 128) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

void Serve(lux::App& app, const char* answer) {
  app.options().threads = 1;
  app.options().log_level = lux::LogLevel::kOff;
  app.options().handle_signals = false;
  std::string text = answer;
  app.Get("/which", [text](lux::Request&) { return lux::Respond(200, lux::Value(text)); });
}

}  // namespace

TEST_CASE("LUX_LISTEN_FD: the server adopts the socket, reports readiness, and hands queued connections on") {
  std::uint16_t port = 0;
  int listener = ListeningSocket(port);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);

  // The first server takes a duplicate (the parent keeps its own copy, as luxc dev does).
  ::setenv("LUX_LISTEN_FD", std::to_string(::dup(listener)).c_str(), 1);
  ::setenv("LUX_READY_FD", std::to_string(ready[1]).c_str(), 1);
  auto first = std::make_unique<lux::App>("first");
  Serve(*first, "first");
  first->options().port = 1;  // ignored: the inherited socket wins
  first->Start();
  CHECK(std::getenv("LUX_LISTEN_FD") == nullptr);  // not passed on to the server's children
  CHECK(first->port() == port);
  char buf[64] = {};
  ssize_t n = ::read(ready[0], buf, sizeof buf - 1);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "ready " + std::to_string(port) + "\n");
  auto r = Call(port, "GET", "/which");
  REQUIRE(r);
  CHECK(r->body == "\"first\"");

  first->Shutdown();
  first->Wait();
  first.reset();

  // Between the two servers: the connection is accepted into the backlog, not refused.
  Conn waiting(port);
  REQUIRE(waiting.ok());
  REQUIRE(waiting.Send("GET /which HTTP/1.1\r\nHost: x\r\n\r\n"));

  ::setenv("LUX_LISTEN_FD", std::to_string(::dup(listener)).c_str(), 1);
  lux::App second("second");
  Serve(second, "second");
  second.Start();
  auto queued = waiting.Read(5000);
  REQUIRE(queued);
  CHECK(queued->status == 200);
  CHECK(queued->body == "\"second\"");
  second.Shutdown();
  second.Wait();
  ::close(listener);
  ::close(ready[0]);
}

TEST_CASE("LUX_LISTEN_FD that is not an open descriptor is ignored: the server binds its port") {
  ::setenv("LUX_LISTEN_FD", "987", 1);
  lux::App app("bind");
  Serve(app, "bound");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.Start();
  CHECK(app.port() != 0);
  auto r = Call(app.port(), "GET", "/which");
  REQUIRE(r);
  CHECK(r->body == "\"bound\"");
  app.Shutdown();
  app.Wait();
}
