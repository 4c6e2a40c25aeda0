// The scheduler: with an injected clock (overlap skipped, a failing task keeps its schedule,
// missed-run policy from a stored last-fire time, run_on_start) and in a real App (a 1-second
// `* * * * * *` schedule fires on time, LUX_SCHEDULER_ENABLED=false, the admin routes with and
// without a token, manual trigger and 409 on overlap).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

#include "jobs/jobs_state.h"
#include "jobs/scheduler.h"
#include "jobs_test_util.h"
#include "lux/jobs.h"
#include "server/app_impl.h"
#include "test_http.h"

using lux::jobs::ManualClock;
using lux::jobs::ScheduleDef;
using lux::jobs::Scheduler;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'500;  // half a second past a whole second

ScheduleDef Cron(const std::string& name, const std::string& cron, lux::Hook task, lux::ScheduleOptions o = {}) {
  ScheduleDef d;
  d.name = name;
  auto parsed = lux::cron::parseCron(cron);
  REQUIRE(parsed.ok());
  d.cron_text = cron;
  d.spec = parsed.spec;
  d.description = lux::cron::describeCron(*d.spec);
  d.zone = lux::cron::loadZone(o.tz);
  d.options = o;
  d.task = std::move(task);
  return d;
}

}  // namespace

TEST_CASE("NextFireMs: cron in whole seconds after the given instant, intervals add") {
  auto d = Cron("s", "* * * * * *", [] {});
  REQUIRE(lux::jobs::NextFireMs(d, 1000) == 2000);
  REQUIRE(lux::jobs::NextFireMs(d, 1999) == 2000);
  auto m = Cron("m", "0 * * * *", [] {});
  REQUIRE(lux::jobs::NextFireMs(m, 0) == 3'600'000);
  ScheduleDef every;
  every.interval_ms = 250;
  REQUIRE(lux::jobs::NextFireMs(every, 1000) == 1250);
}

TEST_CASE("a tick while the previous run is still running is skipped (overlap: skip) and logged") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  std::vector<ScheduleDef> defs{Cron("tick", "* * * * * *", [&] {
    ++runs;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  })};
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  clock.Advance(500);  // the next whole second
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 1; }));
  clock.Advance(1000);
  REQUIRE(luxtest::WaitFor([&] { return sch.StatsOf("tick").skipped == 1; }));
  REQUIRE(runs.load() == 1);
  REQUIRE(sch.Trigger("tick") == Scheduler::TriggerResult::kBusy);
  REQUIRE(sch.Trigger("nope") == Scheduler::TriggerResult::kUnknown);
  release = true;
  REQUIRE(luxtest::WaitFor([&] { return sch.StatsOf("tick").finished == 1; }));
  clock.Advance(1000);
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 2; }));
  REQUIRE(sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2)) == 0);
  REQUIRE(log.Has("msg=\"scheduled run skipped: the previous run is still running\" schedule=tick trigger=schedule"));
  REQUIRE(log.Has("msg=schedule schedule=tick cron=\"* * * * * *\" tz=UTC"));
  REQUIRE(*store->LastFire("tick") == kT0 + 2500);
}

TEST_CASE("overlap: allow runs ticks side by side") {
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  lux::ScheduleOptions o;
  o.overlap = lux::Overlap::kAllow;
  std::vector<ScheduleDef> defs{Cron("tick", "* * * * * *", [&] {
    ++runs;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }, o)};
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  clock.Advance(500);
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 1; }));
  clock.Advance(1000);
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 2; }));
  release = true;
  REQUIRE(sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2)) == 0);
}

TEST_CASE("a failing task is logged and its schedule keeps going") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<int> runs{0};
  std::vector<ScheduleDef> defs{Cron("bad", "* * * * * *", [&] {
    ++runs;
    throw std::runtime_error("disk full");
  })};
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  for (int i = 1; i <= 3; ++i) {
    clock.Advance(i == 1 ? 500 : 1000);
    REQUIRE(luxtest::WaitFor([&] { return sch.StatsOf("bad").failed == i; }));
  }
  REQUIRE(runs.load() == 3);
  sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  REQUIRE(log.Has("msg=\"scheduled task failed\" schedule=bad trigger=schedule error=\"disk full\""));
}

