// MessageReader and writeMessage over a pipe: framing, several messages in one read, headers in
// any case and with Content-Type, a message split across writes, bad and truncated input.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <string>
#include <thread>

#include "lsp/transport.h"

using lux::lsp::MessageReader;

namespace {

struct Pipe {
  int fds[2];
  Pipe() { REQUIRE(pipe(fds) == 0); }
  ~Pipe() {
    close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
  }
  void write(const std::string& s) { REQUIRE(::write(fds[1], s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
  void closeWrite() {
    close(fds[1]);
    fds[1] = -1;
  }
};

}  // namespace

TEST_CASE("framed messages are read one by one", "[transport]") {
  Pipe p;
  REQUIRE(lux::lsp::writeMessage(p.fds[1], "{\"a\":1}"));
  p.write("content-length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"b\":2}");
  p.closeWrite();
  MessageReader r(p.fds[0]);
  CHECK(r.next() == std::optional<std::string>("{\"a\":1}"));
  CHECK(r.next() == std::optional<std::string>("{\"b\":2}"));
  CHECK_FALSE(r.next().has_value());
  CHECK(r.error().empty());  // a clean end of input
}

TEST_CASE("a message split across writes is put together", "[transport]") {
  Pipe p;
  std::thread writer([&] {
    p.write("Content-Len");
    p.write("gth: 10\r\n");
    p.write("\r\n{\"x\":");
    p.write("\"yz\"}");
    p.closeWrite();
  });
  MessageReader r(p.fds[0]);
  auto m = r.next();
  writer.join();
  CHECK(m == std::optional<std::string>("{\"x\":\"yz\"}"));
}

TEST_CASE("bad framing ends the input with a reason", "[transport]") {
  SECTION("a bad length") {
    Pipe p;
    p.write("Content-Length: lots\r\n\r\n{}");
    p.closeWrite();
    MessageReader r(p.fds[0]);
    CHECK_FALSE(r.next().has_value());
    CHECK(r.error().find("Content-Length") != std::string::npos);
  }
  SECTION("a length over the limit") {
    Pipe p;
    p.write("Content-Length: 99999999999\r\n\r\n");
    p.closeWrite();
    MessageReader r(p.fds[0]);
    CHECK_FALSE(r.next().has_value());
    CHECK_FALSE(r.error().empty());
  }
  SECTION("a truncated body") {
    Pipe p;
    p.write("Content-Length: 50\r\n\r\n{\"short\":1}");
    p.closeWrite();
    MessageReader r(p.fds[0]);
    CHECK_FALSE(r.next().has_value());
    CHECK(r.error().find("body") != std::string::npos);
  }
}
