// The realtime hub (see hub.h): the topic table, local fan-out, the Redis link and the App's
// "realtime" component. Topic table: one shared_mutex, sinks copied out under the read lock
// and delivered to without it (a Deliver may run long enough to matter: it takes the
// connection's outbox lock). Redis link: a publisher thread draining a bounded queue into
// PUBLISH on a pool connection, and a subscriber thread holding one SUBSCRIBE connection;
// both reconnect with a doubling backoff and log the loss once per outage. A message on the
// channel is `lux1\n<replica>\n<topic length>\n<topic><payload>`; a replica skips its own.
#include "realtime/hub.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "core/log.h"
#include "lux/error.h"
#include "redis/client.h"
#include "server/component.h"

namespace lux::realtime {

namespace {

constexpr int kRedisTimeoutMs = 5000;
// Reconnect backoff of the Redis link: doubling from kFirstBackoffMs up to kMaxBackoffMs.
constexpr int kFirstBackoffMs = 100;
constexpr int kMaxBackoffMs = 5000;
constexpr std::string_view kMagic = "lux1\n";

std::atomic<std::uint64_t> g_next_connection{1};

struct Entry {
  std::uint64_t id;
  std::shared_ptr<Sink> sink;
};

std::string Encode(const std::string& replica, std::string_view topic, const std::string& payload) {
  std::string m;
  m.reserve(kMagic.size() + replica.size() + topic.size() + payload.size() + 16);
  m += kMagic;
  m += replica;
  m += '\n';
  m += std::to_string(topic.size());
  m += '\n';
  m += topic;
  m += payload;
  return m;
}

// False for a message that is not ours (another program on the same channel name, garbage).
bool Decode(std::string_view m, std::string_view& replica, std::string_view& topic, std::string_view& payload) {
  if (m.substr(0, kMagic.size()) != kMagic) return false;
  m.remove_prefix(kMagic.size());
  std::size_t nl = m.find('\n');
  if (nl == std::string_view::npos) return false;
  replica = m.substr(0, nl);
  m.remove_prefix(nl + 1);
  nl = m.find('\n');
  if (nl == std::string_view::npos) return false;
  std::size_t len = 0;
  auto [end, ec] = std::from_chars(m.data(), m.data() + nl, len);
  if (ec != std::errc() || end != m.data() + nl) return false;
  m.remove_prefix(nl + 1);
  if (len > m.size()) return false;
  topic = m.substr(0, len);
  payload = m.substr(len);
  return true;
}

}  // namespace

std::uint64_t NextConnectionId() { return g_next_connection.fetch_add(1, std::memory_order_relaxed); }

// ---- topics ----

struct Subscription::Shared {
  mutable std::shared_mutex mu;
  std::unordered_map<std::string, std::vector<Entry>> topics;
  std::uint64_t next_id = 1;  // under mu (exclusive)

  void Remove(const std::string& topic, std::uint64_t id) {
    std::unique_lock<std::shared_mutex> lock(mu);
    auto it = topics.find(topic);
    if (it == topics.end()) return;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const Entry& e) { return e.id == id; }), v.end());
    if (v.empty()) topics.erase(it);
  }

  std::size_t Deliver(std::string_view topic, const std::shared_ptr<const std::string>& payload, std::uint64_t except) {
    // Copied out (a few shared_ptrs): Deliver runs without the lock, so a sink may subscribe,
    // unsubscribe or publish from inside it.
    std::vector<std::shared_ptr<Sink>> sinks;
    {
      std::shared_lock<std::shared_mutex> lock(mu);
      auto it = topics.find(std::string(topic));
      if (it == topics.end()) return 0;
      sinks.reserve(it->second.size());
      for (const Entry& e : it->second)
        if (except == 0 || e.sink->ConnectionId() != except) sinks.push_back(e.sink);
    }
    for (auto& s : sinks) s->Deliver(payload, except);
    return sinks.size();
  }
};

Subscription::Subscription(Subscription&& o) noexcept
    : hub_(std::move(o.hub_)), topic_(std::move(o.topic_)), id_(std::exchange(o.id_, 0)) {}

Subscription& Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    Reset();
    hub_ = std::move(o.hub_);
    topic_ = std::move(o.topic_);
    id_ = std::exchange(o.id_, 0);
  }
  return *this;
}

void Subscription::Reset() {
  if (id_ == 0) return;
  if (auto s = hub_.lock()) s->Remove(topic_, id_);
  id_ = 0;
  hub_.reset();
}

