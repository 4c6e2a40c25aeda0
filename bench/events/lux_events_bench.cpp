// Events and services bench. Times are CLOCK_MONOTONIC ns (steady_clock), the same
// clock in every process of the machine, so a receiver can time an event stamped by a sender.
// CPU figures (getrusage, CLOCK_THREAD_CPUTIME_ID) hold on a loaded machine where wall-clock
// rates do not: cpu_us_per_event (a whole process), publish_cpu_us (the publishing thread).
// Built with -DLUX_BENCH_BASELINE against a runtime without rt::TryCallService.
//   lux_events_bench local STORE N_LAT N_TP            one App: publish -> subscriber
//   lux_events_bench sub PORT STORE                    subscriber App: event "tick", rpc echo, POST /plain
//   lux_events_bench pub SUB_PORT STORE N_LAT N_TP N_RPC N_REJECT   publisher App (peer + services)
//   lux_events_bench reject N KIND                     N calls refused by an open breaker (try|throw|args)
#include <lux/lux.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
long long Now() { return Clock::now().time_since_epoch().count(); }
// CPU time of the calling thread, in us.
double ThreadCpuUs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}
// CPU time of the whole process (every thread), user + system, in us.
double CpuUs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// What a subscriber saw: latency per event (us) and the last receive time.
std::mutex g_mu;
std::vector<double> g_lat_us;
long long g_last_ns = 0;
void OnTick(const lux::Value& data) {
  long long now = Now();
  std::lock_guard<std::mutex> lock(g_mu);
  g_lat_us.push_back(static_cast<double>(now - data["t"].AsInt()) / 1e3);
  g_last_ns = now;
}
std::size_t Seen() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_lat_us.size();
}
void Reset() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_lat_us.clear();
}
lux::Value Tick(long i) { return lux::Value{{"t", lux::Value(Now())}, {"i", lux::Value(static_cast<long long>(i))}}; }
lux::Value Payload() {
  return lux::Value{{"id", lux::Value(42LL)}, {"name", lux::Value("widget")}, {"price", lux::Value(9.5)},
                    {"tags", lux::Value(lux::Array{lux::Value("a"), lux::Value("b")})}};
}

void Quiet(lux::App& app, int port, const std::string& store) {
  app.options().host = "127.0.0.1";
  app.options().port = port;
  app.options().threads = 1;
  app.options().access_log = false;
  app.options().log_level = lux::LogLevel::kError;
  lux::Events(app).path = store;
}

// Publishes n events one every pace_us (0: back to back); returns the publish() latencies in us.
std::vector<double> PublishN(long n, int pace_us) {
  std::vector<double> lat;
  for (long i = 0; i < n; ++i) {
    auto a = Clock::now();
    lux::rt::Publish("tick", Tick(i));
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    if (pace_us) std::this_thread::sleep_for(std::chrono::microseconds(pace_us));
  }
  return lat;
}

