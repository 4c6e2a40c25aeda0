// lux::testing (runtime/src/testing/): TestMain over a hand-written App — a route answered in
// process, a nightly cron and a job retried with backoff driven by the simulated clock, events
// recorded and delivered at drain, a fresh App per test, the exit status and --filter.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include "lux/events.h"
#include "lux/jobs.h"
#include "lux/rt.h"
#include "lux/testing.h"

namespace {

using lux::Value;

std::atomic<int> g_attempts{0};
std::atomic<int> g_delivered{0};

void Setup(lux::App& app) {
  app.Get("/hello", [](lux::Request&) { return lux::Respond(200, Value{{"msg", "hi"}}); });
  lux::JobOptions flaky;
  flaky.attempts = 3;
  flaky.backoff_ms = 1000;
  lux::RegisterJob(app, "flaky", flaky, [](const Value&) {
    if (++g_attempts < 3) throw lux::Error("not yet");
    lux::rt::Publish("done", Value{{"at", static_cast<long long>(lux::rt::NowMs())}});
  });
  lux::RegisterSchedule(app, "nightly", "0 3 * * *", {}, [] { lux::rt::Publish("nightly", Value()); });
  lux::RegisterSubscriber(app, "done", [](const Value&) { ++g_delivered; });
}

void Expect(bool cond, const char* what) {
  if (!cond) throw lux::testing::AssertionFailed(what);
}

Value RequestInProcess() {
  Value res = lux::testing::Request("GET", "/hello", nullptr, Value());
  Expect(res["status"] == Value(200), "status 200");
  Expect(res["json"]["msg"] == Value("hi"), "json body");
  Expect(res["headers"].Find("x-request-id") != nullptr, "request id header");
  Value missing = lux::testing::Request("GET", "/nope", nullptr, Value());
  Expect(missing["status"] == Value(404), "404 for an unknown route");
  Expect(missing["json"].Find("request_id") != nullptr, "the error shape");
  return Value();
}

Value NightlyCron() {
  Expect(lux::testing::ClockNow() == lux::testing::kClockStartMs, "each test starts at the same instant");
  lux::testing::AdvanceClock(2 * 3600 * 1000);
  Expect(lux::testing::Published("nightly").size() == 0, "no tick before 03:00");
  lux::testing::AdvanceClock(3600 * 1000);
  Expect(lux::testing::Published("nightly").size() == 1, "the 03:00 tick");
  lux::testing::AdvanceClock(6LL * 24 * 3600 * 1000);
  Expect(lux::testing::Published("nightly").size() == 7, "one tick a day");
  return Value();
}

Value RetriesWithBackoff() {
  g_attempts = 0;
  g_delivered = 0;
  lux::rt::SpawnJob("flaky", Value::MakeArray());
  Expect(lux::testing::DrainJobs() == 1, "the first attempt runs at once");
  Expect(g_attempts == 1, "one attempt");
  lux::testing::AdvanceClock(999);
  Expect(g_attempts == 1, "the retry waits its backoff");
  lux::testing::AdvanceClock(1);
  Expect(g_attempts == 2, "second attempt after 1 s");
  lux::testing::AdvanceClock(2000);
  Expect(g_attempts == 3, "third attempt 2 s later");
  Value done = lux::testing::Published("done");
  Expect(done.size() == 1 && done[0]["at"] == Value(static_cast<long long>(lux::testing::kClockStartMs + 3000)),
         "published at the simulated instant of the third attempt");
  Expect(g_delivered == 1, "the local subscriber ran at drain");
  return Value();
}

Value Fails() {
  Expect(false, "here: expected 1, found 2");
  return Value();
}

const lux::testing::TestCase kTests[] = {
    {"request in process", &RequestInProcess, "t.lux:1", 0},
    {"nightly cron", &NightlyCron, "t.lux:2", 0},
    {"retries with backoff", &RetriesWithBackoff, "t.lux:3", 0},
    {"fails always", &Fails, "t.lux:4", 0},
};

int Run(std::vector<std::string> args) {
  std::vector<char*> argv;
  static std::string name = "testing_test";
  argv.push_back(name.data());
  for (std::string& a : args) argv.push_back(a.data());
  return lux::testing::TestMain(static_cast<int>(argv.size()), argv.data(), "testing_test", &Setup, kTests,
                                sizeof kTests / sizeof kTests[0]);
}

}  // namespace

TEST_CASE("TestMain runs the passing tests and reports the failing one") {
  CHECK(Run({"--filter", "r"}) == 0);  // request, nightly cron, retries
  CHECK(Run({}) == 1);                 // and the failing one
  CHECK(Run({"--filter", "always"}) == 1);
  CHECK(Run({"--bogus"}) == 2);
}
