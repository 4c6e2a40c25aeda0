// JobStore: where jobs live between spawn_job and their last attempt, behind an interface so a
// networked backend (Redis) replaces SQLite without touching generated code or the queue.
// Times are Unix milliseconds. Delivery is at-least-once: a job is claimed (state `running`)
// before it runs and deleted after it succeeds; RecoverRunning() returns interrupted ones.
// A store that several processes share (Redis: replicas of one server) also arbitrates
// schedule ticks (ClaimTick) and wakes the queue when another process adds work.
// Entry points: JobStore, StoredJob, OpenSqliteStore (sqlite_store.cpp), OpenRedisStore
// (redis_store.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lux::jobs {

struct StoredJob {
  std::string id;         // UUID v4 text
  std::string name;       // the `background fn`
  std::string args_json;  // JSON array, stored as text
  std::string state;      // "pending" | "running" (dead jobs are in the dead letter)
  int priority = 0;
  int attempts = 0;       // attempts started so far (a claim counts one)
  int max_attempts = 1;
  std::int64_t run_at_ms = 0;
  std::int64_t created_at_ms = 0;
  std::string last_error;
  std::string request_id;  // of the request that spawned it ("" outside a request)
  std::string traceparent; // the trace context it was spawned in ("" outside a trace or with tracing off)
};

struct JobCounts {
  std::int64_t pending = 0;    // due now
  std::int64_t scheduled = 0;  // waiting for their run_at (delay or retry backoff)
  std::int64_t running = 0;
  std::int64_t dead = 0;       // in the dead letter
  std::int64_t completed = 0;  // ever, persistent counter
};

struct FailureRecord {
  std::string id;
  std::string name;
  int attempt = 0;
  std::string error;
  std::int64_t at_ms = 0;
};

class JobStore {
 public:
  virtual ~JobStore() = default;
  // Stores a new pending job; durable when this returns (per the store's sync mode).
  virtual void Enqueue(const StoredJob& job) = 0;
  // Up to `limit` pending jobs with run_at <= now, by priority (high first), then run_at, then
  // insertion order; each is marked running with its attempt count incremented. `completed`:
  // jobs whose attempt succeeded since the last claim, completed in the same transaction (one
  // commit per claim instead of one per finished job; if the process dies first they run
  // again, which at-least-once allows).
  virtual std::vector<StoredJob> ClaimDue(std::int64_t now_ms, int limit,
                                          const std::vector<std::string>& completed = {}) = 0;
  // The earliest run_at among pending runnable jobs.
  virtual std::optional<std::int64_t> NextRunAt() = 0;
  // A claimed job that will not run now (shutdown): back to pending, the claim not counted.
  virtual void Release(const std::string& id) = 0;
  // The attempt succeeded: the job is deleted and the completed counter grows.
  virtual void Complete(const std::string& id) = 0;
  // The attempt failed: retry at `retry_at_ms`, or (nullopt) move to the dead letter.
  virtual void Fail(const std::string& id, const std::string& error, std::int64_t now_ms,
                    std::optional<std::int64_t> retry_at_ms) = 0;
  // Jobs left `running` by a process that stopped: back to pending. Returns how many.
  virtual int RecoverRunning(const std::string& note) = 0;
  virtual JobCounts Counts(std::int64_t now_ms) = 0;
  // Newest first.
  virtual std::vector<FailureRecord> RecentFailures(int limit) = 0;
  // A dead-letter job back to pending (attempts reset), or a pending job waiting for a retry
  // moved to now. False when no such job exists.
  virtual bool Retry(const std::string& id, std::int64_t now_ms) = 0;
  virtual std::optional<StoredJob> Find(const std::string& id) = 0;
  // Only jobs with these names are claimed (others stay pending). Not called: all names.
  virtual void SetRunnableNames(const std::vector<std::string>& names) = 0;
  // Pending or running job names that are not runnable, with their counts.
  virtual std::vector<std::pair<std::string, std::int64_t>> UnrunnableNames() = 0;
  virtual std::optional<std::int64_t> LastFire(const std::string& schedule) = 0;
  virtual void SetLastFire(const std::string& schedule, std::int64_t at_ms) = 0;

  // ---- several processes on one store ----
  // True when other processes may use this store at the same time (replicas): RecoverRunning
  // then only takes back jobs whose lease ran out, and the scheduler claims every tick here
  // (and aligns `every` intervals to the epoch so that all replicas agree on the instants).
  virtual bool Shared() const { return false; }
  enum class TickClaim {
    kRun,    // this process runs the tick
    kTaken,  // another process claimed this tick (or a later one): nothing to do
    kBusy,   // claimed, but a run of the schedule is still going (overlap: skip): skipped
  };
  // Claims tick `tick_ms` of `schedule` for this process; of all processes asking for the same
  // tick exactly one gets kRun or kBusy. With `exclusive` (overlap: skip) the claim also takes
  // the schedule's run lease, held until EndRun (kBusy while any process holds it, or while
  // `running_here`). The embedded store always answers kRun.
  virtual TickClaim ClaimTick(const std::string& schedule, std::int64_t tick_ms, bool exclusive, bool running_here) {
    return TickClaim::kRun;
  }
  // The run that ClaimTick(exclusive) started is over: its run lease is released.
  virtual void EndRun(const std::string& schedule) {}
  // `wake` is called (on a store thread) when another process may have added due work; empty
  // to stop. The embedded store never calls it.
  virtual void SetWakeup(std::function<void()> wake) {}
};

enum class SyncMode { kNormal, kFull };

// Opens (creating) the SQLite store at `path` (":memory:" = in memory; the parent directory is
// created). Throws lux::Error on failure.
std::unique_ptr<JobStore> OpenSqliteStore(const std::string& path, SyncMode sync = SyncMode::kNormal);

// The Redis store (redis_store.cpp): `url` is redis://..., keys are `<prefix>:{<app>}:...`.
// A claimed job holds a lease of `visibility_ms`, renewed while this process runs it; a job
// whose lease runs out (its process died) is claimed again by any replica. Throws lux::Error
// when Redis cannot be reached.
struct RedisStoreOptions {
  std::string url;
  std::string prefix = "lux";
  std::string app;
  std::int64_t visibility_ms = 30'000;
};
std::unique_ptr<JobStore> OpenRedisStore(const RedisStoreOptions& options);

// Most failures kept for RecentFailures (older ones are deleted as new ones arrive).
inline constexpr int kKeptFailures = 100;

}  // namespace lux::jobs
