// The subsystems' instrumentation points (instrument.h) over the process registry.
#include "metrics/instrument.h"

#include "metrics/registry.h"

namespace lux::metrics {
namespace {

Family& Counter(const char* name, const char* help, std::vector<std::string> labels) {
  return Registry::Default().Add(name, help, Type::kCounter, std::move(labels));
}
Family& Histogram(const char* name, const char* help, std::vector<std::string> labels,
                  const std::vector<double>& bounds) {
  return Registry::Default().Add(name, help, Type::kHistogram, std::move(labels), bounds);
}
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A schedule's lag: a timer thread wakes within milliseconds; a loaded machine, seconds.
const std::vector<double> kLagBounds = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60};

struct Jobs {
  Family& enqueued = Counter("lux_jobs_enqueued", "Jobs stored by spawn_job, by background fn.", {"job"});
  Family& started = Counter("lux_jobs_started", "Job attempts started, by background fn.", {"job"});
  Family& succeeded = Counter("lux_jobs_succeeded", "Job attempts that succeeded, by background fn.", {"job"});
  Family& failed = Counter("lux_jobs_failed", "Job attempts that failed (retried or dead-lettered), by background fn.", {"job"});
  Family& dead = Counter("lux_jobs_dead_lettered", "Jobs moved to the dead letter after their last attempt failed.", {"job"});
  Family& duration = Histogram("lux_job_duration_seconds", "Duration of job attempts, by background fn.", {"job"},
                               kDurationBounds);
};
Jobs& J() {
  static Jobs* j = new Jobs();
  return *j;
}

struct Schedules {
  Family& runs = Counter("lux_schedule_runs", "Runs of a schedule started (by its timer or a manual trigger).", {"schedule"});
  Family& skips = Counter("lux_schedule_skips", "Ticks skipped because the previous run was still going (overlap: skip).",
                          {"schedule"});
  Family& failures = Counter("lux_schedule_failures", "Runs of a schedule that threw.", {"schedule"});
  Family& lag = Histogram("lux_schedule_lag_seconds", "How late a scheduled run started after its planned instant.",
                          {"schedule"}, kLagBounds);
};
Schedules& S() {
  static Schedules* s = new Schedules();
  return *s;
}

struct Events {
  Family& published = Counter("lux_events_published", "Events published (once per publish, whatever the fan-out).", {"event"});
  Family& delivered = Counter("lux_events_delivered", "Deliveries of an event to a subscriber or peer that succeeded.", {"event"});
  Family& failed = Counter("lux_events_failed", "Delivery attempts of an event that failed (retried or dead-lettered).", {"event"});
};
Events& E() {
  static Events* e = new Events();
  return *e;
}

struct Rpc {
  Family& calls = Counter("lux_rpc_calls", "Calls of a discovered service, by outcome (ok, refused with a 4xx, error, rejected by the breaker).",
                          {"service", "outcome"});
  Family& duration = Histogram("lux_rpc_call_duration_seconds", "Duration of calls of a discovered service.", {"service"},
                               kDurationBounds);
  Family& transitions = Counter("lux_breaker_transitions", "Circuit breaker state changes, by the state entered.",
                                {"service", "to"});
};
Rpc& R() {
  static Rpc* r = new Rpc();
  return *r;
}

struct Db {
  Family& connections = Registry::Default().Add("lux_db_connections", "Database connections of the pool, by state.",
                                                Type::kGauge, {"state"});
  Series& in_use = connections.With({"in_use"});
  Series& idle = connections.With({"idle"});
  Series& waits = Counter("lux_db_pool_waits", "Acquisitions that waited for a free connection at the pool's cap.", {}).With({});
  Family& duration = Histogram("lux_db_query_duration_seconds", "Duration of db.query and db.run statements.",
                               {"operation"}, kDurationBounds);
  Series& query = duration.With({"query"});
  Series& run = duration.With({"run"});
};
Db& D() {
  static Db* d = new Db();
  return *d;
}

}  // namespace

void JobEnqueued(const std::string& job) { J().enqueued.With({job}).Add(); }
Clock::time_point JobStarted(const std::string& job) {
  J().started.With({job}).Add();
  return Clock::now();
}
void JobFinished(const std::string& job, bool ok, Clock::time_point started) {
  (ok ? J().succeeded : J().failed).With({job}).Add();
  J().duration.With({job}).Observe(Since(started));
}
void JobDeadLettered(const std::string& job) { J().dead.With({job}).Add(); }

void ScheduleRun(const std::string& schedule) { S().runs.With({schedule}).Add(); }
void ScheduleSkipped(const std::string& schedule) { S().skips.With({schedule}).Add(); }
void ScheduleFailed(const std::string& schedule) { S().failures.With({schedule}).Add(); }
void ScheduleLag(const std::string& schedule, std::int64_t lag_ms) {
  S().lag.With({schedule}).Observe(static_cast<double>(lag_ms < 0 ? 0 : lag_ms) / 1000.0);
}

void EventPublished(std::string_view event) { E().published.With({std::string(event)}).Add(); }
void EventDelivery(std::string_view event, bool ok) { (ok ? E().delivered : E().failed).With({std::string(event)}).Add(); }

void RpcCall(std::string_view service, RpcOutcome outcome, Clock::time_point started) {
  static const char* const kNames[] = {"ok", "refused", "error", "rejected"};
  std::string s(service);
  R().calls.With({s, kNames[static_cast<int>(outcome)]}).Add();
  if (outcome != RpcOutcome::kRejected) R().duration.With({s}).Observe(Since(started));
}
void BreakerTransition(std::string_view service, int to) {
  static const char* const kNames[] = {"closed", "half_open", "open"};
  if (to < 0 || to > 2) return;
  R().transitions.With({std::string(service), kNames[to]}).Add();
}

void DbConnectionsInUse(int delta) { D().in_use.Add(delta); }
void DbConnectionsIdle(int delta) { D().idle.Add(delta); }
void DbPoolWait() { D().waits.Add(); }
DbTimer::~DbTimer() {
  (operation_[0] == 'q' ? D().query : D().run).Observe(Since(started_));
}

std::shared_ptr<void> WatchGauge(std::string name, std::string help, std::string label, GaugeFn fn) {
  return Registry::Default().AddCollector(
      [name = std::move(name), help = std::move(help), label = std::move(label), fn = std::move(fn)](
          std::vector<FamilySnapshot>& out) {
        FamilySnapshot f{name, help, Type::kGauge, {}, {}};
        for (auto& [value_label, value] : fn()) {
          SeriesSnapshot s;
          if (!label.empty()) s.labels.emplace_back(label, value_label);
          s.value = value;
          f.series.push_back(std::move(s));
        }
        if (!f.series.empty()) out.push_back(std::move(f));
      });
}

}  // namespace lux::metrics
