// Schedules with several replicas on one Redis (each replica: its own store and scheduler, one
// injected clock for all): each tick runs exactly once across the replicas, `every` intervals
// are aligned so that replicas agree on the instants, overlap: skip holds across replicas, a
// replica that dies mid-run blocks the schedule only until its run lease expires, a missed run
// is run once by one replica. Then a real App on Redis: spawn over HTTP, the admin routes, and
// the LUX_JOBS_URL override.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "jobs/scheduler.h"
#include "jobs_test_util.h"
#include "lux/jobs.h"
#include "redis_test_util.h"
#include "test_http.h"

using lux::jobs::JobStore;
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

ScheduleDef Every(const std::string& name, std::int64_t ms, lux::Hook task) {
  ScheduleDef d;
  d.name = name;
  d.interval_ms = ms;
  d.description = "every";
  d.zone = lux::cron::loadZone("UTC");
  d.task = std::move(task);
  return d;
}

std::unique_ptr<JobStore> Open(luxtest::RedisServer& r, const std::string& prefix, std::int64_t vis = 30'000) {
  lux::jobs::RedisStoreOptions o;
  o.url = r.Url();
  o.prefix = prefix;
  o.app = "app";
  o.visibility_ms = vis;
  return lux::jobs::OpenRedisStore(o);
}

// Three replicas: stores and schedulers over the same definitions list (one per replica).
struct Replicas {
  std::vector<std::unique_ptr<JobStore>> stores;
  std::vector<std::vector<ScheduleDef>> defs;
  std::vector<std::unique_ptr<Scheduler>> schedulers;
  void Stop() {
    for (auto& s : schedulers)
      if (s) s->Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  }
  ~Replicas() { Stop(); }
};

}  // namespace

