// The realtime hub and the per-connection outbox (runtime/src/realtime/): local fan-out, a
// publish that skips its own connection, unsubscribe when the handle goes, publishers on many
// threads, the outbox's bounds and drop-oldest policy, the process-wide byte gauge, and a
// fiber waiting on an outbox without holding up its I/O thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "realtime/hub.h"
#include "realtime/outbox.h"
#include "test_http.h"

using lux::realtime::Hub;
using lux::realtime::Outbox;
using lux::realtime::OutboxLimits;
using lux::realtime::Sink;

namespace {

// Records what it receives (thread-safe).
class Recorder : public Sink {
 public:
  explicit Recorder(std::uint64_t conn = 0) : conn_(conn) {}
  void Deliver(std::shared_ptr<const std::string> payload, std::uint64_t origin) override {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(*payload);
    origins.push_back(origin);
  }
  std::uint64_t ConnectionId() const override { return conn_; }
  std::vector<std::string> Got() {
    std::lock_guard<std::mutex> lock(mu);
    return got;
  }
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::uint64_t> origins;

 private:
  std::uint64_t conn_;
};

// Pushes into an outbox, as SSE and WebSocket connections do.
class OutboxSink : public Sink {
 public:
  explicit OutboxSink(Outbox& box) : box_(box) {}
  void Deliver(std::shared_ptr<const std::string> payload, std::uint64_t) override { box_.Push(std::move(payload)); }

 private:
  Outbox& box_;
};

auto P(const char* s) { return std::make_shared<const std::string>(s); }

}  // namespace

TEST_CASE("hub: a publish reaches every subscriber of its topic and no other", "[realtime]") {
  Hub hub;
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>(), c = std::make_shared<Recorder>();
  auto sa = hub.Subscribe("orders", a);
  auto sb = hub.Subscribe("orders", b);
  auto sc = hub.Subscribe("news", c);
  CHECK(hub.Count("orders") == 2);
  CHECK(hub.Count("nobody") == 0);
  CHECK(hub.Publish("orders", "o1") == 2);
  CHECK(hub.Publish("news", "n1") == 1);
  CHECK(hub.Publish("nobody", "x") == 0);
  CHECK(a->Got() == std::vector<std::string>{"o1"});
  CHECK(b->Got() == std::vector<std::string>{"o1"});
  CHECK(c->Got() == std::vector<std::string>{"n1"});
}

TEST_CASE("hub: except_connection skips the publishing connection's sink only", "[realtime]") {
  Hub hub;
  std::uint64_t me = lux::realtime::NextConnectionId(), other = lux::realtime::NextConnectionId();
  REQUIRE(me != 0);
  REQUIRE(me != other);
  auto mine = std::make_shared<Recorder>(me), theirs = std::make_shared<Recorder>(other);
  auto s1 = hub.Subscribe("room", mine);
  auto s2 = hub.Subscribe("room", theirs);
  CHECK(hub.Publish("room", "hello", me) == 1);
  CHECK(mine->Got().empty());
  REQUIRE(theirs->Got() == std::vector<std::string>{"hello"});
  CHECK(theirs->origins[0] == me);
  hub.Publish("room", "all");
  CHECK(mine->Got() == std::vector<std::string>{"all"});
}

TEST_CASE("hub: a subscription ends when its handle is destroyed, reset or moved over", "[realtime]") {
  Hub hub;
  auto a = std::make_shared<Recorder>();
  {
    auto s = hub.Subscribe("t", a);
    CHECK(s.active());
    CHECK(hub.Count("t") == 1);
  }
  CHECK(hub.Count("t") == 0);
  CHECK(hub.Publish("t", "x") == 0);
  CHECK(a->Got().empty());

  auto s = hub.Subscribe("t", a);
  auto moved = std::move(s);
  CHECK_FALSE(s.active());
  CHECK(hub.Count("t") == 1);
  moved = hub.Subscribe("u", a);  // the old one ends
  CHECK(hub.Count("t") == 0);
  CHECK(hub.Count("u") == 1);
  moved.Reset();
  CHECK(hub.Count("u") == 0);
}

TEST_CASE("hub: a subscription may outlive its hub", "[realtime]") {
  lux::realtime::Subscription s;
  {
    Hub hub;
    s = hub.Subscribe("t", std::make_shared<Recorder>());
  }
  s.Reset();  // no crash, nothing to remove
  CHECK_FALSE(s.active());
}