// ---- the Redis link ----

struct Hub::Link {
  std::shared_ptr<Subscription::Shared> topics;
  redis::Url url;
  std::string channel;
  std::string replica = core::RandomHex(8);

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool up = false;                    // the subscriber is subscribed
  redis::Connection* sub = nullptr;   // the subscriber's connection while it reads
  std::deque<std::string> pending;    // encoded messages for PUBLISH
  std::uint64_t remote_dropped = 0;
  std::thread publisher;
  std::thread subscriber;

  bool Sleep(int ms) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stop; });
    return !stop;
  }

  void Queue(std::string message) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stop) return;
      if (pending.size() >= kMaxPendingRemote) {
        ++remote_dropped;
        return;
      }
      pending.push_back(std::move(message));
    }
    cv.notify_all();
  }

  void PublishLoop() {
    std::unique_ptr<redis::Connection> c;
    bool down = false;
    int backoff = kFirstBackoffMs;
    for (;;) {
      std::string m;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || !pending.empty(); });
        if (pending.empty()) return;  // stopping, everything sent
        if (stop && down) return;     // stopping while Redis is away: the rest is dropped
        m = std::move(pending.front());
        pending.pop_front();
      }
      try {
        if (!c) c = redis::Connection::Open(url, kRedisTimeoutMs);
        c->Command({"PUBLISH", channel, m});
        if (down) core::Log(LogLevel::kInfo, "realtime: Redis is back (publishing)", {{"redis", url.text}});
        down = false;
        backoff = kFirstBackoffMs;
      } catch (const std::exception& e) {
        c.reset();
        if (!down)
          core::Log(LogLevel::kError, "realtime: lost Redis; events of this replica reach only its own clients until it is back",
                    {{"redis", url.text}, {"error", std::string(e.what())}});
        down = true;
        if (!Sleep(backoff)) return;
        backoff = std::min(backoff * 2, kMaxBackoffMs);
      }
    }
  }

  void SubscribeLoop() {
    bool down = false;
    int backoff = kFirstBackoffMs;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop) return;
      }
      std::unique_ptr<redis::Connection> c;
      try {
        c = redis::Connection::Open(url, kRedisTimeoutMs);
        c->Command({"SUBSCRIBE", channel});
        c->SetTimeout(0);  // idle channels are normal: wait for messages without end
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop) return;
          sub = c.get();
          up = true;
        }
        if (down) core::Log(LogLevel::kInfo, "realtime: Redis is back (receiving)", {{"redis", url.text}});
        down = false;
        backoff = kFirstBackoffMs;
        for (;;) {
          redis::Reply r = c->Read();
          // ["message", channel, payload]
          if (!r.IsArray() || r.elements.size() != 3 || r.elements[0].AsString() != "message") continue;
          std::string_view replica, topic, payload;
          if (!Decode(r.elements[2].AsString(), replica, topic, payload)) continue;
          if (replica == this->replica) continue;  // published here, delivered locally already
          topics->Deliver(topic, std::make_shared<const std::string>(payload), 0);
        }
      } catch (const std::exception& e) {
        {
          std::lock_guard<std::mutex> lock(mu);
          sub = nullptr;
          up = false;
          if (stop) return;
        }
        if (!down)
          core::Log(LogLevel::kError, "realtime: lost Redis; reconnecting (events of other replicas are missed meanwhile)",
                    {{"redis", url.text}, {"error", std::string(e.what())}});
        down = true;
        if (!Sleep(backoff)) return;
        backoff = std::min(backoff * 2, kMaxBackoffMs);
      }
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      if (sub) sub->Interrupt();
    }
    cv.notify_all();
    if (publisher.joinable()) publisher.join();
    if (subscriber.joinable()) subscriber.join();
  }
};

// ---- the hub ----

Hub::Hub() : s_(std::make_shared<Subscription::Shared>()) {}
Hub::~Hub() { StopLink(); }

Subscription Hub::Subscribe(std::string topic, std::shared_ptr<Sink> sink) {
  Subscription sub;
  if (!sink) return sub;
  std::unique_lock<std::shared_mutex> lock(s_->mu);
  sub.id_ = s_->next_id++;
  s_->topics[topic].push_back(Entry{sub.id_, std::move(sink)});
  sub.topic_ = std::move(topic);
  sub.hub_ = s_;
  return sub;
}

