// Jobs bench, lux side: one App with jobs per process, one result line. STORE: a file
// or ":memory:" (LUX_JOBS_SYNC=full is read at Start). Modes: enqueue STORE THREADS N (SpawnJob of
// not-yet-due jobs: ops/s, p50/p99 us); execute STORE N (N no-op jobs, first enqueue to last done);
// fill STORE N (via `run-task`: stored, no workers) then drain STORE N (start to last done);
// sched STORE TICKS (`* * * * * *`: start delay after the whole second).
#include <lux/lux.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::atomic<long> g_done{0};
std::atomic<long long> g_last_done_ns{0};
std::mutex g_mu;
std::vector<double> g_delays_ms;

void Configure(lux::App& app, const std::string& store) {
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().threads = 1;
  app.options().access_log = false;
  app.options().log_level = lux::LogLevel::kWarn;
  app.options().handle_signals = false;
  lux::Jobs(app).path = store;
  lux::RegisterJob(app, "noop", {}, [](const lux::Value&) {
    g_last_done_ns = Clock::now().time_since_epoch().count();
    g_done.fetch_add(1);
  });
}

lux::Value Args(long i) { return lux::Value(lux::Array{lux::Value(static_cast<long long>(i)), lux::Value("x")}); }

int Enqueue(lux::App& app, int threads, long n) {
  app.Start();
  lux::SpawnOptions later;
  later.delay_ms = 3'600'000;  // not due during the run: measures the insert, not the workers
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      long per = n / threads;
      lat[t].reserve(static_cast<std::size_t>(per));
      for (long i = 0; i < per; ++i) {
        auto a = Clock::now();
        lux::rt::SpawnJob("noop", Args(i), later);
        lat[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      }
    });
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf("ops_s=%.0f p50_us=%.1f p99_us=%.1f n=%zu secs=%.2f\n", static_cast<double>(all.size()) / secs,
              Pct(all, 0.50), Pct(all, 0.99), all.size(), secs);
  app.Shutdown();
  app.Wait();
  return 0;
}

int Execute(lux::App& app, long n) {
  app.Start();
  auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) lux::rt::SpawnJob("noop", Args(i));
  double enq = std::chrono::duration<double>(Clock::now() - t0).count();
  auto limit = t0 + std::chrono::seconds(120);
  while (g_done.load() < n && Clock::now() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  long done = g_done.load();
  double secs = std::chrono::duration<double>(Clock::time_point(Clock::duration(g_last_done_ns.load())) - t0).count();
  std::printf("jobs_s=%.0f done=%ld n=%ld secs=%.2f enqueue_secs=%.2f\n", static_cast<double>(done) / secs, done, n,
              secs, enq);
  app.Shutdown();
  app.Wait();
  return done == n ? 0 : 1;
}

int Sched(lux::App& app, int ticks) {
  lux::RegisterSchedule(app, "tick", "* * * * * *", {}, [] {
    auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count() % 1'000'000;
    double d = static_cast<double>(ms) / 1000.0;
    if (d > 500) d -= 1000;  // started before the whole second: a negative delay
    std::lock_guard<std::mutex> lock(g_mu);
    g_delays_ms.push_back(d);
  });
  app.Start();
  auto limit = Clock::now() + std::chrono::seconds(ticks + 3);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(g_mu);
      if (static_cast<int>(g_delays_ms.size()) >= ticks) break;
    }
    if (Clock::now() > limit) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  app.Shutdown();
  app.Wait();
  std::lock_guard<std::mutex> lock(g_mu);
  std::vector<double> d = g_delays_ms;
  double mx = d.empty() ? 0 : *std::max_element(d.begin(), d.end());
  for (double x : d) std::fprintf(stderr, "tick delay %.3f ms\n", x);
  std::printf("ticks=%zu median_ms=%.3f max_ms=%.3f\n", d.size(), Pct(d, 0.5), mx);
  return 0;
}

int Drain(lux::App& app, long n) {
  auto t0 = Clock::now();
  app.Start();
  auto limit = t0 + std::chrono::seconds(120);
  while (g_done.load() < n && Clock::now() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  long done = g_done.load();
  double secs = std::chrono::duration<double>(Clock::time_point(Clock::duration(g_last_done_ns.load())) - t0).count();
  std::printf("jobs_s=%.0f done=%ld n=%ld secs=%.2f\n", static_cast<double>(done) / secs, done, n, secs);
  app.Shutdown();
  app.Wait();
  return done == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s enqueue|execute|sched STORE ...\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  lux::App app("jobsbench");
  Configure(app, argv[2]);
  if (mode == "enqueue" && argc == 5) return Enqueue(app, std::atoi(argv[3]), std::atol(argv[4]));
  if (mode == "execute") return Execute(app, std::atol(argv[3]));
  if (mode == "sched") return Sched(app, std::atoi(argv[3]));
  if (mode == "drain") return Drain(app, std::atol(argv[3]));
  if (mode == "fill") {  // through the binary's `run-task` command: the store opens, no workers run
    long n = std::atol(argv[3]);
    lux::RegisterSchedule(app, "fill", "0 4 1 1 *", {}, [n] {
      for (long i = 0; i < n; ++i) lux::rt::SpawnJob("noop", Args(i));
    });
    char prog[] = "lux_jobs_bench", cmd[] = "run-task", task[] = "fill";
    char* args[] = {prog, cmd, task, nullptr};
    return app.Run(3, args);
  }
  std::fprintf(stderr, "bad arguments\n");
  return 2;
}
