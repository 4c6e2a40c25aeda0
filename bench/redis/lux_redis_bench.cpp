// Redis bench, lux side: one App per process on the Redis given by REDIS_URL, keys under PREFIX.
// Several processes of one mode are replicas of one server. One result line on stdout.
//   enqueue THREADS N     SpawnJob of N jobs not due for an hour: ops/s, p50/p99 us
//   fill N                N due no-op jobs stored through `run-task` (no workers run)
//   drain N               a replica: runs jobs until the queue's completed count reaches N
//                         (read from GET /_lux/jobs); prints its share and its last-done time
//   spawn RATE N          spawns N jobs at RATE/s whose argument is the spawn time (us), through
//                         `run-task` (no workers in this process)
//   work SECONDS          a replica: runs those jobs for SECONDS, prints pickup latencies
//   evpub RATE N          publishes N events at RATE/s (0: as fast as it can) carrying their time
//   evsub SECONDS         a replica of the subscribing server: handles events for SECONDS and
//                         prints each delivery latency in us to stderr, the count on stdout
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

long long WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::atomic<long> g_done{0};
std::atomic<long long> g_last_done_us{0};
std::mutex g_mu;
std::vector<double> g_lat_us;

std::string Env(const char* name, const char* def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

void Configure(lux::App& app) {
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().threads = 1;
  app.options().access_log = false;
  app.options().log_level = lux::LogLevel::kWarn;
  app.options().handle_signals = false;
  lux::Jobs(app).adapter = "redis";
  lux::Jobs(app).url = Env("REDIS_URL", "redis://127.0.0.1:6379");
  lux::Jobs(app).prefix = Env("PREFIX", "bench");
  lux::Jobs(app).admin_token = "bench";
  lux::Events(app).adapter = "redis";
  lux::Events(app).url = lux::Jobs(app).url;
  lux::Events(app).prefix = lux::Jobs(app).prefix;
  lux::RegisterJob(app, "noop", {}, [](const lux::Value& args) {
    long long now = WallUs();
    if (args.IsArray() && !args.AsArray().empty() && args[0].IsInt() && args[0].AsInt() > 1'000'000'000'000'000) {
      std::lock_guard<std::mutex> lock(g_mu);
      g_lat_us.push_back(static_cast<double>(now - args[0].AsInt()));
    }
    g_last_done_us = now;
    g_done.fetch_add(1);
  });
}

lux::Value Args(long long v) { return lux::Value(lux::Array{lux::Value(v), lux::Value("x")}); }

void Pace(Clock::time_point t0, long i, double rate) {
  if (rate <= 0) return;
  auto due = t0 + std::chrono::microseconds(static_cast<long long>(static_cast<double>(i) * 1e6 / rate));
  std::this_thread::sleep_until(due);
}

int Enqueue(lux::App& app, int threads, long n) {
  app.Start();
  lux::SpawnOptions later;
  later.delay_ms = 3'600'000;
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      long per = n / threads;
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

int Drain(lux::App& app, long n) {
  long long start_us = WallUs();
  app.Start();
  std::string url = "http://127.0.0.1:" + std::to_string(app.port()) + "/_lux/jobs";
  lux::FetchOptions o;
  o.Header("Authorization", "Bearer bench");
  auto limit = Clock::now() + std::chrono::seconds(180);
  while (Clock::now() < limit) {
    lux::FetchResponse r = lux::Fetch(url, o);
    if (r.ok() && lux::ParseJson(r.body)["counts"]["completed"].AsInt() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  app.Shutdown();
  app.Wait();
  std::printf("start_us=%lld last_done_us=%lld done=%ld\n", start_us, g_last_done_us.load(), g_done.load());
  return 0;
}

// Through `run-task` (as `fill`): this process only spawns; the replicas run the jobs.
int Spawn(lux::App& app, double rate, long n) {
  lux::RegisterSchedule(app, "spawn", "0 4 1 1 *", {}, [rate, n] {
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
      Pace(t0, i, rate);
      lux::rt::SpawnJob("noop", Args(WallUs()));
    }
  });
  char prog[] = "lux_redis_bench", cmd[] = "run-task", task[] = "spawn";
  char* args[] = {prog, cmd, task, nullptr};
  int rc = app.Run(3, args);
  std::printf("spawned=%ld\n", n);
  return rc;
}

int Work(lux::App& app, int seconds) {
  app.Start();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  app.Shutdown();
  app.Wait();
  std::lock_guard<std::mutex> lock(g_mu);
  for (double v : g_lat_us) std::fprintf(stderr, "lat_us %.0f\n", v);
  std::printf("done=%ld\n", g_done.load());
  return 0;
}

int EvPub(lux::App& app, double rate, long n) {
  // The subscribing server (another process, App "evsub") is registered as a peer: on Redis
  // that names its consumer group, created before the first publish.
  lux::RegisterPeer(app, "evsub", {"ping"}, "http://127.0.0.1:1", "evsub");
  app.Start();
  long long t_start = WallUs();
  auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) {
    Pace(t0, i, rate);
    lux::rt::Publish("ping", lux::Value{{"t", lux::Value(WallUs())}, {"i", lux::Value(static_cast<long long>(i))}});
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  app.Shutdown();
  app.Wait();
  std::printf("start_us=%lld published=%ld publish_s=%.0f\n", t_start, n, static_cast<double>(n) / secs);
  return 0;
}

int EvSub(lux::App& app, int seconds) {
  lux::RegisterSubscriber(app, "ping", [](const lux::Value& v) {
    long long now = WallUs();
    std::lock_guard<std::mutex> lock(g_mu);
    g_lat_us.push_back(static_cast<double>(now - v["t"].AsInt()));
    g_last_done_us = now;
    g_done.fetch_add(1);
  });
  app.Start();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  app.Shutdown();
  app.Wait();
  std::lock_guard<std::mutex> lock(g_mu);
  for (double v : g_lat_us) std::fprintf(stderr, "lat_us %.0f\n", v);
  std::printf("done=%ld last_done_us=%lld\n", g_done.load(), g_last_done_us.load());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s enqueue|fill|drain|spawn|work|evpub|evsub ...\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  lux::App app(mode == "evsub" ? "evsub" : mode == "evpub" ? "evpub" : "redisbench");
  Configure(app);
  if (mode == "enqueue" && argc == 4) return Enqueue(app, std::atoi(argv[2]), std::atol(argv[3]));
  if (mode == "drain") return Drain(app, std::atol(argv[2]));
  if (mode == "spawn" && argc == 4) return Spawn(app, std::atof(argv[2]), std::atol(argv[3]));
  if (mode == "work") return Work(app, std::atoi(argv[2]));
  if (mode == "evpub" && argc == 4) return EvPub(app, std::atof(argv[2]), std::atol(argv[3]));
  if (mode == "evsub") return EvSub(app, std::atoi(argv[2]));
  if (mode == "fill") {  // `run-task`: the store opens, no workers run
    long n = std::atol(argv[2]);
    lux::RegisterSchedule(app, "fill", "0 4 1 1 *", {}, [n] {
      for (long i = 0; i < n; ++i) lux::rt::SpawnJob("noop", Args(i));
    });
    char prog[] = "lux_redis_bench", cmd[] = "run-task", task[] = "fill";
    char* args[] = {prog, cmd, task, nullptr};
    return app.Run(3, args);
  }
  std::fprintf(stderr, "bad arguments\n");
  return 2;
}