TEST_CASE("missed runs from the stored last fire time: skip by default, run once with kRunOnce") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<int> skip_runs{0}, once_runs{0}, fresh_runs{0}, new_runs{0}, every_runs{0};
  lux::ScheduleOptions once;
  once.missed = lux::Missed::kRunOnce;
  std::vector<ScheduleDef> defs{
      Cron("skipper", "0 * * * * *", [&] { ++skip_runs; }),
      Cron("catcher", "0 * * * * *", [&] { ++once_runs; }, once),
      Cron("fresh", "0 * * * * *", [&] { ++fresh_runs; }, once),  // last fire recent: nothing missed
      Cron("brand_new", "0 * * * * *", [&] { ++new_runs; }, once),  // no record: nothing missed
  };
  ScheduleDef every;
  every.name = "every";
  every.interval_ms = 60'000;
  every.options = once;
  every.task = [&] { ++every_runs; };
  every.description = "every 60000 ms";
  defs.push_back(every);
  store->SetLastFire("skipper", kT0 - 3 * 3'600'000);  // three hours ago: ~180 ticks missed
  store->SetLastFire("catcher", kT0 - 3 * 3'600'000);
  store->SetLastFire("fresh", kT0 - 1000);  // the last tick passed 0.5 s before it... none since
  store->SetLastFire("every", kT0 - 61'000);
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  REQUIRE(luxtest::WaitFor([&] { return once_runs.load() == 1 && every_runs.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(skip_runs.load() == 0);
  REQUIRE(once_runs.load() == 1);  // once, not 180 times
  REQUIRE(fresh_runs.load() == 0);
  REQUIRE(new_runs.load() == 0);
  REQUIRE(*store->LastFire("brand_new") == kT0);  // the reference for the next start
  REQUIRE(*store->LastFire("skipper") == kT0);
  sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  REQUIRE(log.Has("msg=\"missed scheduled runs while stopped; skipped\" schedule=skipper"));
  REQUIRE(log.Has("msg=\"missed scheduled run while stopped; running once now\" schedule=catcher"));
}

TEST_CASE("run_on_start runs once right after start, intervals keep their cadence") {
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<int> runs{0};
  ScheduleDef every;
  every.name = "warm";
  every.interval_ms = 5000;
  every.options.run_on_start = true;
  every.task = [&] { ++runs; };
  std::vector<ScheduleDef> defs{every};
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  // The start-up run ended in the scheduler's books, not only counted by the task: otherwise
  // the tick below could find it still running and skip (overlap: skip).
  REQUIRE(luxtest::WaitFor([&] { return sch.StatsOf("warm").finished == 1; }));
  REQUIRE(runs.load() == 1);
  auto info = sch.Describe();
  REQUIRE(info.size() == 1);
  REQUIRE(*info[0].next_fire_ms == kT0 + 5000);
  clock.Advance(4999);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(runs.load() == 1);
  clock.Advance(1);
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 2; }));
  REQUIRE(*sch.Describe()[0].next_fire_ms == kT0 + 10'000);
  sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(1));
}

TEST_CASE("a 1-second cron schedule fires on time in a real App (firing delay printed)") {
  std::mutex mu;
  std::vector<std::int64_t> wall_delays;
  luxtest::TestServer srv([&](lux::App& app) {
    lux::Jobs(app).path = ":memory:";
    lux::RegisterSchedule(app, "every_second", "* * * * * *", {}, [&] {
      std::int64_t now = luxtest::NowMs();
      std::lock_guard<std::mutex> lock(mu);
      wall_delays.push_back(now % 1000);  // fires at whole seconds: the remainder is the delay
    });
  });
  REQUIRE(luxtest::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return wall_delays.size() >= 3;
  }, 5000));
  auto stats = lux::jobs::FindState(srv.app)->scheduler->StatsOf("every_second");
  srv.Stop();
  std::vector<std::int64_t> d = wall_delays;
  std::sort(d.begin(), d.end());
  std::int64_t median = d[d.size() / 2];
  WARN("1-second schedule: " << d.size() << " runs, delay from the whole second (ms) median " << median << ", max "
                             << d.back() << "; scheduler-measured tick delays " << stats.delays_ms.size());
  REQUIRE(median < 100);  // the target is < 10 ms; a loaded 2-core machine gets slack here
}

TEST_CASE("LUX_SCHEDULER_ENABLED=false: no ticks, no run_on_start, manual runs still work") {
  ::setenv("LUX_SCHEDULER_ENABLED", "false", 1);
  std::atomic<int> runs{0};
  {
    luxtest::TestServer srv([&](lux::App& app) {
      lux::Jobs(app).path = ":memory:";
      lux::Jobs(app).admin_token = "tok";
      lux::ScheduleOptions o;
      o.run_on_start = true;
      lux::RegisterSchedule(app, "tick", "* * * * * *", o, [&] { ++runs; });
    });
    ::unsetenv("LUX_SCHEDULER_ENABLED");
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    REQUIRE(runs.load() == 0);
    auto r = luxtest::Call(srv.port(), "GET", "/_lux/schedules", "", "Authorization: Bearer tok\r\n");
    REQUIRE(r->status == 200);
    REQUIRE(r->Json()["scheduler_enabled"].AsBool() == false);
    REQUIRE(r->Json()["schedules"][0]["next_fire"].IsNull());
    REQUIRE(luxtest::Call(srv.port(), "POST", "/_lux/schedules/tick/run", "", "Authorization: Bearer tok\r\n")->status ==
            202);
    REQUIRE(luxtest::WaitFor([&] { return runs.load() == 1; }));
  }
  ::unsetenv("LUX_SCHEDULER_ENABLED");
}

