// Circuit breakers shared by replicas through Redis (LUX_BREAKER_URL): two "replicas" (each a
// SharedBreakers over its own Breaker) on a real redis-server. One opening opens the other at
// once; both half-open together; a replica starting while the service is open starts open;
// a breaker that opened because another replica told it does not echo it back.
#include <catch2/catch.hpp>

#include <chrono>

#include "jobs_test_util.h"
#include "redis_test_util.h"
#include "services/shared_breakers.h"

using lux::services::Breaker;
using lux::services::SharedBreakers;

namespace {

std::int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("shared breakers: one replica opening opens the others - all half-open together", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("breaker");
  Breaker a("pay", 2, 600, 1, &SteadyMs);
  Breaker b("pay", 2, 600, 1, &SteadyMs);
  Breaker other("mail", 2, 600, 1, &SteadyMs);
  SharedBreakers ra(redis.Url(), prefix, {{"pay", &a}, {"mail", &other}});
  SharedBreakers rb(redis.Url(), prefix, {{"pay", &b}});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both subscribed
  REQUIRE(a.Allow());
  a.OnFailure();
  REQUIRE(a.Allow());
  a.OnFailure();  // threshold: A opens
  REQUIRE(a.state() == Breaker::State::kOpen);
  REQUIRE(luxtest::WaitFor([&] { return b.state() == Breaker::State::kOpen; }, 2000));
  REQUIRE_FALSE(b.Allow());  // rejected without having seen a failure itself
  REQUIRE(b.stats().failures == 0);
  REQUIRE(other.state() == Breaker::State::kClosed);  // another service: untouched
  REQUIRE(a.stats().times_opened == 1);               // B's opening did not come back to A
  REQUIRE(redis.Cmd({"PTTL", prefix + ":{breakers}:open:pay"}).AsInt() > 0);
  // A replica that starts now starts open.
  Breaker c("pay", 2, 600, 1, &SteadyMs);
  SharedBreakers rc(redis.Url(), prefix, {{"pay", &c}});
  REQUIRE(luxtest::WaitFor([&] { return c.state() == Breaker::State::kOpen; }, 2000));
  // All half-open when A's reset timeout ends (within scheduling noise).
  REQUIRE(luxtest::WaitFor([&] { return a.state() == Breaker::State::kHalfOpen; }, 2000));
  REQUIRE(luxtest::WaitFor([&] { return b.state() == Breaker::State::kHalfOpen; }, 300));
  REQUIRE(luxtest::WaitFor([&] { return c.state() == Breaker::State::kHalfOpen; }, 300));
  // Each closes on its own trial.
  REQUIRE(b.Allow());
  b.OnSuccess();
  REQUIRE(b.state() == Breaker::State::kClosed);
  REQUIRE(a.state() == Breaker::State::kHalfOpen);
  rc.Stop();
  rb.Stop();
  ra.Stop();
}
