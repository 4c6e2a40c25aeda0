// The realtime hub: named topics with subscribers (SSE streams subscribed to an
// `sse_channel`, WebSocket connections in a room), one hub per server, run as the App's
// "realtime" component (server::Order::kRealtime, after the bus). Publish is callable from any
// thread (handlers, jobs, schedules, event subscribers); delivery to local subscribers is
// direct (Sink::Deliver, which never blocks: it queues into the connection's Outbox). Across
// replicas: with a Redis adapter (`realtime { adapter: "redis", url }`, LUX_REALTIME_URL, or a
// bus on Redis) every Publish is also sent on one Redis pub/sub channel named after the
// program, and each replica delivers what the others publish to its local subscribers.
// Entry points: Hub, Sink, Subscription, HubOf, CurrentHub.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "realtime/outbox.h"

namespace lux {
class App;
}

namespace lux::realtime {

// A receiver of a topic's payloads: one connection. Deliver is called from any thread, with no
// hub lock held, and must never block.
class Sink {
 public:
  virtual ~Sink() = default;
  // `origin_connection`: the connection whose handler published the payload (0 when it came
  // from elsewhere: a job, a schedule, another replica's non-connection publish).
  virtual void Deliver(std::shared_ptr<const std::string> payload, std::uint64_t origin_connection) = 0;
  // The connection this sink belongs to (NextConnectionId), so that a Publish with
  // `except_connection` skips it; 0: none.
  virtual std::uint64_t ConnectionId() const { return 0; }
};

// A process-wide unique id for a realtime connection (never 0).
std::uint64_t NextConnectionId();

struct HubOptions {
  // "local": this process only. "redis": also through Redis pub/sub to the other replicas.
  std::string adapter = "local";
  std::string url;      // adapter "redis": redis://... or unix://...
  std::string channel;  // the pub/sub channel; default `lux:realtime:<app name>`
};

class Hub;

// Unsubscribes when destroyed (or on Reset). Movable, not copyable. Safe to outlive the hub.
class Subscription {
 public:
  Subscription() = default;
  ~Subscription() { Reset(); }
  Subscription(Subscription&& o) noexcept;
  Subscription& operator=(Subscription&& o) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  void Reset();
  bool active() const { return id_ != 0; }

  struct Shared;

 private:
  friend class Hub;
  std::weak_ptr<Shared> hub_;
  std::string topic_;
  std::uint64_t id_ = 0;
};

class Hub {
 public:
  Hub();
  ~Hub();  // stops the Redis link
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  Subscription Subscribe(std::string topic, std::shared_ptr<Sink> sink);
  // Delivers `payload` to every local subscriber of `topic` but the sinks of connection
  // `except_connection` (0: none excluded) and, with a Redis link, to the other replicas. Never
  // blocks on Redis (a background thread sends; while Redis is away remote sends are dropped,
  // at most kMaxPendingRemote wait). Returns the number of local sinks it reached.
  std::size_t Publish(std::string_view topic, std::string payload, std::uint64_t except_connection = 0);
  // Local subscribers of `topic` now.
  std::size_t Count(std::string_view topic) const;

  // Connects the Redis link (adapter "redis"): the publisher and the subscriber thread, which
  // reconnects with backoff (logged once per outage). `app_name` names the default channel.
  // Throws lux::StartupError for a bad adapter or URL. Idempotent once running.
  void StartLink(const HubOptions& options, const std::string& app_name);
  // Stops the link threads (local delivery keeps working).
  void StopLink();
  // Whether the subscriber connection is subscribed now (tests, readiness).
  bool LinkUp() const;
  // This replica's id in remote messages.
  const std::string& ReplicaId() const;

  // Payloads that at most wait for the Redis publisher; beyond it the newest are dropped.
  static constexpr std::size_t kMaxPendingRemote = 10'000;

  struct Link;

 private:
  std::shared_ptr<Subscription::Shared> s_;
  std::unique_ptr<Link> link_;
};

// The hub of `app` (its "realtime" component, added on first use) and its options (set before
// Start; env LUX_REALTIME_URL overrides them).
Hub& HubOf(App& app);
HubOptions& RealtimeOptions(App& app);
// The hub of the App that is serving in this process (nullptr before one starts): what
// `channel.send` from a job or a schedule publishes on.
Hub* CurrentHub();

}  // namespace lux::realtime
