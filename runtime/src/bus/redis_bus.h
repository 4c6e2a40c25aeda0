// The event bus on Redis Streams (`bus { adapter: "redis" }` or LUX_BUS_URL): one stream per
// event, one consumer group per subscription (server, and its n-th `subscribe` of that event),
// one consumer per process. Publishing is one XADD, whatever the number of subscribers; each
// group gets every event, and within a group each event goes to one replica: every subscribing
// server handles each event once, not once per replica. A stream keeps an event until every
// group has acknowledged it (trimmed by XTRIM MINID), so a subscriber that is down gets it when
// it is back. A replica that dies mid-handler leaves the event pending; another replica takes
// it over (XAUTOCLAIM) after the visibility timeout. Handler retries (kMaxEventAttempts) and
// the dead letter (stream `dead`) follow the embedded bus. Entry points: RedisBus.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bus/outbox.h"

namespace lux::bus {

struct RedisBusOptions {
  std::string url;
  std::string prefix = "lux";  // keys `<prefix>:{bus}:...`
  std::string server;          // this server's name (its consumer groups are named after it)
  std::int64_t visibility_ms = 30'000;
};

// A local subscription: its event and its consumer group.
struct RedisSubscription {
  std::string event;
  std::string group;
  // Every replica reads all events: the group is `<group>@<consumer>`, the replica's own,
  // created when it starts, destroyed when it stops (or by the trim after a crash). Remote
  // broadcast subscriptions get no group from the publisher.
  bool broadcast = false;
};

// Runs local subscriber `index` on `row`; false with `error` (and `rejected` for a payload its
// type refuses, which is not retried).
using DeliverFn = std::function<bool(std::size_t index, const EventRow& row, std::string& error, bool& rejected)>;

// The consumer group of the `ordinal`-th (0-based) `subscribe` of an event in `server`:
// `server`, then `server#2`, `server#3`, ...
std::string GroupName(const std::string& server, int ordinal);

class RedisBus {
 public:
  // Connects and creates the groups of `local` and of `remote` (the groups of other servers
  // this one may publish to), so that events published from now on are kept for them even if
  // they never started yet. Throws lux::Error.
  RedisBus(RedisBusOptions options, std::vector<RedisSubscription> local, std::vector<RedisSubscription> remote,
           DeliverFn deliver);
  ~RedisBus();  // Stop()
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  // Starts one reader thread per local subscription and the lease/trim thread.
  void Start();
  // Stops reading; an event whose handler is running finishes first, one waiting for a retry
  // stays pending (another replica, or the next start, takes it over).
  void Stop();
  // XADD to the event's stream; returns the stream entry id.
  std::string Publish(const EventRow& row);
  // Events in the dead letter (all servers of the prefix).
  std::int64_t DeadCount();
  // Trims the streams this server reads now (the lease thread does it every 30 s); returns
  // how many entries went.
  std::int64_t TrimNow();
  // Events delivered to this group and not yet acknowledged, plus those not yet read by it.
  std::int64_t Backlog(const std::string& event, const std::string& group);
  // The Backlog of each local subscription as (`redis:<event>:<group>`, n): the lanes of
  // lux_events_outbox_depth on this bus. A subscription Redis does not answer for is left out.
  std::vector<std::pair<std::string, double>> Depths();

  struct State;

 private:
  std::shared_ptr<State> s_;
};

}  // namespace lux::bus
