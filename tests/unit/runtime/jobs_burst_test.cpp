// Backpressure: 100,000 spawn_job calls from one thread while another thread keeps making HTTP
// requests to the same App. Jobs wait on disk; requests keep being answered. The numbers
// (spawn cost, burst duration, request latency during it) are printed; the assertion is a
// generous bound because the build machine is shared and noisy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

#include "jobs/store.h"
#include "jobs_test_util.h"
#include "lux/jobs.h"
#include "test_http.h"

// Calls made in the burst.
constexpr int kBurstJobs = 100'000;

TEST_CASE("a burst of 100,000 spawn_job calls does not stall request handling") {
  luxtest::TempDir dir;
  std::atomic<int> ran{0};
  luxtest::TestServer srv([&](lux::App& app) {
    lux::Jobs(app).path = dir.File("burst.jobs.db");  // durable: the realistic case
    lux::Jobs(app).workers = 2;
    lux::RegisterJob(app, "noop", {}, [&](const lux::Value&) { ++ran; });
    app.Get("/ping", [](lux::Request&) { return lux::Respond(200, "pong"); });
  });
  std::uint16_t port = srv.port();
  std::atomic<bool> done{false};
  std::vector<double> latencies_ms;
  std::thread client([&] {
    luxtest::Conn c(port);
    while (!done.load()) {
      auto t0 = std::chrono::steady_clock::now();
      c.Send(luxtest::Req("GET", "/ping"));
      auto r = c.Read(5000);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (!r || r->status != 200) ms = 1e9;
      latencies_ms.push_back(ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kBurstJobs; ++i) {
    lux::Value args = lux::Value::MakeArray();
    args.PushBack(i);
    lux::rt::SpawnJob("noop", std::move(args));
  }
  double burst_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  client.join();
  int ran_during = ran.load();
  srv.Stop();  // jobs not run yet stay on disk
  std::sort(latencies_ms.begin(), latencies_ms.end());
  REQUIRE(!latencies_ms.empty());
  double p50 = latencies_ms[latencies_ms.size() / 2];
  double p99 = latencies_ms[latencies_ms.size() * 99 / 100];
  double max = latencies_ms.back();
  WARN("burst: " << kBurstJobs << " spawn_job calls in " << burst_s << " s (" << burst_s * 1e6 / kBurstJobs
                 << " us each, durable file store); jobs run meanwhile: " << ran_during << "; "
                 << latencies_ms.size() << " requests during the burst: p50 " << p50 << " ms, p99 " << p99
                 << " ms, max " << max << " ms");
  REQUIRE(max < 1000);
  auto store = lux::jobs::OpenSqliteStore(dir.File("burst.jobs.db"));
  auto c = store->Counts(luxtest::NowMs());
  REQUIRE(c.pending + c.running + c.completed == kBurstJobs);  // nothing lost
}

TEST_CASE("spawn_job from several threads at once shares commits (printed)") {
  constexpr int kJobs = 20'000;
  luxtest::TempDir dir;
  luxtest::TestServer srv([&](lux::App& app) {
    lux::Jobs(app).path = dir.File("concurrent.jobs.db");
    lux::Jobs(app).workers = 1;
    lux::Jobs(app).scheduler_enabled = false;
    lux::RegisterJob(app, "noop", {}, [](const lux::Value&) {});
  });
  // The same number of spawns from 1 thread, then from 4, on the same store.
  auto run = [](int threads) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([threads] {
        for (int i = 0; i < kJobs / threads; ++i) lux::rt::SpawnJob("noop", lux::Value::MakeArray());
      });
    for (auto& t : ts) t.join();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kJobs;
  };
  double one = run(1);
  double four = run(4);
  srv.Stop();
  WARN("wall time per spawn_job, durable store: 1 thread " << one << " us, 4 threads " << four << " us");
  auto store = lux::jobs::OpenSqliteStore(dir.File("concurrent.jobs.db"));
  auto c = store->Counts(luxtest::NowMs());
  REQUIRE(c.pending + c.running + c.completed == 2 * kJobs);
}
