// Registry of discovered services and the health-check loop (see registry.h). Health checks run
// on one thread outside the I/O threads: GET <url><health> with the service's timeout; 2xx is
// healthy. A change of an instance's health is logged.
#include "services/registry.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "lux_common/env_names.h"
#include "core/log.h"
#include "lux/client.h"

namespace lux::services {

namespace {
std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
Breaker::Clock& BreakerClock() {
  static Breaker::Clock clock = &NowMs;
  return clock;
}
}  // namespace

void SetBreakerClock(Breaker::Clock clock) { BreakerClock() = clock ? std::move(clock) : Breaker::Clock(&NowMs); }

namespace {
std::atomic<RpcMock> g_rpc_mock{nullptr};
}  // namespace

void SetRpcMock(RpcMock mock) { g_rpc_mock.store(mock, std::memory_order_release); }

RpcMock CurrentRpcMock() { return g_rpc_mock.load(std::memory_order_acquire); }

std::string UrlEnvName(std::string_view service) { return core::EnvVarName("LUX_SERVICE_", service, "_URL"); }

std::vector<std::string> SplitUrls(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
    while (!part.empty() && (std::isspace(static_cast<unsigned char>(part.back())) || part.back() == '/'))
      part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Instance* Service::Pick() {
  if (instances.empty()) return nullptr;
  std::size_t n = instances.size();
  std::size_t start = next.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    Instance* in = instances[(start + i) % n].get();
    if (in->healthy.load(std::memory_order_relaxed)) return in;
  }
  return instances[start % n].get();
}

Registry& Registry::Get() {
  static Registry* r = new Registry();  // never destroyed: calls may race with exit
  return *r;
}

Service& Registry::Add(std::string name, ServiceOptions options) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : services_)
    if (s->name == name) throw std::invalid_argument("service `" + name + "` is declared twice");
  auto s = std::make_unique<Service>();
  s->name = std::move(name);
  s->options = std::move(options);
  for (const std::string& u : s->options.urls) {
    for (const std::string& one : SplitUrls(u)) {
      auto in = std::make_unique<Instance>();
      in->url = one;
      s->instances.push_back(std::move(in));
    }
  }
  s->breaker = std::make_unique<Breaker>(s->name, s->options.failure_threshold, s->options.reset_timeout_ms,
                                         s->options.half_open_requests, BreakerClock());
  services_.push_back(std::move(s));
  return *services_.back();
}

Service* Registry::Find(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : services_)
    if (s->name == name) return s.get();
  return nullptr;
}

void Registry::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  services_.clear();
}

std::vector<Service*> Registry::All() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Service*> out;
  for (auto& s : services_) out.push_back(s.get());
  return out;
}

void Registry::StartHealth() {
  std::lock_guard<std::mutex> lock(mu_);
  if (health_.joinable()) return;
  bool any = false;
  for (auto& s : services_) any |= !s->options.health.empty();
  if (!any) return;
  stop_ = false;
  health_ = std::thread([this] { HealthLoop(); });
}

void Registry::StopHealth() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (health_.joinable()) health_.join();
}

void Registry::HealthLoop() {
  std::vector<std::int64_t> due;
  for (;;) {
    std::vector<Service*> all = All();
    due.resize(all.size(), 0);
    std::int64_t now = NowMs(), wake = now + 60'000;
    for (std::size_t i = 0; i < all.size(); ++i) {
      Service* s = all[i];
      if (s->options.health.empty()) continue;
      if (due[i] <= now) {
        for (auto& in : s->instances) {
          bool ok = false;
          try {
            FetchOptions o;
            o.timeout_ms = std::min<std::int64_t>(s->options.timeout_ms, std::max<std::int64_t>(s->options.health_interval_ms, 100));
            ok = Fetch(in->url + s->options.health, o).ok();
          } catch (const std::exception&) {
            ok = false;
          }
          bool was = in->healthy.exchange(ok);
          if (!ok) in->checks_failed.fetch_add(1);
          if (was != ok)
            core::Log(ok ? LogLevel::kInfo : LogLevel::kWarn, ok ? "service instance healthy" : "service instance unhealthy",
                      {{"service", s->name}, {"url", in->url}});
          s->breaker->OnHealth(ok);
        }
        due[i] = NowMs() + std::max<std::int64_t>(s->options.health_interval_ms, 100);
      }
      wake = std::min(wake, due[i]);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(wake - NowMs(), 1)), [this] { return stop_; }))
      return;
  }
}

}  // namespace lux::services
