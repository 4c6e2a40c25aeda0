// The realtime hub across replicas on a real redis-server: two hubs (two replicas of one
// program) linked through one pub/sub channel; a replica does not receive its own publishes
// twice; the link comes back after Redis restarts.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "realtime/hub.h"
#include "redis_test_util.h"

using lux::realtime::Hub;
using lux::realtime::HubOptions;

namespace {

class Recorder : public lux::realtime::Sink {
 public:
  void Deliver(std::shared_ptr<const std::string> payload, std::uint64_t) override {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(*payload);
  }
  std::vector<std::string> Got() {
    std::lock_guard<std::mutex> lock(mu);
    return got;
  }
  std::mutex mu;
  std::vector<std::string> got;
};

bool Eventually(const std::function<bool()>& f, int ms = 5000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

}  // namespace

TEST_CASE("realtime hub: a publish on one replica reaches the subscribers of another, once each", "[redis]") {
  luxtest::RedisServer redis;
  HubOptions o;
  o.adapter = "redis";
  o.url = redis.Url();
  o.channel = luxtest::UniquePrefix("rt");
  Hub a, b;
  a.StartLink(o, "app");
  b.StartLink(o, "app");
  REQUIRE(Eventually([&] { return a.LinkUp() && b.LinkUp(); }));
  CHECK(a.ReplicaId() != b.ReplicaId());
  auto on_a = std::make_shared<Recorder>(), on_b = std::make_shared<Recorder>();
  auto sa = a.Subscribe("orders", on_a);
  auto sb = b.Subscribe("orders", on_b);
  CHECK(b.Publish("orders", "from b") == 1);  // local delivery is direct
  REQUIRE(Eventually([&] { return on_a->Got().size() == 1; }));
  CHECK(on_a->Got()[0] == "from b");
  a.Publish("orders", std::string("bin\0ary\n", 8));
  REQUIRE(Eventually([&] { return on_b->Got().size() == 2; }));
  CHECK(on_b->Got()[1] == std::string("bin\0ary\n", 8));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // nothing more arrives
  CHECK(on_a->Got().size() == 2);  // its own publish once (locally), not again through Redis
  CHECK(on_b->Got().size() == 2);
  a.StopLink();
  b.StopLink();
}

TEST_CASE("realtime hub: the link reconnects after Redis restarts", "[redis]") {
  luxtest::RedisServer redis;
  HubOptions o;
  o.adapter = "redis";
  o.url = redis.Url();
  o.channel = luxtest::UniquePrefix("rt");
  Hub a, b;
  a.StartLink(o, "app");
  b.StartLink(o, "app");
  REQUIRE(Eventually([&] { return a.LinkUp() && b.LinkUp(); }));
  auto on_b = std::make_shared<Recorder>();
  auto sb = b.Subscribe("t", on_b);
  redis.Restart();
  REQUIRE(Eventually([&] { return a.LinkUp() && b.LinkUp(); }, 15000));
  // Publishes made while a's publisher has not noticed the restart may be lost: publish until
  // one arrives, then check that later ones all do.
  REQUIRE(Eventually([&] {
    a.Publish("t", "probe");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return !on_b->Got().empty();
  }, 15000));
  std::size_t base = on_b->Got().size();
  for (int i = 0; i < 5; ++i) a.Publish("t", "after " + std::to_string(i));
  REQUIRE(Eventually([&] { return on_b->Got().size() >= base + 5; }));
  CHECK(on_b->Got().back() == "after 4");
}

TEST_CASE("realtime hub: an unknown adapter or a bad URL is one startup error", "[redis]") {
  Hub h;
  HubOptions o;
  o.adapter = "kafka";
  CHECK_THROWS_WITH(h.StartLink(o, "app"), Catch::Contains("unknown adapter \"kafka\""));
  o.adapter = "redis";
  CHECK_THROWS_WITH(h.StartLink(o, "app"), Catch::Contains("needs a url"));
  o.url = "http://x";
  CHECK_THROWS_WITH(h.StartLink(o, "app"), Catch::Contains("realtime:"));
}
