// Graceful stop in-process: in-flight requests finish, new connections are refused, idle
// keep-alive connections close, a connection accepted just before the stop still gets its first
// request answered, on_stop runs after the drain, the drain deadline holds.
#include <catch2/catch.hpp>

#include <future>

#include "test_http.h"

using luxtest::Conn;
using luxtest::Req;

namespace {

lux::App* MakeApp(std::vector<std::string>& events, std::mutex& mu) {
  auto* app = new lux::App("drain");
  app->options().host = "127.0.0.1";
  app->options().port = 0;
  app->options().threads = 2;
  app->options().log_level = lux::LogLevel::kOff;
  app->Get("/slow", [&](lux::Request& req) {
    std::int64_t ms = lux::ParseIntStrict(req.Query("ms").value_or("300")).value_or(300);
    lux::rt::Sleep(ms);
    std::lock_guard<std::mutex> l(mu);
    events.push_back("handler done");
    return lux::Respond(200, {{"slept", ms}});
  });
  app->Get("/fast", [](lux::Request&) { return lux::Respond(200, {{"ok", true}}); });
  app->OnStart([&] {
    std::lock_guard<std::mutex> l(mu);
    events.push_back("on_start");
  });
  app->OnStop([&] {
    std::lock_guard<std::mutex> l(mu);
    events.push_back("on_stop");
  });
  return app;
}

}  // namespace

TEST_CASE("shutdown drains in-flight requests, refuses new connections, then runs on_stop") {
  std::vector<std::string> events;
  std::mutex mu;
  std::unique_ptr<lux::App> app(MakeApp(events, mu));
  app->Start();
  std::uint16_t port = app->port();
  REQUIRE(events == std::vector<std::string>{"on_start"});

  Conn idle(port);  // keep-alive connection with nothing in flight
  idle.Send(Req("GET", "/fast"));
  REQUIRE(idle.Read()->status == 200);

  Conn busy(port);
  busy.Send(Req("GET", "/slow?ms=400"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the request is in its handler
  auto t0 = std::chrono::steady_clock::now();
  app->Shutdown();
  auto waiter = std::async(std::launch::async, [&] { app->Wait(); });

  // New connections are refused while the slow request is still running.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    if (luxtest::Connect(port) < 0) refused = true; else std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(refused);
  REQUIRE(idle.WaitClosed(1000));  // idle keep-alive connections are closed at once

  auto r = busy.Read(3000);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(r->Json()["slept"].AsInt() == 400);
  REQUIRE(r->Header("connection") == "close");
  REQUIRE(waiter.wait_for(std::chrono::seconds(3)) == std::future_status::ready);
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
  std::lock_guard<std::mutex> l(mu);
  REQUIRE(events == std::vector<std::string>{"on_start", "handler done", "on_stop"});
}

TEST_CASE("a connection accepted before the stop that sends its request during the drain is answered") {
  // A `luxc dev` swap: the old server accepted the connection from the shared queue, then got
  // SIGTERM before the client's request arrived. Its client has no reason to retry: answer it.
  std::vector<std::string> events;
  std::mutex mu;
  std::unique_ptr<lux::App> app(MakeApp(events, mu));
  app->Start();
  std::uint16_t port = app->port();
  Conn used(port);  // keep-alive, one request answered: closed at once by the stop
  used.Send(Req("GET", "/fast"));
  REQUIRE(used.Read()->status == 200);
  Conn fresh(port);  // accepted, nothing sent yet
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // accepted by the server
  auto t0 = std::chrono::steady_clock::now();
  app->Shutdown();
  auto waiter = std::async(std::launch::async, [&] { app->Wait(); });
  REQUIRE(used.WaitClosed(1000));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the request arrives late
  fresh.Send(Req("GET", "/fast"));
  auto r = fresh.Read(2000);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(r->Header("connection") == "close");
  REQUIRE(waiter.wait_for(std::chrono::seconds(3)) == std::future_status::ready);
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
}

TEST_CASE("a connection that sends nothing delays a stop by at most the grace for new connections") {
  std::vector<std::string> events;
  std::mutex mu;
  std::unique_ptr<lux::App> app(MakeApp(events, mu));
  app->Start();
  Conn silent(app->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  app->Shutdown();
  app->Wait();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(elapsed < std::chrono::milliseconds(2000));  // the grace is 1 s, the keep-alive timeout longer
  REQUIRE(silent.WaitClosed(1000));
}

TEST_CASE("the drain deadline bounds the wait for a stuck request") {
  std::vector<std::string> events;
  std::mutex mu;
  lux::App* app = MakeApp(events, mu);  // leaked on purpose: its fiber is abandoned mid-handler
  app->options().drain_timeout_ms = 200;
  app->Start();
  Conn busy(app->port());
  busy.Send(Req("GET", "/slow?ms=3000"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  app->Shutdown();
  app->Wait();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(elapsed >= std::chrono::milliseconds(200));
  REQUIRE(elapsed < std::chrono::milliseconds(1000));
  std::lock_guard<std::mutex> l(mu);
  REQUIRE(events == std::vector<std::string>{"on_start", "on_stop"});
}

TEST_CASE("Start reports a port in use as one StartupError") {
  std::vector<std::string> events;
  std::mutex mu;
  std::unique_ptr<lux::App> first(MakeApp(events, mu));
  first->Start();
  std::unique_ptr<lux::App> second(MakeApp(events, mu));
  second->options().port = first->port();
  REQUIRE_THROWS_WITH(second->Start(), "cannot listen on 127.0.0.1:" + std::to_string(first->port()) +
                                           ": address already in use");
}

TEST_CASE("after Wait returns the port is free: a new server listens on it at once") {
  // Shutdown posts the acceptor's close to an I/O thread; when the last connection closes
  // first, Wait used to stop that thread before the close ran and the port stayed taken.
  std::vector<std::string> events;
  std::mutex mu;
  for (int round = 0; round < 30; ++round) {
    std::unique_ptr<lux::App> first(MakeApp(events, mu));
    first->Start();
    std::uint16_t port = first->port();
    {
      Conn c(port);  // one idle keep-alive connection: the drain closes it right away
      REQUIRE(c.Send(Req("GET", "/fast")));
      REQUIRE(c.Read()->status == 200);
      first->Shutdown();
      first->Wait();
    }
    std::unique_ptr<lux::App> second(MakeApp(events, mu));
    second->options().port = port;
    INFO("round " << round);
    REQUIRE_NOTHROW(second->Start());
    second->Shutdown();
    second->Wait();
  }
}

TEST_CASE("a failing on_start is a StartupError and no request is served") {
  lux::App app("failing");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().threads = 1;
  app.options().log_level = lux::LogLevel::kOff;
  bool served = false;
  app.Get("/x", [&](lux::Request&) {
    served = true;
    return lux::Respond(200, nullptr);
  });
  bool stopped = false;
  app.OnStart([] { throw std::runtime_error("migrations failed"); });
  app.OnStop([&] { stopped = true; });
  REQUIRE_THROWS_WITH(app.Start(), "on_start failed: migrations failed");
  app.Shutdown();
  app.Wait();
  REQUIRE_FALSE(served);
  REQUIRE_FALSE(stopped);  // on_stop pairs with a successful start only
}
