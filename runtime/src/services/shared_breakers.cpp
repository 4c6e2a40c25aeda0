// Shared circuit breakers (see shared_breakers.h). A breaker that opens here queues its service
// name (the hook runs under the breaker's lock and must not block); a publisher thread records
// the open state (SET PX) and announces it (PUBLISH) in one script; a subscriber thread opens
// the local breaker of every service another replica announces, for what is left of that
// replica's reset timeout (PTTL).
#include "services/shared_breakers.h"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "core/ids.h"
#include "core/log.h"
#include "redis/client.h"

namespace lux::services {

namespace {

constexpr int kCommandTimeoutMs = 5000;

// KEYS: open key.  ARGV: replica reset_ms channel message
const redis::Script& OpenScript() {
  static const redis::Script s(R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
)lua");
  return s;
}

}  // namespace

struct SharedBreakers::State {
  std::string prefix;  // `<prefix>:{breakers}:`
  std::string replica;
  std::unique_ptr<redis::Pool> pool;
  std::map<std::string, Breaker*> breakers;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> opened;  // services opened here, to announce
  bool stop = false;
  redis::Connection* sub = nullptr;
  std::thread publisher, subscriber;

  std::string Key(const std::string& service) const { return prefix + "open:" + service; }
  std::string Channel() const { return prefix + "opened"; }

  void Announce(const std::string& service) {
    Breaker* b = breakers[service];
    pool->Eval(OpenScript(), {Key(service)},
               {replica, std::to_string(std::max<std::int64_t>(b->reset_ms(), 1)), Channel(), service + " " + replica});
  }

  void OpenFromRedis(const std::string& service) {
    auto it = breakers.find(service);
    if (it == breakers.end()) return;
    std::int64_t left = pool->Command({"PTTL", Key(service)}).AsInt();
    if (left > 0) it->second->OpenFromPeer(left);
  }

  void PublishLoop() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stop || !opened.empty(); });
      if (stop) return;
      std::string service = std::move(opened.front());
      opened.pop_front();
      lock.unlock();
      try {
        Announce(service);
      } catch (const std::exception& e) {
        core::Log(LogLevel::kWarn, "shared circuit breaker: cannot tell the other replicas",
                  {{"service", service}, {"error", std::string(e.what())}});
      }
      lock.lock();
    }
  }

  void SubscribeLoop() {
    for (;;) {
      std::unique_ptr<redis::Connection> c;
      try {
        c = redis::Connection::Open(pool->url(), kCommandTimeoutMs);
        c->SetTimeout(0);
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop) return;
          sub = c.get();
        }
        c->Command({"SUBSCRIBE", Channel()});
        // Missed while (re)connecting: the keys say which are open now.
        for (const auto& [service, b] : breakers) OpenFromRedis(service);
        for (;;) {
          redis::Reply m = c->Read();
          if (!m.IsArray() || m.elements.size() < 3 || m.elements[0].AsString() != "message") continue;
          const std::string& text = m.elements[2].AsString();
          std::size_t sp = text.rfind(' ');
          if (sp == std::string::npos || text.substr(sp + 1) == replica) continue;  // our own
          OpenFromRedis(text.substr(0, sp));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        sub = nullptr;
        if (stop) return;
        core::Log(LogLevel::kWarn, "shared circuit breaker: subscription lost; reconnecting",
                  {{"error", std::string(e.what())}});
      }
      std::unique_lock<std::mutex> lock(mu);
      if (cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop; })) return;
    }
  }
};

SharedBreakers::SharedBreakers(const std::string& url, const std::string& prefix,
                               std::vector<std::pair<std::string, Breaker*>> breakers)
    : s_(std::make_shared<State>()) {
  s_->prefix = prefix + ":{breakers}:";
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  s_->replica = std::string(host) + ":" + std::to_string(::getpid()) + ":" + core::RandomHex(4);
  s_->pool = std::make_unique<redis::Pool>(redis::ParseUrl(url), kCommandTimeoutMs);
  s_->pool->Command({"PING"});
  for (auto& [name, b] : breakers) s_->breakers[name] = b;
  State* s = s_.get();
  for (auto& [name, b] : s_->breakers) {
    std::string service = name;
    b->SetOnOpen([s, service] {
      std::lock_guard<std::mutex> lock(s->mu);
      s->opened.push_back(service);
      s->cv.notify_all();
    });
  }
  s_->publisher = std::thread([s] { s->PublishLoop(); });
  s_->subscriber = std::thread([s] { s->SubscribeLoop(); });
}

SharedBreakers::~SharedBreakers() { Stop(); }

void SharedBreakers::Stop() {
  for (auto& [name, b] : s_->breakers) b->SetOnOpen({});
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (s_->stop) return;
    s_->stop = true;
    if (s_->sub) s_->sub->Interrupt();
  }
  s_->cv.notify_all();
  if (s_->publisher.joinable()) s_->publisher.join();
  if (s_->subscriber.joinable()) s_->subscriber.join();
}

}  // namespace lux::services
