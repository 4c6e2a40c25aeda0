// JobQueue: the worker pool that runs stored jobs. A dispatcher thread claims due jobs from the
// JobStore (only as many as there are free workers), hands them to `workers` threads (separate
// from the HTTP I/O threads), records success, retry with backoff, or the dead letter, and
// fails attempts that overrun their timeout (the stuck thread is replaced and its eventual
// result discarded). Entry points: JobQueue, BackoffDelayMs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "jobs/clock.h"
#include "jobs/registry.h"
#include "jobs/store.h"

namespace lux::jobs {

// Jitter applied to every backoff: the delay is multiplied by a factor in [1-k, 1+k].
inline constexpr double kBackoffJitter = 0.2;
// The dispatcher looks at the store at least this often even when nothing woke it, to pick up
// jobs other processes added (`jobs retry`, `run-task`) and to notice timeouts.
inline constexpr std::int64_t kStorePollMs = 1000;
// Most worker threads a program may ask for (LUX_JOB_WORKERS).
inline constexpr int kMaxJobWorkers = 256;

// The wait before the next attempt after attempt `failed_attempt` (1-based) failed:
// exponential backoff_ms * 2^(n-1) or fixed backoff_ms, times `jitter_factor`, capped at
// kMaxBackoffMs.
std::int64_t BackoffDelayMs(const JobOptions& options, int failed_attempt, double jitter_factor);

class JobQueue {
 public:
  struct Options {
    int workers = 4;
    Clock* clock = nullptr;  // nullptr: SystemClock()
    // Returns a factor in [1-kBackoffJitter, 1+kBackoffJitter]; empty: uniform random.
    std::function<double()> jitter;
  };

  JobQueue(JobStore& store, const JobRegistry& registry, Options options);
  ~JobQueue();  // Stop() with no grace if still running
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  void Start();
  // A job was enqueued: look at the store now.
  void Poke();
  // Claims nothing more; waits for running attempts until `deadline`, then leaves the rest
  // (they stay `running` in the store and are recovered at the next start). Returns how many
  // attempts were still running at the deadline.
  int Stop(std::chrono::steady_clock::time_point deadline);

  struct State;

 private:
  std::shared_ptr<State> s_;
};

}  // namespace lux::jobs
