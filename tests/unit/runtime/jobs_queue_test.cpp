// The worker pool with an injected clock and jitter: backoff delays (exponential 1x, 2x, 4x
// capped; fixed), dead letter after the last attempt, a timed-out attempt counted as failed
// while the pool keeps running other jobs, failure logs with job id / attempt / request id,
// rt::RequestId() inside a job, and stored jobs whose handler is gone.
#include <catch2/catch.hpp>

#include <atomic>

#include "core/ids.h"
#include "jobs/queue.h"
#include "jobs/registry.h"
#include "jobs_test_util.h"
#include "lux/jobs.h"
#include "lux/rt.h"
#include "test_http.h"

using lux::jobs::BackoffDelayMs;
using lux::jobs::JobQueue;
using lux::jobs::ManualClock;
using lux::jobs::StoredJob;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // a fixed manual start time

StoredJob NewJob(const std::string& name, const lux::JobOptions& o, std::int64_t now, const std::string& request_id = "",
                 const std::string& args = "[]") {
  StoredJob j;
  j.id = lux::core::NewRequestId();
  j.name = name;
  j.args_json = args;
  j.max_attempts = o.attempts;
  j.priority = o.priority;
  j.run_at_ms = now;
  j.created_at_ms = now;
  j.request_id = request_id;
  return j;
}

}  // namespace

TEST_CASE("backoff delays: exponential doubles and is capped, fixed stays, jitter scales") {
  lux::JobOptions o;
  o.backoff_ms = 1000;
  REQUIRE(BackoffDelayMs(o, 1, 1.0) == 1000);
  REQUIRE(BackoffDelayMs(o, 2, 1.0) == 2000);
  REQUIRE(BackoffDelayMs(o, 3, 1.0) == 4000);
  REQUIRE(BackoffDelayMs(o, 12, 1.0) == 2'048'000);
  REQUIRE(BackoffDelayMs(o, 13, 1.0) == lux::kMaxBackoffMs);  // 4096 s > 1 h
  REQUIRE(BackoffDelayMs(o, 99, 1.2) == lux::kMaxBackoffMs);  // jitter never passes the cap
  REQUIRE(BackoffDelayMs(o, 2, 0.8) == 1600);
  REQUIRE(BackoffDelayMs(o, 2, 1.2) == 2400);
  o.backoff = lux::Backoff::kFixed;
  REQUIRE(BackoffDelayMs(o, 1, 1.0) == 1000);
  REQUIRE(BackoffDelayMs(o, 7, 1.0) == 1000);
  REQUIRE(BackoffDelayMs(o, 7, 0.8) == 800);
  o.backoff_ms = 0;
  REQUIRE(BackoffDelayMs(o, 3, 1.2) == 0);
}

TEST_CASE("a failing job is retried at the computed times, then dead-lettered, failures are logged") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  bool fixed = GENERATE(false, true);
  lux::JobOptions o;
  o.attempts = 3;
  o.backoff_ms = 1000;
  o.backoff = fixed ? lux::Backoff::kFixed : lux::Backoff::kExponential;
  std::atomic<int> calls{0};
  lux::jobs::JobRegistry reg;
  reg["flaky"] = {"flaky", o, [&](const lux::Value& args) {
                    ++calls;
                    if (args[0].AsString() != "x") throw std::runtime_error("wrong args");
                    throw std::runtime_error("boom " + std::to_string(calls.load()));
                  }};
  double jitter = fixed ? 0.8 : 1.0;
  JobQueue q(*store, reg, {2, &clock, [jitter] { return jitter; }});
  StoredJob j = NewJob("flaky", o, kT0, "req-42", R"(["x"])");
  store->Enqueue(j);
  q.Start();

  auto wait_attempt = [&](int n) {
    return luxtest::WaitFor([&] {
      auto f = store->Find(j.id);
      return f && f->attempts == n && f->state != "running" && calls.load() == n;
    });
  };
  REQUIRE(wait_attempt(1));
  std::int64_t first = store->Find(j.id)->run_at_ms - clock.NowMs();
  clock.Advance(first - 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(calls.load() == 1);  // not before its time
  clock.Advance(1);
  REQUIRE(wait_attempt(2));
  std::int64_t second = store->Find(j.id)->run_at_ms - clock.NowMs();
  clock.Advance(second);
  REQUIRE(luxtest::WaitFor([&] { return store->Find(j.id)->state == "dead"; }));
  REQUIRE(calls.load() == 3);
  if (fixed) {
    REQUIRE(first == 800);
    REQUIRE(second == 800);
  } else {
    REQUIRE(first == 1000);
    REQUIRE(second == 2000);
  }
  auto dead = store->Find(j.id);
  REQUIRE(dead->last_error == "boom 3");
  REQUIRE(dead->attempts == 3);
  q.Stop(std::chrono::steady_clock::now());
  std::string text = log.Text();
  REQUIRE(text.find("msg=\"job failed; will retry\" job_id=" + j.id + " job=flaky attempt=1 max_attempts=3 error=\"boom 1\"") !=
          std::string::npos);
  REQUIRE(text.find("attempt=2") != std::string::npos);
  REQUIRE(text.find("msg=\"job failed; moved to the dead letter\" job_id=" + j.id + " job=flaky attempt=3") !=
          std::string::npos);
  REQUIRE(text.find("request_id=req-42") != std::string::npos);
}

