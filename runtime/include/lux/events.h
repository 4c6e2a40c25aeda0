// The event bus: `subscribe "event" fn(data: T) { }` and `publish("event", data)`, within a
// server and across the servers of a program. publish() writes the event to a durable outbox
// (SQLite) before it returns, one row per destination ("lane": each local subscriber, each peer
// server that subscribes); a thread per lane delivers its rows in order, so events of one
// publisher keep their order per destination, and retries until the destination takes them.
// Peers receive events at POST /_lux/events and de-duplicate them by event id. Implementation
// in src/bus/; users' view: docs/runtime.md#events.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/error.h"
#include "lux/http.h"
#include "lux/value.h"

namespace lux {

// A local handler that fails is retried this many times in all (with backoff), then the event
// is moved to the bus's dead-letter table for that subscriber; the other subscribers, later
// events and the publisher are not affected.
inline constexpr int kMaxEventAttempts = 5;

// Thrown by a subscriber whose declared payload type does not fit the event's data: the event
// is logged as rejected for that subscriber and not retried.
class PayloadRejected : public Error {
 public:
  explicit PayloadRejected(const std::string& message) : Error(message, 400) {}
};

// Where the outbox lives: LUX_EVENTS_PATH overrides; "" = ".lux/<app name>.events.db";
// ":memory:" keeps events in memory only (lost on a restart). LUX_BUS_TOKEN, when set, is sent
// to peers and required from them (Authorization: Bearer) on POST /_lux/events.
// With adapter "redis" (`bus { adapter: "redis", url: ... }`, or LUX_BUS_URL=redis://...;
// LUX_BUS_URL=embedded goes back) events go through Redis Streams instead: every server of the
// program must then use the same Redis and prefix (LUX_BUS_PREFIX, LUX_BUS_VISIBILITY_MS).
struct EventsConfig {
  std::string path;
  std::string adapter = "sqlite";  // "sqlite": the embedded outbox, peers over HTTP; "redis"
  std::string url;                 // adapter "redis": redis://[:password@]host[:port][/db]
  std::string prefix = "lux";      // Redis keys are `<prefix>:{bus}:...`
  // An event whose replica stopped handling it is taken over by another replica after this long.
  std::int64_t visibility_timeout_ms = 30'000;
  // Whether other servers of the program deliver events to this one over HTTP (POST
  // /_lux/events, signed with the program secret). The code generator sets it to false for a
  // server whose subscriptions only hear its own publishes: that server then answers 404 there
  // and needs no LUX_PROGRAM_SECRET.
  bool from_peers = true;
};

// `subscribe "e" with { broadcast: true }`: on a shared bus (Redis) every running replica of the
// server receives each event, instead of one replica per server. A broadcast subscription sees
// events published while it runs (its consumer group is the replica's own); nothing is kept for
// a replica that is down. On the embedded bus a server is one process, so it changes nothing.
struct SubscribeOptions {
  bool broadcast = false;
};

// Registration, before Start/Run.
void RegisterSubscriber(App& app, std::string event, std::function<void(const Value& data)> handler,
                        SubscribeOptions options = {});
// Another server of the program that subscribes to `events`, one entry per `subscribe` (an
// event it subscribes to twice is listed twice). Its URL: LUX_PEER_<NAME>_URL, else
// `default_url` (the code generator passes the peer's declared port on 127.0.0.1). `app_name`:
// the peer's App name (its executable; "" = `server`), which names its consumer groups on Redis.
// `broadcast`: empty, or one flag per entry of `events` (SubscribeOptions::broadcast): no
// consumer group is kept for a broadcast subscription of a peer.
void RegisterPeer(App& app, std::string server, std::vector<std::string> events, std::string default_url,
                  std::string app_name = "", std::vector<bool> broadcast = {});
EventsConfig& Events(App& app);

namespace rt {
// `publish(event, data)`: durable in the outbox when it returns; returns the event id.
// Without a subscriber anywhere it does nothing and returns "".
std::string Publish(std::string_view event, Value data);
}  // namespace rt

}  // namespace lux