std::size_t Hub::Publish(std::string_view topic, std::string payload, std::uint64_t except_connection) {
  Link* link = link_.get();
  if (link) link->Queue(Encode(link->replica, topic, payload));
  auto shared = std::make_shared<const std::string>(std::move(payload));
  return s_->Deliver(topic, shared, except_connection);
}

std::size_t Hub::Count(std::string_view topic) const {
  std::shared_lock<std::shared_mutex> lock(s_->mu);
  auto it = s_->topics.find(std::string(topic));
  return it == s_->topics.end() ? 0 : it->second.size();
}

void Hub::StartLink(const HubOptions& options, const std::string& app_name) {
  if (link_) return;
  if (options.adapter == "local") return;
  if (options.adapter != "redis")
    throw StartupError("realtime: unknown adapter \"" + options.adapter + "\" (expected \"local\" or \"redis\")");
  if (options.url.empty()) throw StartupError("realtime: adapter \"redis\" needs a url (redis://host:port)");
  auto link = std::make_unique<Link>();
  try {
    link->url = redis::ParseUrl(options.url);
  } catch (const std::exception& e) {
    throw StartupError(std::string("realtime: ") + e.what());
  }
  link->topics = s_;
  link->channel = options.channel.empty() ? "lux:realtime:" + app_name : options.channel;
  Link* l = link.get();
  l->publisher = std::thread([l] { l->PublishLoop(); });
  l->subscriber = std::thread([l] { l->SubscribeLoop(); });
  link_ = std::move(link);
}

void Hub::StopLink() {
  if (!link_) return;
  link_->Stop();
  link_.reset();
}

bool Hub::LinkUp() const {
  if (!link_) return false;
  std::lock_guard<std::mutex> lock(link_->mu);
  return link_->up;
}

const std::string& Hub::ReplicaId() const {
  static const std::string kNone;
  return link_ ? link_->replica : kNone;
}

// ---- the App's component ----

namespace {

std::atomic<Hub*> g_current{nullptr};

class RealtimeComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kRealtime;
  RealtimeComponent() : Component(kOrder, "realtime") {}

  void Open(server::Host& host) override {
    ApplyEnv();
    if (options.adapter == "redis") {
      // One clear line at start when Redis cannot be reached; later outages only reconnect.
      try {
        redis::Ping(options.url, kRedisTimeoutMs);
      } catch (const std::exception& e) {
        throw StartupError("realtime: cannot reach Redis at " + SafeUrl() + ": " + e.what());
      }
    }
    hub.StartLink(options, host.AppName());
    g_current.store(&hub);
  }
  void Close() override {
    Hub* self = &hub;
    g_current.compare_exchange_strong(self, nullptr);
    hub.StopLink();
  }
  std::vector<server::ReadinessCheck> ReadinessChecks() override {
    if (options.adapter != "redis") return {};
    std::string url = options.url;
    return {{"redis", [url](server::Deadline deadline) {
               auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
               redis::Ping(url, static_cast<int>(left.count()));
             }}};
  }

  Hub hub;
  HubOptions options;

 private:
  std::string SafeUrl() const {
    try {
      return redis::ParseUrl(options.url).text;
    } catch (const std::exception&) {
      return "(invalid url)";
    }
  }
  // LUX_REALTIME_URL: `local`, or a Redis URL; without it, a bus on Redis (LUX_BUS_URL) carries
  // the realtime traffic too.
  void ApplyEnv() {
    auto is_redis = [](std::string_view u) { return u.rfind("redis://", 0) == 0 || u.rfind("unix://", 0) == 0; };
    if (const char* u = std::getenv("LUX_REALTIME_URL"); u && *u) {
      if (std::string_view(u) == "local") {
        options.adapter = "local";
      } else if (is_redis(u)) {
        options.adapter = "redis";
        options.url = u;
      } else {
        throw StartupError(std::string("env LUX_REALTIME_URL: expected redis://..., unix://... or local, got \"") + u + "\"");
      }
      return;
    }
    if (options.adapter != "local") return;
    if (const char* u = std::getenv("LUX_BUS_URL"); u && is_redis(u)) {
      options.adapter = "redis";
      options.url = u;
    }
  }
};

}  // namespace

Hub& HubOf(App& app) { return server::Ensure<RealtimeComponent>(app).hub; }
HubOptions& RealtimeOptions(App& app) { return server::Ensure<RealtimeComponent>(app).options; }
Hub* CurrentHub() { return g_current.load(); }

}  // namespace lux::realtime
