// The instrumentation points of the runtime's subsystems, one call each (docs/runtime.md,
// "Metrics" lists every metric): jobs, schedules, events, RPC and breakers, the database. The
// series of a name (job, schedule, event, service) is looked up by that name on each call —
// these paths already pay for a store write or a network call; the HTTP path resolves its
// series once instead (metrics.cpp). Collectors (values computed at scrape) are registered by
// the component that owns the data and removed when the returned handle is released.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lux::metrics {

using Clock = std::chrono::steady_clock;

// ---- jobs (src/jobs) ----
void JobEnqueued(const std::string& job);
Clock::time_point JobStarted(const std::string& job);
// One attempt ended: succeeded or failed (a failed attempt may be retried), with its duration.
void JobFinished(const std::string& job, bool ok, Clock::time_point started);
void JobDeadLettered(const std::string& job);

// ---- schedules ----
void ScheduleRun(const std::string& schedule);
void ScheduleSkipped(const std::string& schedule);
void ScheduleFailed(const std::string& schedule);
// How late a run started after its planned instant.
void ScheduleLag(const std::string& schedule, std::int64_t lag_ms);

// ---- events (src/bus) ----
void EventPublished(std::string_view event);
// One delivery attempt to a subscriber or a peer.
void EventDelivery(std::string_view event, bool ok);

// ---- RPC (src/services) ----
// ok: answered; refused: answered 4xx; error: no answer, a 5xx or not JSON; rejected: breaker open.
enum class RpcOutcome { kOk, kRefused, kError, kRejected };
void RpcCall(std::string_view service, RpcOutcome outcome, Clock::time_point started);
// A breaker's state changed: 0 closed, 1 half-open, 2 open.
void BreakerTransition(std::string_view service, int to);

// ---- database (src/db) ----
// The pools' connections: leased (+1/-1) and idle (+1/-1).
void DbConnectionsInUse(int delta);
void DbConnectionsIdle(int delta);
void DbPoolWait();
// A statement of db.query/db.run (`operation`: "query" or "run"), timed from construction.
class DbTimer {
 public:
  explicit DbTimer(const char* operation) : operation_(operation), started_(Clock::now()) {}
  ~DbTimer();
  DbTimer(const DbTimer&) = delete;
  DbTimer& operator=(const DbTimer&) = delete;

 private:
  const char* operation_;
  Clock::time_point started_;
};

// ---- gauges computed at scrape ----
// `fn` returns the series of gauge `name` as (label value, value) pairs; `label` names the
// label (empty: one series, the first pair's label ignored). Kept while the handle lives.
using GaugeFn = std::function<std::vector<std::pair<std::string, double>>()>;
std::shared_ptr<void> WatchGauge(std::string name, std::string help, std::string label, GaugeFn fn);

}  // namespace lux::metrics
