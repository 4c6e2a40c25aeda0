// JobsState: one App's jobs and schedules (what it registered, its JobsConfig) and, while the
// App runs, its store, worker pool and scheduler. Two runtime components drive it (jobs.cpp):
// "jobs" (Open: the store; Start/Stop: the worker pool; Close) and "scheduler" (Start/Stop);
// admin.cpp and cli.cpp use it. rt::SpawnJob finds the open one (one per process).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/process_lease.h"
#include "server/component.h"
#include "jobs/clock.h"
#include "jobs/queue.h"
#include "jobs/registry.h"
#include "jobs/scheduler.h"
#include "jobs/store.h"

namespace lux::jobs {

class JobsState {
 public:
  ~JobsState();

  // Applies LUX_JOBS_PATH / LUX_JOB_WORKERS / LUX_SCHEDULER_ENABLED / LUX_ADMIN_TOKEN /
  // LUX_JOBS_SYNC / LUX_JOBS_URL..., opens the store (SQLite, or Redis for adapter "redis") and
  // makes this the process's running jobs state. kServe: also recovers jobs left running and
  // warns about stored jobs without a handler (the commands open without, since a server may
  // be running on the same store). kAdmin (`jobs`, `jobs retry`): an embedded store file must
  // exist already (run from another directory, the command would create an empty one and
  // report nothing). Throws StartupError.
  void Open(const std::string& app_name, server::RunMode mode);
  // Starts the worker pool.
  void StartWorkers();
  // Makes the scheduler (admin routes and triggers use it) and starts it when enabled (with the
  // embedded store: once this process holds `tick_lease`).
  void StartScheduler();
  // Stops the scheduler; a running task gets until `deadline`. Then lets `tick_lease` go unless
  // a task still runs.
  void StopScheduler(std::chrono::steady_clock::time_point deadline);
  // Stops the pool; running jobs get until `deadline`. Then lets `lease` go unless a job still
  // runs (it stays `running` on disk: the lease goes with the process, the next holder recovers it).
  void StopWorkers(std::chrono::steady_clock::time_point deadline);
  // Both, the scheduler first.
  void Stop(std::chrono::steady_clock::time_point deadline);
  // Closes the store; SpawnJob fails from here on.
  void Close();

  std::string Spawn(std::string_view name, Value args, const SpawnOptions& options);
  // LUX_JOBS_URL / LUX_JOBS_PREFIX / LUX_JOBS_VISIBILITY_MS over `config`, then checks the
  // backend settings. Throws StartupError.
  void ApplyBackendEnv();

  JobsConfig config;
  JobRegistry jobs;
  std::vector<ScheduleDef> schedules;
  // Test hooks: replaced before Start.
  Clock* clock = nullptr;
  std::function<double()> jitter;

  std::string path;  // resolved store path, or the Redis URL
  std::unique_ptr<JobStore> store;
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<Scheduler> scheduler;
  // The embedded store's leases (a file store, serving; core/process_lease.h), so that the two
  // processes of a `luxc dev` swap never both do what only one may: `lease` lets its holder
  // recover the jobs a stopped process left `running` (a live process's running jobs are never
  // taken from it); `tick_lease` lets its holder tick the schedules. Both worker pools claim
  // meanwhile (each claim is one transaction: a job goes to one process). Null for Redis
  // (replicas arbitrate in the store) and in-memory stores.
  std::unique_ptr<core::ProcessLease> lease;
  std::unique_ptr<core::ProcessLease> tick_lease;

 private:
  // Jobs a stopped process left `running` back to pending.
  void RecoverInterrupted();
};

// The App's state, created on first use (RegisterJob, Jobs(app), ...) with its two components;
// FindState: nullptr when the App registered nothing job-related.
JobsState& StateOf(App& app);
JobsState* FindState(App& app);

// The state rt::SpawnJob uses (nullptr when none is open).
JobsState* RunningState();

}  // namespace lux::jobs