TEST_CASE("an attempt over its timeout is failed and replaced, the pool keeps running jobs") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  lux::JobOptions slow;
  slow.attempts = 2;
  slow.backoff_ms = 0;
  slow.timeout_ms = 1000;
  std::atomic<int> slow_calls{0};
  std::atomic<bool> release{false};
  std::atomic<int> quick_calls{0};
  lux::jobs::JobRegistry reg;
  reg["slow"] = {"slow", slow, [&](const lux::Value&) {
                   if (++slow_calls == 1)
                     while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                 }};
  reg["quick"] = {"quick", lux::JobOptions{}, [&](const lux::Value&) { ++quick_calls; }};
  JobQueue q(*store, reg, {1, &clock, [] { return 1.0; }});  // ONE worker: the stuck one
  StoredJob j = NewJob("slow", slow, kT0, "req-slow");
  store->Enqueue(j);
  q.Start();
  REQUIRE(luxtest::WaitFor([&] { return slow_calls.load() == 1; }));
  store->Enqueue(NewJob("quick", lux::JobOptions{}, kT0));
  q.Poke();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(quick_calls.load() == 0);  // the only worker is busy
  clock.Advance(1000);               // the attempt's deadline
  // The replacement worker runs the retry (backoff 0) and the quick job.
  REQUIRE(luxtest::WaitFor([&] { return slow_calls.load() == 2 && quick_calls.load() == 1; }));
  REQUIRE(luxtest::WaitFor([&] { return store->Counts(clock.NowMs()).completed == 2; }));
  release = true;  // the stuck attempt ends now; its success is discarded
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(store->Counts(clock.NowMs()).completed == 2);
  REQUIRE(q.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2)) == 0);
  std::string text = log.Text();
  REQUIRE(text.find("job_id=" + j.id + " job=slow attempt=1 max_attempts=2 error=\"timed out after 1000 ms\"") !=
          std::string::npos);
  REQUIRE(text.find("request_id=req-slow") != std::string::npos);
}

TEST_CASE("rt::RequestId() inside a job is the spawning request's id") {
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::mutex mu;
  std::vector<std::string> seen;
  lux::jobs::JobRegistry reg;
  reg["who"] = {"who", lux::JobOptions{}, [&](const lux::Value&) {
                  std::lock_guard<std::mutex> lock(mu);
                  seen.push_back(lux::rt::RequestId());
                  lux::rt::Sleep(1);  // blocks the worker thread: fine outside fibers
                }};
  JobQueue q(*store, reg, {2, &clock, {}});
  store->Enqueue(NewJob("who", lux::JobOptions{}, kT0, "req-a"));
  store->Enqueue(NewJob("who", lux::JobOptions{}, kT0, ""));
  q.Start();
  REQUIRE(luxtest::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size() == 2;
  }));
  q.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen == std::vector<std::string>{"", "req-a"});
  REQUIRE(lux::rt::RequestId().empty());  // not leaked to other threads
}