// Waits (bounded) until `seen()` reaches n.
template <typename F>
bool WaitSeen(F seen, std::size_t n) {
  auto limit = Clock::now() + std::chrono::seconds(60);
  while (seen() < n && Clock::now() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return seen() >= n;
}

int Local(const std::string& store, long n_lat, long n_tp) {
  lux::App app("evlocal");
  Quiet(app, 0, store);
  lux::RegisterSubscriber(app, "tick", OnTick);
  app.Start();
  std::vector<double> pub = PublishN(n_lat, 1000);
  WaitSeen(Seen, n_lat);
  std::vector<double> lat;
  { std::lock_guard<std::mutex> lock(g_mu); lat = g_lat_us; }
  std::printf("local_latency n=%zu p50_us=%.1f p99_us=%.1f publish_p50_us=%.1f publish_p99_us=%.1f\n", lat.size(),
              Pct(lat, 0.5), Pct(lat, 0.99), Pct(pub, 0.5), Pct(pub, 0.99));
  Reset();
  double cpu0 = CpuUs(), tcpu0 = ThreadCpuUs();
  long long t0 = Now();
  PublishN(n_tp, 0);
  double pub_s = static_cast<double>(Now() - t0) / 1e9;
  double tcpu = ThreadCpuUs() - tcpu0;
  WaitSeen(Seen, n_tp);
  double s = static_cast<double>(g_last_ns - t0) / 1e9;
  double cpu = CpuUs() - cpu0;
  std::printf("local_throughput n=%zu events_s=%.0f publish_s=%.2f secs=%.2f cpu_us_per_event=%.1f "
              "publish_cpu_us=%.1f\n",
              Seen(), static_cast<double>(Seen()) / s, pub_s, s, cpu / static_cast<double>(n_tp),
              tcpu / static_cast<double>(n_tp));
  app.Shutdown();
  app.Wait();
  return 0;
}

int Sub(int port, const std::string& store) {
  lux::App app("evsub");
  Quiet(app, port, store);
  lux::RegisterSubscriber(app, "tick", OnTick);
  lux::ExposeRpc(app, "echo", [](const lux::Value& args) { return args[0]; });
  app.Post("/plain", [](lux::Request& req) { return lux::Respond(200, lux::Value{{"result", req.Json()["args"][0]}}); });
  app.Get("/stats", [](lux::Request&) {
    std::lock_guard<std::mutex> lock(g_mu);
    return lux::Respond(200, lux::Value{{"n", lux::Value(static_cast<long long>(g_lat_us.size()))},
                                        {"p50_us", lux::Value(Pct(g_lat_us, 0.5))},
                                        {"p99_us", lux::Value(Pct(g_lat_us, 0.99))},
                                        {"last_ns", lux::Value(g_last_ns)},
                                        {"cpu_us", lux::Value(CpuUs())}});
  });
  app.Post("/reset", [](lux::Request&) { Reset(); return lux::Respond(200, lux::Value{{"ok", lux::Value(true)}}); });
  char name[] = "evsub";
  char* args[] = {name, nullptr};
  return app.Run(1, args);
}

lux::Value Stats(const std::string& base) { return lux::Fetch(base + "/stats").Json(); }

int Pub(int sub_port, const std::string& store, long n_lat, long n_tp, long n_rpc, long n_reject) {
  std::string base = "http://127.0.0.1:" + std::to_string(sub_port);
  lux::App app("evpub");
  Quiet(app, 0, store);
  lux::RegisterPeer(app, "evsub", {"tick"}, base);
  lux::ServiceOptions so;
  so.urls = {base};
  lux::RegisterService(app, "evsub", so);
  lux::ServiceOptions dead;
  dead.urls = {"http://127.0.0.1:9"};  // discard port: nothing listens, connection refused
  dead.failure_threshold = 1;
  dead.reset_timeout_ms = 3'600'000;
  lux::RegisterService(app, "dead", dead);
  app.Start();
  auto seen = [&] { return static_cast<std::size_t>(Stats(base)["n"].AsInt()); };
  lux::FetchOptions reset;
  reset.method = "POST";
  lux::Fetch(base + "/reset", reset);
  std::vector<double> pub = PublishN(n_lat, 1000);
  WaitSeen(seen, n_lat);
  lux::Value st = Stats(base);
  std::printf("peer_latency n=%lld p50_us=%.1f p99_us=%.1f publish_p50_us=%.1f publish_p99_us=%.1f\n",
              static_cast<long long>(st["n"].AsInt()), st["p50_us"].AsFloat(), st["p99_us"].AsFloat(),
              Pct(pub, 0.5), Pct(pub, 0.99));
  lux::Fetch(base + "/reset", reset);
  double sub_cpu0 = Stats(base)["cpu_us"].AsFloat();
  double cpu0 = CpuUs(), tcpu0 = ThreadCpuUs();
  long long t0 = Now();
  PublishN(n_tp, 0);
  double pub_s = static_cast<double>(Now() - t0) / 1e9;
  double tcpu = ThreadCpuUs() - tcpu0;
  WaitSeen(seen, n_tp);
  st = Stats(base);
  double cpu = CpuUs() - cpu0, sub_cpu = st["cpu_us"].AsFloat() - sub_cpu0;
  double s = static_cast<double>(st["last_ns"].AsInt() - t0) / 1e9;
  std::printf("peer_throughput n=%lld events_s=%.0f publish_s=%.2f secs=%.2f pub_cpu_us_per_event=%.1f "
              "sub_cpu_us_per_event=%.1f publish_cpu_us=%.1f\n",
              static_cast<long long>(st["n"].AsInt()), static_cast<double>(st["n"].AsInt()) / s, pub_s, s,
              cpu / static_cast<double>(n_tp), sub_cpu / static_cast<double>(n_tp), tcpu / static_cast<double>(n_tp));

  // RPC vs a plain POST of the same body to the same peer, alternating blocks of 200 calls.
  std::vector<double> rpc, plain;
  for (long done = 0; done < n_rpc; done += 200)
    for (int kind = 0; kind < 2; ++kind)
      for (long i = 0; i < 200; ++i) {
        auto a = Clock::now();
        lux::Value got;
        if (kind == 0) {
          got = lux::rt::CallService("evsub", "echo", lux::Value(lux::Array{Payload()}));
        } else {
          lux::FetchOptions o;
          o.method = "POST";
          o.Json(lux::Value{{"args", lux::Value(lux::Array{Payload()})}});
          lux::FetchResponse r = lux::Fetch(base + "/plain", o);
          if (!r.ok()) throw lux::Error("plain call failed");
          got = r.Json()["result"];
        }
        if (got["id"].AsInt() != 42) throw lux::Error("bad answer");
        (kind == 0 ? rpc : plain).push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      }
  std::printf("rpc n=%zu p50_us=%.1f p99_us=%.1f plain_p50_us=%.1f plain_p99_us=%.1f\n", rpc.size(), Pct(rpc, 0.5),
              Pct(rpc, 0.99), Pct(plain, 0.5), Pct(plain, 0.99));

  // Open breaker: the first call fails (refused) and opens it; then every call is rejected.
  try { lux::rt::CallService("dead", "echo", lux::Value(lux::Array{})); } catch (const lux::Error&) {}
  long rejected = 0;
  auto b0 = Clock::now();
  for (long i = 0; i < n_reject; ++i) {
#ifdef LUX_BENCH_BASELINE  // the runtime before rt::TryCallService: only the throwing call
    try { lux::rt::CallService("dead", "echo", lux::Value(lux::Array{Payload()})); } catch (const lux::CircuitOpenError&) { ++rejected; }
#else
    if (lux::rt::TryCallService("dead", "echo", lux::Value(lux::Array{Payload()})).rejected) ++rejected;
#endif
  }
  double reject_ns = std::chrono::duration<double, std::nano>(Clock::now() - b0).count() / static_cast<double>(n_reject);
  // The same loop through the throwing call (what generated code calls: a Lux `catch` sees it).
  long thrown = 0;
  auto t0b = Clock::now();
  for (long i = 0; i < n_reject; ++i) {
    try { lux::rt::CallService("dead", "echo", lux::Value(lux::Array{Payload()})); } catch (const lux::CircuitOpenError&) { ++thrown; }
  }
  double throw_ns = std::chrono::duration<double, std::nano>(Clock::now() - t0b).count() / static_cast<double>(n_reject);
  // Baselines: building the same argument alone, and building it then throwing/catching a
  // lux::Error with a message of that size.
  std::size_t sink = 0;
  auto a0 = Clock::now();
  for (long i = 0; i < n_reject; ++i) {
    lux::Value args(lux::Array{Payload()});
    sink += args.AsArray().size();
  }
  double args_ns = std::chrono::duration<double, std::nano>(Clock::now() - a0).count() / static_cast<double>(n_reject);
  auto c0 = Clock::now();
  for (long i = 0; i < n_reject; ++i) {
    try {
      lux::Value args(lux::Array{Payload()});
      throw lux::Error("call of dead.echo rejected: the circuit breaker of `dead` is open" + std::to_string(args.IsArray()));
    } catch (const lux::Error&) {}
  }
  double base_ns = std::chrono::duration<double, std::nano>(Clock::now() - c0).count() / static_cast<double>(n_reject);
  std::printf("breaker n=%ld rejected=%ld ns_per_call=%.0f args_ns=%.0f reject_only_ns=%.0f thrown=%ld throwing_call_ns=%.0f "
              "throw_baseline_ns=%.0f sink=%zu\n",
              n_reject, rejected, reject_ns, args_ns, reject_ns - args_ns, thrown, throw_ns, base_ns, sink % 2);
  app.Shutdown();
  app.Wait();
  return 0;
}

// Only the open-breaker loop, for instruction counts (callgrind, bench/events/instructions.sh):
// `kind` try (rt::TryCallService), throw (rt::CallService, caught) or args (the argument alone).
int Reject(long n, const std::string& kind) {
  lux::App app("evreject");
  Quiet(app, 0, ":memory:");
  lux::ServiceOptions dead;
  dead.urls = {"http://127.0.0.1:9"};
  dead.failure_threshold = 1;
  dead.reset_timeout_ms = 3'600'000;
  lux::RegisterService(app, "dead", dead);
  app.Start();
  try { lux::rt::CallService("dead", "echo", lux::Value(lux::Array{})); } catch (const lux::Error&) {}
  long rejected = 0;
  std::size_t sink = 0;
  for (long i = 0; i < n; ++i) {
    if (kind == "args") {
      lux::Value args(lux::Array{Payload()});
      sink += args.AsArray().size();
      continue;
    }
#ifndef LUX_BENCH_BASELINE
    if (kind == "try") {
      if (lux::rt::TryCallService("dead", "echo", lux::Value(lux::Array{Payload()})).rejected) ++rejected;
      continue;
    }
#endif
    try { lux::rt::CallService("dead", "echo", lux::Value(lux::Array{Payload()})); } catch (const lux::CircuitOpenError&) { ++rejected; }
  }
  std::printf("reject kind=%s n=%ld rejected=%ld sink=%zu\n", kind.c_str(), n, rejected, sink % 2);
  app.Shutdown();
  app.Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "local" && argc == 5) return Local(argv[2], std::atol(argv[3]), std::atol(argv[4]));
  if (mode == "sub" && argc == 4) return Sub(std::atoi(argv[2]), argv[3]);
  if (mode == "reject" && argc == 4) return Reject(std::atol(argv[2]), argv[3]);
  if (mode == "pub" && argc == 8)
    return Pub(std::atoi(argv[2]), argv[3], std::atol(argv[4]), std::atol(argv[5]), std::atol(argv[6]), std::atol(argv[7]));
  std::fprintf(stderr, "usage: %s local STORE N_LAT N_TP | sub PORT STORE | pub SUB_PORT STORE N_LAT N_TP N_RPC N_REJECT | "
               "reject N try|throw|args\n",
               argv[0]);
  return 2;
}
