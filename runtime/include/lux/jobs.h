// Background jobs and scheduled tasks: `background fn` + `spawn_job`, and `schedule`.
// Registration functions take the App whose lifecycle runs them: the job store opens before
// on_start, workers and the scheduler start after it, and on shutdown they stop (running jobs
// finish up to the drain deadline, waiting ones stay on disk) before on_stop. The store, the
// worker pool and the scheduler live in src/jobs/ (SQLite behind a store interface).
// Users' view: docs/runtime.md#jobs; the options below are the Lux `with { ... }` options.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"
#include "lux/value.h"

namespace lux {

enum class Backoff : std::uint8_t {
  kExponential,  // backoff_ms, 2x, 4x, ... capped at kMaxBackoffMs; +-20% jitter
  kFixed,        // backoff_ms every time; +-20% jitter
};

// Longest wait between two attempts, whatever the backoff says (an hour).
inline constexpr std::int64_t kMaxBackoffMs = 3'600'000;
// Most attempts a job may ask for: a retry loop without end is a bug, not a policy.
inline constexpr int kMaxJobAttempts = 100;

// `background fn name(...) with { attempts, backoff, backoff_delay, delay, timeout, priority }`
struct JobOptions {
  int attempts = 3;                         // runs in all, the first included
  Backoff backoff = Backoff::kExponential;  // `backoff: "exponential" | "fixed"`
  std::int64_t backoff_ms = 1000;           // `backoff_delay`: the wait before the 2nd attempt
  std::int64_t delay_ms = 0;                // `delay`: the wait before the 1st attempt
  std::int64_t timeout_ms = 300'000;        // `timeout`: an attempt still running is failed (0: none)
  int priority = 0;                         // `priority`: among due jobs, higher runs first
};

// A job's body: `args` is the array of the arguments given to spawn_job (as JSON values: jobs
// are stored, so what a job receives is what survives a round trip through JSON). Throwing
// fails the attempt.
using JobHandler = std::function<void(const Value& args)>;

// `spawn_job_in(delay, ...)` and `spawn_job_with({ delay, priority }, ...)`.
struct SpawnOptions {
  std::optional<std::int64_t> delay_ms;  // default: the job's `delay`
  std::optional<int> priority;           // default: the job's `priority`
};

enum class Overlap : std::uint8_t {
  kSkip,   // a tick that comes while the previous run is still running is skipped (logged)
  kAllow,  // runs may overlap
};

enum class Missed : std::uint8_t {
  kSkip,     // ticks that passed while the process was down are not run
  kRunOnce,  // if at least one was missed, run once at start
};

// `schedule ... with { tz, overlap, run_on_start, missed }`
struct ScheduleOptions {
  std::string tz = "UTC";  // IANA name ("Europe/Berlin"), "UTC" or a fixed offset ("+02:00")
  Overlap overlap = Overlap::kSkip;
  bool run_on_start = false;  // also run once right after on_start
  Missed missed = Missed::kSkip;
};

// How long a job claimed from Redis stays claimed without its worker renewing the lease (the
// worker renews it every third of this while the job runs): a job whose process died is run
// again by another replica after at most this long.
inline constexpr std::int64_t kDefaultVisibilityTimeoutMs = 30'000;
// Shorter leases are refused: renewals would be a busy loop, and a loaded machine's scheduling
// delays alone would let leases of live workers lapse (and their jobs run twice).
inline constexpr std::int64_t kMinVisibilityTimeoutMs = 100;

// Where and how jobs run. Environment overrides at Run()/Start():
//   LUX_JOBS_PATH (":memory:" keeps jobs in memory only), LUX_JOB_WORKERS,
//   LUX_SCHEDULER_ENABLED=false (run tasks from an external cron: `<binary> run-task NAME`),
//   LUX_ADMIN_TOKEN (enables /_lux/jobs and /_lux/schedules; absent: those answer 404),
//   LUX_JOBS_SYNC=full (fsync every commit: jobs survive power loss, not only a process kill),
//   LUX_JOBS_URL=redis://host:port/db (jobs on Redis, shared by every replica; `embedded` goes
//   back to SQLite), LUX_JOBS_PREFIX, LUX_JOBS_VISIBILITY_MS.
struct JobsConfig {
  std::string path;  // "" = ".lux/<app name>.jobs.db" under the working directory
  int workers = 4;   // jobs running at once
  bool scheduler_enabled = true;
  std::string admin_token;
  // `jobs { adapter: "redis", url: ..., prefix: ..., visibility_timeout: ... }`
  std::string adapter = "sqlite";  // "sqlite" (embedded, one process) or "redis" (replicas)
  std::string url;                 // adapter "redis": redis://[:password@]host[:port][/db]
  std::string prefix = "lux";      // Redis keys are `<prefix>:{<app name>}:...`
  std::int64_t visibility_timeout_ms = kDefaultVisibilityTimeoutMs;
};

// Registration, before Start/Run. Throws std::invalid_argument on a duplicate name, bad
// options, a cron expression that does not parse or never fires, or an unknown time zone.
void RegisterJob(App& app, std::string name, JobOptions options, JobHandler handler);
void RegisterSchedule(App& app, std::string name, std::string_view cron, ScheduleOptions options, Hook task);
void RegisterEvery(App& app, std::string name, std::int64_t interval_ms, ScheduleOptions options, Hook task);
JobsConfig& Jobs(App& app);

namespace rt {
// `spawn_job(name, args...)`: stores the job and returns its id; the job is on disk when this
// returns (durable store). `args` is an array. Throws lux::Error for an unknown job or when
// no App with jobs is running in this process.
std::string SpawnJob(std::string_view name, Value args, const SpawnOptions& options = {});
}  // namespace rt

}  // namespace lux