TEST_CASE("redis schedules: each tick of a 1-second cron runs once across three replicas", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("tick");
  ManualClock clock(kT0);
  std::mutex mu;
  std::map<std::int64_t, int> by_tick;  // the clock's second when the run started -> runs
  std::map<int, int> by_replica;
  Replicas r;
  for (int i = 0; i < 3; ++i) {
    r.stores.push_back(Open(redis, prefix));
    r.defs.push_back({Cron("tick", "* * * * * *", [&, i] {
      std::lock_guard<std::mutex> lock(mu);
      ++by_tick[clock.NowMs() / 1000];
      ++by_replica[i];
    })});
  }
  for (int i = 0; i < 3; ++i) {
    r.schedulers.push_back(std::make_unique<Scheduler>(*r.stores[i], r.defs[i], &clock));
    r.schedulers.back()->Start();
  }
  auto total = [&] {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (auto& [t, c] : by_tick) n += c;
    return n;
  };
  for (int tick = 1; tick <= 20; ++tick) {
    clock.Advance(tick == 1 ? 500 : 1000);
    REQUIRE(luxtest::WaitFor([&] { return total() == tick; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));  // a second run would show by now
    REQUIRE(total() == tick);
  }
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(by_tick.size() == 20);
  for (auto& [t, c] : by_tick) REQUIRE(c == 1);
  INFO("runs per replica: " << by_replica[0] << " " << by_replica[1] << " " << by_replica[2]);
  REQUIRE(*r.stores[0]->LastFire("tick") == kT0 + 500 + 19'000);
}

TEST_CASE("redis schedules: `every` intervals are aligned to the epoch so replicas started apart agree", "[redis]") {
  REQUIRE(lux::jobs::AlignedNextMs(250, 1000) == 1250);
  REQUIRE(lux::jobs::AlignedNextMs(250, 1001) == 1250);
  REQUIRE(lux::jobs::AlignedNextMs(250, 1249) == 1250);
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("every");
  ManualClock clock(1'000'000'000'000);
  std::atomic<int> runs{0};
  Replicas r;
  for (int i = 0; i < 3; ++i) {
    r.stores.push_back(Open(redis, prefix));
    r.defs.push_back({Every("beat", 250, [&] { ++runs; })});
  }
  for (int i = 0; i < 3; ++i) {
    r.schedulers.push_back(std::make_unique<Scheduler>(*r.stores[i], r.defs[i], &clock));
    r.schedulers.back()->Start();
    clock.Advance(70);  // each replica starts at a different instant
  }
  // Now at +210 ms: the ticks are at +250, +500, ...
  for (int tick = 1; tick <= 8; ++tick) {
    clock.Advance(tick == 1 ? 40 : 250);
    REQUIRE(luxtest::WaitFor([&] { return runs.load() == tick; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    REQUIRE(runs.load() == tick);
  }
}

TEST_CASE("redis schedules: overlap skip holds across replicas - a replica that died frees the schedule when its "
          "lease expires",
          "[redis]") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("overlap");
  ManualClock clock(kT0);
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto running_on = std::make_shared<std::atomic<int>>(-1);
  Replicas r;
  for (int i = 0; i < 3; ++i) {
    r.stores.push_back(Open(redis, prefix, 300));
    r.defs.push_back({Cron("slow", "* * * * * *", [release, runs, running_on, i] {
      ++*runs;
      *running_on = i;
      while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    })});
  }
  for (int i = 0; i < 3; ++i) {
    r.schedulers.push_back(std::make_unique<Scheduler>(*r.stores[i], r.defs[i], &clock));
    r.schedulers.back()->Start();
  }
  clock.Advance(500);
  REQUIRE(luxtest::WaitFor([&] { return runs->load() == 1; }));
  int holder = running_on->load();
  // The next ticks come while the run goes on: whichever replica claims them skips them.
  for (int k = 0; k < 3; ++k) {
    clock.Advance(1000);
    REQUIRE(luxtest::WaitFor([&] {
      std::int64_t skipped = 0;
      for (auto& s : r.schedulers) skipped += s->StatsOf("slow").skipped;
      return skipped == k + 1;
    }));
  }
  // Held well past the visibility timeout: the holder renews its run lease.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  clock.Advance(1000);
  REQUIRE(luxtest::WaitFor([&] {
    std::int64_t skipped = 0;
    for (auto& s : r.schedulers) skipped += s->StatsOf("slow").skipped;
    return skipped == 4;
  }));
  REQUIRE(runs->load() == 1);
  REQUIRE(log.Has("scheduled run skipped: the previous run is still running (here or on another replica)"));
  // The holder dies mid-run: its scheduler abandons the run, its store stops renewing.
  r.schedulers[holder]->Stop(std::chrono::steady_clock::now());
  r.schedulers[holder].reset();
  r.stores[holder].reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(450));  // the run lease (300 ms) lapses
  clock.Advance(1000);
  REQUIRE(luxtest::WaitFor([&] { return runs->load() == 2; }));
  REQUIRE(running_on->load() != holder);
  release->store(true);
}

TEST_CASE("redis schedules: a run missed while every replica was down runs once on one replica", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("missed");
  ManualClock clock(kT0);
  {
    auto s = Open(redis, prefix);
    s->SetLastFire("report", kT0 - 3 * 3'600'000);  // three hours ago
  }
  std::atomic<int> runs{0};
  lux::ScheduleOptions o;
  o.missed = lux::Missed::kRunOnce;
  Replicas r;
  for (int i = 0; i < 3; ++i) {
    r.stores.push_back(Open(redis, prefix));
    r.defs.push_back({Cron("report", "0 * * * *", [&] { ++runs; }, o)});
  }
  std::vector<std::thread> starts;
  for (int i = 0; i < 3; ++i) r.schedulers.push_back(std::make_unique<Scheduler>(*r.stores[i], r.defs[i], &clock));
  for (int i = 0; i < 3; ++i) starts.emplace_back([&, i] { r.schedulers[i]->Start(); });  // together
  for (auto& t : starts) t.join();
  REQUIRE(luxtest::WaitFor([&] { return runs.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(runs.load() == 1);
}

TEST_CASE("redis jobs in a real App: spawn over HTTP /_lux/jobs and retry LUX_JOBS_URL switches the store",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("app");
  std::mutex mu;
  std::vector<std::string> got;
  std::atomic<int> doomed{0};
  auto setup = [&](lux::App& app) {
    lux::Jobs(app).adapter = "redis";
    lux::Jobs(app).url = redis.Url();
    lux::Jobs(app).prefix = prefix;
    lux::Jobs(app).admin_token = "s3cret";
    lux::RegisterJob(app, "greet", {}, [&](const lux::Value& args) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back(args[0].AsString() + "/" + lux::rt::RequestId());
    });
    lux::JobOptions once;
    once.attempts = 1;
    lux::RegisterJob(app, "doomed", once, [&](const lux::Value&) {
      ++doomed;
      throw std::runtime_error("always fails");
    });
    app.Post("/spawn/:job", [](lux::Request& req) {
      lux::Value args = lux::Value::MakeArray();
      args.PushBack(req.Body());
      return lux::Respond(202, {{"id", lux::rt::SpawnJob(*req.Param("job"), args)}});
    });
  };
  const std::string good = "Authorization: Bearer s3cret\r\n";
  std::string dead_id;
  {
    luxtest::TestServer srv(setup);
    auto r = luxtest::Call(srv.port(), "POST", "/spawn/greet", "\"ada\"", "Content-Type: application/json\r\nX-Request-Id: rq-9\r\n");
    REQUIRE(r->status == 202);
    REQUIRE(luxtest::WaitFor([&] {
      std::lock_guard<std::mutex> lock(mu);
      return got.size() == 1;
    }));
    REQUIRE(got[0] == "ada/rq-9");
    dead_id = luxtest::Call(srv.port(), "POST", "/spawn/doomed", "1", "Content-Type: application/json\r\n")->Json()["id"].AsString();
    REQUIRE(luxtest::WaitFor([&] {
      return luxtest::Call(srv.port(), "GET", "/_lux/jobs", "", good)->Json()["counts"]["dead"].AsInt() == 1;
    }));
    auto report = luxtest::Call(srv.port(), "GET", "/_lux/jobs", "", good)->Json();
    REQUIRE(report["counts"]["completed"].AsInt() == 1);
    REQUIRE(report["recent_failures"][0]["error"].AsString() == "always fails");
    REQUIRE(report["recent_failures"][0]["id"].AsString() == dead_id);
    REQUIRE(luxtest::Call(srv.port(), "POST", "/_lux/jobs/" + dead_id + "/retry", "", good)->status == 200);
    REQUIRE(luxtest::WaitFor([&] { return doomed.load() == 2; }));
    REQUIRE(luxtest::Call(srv.port(), "POST", "/_lux/jobs/nope/retry", "", good)->status == 404);
  }
  // The jobs live in Redis under the prefix, not in a local file.
  REQUIRE_FALSE(redis.Cmd({"HGETALL", prefix + ":{test}:job:" + dead_id}).elements.empty());
  // LUX_JOBS_URL: the same program, switched by the environment (here: back to embedded).
  ::setenv("LUX_JOBS_URL", "embedded", 1);
  ::setenv("LUX_JOBS_PATH", ":memory:", 1);
  {
    luxtest::TestServer srv(setup);
    auto report = luxtest::Call(srv.port(), "GET", "/_lux/jobs", "", good)->Json();
    REQUIRE(report["counts"]["dead"].AsInt() == 0);  // an empty embedded store
  }
  ::setenv("LUX_JOBS_URL", "ftp://nope", 1);
  {
    lux::App app("bad");
    app.options().port = 0;
    app.options().handle_signals = false;
    app.options().log_level = lux::LogLevel::kOff;
    setup(app);
    REQUIRE_THROWS_WITH(app.Start(), Catch::Contains("LUX_JOBS_URL"));
  }
  ::unsetenv("LUX_JOBS_URL");
  ::unsetenv("LUX_JOBS_PATH");
  {
    lux::App app("short");
    app.options().port = 0;
    app.options().handle_signals = false;
    app.options().log_level = lux::LogLevel::kOff;
    setup(app);
    lux::Jobs(app).visibility_timeout_ms = lux::kMinVisibilityTimeoutMs - 1;
    REQUIRE_THROWS_WITH(app.Start(), Catch::Contains("shorter than the minimum"));
  }
  {
    luxtest::TestServer srv([&](lux::App& app) {  // at the minimum: accepted
      setup(app);
      lux::Jobs(app).visibility_timeout_ms = lux::kMinVisibilityTimeoutMs;
    });
    REQUIRE(srv.port() > 0);
  }
}
