// The Redis client itself (src/redis/client.cpp) on a real redis-server: a command sent from a
// request's fiber suspends that fiber, not the I/O thread; a reply that does not come within
// the timeout is an I/O error that leaves the connection unusable (and the pool retries once on
// a fresh one).
#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "redis/client.h"
#include "redis_test_util.h"
#include "test_http.h"

using Clock = std::chrono::steady_clock;

namespace {

std::int64_t MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("redis client: a request waiting on Redis does not hold up the other requests of its I/O thread", "[redis]") {
  luxtest::RedisServer redis;
  lux::redis::Pool pool(lux::redis::ParseUrl(redis.Url()), 5000);
  std::string key = luxtest::UniquePrefix("client") + ":empty";
  // One I/O thread: without the fiber-aware wait, /ping could only run after BLPOP returned.
  luxtest::TestServer server(
      [&](lux::App& app) {
        app.Get("/block", [&](lux::Request&) {
          lux::redis::Reply r = pool.Command({"BLPOP", key, "1"});  // nothing to pop: waits 1 s
          return lux::Respond(200, {{"nil", r.IsNil()}});
        });
        app.Get("/ping", [](lux::Request&) { return lux::Respond(200, {{"ok", true}}); });
      },
      /*threads=*/1);
  auto t0 = Clock::now();
  auto blocked = std::async(std::launch::async, [&] { return luxtest::Call(server.port(), "GET", "/block"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // BLPOP is waiting in Redis now
  auto t_ping = Clock::now();
  auto ping = luxtest::Call(server.port(), "GET", "/ping");
  std::int64_t ping_ms = MsSince(t_ping);
  REQUIRE(ping);
  REQUIRE(ping->status == 200);
  auto b = blocked.get();
  std::int64_t block_ms = MsSince(t0);
  REQUIRE(b);
  REQUIRE(b->status == 200);
  REQUIRE(b->Json()["nil"].AsBool());
  INFO("ping " << ping_ms << " ms while BLPOP waited; BLPOP request " << block_ms << " ms");
  REQUIRE(block_ms >= 900);
  REQUIRE(ping_ms < 500);  // answered while the other request waited on Redis
}

TEST_CASE("redis client: no reply within the timeout is an I/O error and breaks the connection", "[redis]") {
  luxtest::RedisServer redis;
  auto url = lux::redis::ParseUrl(redis.Url());
  std::string key = luxtest::UniquePrefix("client") + ":empty";
  auto c = lux::redis::Connection::Open(url, 200);
  REQUIRE(c->Command({"PING"}).AsString() == "PONG");
  auto t0 = Clock::now();
  try {
    c->Command({"BLPOP", key, "2"});
    FAIL("no throw");
  } catch (const lux::redis::RedisError& e) {
    REQUIRE(e.io());
    REQUIRE_THAT(e.what(), Catch::Contains("BLPOP: no answer within 200 ms"));
  }
  std::int64_t waited = MsSince(t0);
  REQUIRE(waited >= 190);
  REQUIRE(waited < 1500);
  REQUIRE(c->broken());
  REQUIRE_THROWS_WITH(c->Command({"PING"}), Catch::Contains("connection is broken"));
  // An error reply is not an I/O error: the connection stays usable.
  try {
    c = lux::redis::Connection::Open(url, 200);
    c->Command({"NOSUCHCOMMAND"});
    FAIL("no throw");
  } catch (const lux::redis::RedisError& e) {
    REQUIRE_FALSE(e.io());
  }
  REQUIRE_FALSE(c->broken());
  REQUIRE(c->Command({"PING"}).AsString() == "PONG");
  // Pipelined replies come back in order, large values included (several reads).
  std::string big(300000, 'x');
  auto replies = c->Pipeline({{"SET", key + ":big", big}, {"GET", key + ":big"}, {"STRLEN", key + ":big"}});
  REQUIRE(replies.size() == 3);
  REQUIRE(replies[1].AsString() == big);
  REQUIRE(replies[2].AsInt() == 300000);
}