TEST_CASE("admin routes: bearer token required, manual trigger, 404 and 409, absent without a token") {
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  {
    luxtest::TestServer srv([&](lux::App& app) {
      lux::Jobs(app).path = ":memory:";
      lux::Jobs(app).admin_token = "s3cret";
      lux::ScheduleOptions berlin;
      berlin.tz = "Europe/Berlin";
      lux::RegisterSchedule(app, "nightly", "0 3 * * *", berlin, [&] {
        ++runs;
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
      lux::RegisterJob(app, "j", {}, [](const lux::Value&) {});
    });
    std::uint16_t port = srv.port();
    const std::string good = "Authorization: Bearer s3cret\r\n";
    REQUIRE(luxtest::Call(port, "POST", "/_lux/schedules/nightly/run")->status == 401);
    auto wrong = luxtest::Call(port, "POST", "/_lux/schedules/nightly/run", "", "Authorization: Bearer s3cres\r\n");
    REQUIRE(wrong->status == 401);
    REQUIRE(wrong->Json()["error"].AsString() == "unauthorized");
    REQUIRE(luxtest::Call(port, "GET", "/_lux/jobs", "", "Authorization: Bearer s3cret-and-more\r\n")->status == 401);
    REQUIRE(luxtest::Call(port, "GET", "/_lux/jobs", "", "Authorization: Basic s3cret\r\n")->status == 401);
    auto started = luxtest::Call(port, "POST", "/_lux/schedules/nightly/run", "", good);
    REQUIRE(started->status == 202);
    REQUIRE(luxtest::WaitFor([&] { return runs.load() == 1; }));
    auto busy = luxtest::Call(port, "POST", "/_lux/schedules/nightly/run", "", good);
    REQUIRE(busy->status == 409);
    REQUIRE(luxtest::Call(port, "POST", "/_lux/schedules/nope/run", "", good)->status == 404);
    auto list = luxtest::Call(port, "GET", "/_lux/schedules", "", good)->Json();
    REQUIRE(list["schedules"][0]["name"].AsString() == "nightly");
    REQUIRE(list["schedules"][0]["cron"].AsString() == "0 3 * * *");
    REQUIRE(list["schedules"][0]["tz"].AsString() == "Europe/Berlin");
    REQUIRE(list["schedules"][0]["running"].AsInt() == 1);
    REQUIRE(list["schedules"][0]["next_fire"].IsString());
    auto jobs = luxtest::Call(port, "GET", "/_lux/jobs", "", good);
    REQUIRE(jobs->status == 200);
    REQUIRE(jobs->Json()["counts"]["pending"].AsInt() == 0);
    auto retry = luxtest::Call(port, "POST", "/_lux/jobs/nope'%20OR%201=1/retry", "", good);
    REQUIRE(retry->status == 404);
    REQUIRE(retry->Json()["error"].AsString().find("no dead or failed job") == 0);
    release = true;
  }
  luxtest::TestServer plain([&](lux::App& app) {
    lux::Jobs(app).path = ":memory:";
    lux::RegisterJob(app, "j", {}, [](const lux::Value&) {});
  });
  REQUIRE(luxtest::Call(plain.port(), "GET", "/_lux/jobs", "", "Authorization: Bearer \r\n")->status == 404);
  REQUIRE(luxtest::Call(plain.port(), "POST", "/_lux/schedules/x/run")->status == 404);
}

TEST_CASE("an interval schedule (`schedule \"30s\"`) fires every 30 s from the start: an hour of fake time") {
  ManualClock clock(kT0);
  auto store = lux::jobs::OpenSqliteStore(":memory:");
  std::atomic<int> runs{0};
  ScheduleDef d;
  d.name = "30s";
  d.interval_ms = 30'000;
  d.description = "every 30000 ms";
  d.task = [&] { ++runs; };
  std::vector<ScheduleDef> defs{d};
  Scheduler sch(*store, defs, &clock);
  sch.Start();
  clock.Advance(29'999);  // not yet: the first run is a whole interval after the start
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(runs.load() == 0);
  // Each step waits until the run has ended in the scheduler's books (not only until the task
  // counted it) and its tick is stored: a tick while the run's thread is still finishing is
  // skipped (overlap: skip), and the tick's time is stored after its run is launched.
  auto ended = [&](int n) {
    return luxtest::WaitFor([&] {
      return sch.StatsOf("30s").finished == n && store->LastFire("30s") == kT0 + n * 30'000;
    });
  };
  clock.Advance(1);
  REQUIRE(ended(1));
  for (int i = 2; i <= 120; ++i) {
    clock.Advance(30'000);
    REQUIRE(ended(i));
  }
  REQUIRE(sch.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2)) == 0);
  REQUIRE(runs.load() == 120);
  REQUIRE(sch.StatsOf("30s").skipped == 0);
}