TEST_CASE("spawn_job in a real App: handler args, request id of the route, unknown names, ghosts left alone") {
  luxtest::TempDir dir;
  std::string path = dir.File("app.jobs.db");
  {
    auto store = lux::jobs::OpenSqliteStore(path);
    store->Enqueue(NewJob("removed_job", lux::JobOptions{}, 0));  // its handler no longer exists
  }
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  std::mutex mu;
  std::vector<std::string> got;
  {
    luxtest::TestServer srv([&](lux::App& app) {
      app.options().log_level = lux::LogLevel::kInfo;
      lux::Jobs(app).path = path;
      lux::RegisterJob(app, "greet", {}, [&](const lux::Value& args) {
        std::lock_guard<std::mutex> lock(mu);
        got.push_back(args[0].AsString() + "/" + lux::rt::RequestId());
      });
      app.Post("/spawn", [](lux::Request& req) {
        lux::Value args = lux::Value::MakeArray();
        args.PushBack(req.Body());
        std::string id = lux::rt::SpawnJob("greet", args);
        return lux::Respond(202, {{"id", id}});
      });
      app.Get("/bad", [](lux::Request&) -> lux::Response {
        lux::rt::SpawnJob("nope", lux::Value::MakeArray());
        return lux::Respond(200, "unreachable");
      });
    });
    auto r = luxtest::Call(srv.port(), "POST", "/spawn", "\"ada\"", "Content-Type: application/json\r\nX-Request-Id: rq-7\r\n");
    REQUIRE(r->status == 202);
    REQUIRE(r->Json()["id"].AsString().size() == 36);
    REQUIRE(luxtest::WaitFor([&] {
      std::lock_guard<std::mutex> lock(mu);
      return got.size() == 1;
    }));
    REQUIRE(got[0] == "ada/rq-7");
    REQUIRE(luxtest::Call(srv.port(), "GET", "/bad")->status == 500);
    lux::SpawnOptions far;
    far.delay_ms = lux::jobs::kMaxJobDelayMs + 1;  // past the limit: refused, no overflow
    REQUIRE_THROWS_WITH(lux::rt::SpawnJob("greet", lux::Value::MakeArray(), far), Catch::Contains("ten years"));
    far.delay_ms = lux::jobs::kMaxJobDelayMs;  // at the limit: stored, waits
    REQUIRE(lux::rt::SpawnJob("greet", lux::Value::MakeArray(), far).size() == 36);
  }
  std::string text = log.Text();
  REQUIRE(text.find("spawn_job: unknown job `nope` (registered: greet)") != std::string::npos);
  REQUIRE(text.find("msg=\"stored jobs have no handler in this program; left in the store\" job=removed_job count=1") !=
          std::string::npos);
  auto store = lux::jobs::OpenSqliteStore(path);
  lux::jobs::JobCounts c = store->Counts(luxtest::NowMs());
  REQUIRE(c.pending == 1);  // the ghost, untouched
  REQUIRE(c.scheduled == 1);  // the one delayed by ten years
  REQUIRE(c.completed == 1);
  REQUIRE_THROWS_WITH(lux::rt::SpawnJob("greet", lux::Value::MakeArray()),
                      Catch::Contains("no App with jobs is running"));
}

TEST_CASE("registration rejects bad options, duplicates and bad cron") {
  lux::App app("reg");
  lux::RegisterJob(app, "a", {}, [](const lux::Value&) {});
  REQUIRE_THROWS_AS(lux::RegisterJob(app, "a", {}, [](const lux::Value&) {}), std::invalid_argument);
  lux::JobOptions bad;
  bad.attempts = lux::kMaxJobAttempts + 1;
  REQUIRE_THROWS_AS(lux::RegisterJob(app, "b", bad, [](const lux::Value&) {}), std::invalid_argument);
  bad.attempts = 0;
  REQUIRE_THROWS_AS(lux::RegisterJob(app, "b", bad, [](const lux::Value&) {}), std::invalid_argument);
  REQUIRE_THROWS_WITH(lux::RegisterSchedule(app, "s", "61 * * * *", {}, [] {}), Catch::Contains("invalid cron"));
  REQUIRE_THROWS_WITH(lux::RegisterSchedule(app, "s", "0 0 30 2 *", {}, [] {}), Catch::Contains("schedule `s`"));
  lux::ScheduleOptions tz;
  tz.tz = "Mars/Olympus";
  REQUIRE_THROWS_WITH(lux::RegisterSchedule(app, "s", "0 9 * * *", tz, [] {}), Catch::Contains("unknown time zone"));
  tz.tz = "Europe/Berlin";
  lux::RegisterSchedule(app, "s", "0 9 * * 1-5", tz, [] {});
  REQUIRE_THROWS_AS(lux::RegisterSchedule(app, "s", "0 9 * * *", {}, [] {}), std::invalid_argument);
  REQUIRE_THROWS_AS(lux::RegisterEvery(app, "e", 1, {}, [] {}), std::invalid_argument);
  lux::RegisterEvery(app, "e", 1000, {}, [] {});
}
