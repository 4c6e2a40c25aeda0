// Scheduler: fires `schedule` tasks (cron, via lux_common, in their time zone) and RegisterEvery
// intervals. One thread sleeps until the next fire instant; each run gets its own thread so a
// slow task never delays another schedule. Overlap, missed runs (from the stored last-fire
// time) and run_on_start follow ScheduleOptions. Entry points: Scheduler, NextFireMs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/clock.h"
#include "jobs/registry.h"
#include "jobs/store.h"

namespace lux::jobs {

// The first fire instant of `def` strictly after `after_ms` (cron: in its zone; interval:
// after_ms + interval), or kNever.
std::int64_t NextFireMs(const ScheduleDef& def, std::int64_t after_ms);
// The first multiple of `interval_ms` (since the epoch) strictly after `after_ms`: where
// `every` schedules fire when replicas share the store.
std::int64_t AlignedNextMs(std::int64_t interval_ms, std::int64_t after_ms);

class Scheduler {
 public:
  Scheduler(JobStore& store, const std::vector<ScheduleDef>& defs, Clock* clock = nullptr);
  ~Scheduler();  // Stop() with no grace if still running
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Computes next fire times, handles missed runs and run_on_start, logs each schedule's next
  // fire time, and starts the timer thread. Without calling it, Trigger still works.
  void Start();

  enum class TriggerResult { kStarted, kUnknown, kBusy };
  // A manual run (`POST /_lux/schedules/:name/run`): kBusy when a run is in progress and the
  // schedule's overlap is kSkip.
  TriggerResult Trigger(const std::string& name);

  struct Info {
    std::string name;
    std::string cron;  // "" for intervals
    std::int64_t interval_ms = 0;
    std::string tz;
    std::string description;
    std::optional<std::int64_t> next_fire_ms;  // nullopt when not started or never
    int running = 0;
  };
  std::vector<Info> Describe();

  struct Stats {
    std::int64_t started = 0;  // runs begun (ticks, manual, start-up)
    std::int64_t skipped = 0;  // ticks skipped because a run was still going
    std::int64_t failed = 0;
    std::int64_t finished = 0;
    std::vector<std::int64_t> delays_ms;  // tick runs: start minus planned instant (last kKeptDelays)
  };
  Stats StatsOf(const std::string& name);

  // No more runs; waits for running tasks until `deadline`. Returns how many were still running.
  int Stop(std::chrono::steady_clock::time_point deadline);

  struct State;

 private:
  std::shared_ptr<State> s_;
};

// Firing delays kept per schedule for Stats.
inline constexpr std::size_t kKeptDelays = 64;

}  // namespace lux::jobs
