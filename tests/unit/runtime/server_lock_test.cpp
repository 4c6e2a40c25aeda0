// rt::WithLock, the lock behind `with_lock(fn() { ... })`: read-modify-write under it is exact
// from plain threads and from request fibers, a request waiting for it does not hold up its
// I/O thread (another request on the same thread is answered meanwhile), the lock goes to
// waiters in arrival order, it is reentrant, and an exception releases it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "lux/rt.h"
#include "test_http.h"

TEST_CASE("with_lock: threads doing read, yield, write under the lock lose no update") {
  int counter = 0;  // deliberately not atomic: the lock is all that protects it
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        lux::rt::WithLock([&] {
          int v = counter;
          std::this_thread::yield();
          counter = v + 1;
          return lux::Value();
        });
    });
  for (auto& t : threads) t.join();
  REQUIRE(counter == 4000);
}

TEST_CASE("with_lock: reentrant on the same thread, released by an exception, returns the value") {
  lux::Value v = lux::rt::WithLock([] { return lux::rt::WithLock([] { return lux::Value(int64_t{7}); }); });
  REQUIRE(v.AsInt() == 7);
  REQUIRE_THROWS(lux::rt::WithLock([]() -> lux::Value { throw std::runtime_error("boom"); }));
  std::atomic<bool> got{false};
  std::thread other([&] { lux::rt::WithLock([&] { got = true; return lux::Value(); }); });
  other.join();  // would hang if the exception had kept the lock
  REQUIRE(got.load());
}

TEST_CASE("with_lock: concurrent requests that wait inside the lock give exactly N increments, and "
          "requests waiting for the lock do not block their I/O thread") {
  std::atomic<int> counter{0};  // read and written apart: only the lock makes the increment exact
  std::atomic<bool> holding{false}, release{false};
  luxtest::TestServer server(
      [&](lux::App& app) {
        app.Get("/hold", [&](lux::Request&) {
          lux::rt::WithLock([&] {
            holding = true;
            while (!release.load()) lux::rt::Sleep(2);  // suspends the fiber, keeps the lock
            return lux::Value();
          });
          return lux::Text(200, "released");
        });
        app.Get("/inc", [&](lux::Request&) {
          lux::Value v = lux::rt::WithLock([&] {
            int before = counter.load();
            lux::rt::Sleep(2);  // other fibers run here; none may enter
            counter.store(before + 1);
            return lux::Value(int64_t{before + 1});
          });
          return lux::Text(200, std::to_string(v.AsInt()));
        });
        app.Get("/ping", [](lux::Request&) { return lux::Text(200, "pong"); });
      },
      1);  // one I/O thread: every request's fiber shares it
  std::thread holder([&] { luxtest::Call(server.port(), "GET", "/hold"); });
  while (!holding.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  constexpr int kN = 40;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kN; ++i)
    clients.emplace_back([&] {
      auto r = luxtest::Call(server.port(), "GET", "/inc");
      if (r && r->status == 200) ++ok;
    });
  // The lock is held until the test releases it: the ping is answered by the same I/O thread
  // while /hold and the /inc requests wait.
  auto ping = luxtest::Call(server.port(), "GET", "/ping");
  REQUIRE(ping);
  REQUIRE(ping->body == "pong");
  REQUIRE(counter.load() == 0);
  release = true;
  holder.join();
  for (auto& c : clients) c.join();
  REQUIRE(ok.load() == kN);
  REQUIRE(counter.load() == kN);
}