TEST_CASE("hub: publishers and subscribers on many threads at once", "[realtime]") {
  Hub hub;
  constexpr int kThreads = 8, kEach = 2000;
  auto steady = std::make_shared<Recorder>();
  auto keep = hub.Subscribe("t", steady);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        if (t % 2 == 0) {
          hub.Publish("t", std::to_string(t) + ":" + std::to_string(i));
        } else {
          auto churn = hub.Subscribe("t", std::make_shared<Recorder>());  // subscribe, unsubscribe
        }
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  // Every publish reached the steady subscriber exactly once, in each publisher's order.
  auto got = steady->Got();
  REQUIRE(got.size() == static_cast<std::size_t>(kThreads / 2 * kEach));
  std::vector<int> next(kThreads, 0);
  for (const std::string& g : got) {
    int t = std::stoi(g.substr(0, g.find(':')));
    int i = std::stoi(g.substr(g.find(':') + 1));
    CHECK(i == next[t]);
    next[t] = i + 1;
  }
  CHECK(hub.Count("t") == 1);
}

TEST_CASE("outbox: past max_events the oldest payloads are dropped and counted", "[realtime]") {
  Outbox box(OutboxLimits{3, 1 << 20});
  for (const char* s : {"1", "2", "3", "4", "5"}) CHECK(box.Push(P(s)));
  CHECK(box.size() == 3);
  CHECK(box.dropped() == 2);
  std::vector<Outbox::Payload> out;
  CHECK(box.TakeAll(out) == 3);
  REQUIRE(out.size() == 3);
  CHECK(*out[0] == "3");
  CHECK(*out[2] == "5");
  CHECK(box.size() == 0);
  CHECK(box.bytes() == 0);
}

TEST_CASE("outbox: past max_bytes the oldest payloads are dropped, and one oversized payload stays alone", "[realtime]") {
  Outbox box(OutboxLimits{100, 10});
  box.Push(P("aaaa"));
  box.Push(P("bbbb"));
  CHECK(box.bytes() == 8);
  box.Push(P("cccc"));  // 12 > 10: "aaaa" goes
  CHECK(box.bytes() == 8);
  CHECK(box.dropped() == 1);
  box.Push(P("0123456789ABCDEF"));  // larger than the bound: everything older goes
  CHECK(box.size() == 1);
  CHECK(box.bytes() == 16);
  CHECK(box.dropped() == 3);
}

TEST_CASE("outbox: the process-wide gauge counts queued bytes until taken or destroyed", "[realtime]") {
  std::int64_t before = Outbox::TotalBytes();
  std::uint64_t dropped_before = Outbox::TotalDropped();
  {
    Outbox a(OutboxLimits{1, 1 << 20}), b;
    a.Push(P("12345"));
    a.Push(P("123"));  // drops "12345"
    b.Push(P("1234567"));
    CHECK(Outbox::TotalBytes() - before == 10);
    CHECK(Outbox::TotalDropped() - dropped_before == 1);
    std::vector<Outbox::Payload> out;
    b.TakeAll(out);
    CHECK(Outbox::TotalBytes() - before == 3);
  }
  CHECK(Outbox::TotalBytes() == before);
}

TEST_CASE("outbox: Close refuses pushes and wakes a waiting thread, and Wait times out when idle", "[realtime]") {
  Outbox box;
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(box.Wait(t0 + std::chrono::milliseconds(50)));
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(50));
  auto waiting = std::async(std::launch::async, [&] { return box.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  box.Close();
  REQUIRE(waiting.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(waiting.get());
  CHECK_FALSE(box.Push(P("late")));
  CHECK(box.closed());
}

TEST_CASE("outbox: a hub publish from another thread wakes a thread waiting on it", "[realtime]") {
  Hub hub;
  Outbox box;
  auto sub = hub.Subscribe("t", std::make_shared<OutboxSink>(box));
  auto waiting = std::async(std::launch::async, [&] { return box.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  hub.Publish("t", "event");
  REQUIRE(waiting.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(waiting.get());
}

TEST_CASE("outbox: a connection fiber waiting on its outbox leaves its I/O thread free and wakes on a push",
          "[realtime]") {
  Outbox box;
  std::atomic<bool> waiting{false};
  // One I/O thread: if Wait blocked the thread, /ping could not be answered meanwhile.
  luxtest::TestServer server(
      [&](lux::App& app) {
        app.Get("/wait", [&](lux::Request&) {
          waiting = true;
          bool got = box.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(20));
          std::vector<Outbox::Payload> out;
          box.TakeAll(out);
          return lux::Respond(200, {{"got", got}, {"payload", out.empty() ? std::string() : *out[0]}});
        });
        app.Get("/ping", [](lux::Request&) { return lux::Respond(200, {{"ok", true}}); });
      },
      /*threads=*/1);
  auto waiter = std::async(std::launch::async, [&] { return luxtest::Call(server.port(), "GET", "/wait"); });
  while (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto ping = luxtest::Call(server.port(), "GET", "/ping");
  REQUIRE(ping);
  CHECK(ping->status == 200);
  CHECK(waiter.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready);
  std::thread([&] { box.Push(P("from another thread")); }).join();
  REQUIRE(waiter.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto r = waiter.get();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("\"got\":true") != std::string::npos);
  CHECK(r->body.find("from another thread") != std::string::npos);
}
