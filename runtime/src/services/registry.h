// The process's discovered services: their instances (base URLs, health), round-robin choice
// among the healthy ones, one Breaker per service, and the health-check thread (started after
// on_start, stopped with on_stop). Entry points: Registry::Get, Add, Find, StartHealth, StopHealth.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lux/services.h"
#include "services/breaker.h"

namespace lux::services {

struct Instance {
  std::string url;  // base URL without a trailing '/'
  std::atomic<bool> healthy{true};
  std::atomic<std::int64_t> checks_failed{0};
};

struct Service {
  std::string name;
  ServiceOptions options;
  std::vector<std::unique_ptr<Instance>> instances;
  std::atomic<std::size_t> next{0};
  std::unique_ptr<Breaker> breaker;

  // Round-robin over the healthy instances; over all when none is (health may be stale).
  Instance* Pick();
};

// LUX_SERVICE_<NAME>_URL for a service name: upper case, anything not alphanumeric → '_'.
std::string UrlEnvName(std::string_view service);
// Splits "a, b,c" and drops trailing '/'.
std::vector<std::string> SplitUrls(std::string_view text);

// The clock breakers of services added from now on read (tests step it by hand).
void SetBreakerClock(Breaker::Clock clock);

// A test executable's stand-in for peers (mock_service): asked by rt::CallService before the
// network; nullopt sends the call on as usual. Null in a served program (one pointer test per call).
using RpcMock = std::optional<Value> (*)(std::string_view service, std::string_view fn, const Value& args);
void SetRpcMock(RpcMock mock);
RpcMock CurrentRpcMock();

class Registry {
 public:
  static Registry& Get();
  Service& Add(std::string name, ServiceOptions options);  // throws std::invalid_argument on a duplicate
  Service* Find(std::string_view name);
  std::vector<Service*> All();
  // Forgets every service (a test executable, before the next test's App registers its own);
  // the health thread must not be running.
  void Clear();
  void StartHealth();
  void StopHealth();

 private:
  void HealthLoop();
  std::mutex mu_;
  std::vector<std::unique_ptr<Service>> services_;
  std::thread health_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace lux::services
